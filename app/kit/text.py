"""The one rule for text that comes from outside: it must be storable as PostgreSQL text.

PostgreSQL ``text`` cannot hold NUL (U+0000), and UTF-8 cannot encode a lone
surrogate (``"\\ud800"``, which JSON and GraphQL variables can carry). Both are refused
where input enters (:mod:`app.kit.boundary`, cursors in :mod:`app.kit.pagination`)
with the reason given here.
"""

from __future__ import annotations

from collections.abc import Mapping

NUL = "\x00"


def text_error(value: str) -> str | None:
    """Why ``value`` cannot be stored as PostgreSQL text, or None if it can."""
    if NUL in value:
        return "must not contain NUL (U+0000) characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (it holds a lone surrogate)"
    return None


def find_text_error(value: object, where: str = "") -> tuple[str, str] | None:
    """The first string inside ``value`` (dict keys included, at any depth) that
    :func:`text_error` refuses, as ``(where, why)``; ``where`` is a dotted path."""
    # An explicit stack, not recursion: a value nested 100,000 deep is a bad value,
    # not a reason for a RecursionError.
    stack: list[tuple[str, object]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            error = text_error(item)
            if error is not None:
                return path, error
        elif isinstance(item, Mapping):
            for key, inner in item.items():
                child = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and (error := text_error(key)) is not None:
                    return child, f"has a key that {error}"
                stack.append((child, inner))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}.{i}" if path else str(i), inner) for i, inner in enumerate(item))
    return None


def printable(value: str) -> str:
    """``value`` safe to echo in a message: NUL and surrogates as escapes."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8").replace(NUL, "\\x00")


QUOTE_LIMIT = 80
ELLIPSIS = "\u2026"


def quoted(value: str, limit: int = QUOTE_LIMIT) -> str:
    """``value`` as a message may quote it back: its first ``limit`` characters,
    escaped (``repr``: newlines, control characters, NUL and surrogates as escapes),
    then ``…`` when it was longer. A problem or a log line that quotes input must not
    carry a 64 KB or multi-line input whole: a prefix tells the user which input it
    was, the rest only inflates responses and logs (and could forge log lines)."""
    head = repr(value[:limit])  # escapes every unprintable character, lone surrogates too
    return f"{head}{ELLIPSIS}" if len(value) > limit else head


LIKE_ESCAPE = "\\"


def like_contains(value: str) -> str:
    """A LIKE / ILIKE pattern matching ``value`` anywhere, taken literally: ``%``,
    ``_`` and the escape character itself are escaped, so a search for ``_`` finds
    underscores instead of every row. Use with ``escape=LIKE_ESCAPE``.

    Hand-written rather than SQLAlchemy's ``contains(autoescape=True)`` because the
    origin search must keep ``ILIKE`` on the exact expression its trigram index
    covers, which ``icontains`` (``lower(x) LIKE lower(y)``) would not use.
    """
    escaped = (value.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%")).replace(
        "_", LIKE_ESCAPE + "_"
    )
    return f"%{escaped}%"
