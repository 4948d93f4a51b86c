"""Facts tests run on real files copied into ``samples/`` (see its SOURCES.md); no
database, no network."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    """A sample's bytes. Python samples are stored as ``NAME.py.txt`` so that ruff
    and mypy, which check this folder, leave the verbatim third-party copies alone."""
    stored = f"{name}.txt" if name.endswith(".py") else name
    return (SAMPLES / stored).read_bytes()


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES
