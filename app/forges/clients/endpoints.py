"""Where each forge and registry keeps the documents we fetch, and how it pages them.

One small class per API family turns an origin (``host``, ``owner``, ``name``) into
:class:`Endpoint` values: the URL, the envelope ``format``/``kind`` the mappers
accept (see ``app.forges.mappers.resolve_forge_kind``), and the canonical origin
URL. Listings are asked for newest-updated first, so an unchanged first page (a 304)
means nothing changed since the last walk.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx

from app.forges.clients.config import ForgeCredential, ForgeInstance
from app.forges.urls import normalize_url
from app.models.enums import ForgeKind

REPOSITORY = "repository"
OWNER = "owner"
ISSUES = "issues"
PULLS = "pulls"
PACKAGE = "package"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One document to fetch: its URL and how its envelope is labelled."""

    url: str
    kind: str
    format: str
    origin: str | None


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _link_next(response: httpx.Response) -> str | None:
    """RFC 8288 ``Link: <...>; rel="next"`` (httpx parses the header)."""
    return response.links.get("next", {}).get("url") or None


class ForgeApi:
    """Defaults shared by the APIs; subclasses set the URLs, auth and paging."""

    kind: ClassVar[ForgeKind]
    max_per_page: ClassVar[int] = 100
    accept: ClassVar[str] = "application/json"
    format_prefix: ClassVar[str] = ""
    # GitHub documents that an authorized 304 does not count against the rate limit;
    # others say nothing, so their 304s are assumed to cost a request.
    free_not_modified: ClassVar[bool] = False

    def __init__(self, host: str, api_base: str, credential: ForgeCredential | None) -> None:
        self.host = host
        self.api_base = api_base.rstrip("/")
        self.credential = credential

    @property
    def api_host(self) -> str:
        return urlsplit(self.api_base).hostname or self.host

    def fmt(self, what: str) -> str:
        return f"{self.format_prefix}-{what}-json"

    def headers(self) -> dict[str, str]:
        headers = {"Accept": self.accept}
        headers.update(self.auth_headers())
        return headers

    def auth_headers(self) -> dict[str, str]:
        return {}

    def next_page(self, response: httpx.Response) -> str | None:
        return _link_next(response)

    def origin(self, owner: str, name: str) -> str:
        return normalize_url(f"https://{self.host}/{owner}/{name}")


class RepositoryApi(ForgeApi):
    """A forge with repositories, owners, issues and pull/merge requests."""

    def repository(self, owner: str, name: str) -> Endpoint:
        raise NotImplementedError

    def owner(self, owner: str, name: str) -> Endpoint:
        raise NotImplementedError

    def issues(self, owner: str, name: str, per_page: int, since: datetime | None) -> Endpoint:
        raise NotImplementedError

    def pulls(self, owner: str, name: str, per_page: int, since: datetime | None) -> Endpoint:
        raise NotImplementedError


class GitHubApi(RepositoryApi):
    kind = ForgeKind.GITHUB
    accept = "application/vnd.github+json"
    free_not_modified = True
    FORMAT = "application/vnd.github.v3+json"

    def auth_headers(self) -> dict[str, str]:
        headers = {"X-GitHub-Api-Version": "2022-11-28"}
        if self.credential:
            headers["Authorization"] = f"Bearer {self.credential.token}"
        return headers

    def _repo(self, owner: str, name: str) -> str:
        return f"{self.api_base}/repos/{quote(owner, safe='')}/{quote(name, safe='')}"

    def repository(self, owner: str, name: str) -> Endpoint:
        return Endpoint(self._repo(owner, name), REPOSITORY, self.FORMAT, self.origin(owner, name))

    def owner(self, owner: str, name: str) -> Endpoint:
        url = f"{self.api_base}/users/{quote(owner, safe='')}"
        return Endpoint(url, OWNER, self.FORMAT, self.origin(owner, name))

    def issues(self, owner: str, name: str, per_page: int, since: datetime | None) -> Endpoint:
        query = {"state": "all", "sort": "updated", "direction": "desc", "per_page": per_page}
        if since is not None:
            query["since"] = _iso(since)
        url = f"{self._repo(owner, name)}/issues?{urlencode(query)}"
        return Endpoint(url, ISSUES, self.FORMAT, self.origin(owner, name))

    def pulls(self, owner: str, name: str, per_page: int, since: datetime | None) -> Endpoint:
        # The pulls listing has no ``since``; updated-first order bounds the walk instead.
        query = {"state": "all", "sort": "updated", "direction": "desc", "per_page": per_page}
        url = f"{self._repo(owner, name)}/pulls?{urlencode(query)}"
        return Endpoint(url, PULLS, self.FORMAT, self.origin(owner, name))


