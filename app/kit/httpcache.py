"""Conditional GETs for the REST API: ``ETag``, ``Last-Modified`` and ``304``.

Why: clients that poll (dashboards, notebooks re-running a cell, mirrors) mostly ask
for things that have not changed. With a validator they send ``If-None-Match`` and get
an empty ``304 Not Modified`` instead of the same JSON again: less bandwidth for them,
no serialization on the wire for us, and no parsing on their side.

How, and why this way:

* **The ETag is a hash of the body bytes** (strong: byte-identical bodies, and only
  those, share it). Computing it after the handler means no route has to know about
  caching, and it cannot go stale the way a version counter kept by hand can. The
  cost is that a 304 still runs the query; what it saves is the transfer. A handler
  that knows a cheaper validator may set ``ETag`` itself: it is then used as is.
* **Only what is safe to buffer is touched:** ``200`` answers to ``GET``/``HEAD``
  under ``/v1/`` with a JSON media type, sent as one body message (as ``JSONResponse``
  and FastAPI's typed responses are). A response sent in several chunks is a stream
  (exports): it passes through untouched from its first chunk on, never held in memory.
  Anything else (other paths, methods, statuses, media types) is not looked at at all.
* **``If-None-Match``** uses the weak comparison RFC 9110 §13.1.2 prescribes for it
  (``W/"x"`` matches ``"x"``), accepts lists and ``*``. **``If-Modified-Since``** is
  considered only when ``If-None-Match`` is absent (the ETag is the better validator)
  and only when the handler set ``Last-Modified`` (see :func:`set_last_modified`);
  we never invent a modification time.
* **``Cache-Control: no-cache``** is added when the handler set no ``Cache-Control``.
  Despite the name it allows storing the response, but requires revalidating it with
  the origin before each reuse, which with an ETag costs a 304. Data here changes
  when a scan or refresh lands, not on a schedule, so any ``max-age`` would be a guess
  that serves stale metadata; ``no-cache`` keeps clients correct and still cheap.
* A 304 keeps the headers the 200 would have had (``ETag``, ``Cache-Control``,
  ``Last-Modified``, ``Link``, rate-limit headers...) minus the ones describing a
  body it does not carry (RFC 9110 §15.4.5), so the middleware's place in the stack
  does not matter for correctness.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import FastAPI, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHED_PREFIX = "/v1/"
# Representation metadata that a 304 must not carry (it has no body to describe).
BODY_HEADERS = frozenset(
    {b"content-type", b"content-length", b"content-encoding", b"content-language",
     b"content-range", b"transfer-encoding"}
)  # fmt: skip
# One entity tag in an If-None-Match list. Commas are legal inside the quotes, so a
# plain split on "," would be wrong; unquoted tags from sloppy clients are tolerated.
ENTITY_TAG = re.compile(r'\s*(?:W/)?("[^"]*"|[^",\s]+)\s*(?:,|$)')


def body_etag(body: bytes) -> str:
    """A strong entity tag for exactly these bytes (128 bits of SHA-256 is plenty)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _opaque(tag: str) -> str:
    """The opaque part of an entity tag, for weak comparison (``W/`` stripped, quoted)."""
    tag = tag.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    return tag if tag.startswith('"') else f'"{tag}"'


def if_none_match_matches(header: str, etag: str) -> bool:
    """Does ``If-None-Match`` name the current representation (weak comparison)?"""
    if header.strip() == "*":
        return True
    current = _opaque(etag)
    return any(_opaque(m.group(1)) == current for m in ENTITY_TAG.finditer(header))


def not_modified_since(if_modified_since: str, last_modified: str) -> bool:
    """``True`` when the resource has not changed since the client's copy.

    An unparsable date on either side means "cannot tell", so the full response is
    sent (RFC 9110 §13.1.3 says to ignore an invalid ``If-Modified-Since``).
    """
    try:
        since = parsedate_to_datetime(if_modified_since)
        modified = parsedate_to_datetime(last_modified)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None or modified.tzinfo is None:
        return False
    return modified <= since


