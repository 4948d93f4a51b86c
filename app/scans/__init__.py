"""Enrichment: what we derive from scanned files, written next to the archive rows.

The pure analysis lives in its own domains (``app.facts``, ``app.licenses.detection``,
``app.papers``); the analyzers here run it on each batch of newly archived contents
and write the results in the same transaction as the contents themselves, so a
content row never exists without its analysis.
"""
