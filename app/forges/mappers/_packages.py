"""What the registry mappers share: turning declared project links into origins."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.forges.urls import (
    canonical_repository_url,
    is_case_insensitive_host,
    normalize_url,
    repository_url_from_declared,
)

# Hosts whose URLs can be cut down to the repository they point into. Links to
# other hosts (sourceforge.net/p/x/code, a project site) are kept, only normalized.
_FORGE_HOST_PREFIXES = ("github.", "gitlab.", "gitea.", "forgejo.", "codeberg.", "bitbucket.")


def declared_repository(value: str | None) -> str | None:
    """A declared repository link as a canonical repository URL when it is one.

    Registry metadata points at repositories in many ways (deep links to a
    subdirectory, ``.git`` clone URLs, ``git+ssh``...); on known forges the link is
    cut to the repository, elsewhere it is only normalized (case kept).
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        host = (urlsplit(text if "://" in text else f"https://{text}").hostname or "").lower()
    except ValueError:
        return None
    host = host.removeprefix("www.")
    if host.startswith(_FORGE_HOST_PREFIXES) or is_case_insensitive_host(host):
        resolved = repository_url_from_declared(text)
        if resolved is not None:
            return resolved
        return canonical_repository_url(text)
    if "://" not in text:
        return repository_url_from_declared(text)
    try:
        return normalize_url(text, case_insensitive=False)
    except ValueError:
        return None


def is_forge_url(url: str | None) -> bool:
    """Whether ``url`` is on a code forge (so a "Homepage" link may name the repository)."""
    if not url:
        return False
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return host.startswith(_FORGE_HOST_PREFIXES) or is_case_insensitive_host(host)
