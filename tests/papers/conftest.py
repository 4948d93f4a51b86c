"""Fixtures for the papers tests: recorded real responses, read from ``fixtures/``
(see SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