class GitLabApi(RepositoryApi):
    kind = ForgeKind.GITLAB
    format_prefix = "gitlab"

    def auth_headers(self) -> dict[str, str]:
        return {"PRIVATE-TOKEN": self.credential.token} if self.credential else {}

    def _project(self, owner: str, name: str) -> str:
        # The project path (groups may nest) is one URL-encoded segment.
        return f"{self.api_base}/projects/{quote(f'{owner}/{name}', safe='')}"

    def repository(self, owner: str, name: str) -> Endpoint:
        url = self._project(owner, name)
        return Endpoint(url, REPOSITORY, self.fmt("project"), self.origin(owner, name))

    def owner(self, owner: str, name: str) -> Endpoint:
        # Namespaces cover users and groups alike.
        url = f"{self.api_base}/namespaces/{quote(owner, safe='')}"
        return Endpoint(url, OWNER, self.fmt("namespace"), self.origin(owner, name))

    def _listing(self, per_page: int, since: datetime | None) -> str:
        query: dict[str, str | int] = {
            "scope": "all",
            "state": "all",
            "order_by": "updated_at",
            "sort": "desc",
            "per_page": per_page,
        }
        if since is not None:
            query["updated_after"] = _iso(since)
        return urlencode(query)

    def issues(self, owner: str, name: str, per_page: int, since: datetime | None) -> Endpoint:
        url = f"{self._project(owner, name)}/issues?{self._listing(per_page, since)}"
        return Endpoint(url, ISSUES, self.fmt("issues"), self.origin(owner, name))

    def pulls(self, owner: str, name: str, per_page: int, since: datetime | None) -> Endpoint:
        url = f"{self._project(owner, name)}/merge_requests?{self._listing(per_page, since)}"
        return Endpoint(url, PULLS, self.fmt("merge-requests"), self.origin(owner, name))

    def next_page(self, response: httpx.Response) -> str | None:
        """``Link`` first; ``X-Next-Page`` when a proxy dropped Link (or for old GitLabs)."""
        linked = _link_next(response)
        if linked:
            return linked
        page = response.headers.get("x-next-page", "").strip()
        if not page.isdigit():
            return None
        parts = urlsplit(str(response.request.url))
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        query["page"] = page
        return urlunsplit(parts._replace(query=urlencode(query)))


class GiteaApi(RepositoryApi):
    kind = ForgeKind.GITEA
    format_prefix = "gitea"
    max_per_page = 50  # Gitea's default MAX_RESPONSE_ITEMS

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.credential.token}"} if self.credential else {}

    def _repo(self, owner: str, name: str) -> str:
        return f"{self.api_base}/repos/{quote(owner, safe='')}/{quote(name, safe='')}"

    def repository(self, owner: str, name: str) -> Endpoint:
        url = self._repo(owner, name)
        return Endpoint(url, REPOSITORY, self.fmt("repo"), self.origin(owner, name))

    def owner(self, owner: str, name: str) -> Endpoint:
        url = f"{self.api_base}/users/{quote(owner, safe='')}"
        return Endpoint(url, OWNER, self.fmt("user"), self.origin(owner, name))

    def issues(self, owner: str, name: str, per_page: int, since: datetime | None) -> Endpoint:
        query: dict[str, str | int] = {"state": "all", "type": "issues", "limit": per_page}
        if since is not None:
            query["since"] = _iso(since)
        url = f"{self._repo(owner, name)}/issues?{urlencode(query)}"
        return Endpoint(url, ISSUES, self.fmt("issues"), self.origin(owner, name))

    def pulls(self, owner: str, name: str, per_page: int, since: datetime | None) -> Endpoint:
        query = {"state": "all", "sort": "recentupdate", "limit": per_page}
        url = f"{self._repo(owner, name)}/pulls?{urlencode(query)}"
        return Endpoint(url, PULLS, self.fmt("pulls"), self.origin(owner, name))


class ForgejoApi(GiteaApi):
    kind = ForgeKind.FORGEJO
    format_prefix = "forgejo"


