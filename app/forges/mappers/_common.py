"""Small pieces the forge mappers share: page unwrapping, owners, renames."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from app.forges.errors import UnmappablePayload
from app.forges.payload import JSONObject, as_list, as_object
from app.forges.urls import normalize_url, web_host

T = TypeVar("T")


def page_items(payload: object, what: str) -> list[Any]:
    """The entries of one page: a bare JSON array, or Bitbucket's ``{"values": [...]}``."""
    if isinstance(payload, list):
        return payload
    obj = as_object(payload, what)
    if "values" in obj:
        return as_list(obj["values"], f"{what}.values")
    raise UnmappablePayload(f"{what}: expected a JSON array of entries or a page with 'values'")


def map_entries(items: list[Any], what: str, one: Callable[[JSONObject, str], T]) -> tuple[T, ...]:
    """Map each entry, naming the failing entry's position in the error."""
    return tuple(
        one(as_object(item, f"{what}[{i}]"), f"{what}[{i}]") for i, item in enumerate(items)
    )


def repo_path_from_api_url(source_url: str | None, marker: str) -> str | None:
    """``owner/name`` from an API URL such as ``.../repos/{owner}/{name}``, if it has one.

    ``marker`` is the path segment before the repository path (``repos`` for GitHub
    and Gitea, ``projects`` for GitLab, where the path is one URL-encoded segment).
    Numeric ids (``/repositories/1000``, ``/projects/15578026``) say nothing of names.
    """
    if not source_url:
        return None
    path = urlsplit(source_url).path
    segments = [s for s in path.split("/") if s]
    if marker not in segments:
        return None
    rest = segments[segments.index(marker) + 1 :]
    if not rest:
        return None
    if marker == "projects":
        candidate = unquote(rest[0])
        return None if candidate.isdigit() or "/" not in candidate else candidate
    if len(rest) < 2:
        return None
    return f"{unquote(rest[0])}/{unquote(rest[1])}"


def previous_urls(
    *, host: str, fetched_path: str | None, canonical_url: str, case_insensitive: bool
) -> tuple[str, ...]:
    """The URL the payload was fetched under, when the forge answered for another name.

    Forges follow renames and transfers (GitHub answers ``/repos/old/name`` with a
    redirect to the repository's id, GitLab and Gitea resolve old paths), so the
    payload shows the new name: the old one is the fetch URL's.
    """
    if not fetched_path:
        return ()
    old = normalize_url(f"https://{host}/{fetched_path}", case_insensitive=case_insensitive)
    return () if old == canonical_url else (old,)


def host_of(url: str | None, authority: str) -> str:
    """The forge's host (and port when it is not the default) from a web URL in the
    payload, else the authority that answered."""
    if url:
        try:
            return web_host(url)
        except ValueError:
            pass
    return authority


def as_recorded(url: str | None) -> str | None:
    """A URL as the forge gives it, minus any ``user@`` (an authenticated answer puts
    the caller's name in clone links; it is not part of the project's URL)."""
    if not url:
        return None
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
