"""Recorded API responses for the forge mapper tests (see fixtures/SOURCES.md)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def _load(path: str) -> Any:
    with (FIXTURES / path).open(encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture
def load_fixture() -> Callable[[str], Any]:
    """``load_fixture("github/repo_x.json")``: a fresh copy, safe to mutate in a test."""
    return lambda path: copy.deepcopy(_load(path))
