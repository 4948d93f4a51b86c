"""The one error a mapper raises: the payload is not what the mapper expects."""

from __future__ import annotations


class UnmappablePayload(ValueError):
    """A payload that cannot be mapped (wrong shape, missing required keys, unknown source).

    The message is one line, fit for a job's error column: the payload stays stored
    verbatim and can be re-mapped once a mapper understands it.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
