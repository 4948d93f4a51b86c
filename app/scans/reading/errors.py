"""The one error the scanning layer lets escape.

Callers (a Celery task, the CLI) need to tell "this input is broken" apart from a bug
in our code: the first is recorded on the visit as a failure with a readable reason,
the second must crash loudly. So every git, tar, zip or filesystem error that means
"the source cannot be read" is translated into :class:`UnreadableSource` at the
boundary where it happens, and nothing else is.
"""

from __future__ import annotations


class UnreadableSource(Exception):
    """The source is missing, corrupt, truncated, hostile or of an unknown kind.

    ``reason`` is a short human-readable sentence meant to be stored on the visit.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
