"""Pure license detection: license texts, headers, SPDX tags, manifests, reconciliation.

No database here: every function takes text (or findings) and returns
:class:`Finding` objects shaped like :class:`app.models.LicenseFinding` rows. The
license-text engine is ScanCode Toolkit behind :class:`LicenseTextBackend`; see
:mod:`.scancode` for its measured costs and :mod:`.policy` for when a match is
trusted.
"""

from app.licenses.detection.backend import LicenseTextBackend, MatchKind, RawDetection, RawMatch
from app.licenses.detection.categories import (
    LicenseCategory,
    category_of_expression,
    category_of_license,
)
from app.licenses.detection.fulltext import (
    default_backend,
    detect_header,
    detect_in_text,
    detect_license_file,
    detect_readme,
)
from app.licenses.detection.inheritance import inherited_licenses
from app.licenses.detection.manifests import declared_licenses
from app.licenses.detection.model import Finding
from app.licenses.detection.paths import FileKind, file_kind
from app.licenses.detection.reconcile import EffectiveLicense, reconcile
from app.licenses.detection.spdx_tags import spdx_tag_findings
from app.licenses.detection.tree import TreeLicenses, detect_file, detect_tree

__all__ = [
    "EffectiveLicense",
    "FileKind",
    "Finding",
    "LicenseCategory",
    "LicenseTextBackend",
    "MatchKind",
    "RawDetection",
    "RawMatch",
    "TreeLicenses",
    "category_of_expression",
    "category_of_license",
    "declared_licenses",
    "default_backend",
    "detect_file",
    "detect_header",
    "detect_in_text",
    "detect_license_file",
    "detect_readme",
    "detect_tree",
    "file_kind",
    "inherited_licenses",
    "reconcile",
    "spdx_tag_findings",
]
