"""Fixtures for the detection tests: real license texts on disk, one ScanCode index.

The ScanCode index loads once per test session (6-12 s on the 2-core CI machine,
~1.4 GB resident); everything else here is pure and takes milliseconds. When
ScanCode is not installed the full-text tests skip with the reason, the pure ones
still run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.licenses.detection.backend import LicenseTextBackend

SAMPLES = Path(__file__).parent / "samples"


def sample(relative: str) -> str:
    return (SAMPLES / relative).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def scancode() -> LicenseTextBackend:
    from app.licenses.detection import scancode

    if not scancode.is_available():
        pytest.skip("scancode-toolkit-mini is not installed (see app/licenses/detection)")
    backend = scancode.ScanCodeBackend()
    scancode.warm_up()
    return backend
