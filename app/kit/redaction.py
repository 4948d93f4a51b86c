"""Secrets out of URLs: the one helper every entry point and the logs use.

A clone URL such as ``https://user:token@host/g/p`` or an API URL such as
``https://host/api?private_token=...`` carries a credential. Whatever the service
stores (origins, job params, visits, raw payload source URLs, webhook targets shown
back) or logs must not hold it, so every entry point passes URLs through
:func:`strip_credentials` before storing them, and :func:`install_log_redaction`
rewrites every log record (and the traceback it carries) with :func:`redact_text`.

Stripping removes the credential (the URL still names the same resource); redacting
replaces it with ``***`` so a reader of a log or an error sees that one was there.
Written by hand on ``urllib.parse`` (no library does both for free text) and kept
deliberately simple: a URL's userinfo, and query parameters whose names are known to
carry credentials.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that carry credentials (compared case-insensitively, ``-`` = ``_``).
SECRET_PARAMS = frozenset(
    {
        "access_token",
        "private_token",
        "job_token",
        "oauth_token",
        "refresh_token",
        "id_token",
        "token",
        "auth",
        "auth_token",
        "authorization",
        "api_key",
        "apikey",
        "key",
        "client_secret",
        "secret",
        "password",
        "passwd",
        "pwd",
        "sig",
        "signature",
        "x_amz_signature",
        "x_amz_credential",
        "x_amz_security_token",
        "x_goog_signature",
        "x_goog_credential",
    }
)
MASK = "***"
#: User names that name an account type, not a person or a secret (``git@host:p``).
HARMLESS_USERS = frozenset({"git", "anonymous"})

# A URL inside free text: scheme://... up to whitespace or a closing quote/bracket.
_URL_IN_TEXT = re.compile(r"""[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'"<>()\[\]{}`]+""")
# ``user:secret@`` right after a scheme, for text the URL parser would reject.
_USERINFO_IN_TEXT = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/\s@'\"]+)@")
# ``?private_token=abc`` / ``&token=abc`` anywhere, also outside a parsable URL.
_PARAM_IN_TEXT = re.compile(r"(?P<lead>[?&;])(?P<name>[\w.-]+)=(?P<value>[^&#\s'\"]*)")
# scp-like ``user@host:path`` (git's ssh shorthand).
_SCP_LIKE = re.compile(r"^(?P<user>[^@/\s]+)@(?P<rest>[\w.-]+:(?!//).*)$")


def _is_secret_param(name: str) -> bool:
    return name.lower().replace("-", "_") in SECRET_PARAMS


def strip_credentials(url: str) -> str:
    """``url`` without its userinfo and without credential-bearing query parameters.

    ``https://user:tok@host/p?private_token=x&page=2`` becomes
    ``https://host/p?page=2``; ``deploy:tok@host:g/p`` (scp-like) becomes
    ``host:g/p``, while the conventional ``git@host:g/p`` and ``ssh://git@host/p``
    stay as they are (``git`` is an account type, not a secret). Text that is not a
    URL comes back unchanged.
    """
    text = url.strip()
    if "://" not in text:
        scp = _SCP_LIKE.match(text)
        if scp is not None and scp["user"].lower() not in HARMLESS_USERS:
            return scp["rest"]
        return url
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises on a malformed port: fall back to the text rules
    except ValueError:
        return redact_text(text, mask="")
    userinfo, at, host = parts.netloc.rpartition("@")
    netloc = f"{userinfo}@{host}" if at and userinfo.lower() in HARMLESS_USERS else host
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _is_secret_param(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def has_credentials(url: str) -> bool:
    """Whether :func:`strip_credentials` would remove anything."""
    return strip_credentials(url) != url.strip()


def redact_text(text: str, *, mask: str = MASK) -> str:
    """Free text (a log line, an error, git's stderr) with every URL's userinfo and
    credential parameters masked: ``https://***@host/p?token=***``. With ``mask=""``
    userinfo is dropped and parameters keep an empty value."""
    if "://" not in text and "=" not in text:
        return text

    def userinfo(match: re.Match[str]) -> str:
        if match["user"].lower() in HARMLESS_USERS:
            return match[0]
        return match["scheme"] + (mask + "@" if mask else "")

    def param(match: re.Match[str]) -> str:
        if _is_secret_param(match["name"]) and match["value"]:
            return f"{match['lead']}{match['name']}={mask}"
        return match[0]

    def url(match: re.Match[str]) -> str:
        found = _USERINFO_IN_TEXT.sub(userinfo, match[0])
        return _PARAM_IN_TEXT.sub(param, found)

    # URLs with a scheme, then credential parameters anywhere else (a request line's
    # ``/v1/x?token=...`` in an access log has no scheme).
    return _PARAM_IN_TEXT.sub(param, _URL_IN_TEXT.sub(url, text))


def scrub(value: Any) -> Any:
    """A JSON-like value with :func:`strip_credentials` applied to every string that
    holds a URL (job params, webhook configurations)."""
    if isinstance(value, str):
        return strip_credentials(value) if ("://" in value or "@" in value) else value
    if isinstance(value, Mapping):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [scrub(v) for v in value]
    return value


# --- logs ---------------------------------------------------------------------------


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Render the record's message with its arguments, redact it, and pre-render its
    traceback redacted too (a formatter uses ``exc_text`` when it is set)."""
    if getattr(record, "_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave it to the handler to report
        return record
    redacted = redact_text(message)
    if redacted != message or record.args:
        record.msg, record.args = redacted, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)
    record._redacted = True
    return record


class RedactingFilter(logging.Filter):
    """A logging filter that masks credentials in URLs; attach it to any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_installed: list[bool] = []


def install_log_redaction() -> None:
    """Redact every log record of the process, whichever logger or handler (uvicorn's,
    Celery's, ours) it goes through.

    A filter attached to the root logger is not consulted for records that
    propagate from child loggers, and libraries add their own handlers; wrapping the
    record factory is the one hook every record passes. Idempotent."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed.append(True)