def http_date(when: datetime) -> str:
    """An IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``); naive datetimes are UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return format_datetime(when.astimezone(UTC).replace(microsecond=0), usegmt=True)


def set_last_modified(response: Response, updated_at: datetime | None) -> None:
    """Let clients revalidate by date as well: call from a handler with the row's
    ``updated_at`` (declare ``response: Response`` as a parameter).

    HTTP dates have one-second resolution, so a change within the same second as the
    client's copy is invisible to ``If-Modified-Since`` alone; the body ETag, which
    clients send too and which wins, still catches it.
    """
    if updated_at is not None:
        response.headers["Last-Modified"] = http_date(updated_at)


class HttpCacheMiddleware:
    """Adds validators to cacheable REST responses and answers revalidations with 304."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(CACHED_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        if_none_match: str | None = None
        if_modified_since: str | None = None
        for name, value in scope.get("headers", ()):
            if name == b"if-none-match":
                # Repeated header lines are one comma-separated list.
                text = value.decode("latin-1")
                if_none_match = text if if_none_match is None else f"{if_none_match}, {text}"
            elif name == b"if-modified-since":
                if_modified_since = value.decode("latin-1")
        await self.app(scope, receive, _Revalidation(send, if_none_match, if_modified_since).send)


class _Revalidation:
    """The ``send`` wrapper for one request: holds back the response start until the
    first body message shows whether the body is a single, hashable piece."""

    __slots__ = ("_held", "_if_modified_since", "_if_none_match", "_passthrough", "_send")

    def __init__(self, send: Send, if_none_match: str | None, if_modified_since: str | None):
        self._send = send
        self._if_none_match = if_none_match
        self._if_modified_since = if_modified_since
        self._held: Message | None = None
        self._passthrough = False

    async def send(self, message: Message) -> None:
        if self._passthrough:
            await self._send(message)
            return
        if message["type"] == "http.response.start":
            if message["status"] == 200 and _is_json(message.get("headers", ())):
                self._held = message
            else:
                self._passthrough = True
                await self._send(message)
            return
        if message["type"] != "http.response.body" or self._held is None:
            await self._send(message)
            return
        start, self._held = self._held, None
        self._passthrough = True  # whatever happens below, later messages just flow
        body: bytes = message.get("body", b"")
        if message.get("more_body", False):
            await self._send(start)  # a stream: leave it alone
            await self._send(message)
            return
        await self._finish(start, message, body)

    async def _finish(self, start: Message, body_message: Message, body: bytes) -> None:
        headers: list[tuple[bytes, bytes]] = list(start.get("headers", ()))
        names = {name for name, _ in headers}
        if b"etag" in names:
            etag = next(v for n, v in headers if n == b"etag").decode("latin-1")
        elif not body and _content_length(headers):
            # A HEAD answered without its body: nothing to hash, nothing to invent.
            await self._send(start)
            await self._send(body_message)
            return
        else:
            etag = body_etag(body)
            headers.append((b"etag", etag.encode("latin-1")))
        if b"cache-control" not in names:
            headers.append((b"cache-control", b"no-cache"))
        if self._not_modified(etag, headers):
            kept = [(n, v) for n, v in headers if n not in BODY_HEADERS]
            await self._send({"type": "http.response.start", "status": 304, "headers": kept})
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await self._send({**start, "headers": headers})
        await self._send(body_message)

    def _not_modified(self, etag: str, headers: list[tuple[bytes, bytes]]) -> bool:
        if self._if_none_match is not None:
            return if_none_match_matches(self._if_none_match, etag)
        if self._if_modified_since is not None:
            for name, value in headers:
                if name == b"last-modified":
                    return not_modified_since(self._if_modified_since, value.decode("latin-1"))
        return False


def _is_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return bool(media == b"application/json" or media.endswith(b"+json"))
    return False


def _content_length(headers: list[tuple[bytes, bytes]]) -> int:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def install_http_caching(app: FastAPI) -> None:
    """Add the conditional-GET middleware to ``app``.

    Call it before adding any middleware that rewrites bodies (compression): the
    middleware added last runs outermost, and the ETag must name the bytes the
    client finally receives only if compression happens inside it. With no such
    middleware in the stack (as today) the order relative to others does not matter.
    """
    app.add_middleware(HttpCacheMiddleware)
