"""Fixtures of the web page tests: the datasets tests' small world, built."""

from __future__ import annotations

from tests.datasets.conftest import built, corpus, world

__all__ = ["built", "corpus", "world"]
