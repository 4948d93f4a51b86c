"""The Trove classifier table covers the real classifier list and maps to valid SPDX ids."""

from __future__ import annotations

from trove_classifiers import classifiers

from app.licenses.classifiers import CATEGORY_CLASSIFIERS, CLASSIFIER_TO_SPDX, UNMAPPED_CLASSIFIERS
from app.licenses.spdx import spdx_expression


def test_every_license_classifier_is_decided_exactly_once() -> None:
    real = {c for c in classifiers if c.startswith("License ::")}
    tables = [set(CLASSIFIER_TO_SPDX), set(UNMAPPED_CLASSIFIERS), set(CATEGORY_CLASSIFIERS)]
    assert set().union(*tables) == real
    assert sum(len(t) for t in tables) == len(real)


def test_every_mapped_value_is_a_valid_spdx_id() -> None:
    for classifier, spdx_id in CLASSIFIER_TO_SPDX.items():
        assert spdx_expression(spdx_id) == spdx_id, classifier


def test_ambiguous_classifiers_stay_unmapped() -> None:
    for name in ("BSD License", "GNU General Public License (GPL)", "Apache Software License"):
        assert f"License :: OSI Approved :: {name}" in UNMAPPED_CLASSIFIERS