class BitbucketApi(RepositoryApi):
    kind = ForgeKind.BITBUCKET
    format_prefix = "bitbucket"
    max_per_page = 50  # pull request pages stop at 50

    def auth_headers(self) -> dict[str, str]:
        if self.credential is None:
            return {}
        if self.credential.username:
            pair = f"{self.credential.username}:{self.credential.token}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        return {"Authorization": f"Bearer {self.credential.token}"}

    def _repo(self, owner: str, name: str) -> str:
        return f"{self.api_base}/repositories/{quote(owner, safe='')}/{quote(name, safe='')}"

    def repository(self, owner: str, name: str) -> Endpoint:
        url = self._repo(owner, name)
        return Endpoint(url, REPOSITORY, self.fmt("repo"), self.origin(owner, name))

    def owner(self, owner: str, name: str) -> Endpoint:
        url = f"{self.api_base}/workspaces/{quote(owner, safe='')}"
        return Endpoint(url, OWNER, self.fmt("workspace"), self.origin(owner, name))

    def issues(self, owner: str, name: str, per_page: int, since: datetime | None) -> Endpoint:
        query: dict[str, str | int] = {"pagelen": per_page, "sort": "-updated_on"}
        if since is not None:
            query["q"] = f"updated_on > {_iso(since)}"
        url = f"{self._repo(owner, name)}/issues?{urlencode(query)}"
        return Endpoint(url, ISSUES, self.fmt("issues"), self.origin(owner, name))

    def pulls(self, owner: str, name: str, per_page: int, since: datetime | None) -> Endpoint:
        states = [("state", s) for s in ("OPEN", "MERGED", "DECLINED", "SUPERSEDED")]
        query = [*states, ("pagelen", str(per_page)), ("sort", "-updated_on")]
        url = f"{self._repo(owner, name)}/pullrequests?{urlencode(query)}"
        return Endpoint(url, PULLS, self.fmt("pullrequests"), self.origin(owner, name))

    def next_page(self, response: httpx.Response) -> str | None:
        """Bitbucket pages say where the next one is in the body (``next``)."""
        try:
            body = json.loads(response.content)
        except ValueError:
            return None
        nxt = body.get("next") if isinstance(body, dict) else None
        return nxt if isinstance(nxt, str) and nxt else None


@dataclass(frozen=True, slots=True)
class RegistryApi:
    """A package registry: one JSON document per package."""

    kind: ForgeKind
    authority: str
    format: str
    url_template: str

    def package(self, name: str, origin: str) -> Endpoint:
        # npm scoped names keep "@" and encode "/" (``@scope%2Fname``), as the registry expects.
        url = self.url_template.format(name=quote(name, safe="@"))
        return Endpoint(url, PACKAGE, self.format, origin)


REGISTRIES: dict[str, RegistryApi] = {
    "pypi.org": RegistryApi(
        ForgeKind.PYPI, "pypi.org", "pypi-project-json", "https://pypi.org/pypi/{name}/json"
    ),
    "npmjs.com": RegistryApi(
        ForgeKind.NPM,
        "registry.npmjs.org",
        "npm-packument-json",
        "https://registry.npmjs.org/{name}",
    ),
    "crates.io": RegistryApi(
        ForgeKind.CRATES, "crates.io", "crates-crate-json", "https://crates.io/api/v1/crates/{name}"
    ),
}

_PUBLIC: dict[str, tuple[type[RepositoryApi], str]] = {
    "github.com": (GitHubApi, "https://api.github.com"),
    "gitlab.com": (GitLabApi, "https://gitlab.com/api/v4"),
    "codeberg.org": (ForgejoApi, "https://codeberg.org/api/v1"),
    "gitea.com": (GiteaApi, "https://gitea.com/api/v1"),
    "bitbucket.org": (BitbucketApi, "https://api.bitbucket.org/2.0"),
}

_BY_KIND: dict[ForgeKind, tuple[type[RepositoryApi], str]] = {
    ForgeKind.GITHUB: (GitHubApi, "https://{host}/api/v3"),
    ForgeKind.GITLAB: (GitLabApi, "https://{host}/api/v4"),
    ForgeKind.GITEA: (GiteaApi, "https://{host}/api/v1"),
    ForgeKind.FORGEJO: (ForgejoApi, "https://{host}/api/v1"),
}


def repository_api(
    host: str, instance: ForgeInstance | None, credential: ForgeCredential | None
) -> RepositoryApi | None:
    """The API of a forge host: a public one, or a configured self-hosted instance."""
    if instance is not None and instance.kind in _BY_KIND:
        cls, template = _BY_KIND[instance.kind]
        return cls(host, instance.api_base or template.format(host=host), credential)
    if host in _PUBLIC:
        cls, base = _PUBLIC[host]
        return cls(host, base, credential)
    return None
