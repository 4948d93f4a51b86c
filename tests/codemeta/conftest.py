"""Fixtures for the CodeMeta tests: real files only, read from ``fixtures/`` (see SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def read(relative: str) -> str:
    return (FIXTURES / relative).read_text(encoding="utf-8")


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
