"""The API benchmark, ``python -m benchmarks.api``: what it measures and how is the
docstring of :mod:`.main`, its command line."""

from __future__ import annotations

from benchmarks.api.main import main

__all__ = ["main"]
