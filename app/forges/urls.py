"""Canonical URLs for repositories and packages: the identity of an origin.

An origin's ``swh:1:ori`` id is the SHA-1 of its URL, so two spellings of one
repository must become one string. The rules:

* scheme becomes ``https`` (``http``, ``git``, ``ssh``, ``git+https``...), user info,
  query and fragment are dropped; a port is kept when it is a web port other than the
  scheme's default (``https://host:8443/g/p`` is another server than ``host/g/p``),
  dropped when it is the default or an ssh/git daemon's (not where the web pages are);
* the host is lower-cased and a leading ``www.`` removed;
* a trailing ``.git`` and trailing slashes are removed;
* the path is lower-cased on forges that resolve owner/name case-insensitively
  (github.com, gitlab.com, bitbucket.org, codeberg.org, gitea.com, or any host the
  caller says is, e.g. a self-hosted GitLab whose ``forge.case_insensitive_paths``
  is set), and kept as is elsewhere, where case may matter.

Packages get registry URLs that match the ones Software Heritage's listers use, so
our origin ids line up with theirs:

* PyPI: ``https://pypi.org/project/<name>/``: the name normalized per PEP 503
  (lower case, runs of ``-_.`` become ``-``) and, as on SWH and pypi.org itself,
  *with* the trailing slash;
* npm: ``https://www.npmjs.com/package/<name>`` (scoped names keep ``@scope/``;
  npmjs.com is the one host where ``www.`` is part of the canonical form);
* crates.io: ``https://crates.io/crates/<name>`` with the crate name as published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from packaging.utils import canonicalize_name

from app.models.enums import ForgeKind

# Hosts known to resolve owner and repository names case-insensitively.
CASE_INSENSITIVE_HOSTS = frozenset(
    {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "gitea.com"}
)

# Forges whose repository path is exactly owner/name (no nested groups).
_TWO_SEGMENT_HOSTS = frozenset({"github.com", "bitbucket.org", "codeberg.org", "gitea.com"})

_SCP_LIKE = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+\.[a-z]{2,}):(?!//)(?P<path>.+)$", re.I)
# ``host:8443/g/p`` (no user, digits then a slash) is a host and port, not scp syntax.
_BARE_HOST_PORT = re.compile(r"^[\w.-]+:\d+(?:/|$)")
_SHORTHAND = re.compile(r"^(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)$")
_PROVIDER = re.compile(r"^(?P<provider>github|gitlab|bitbucket|gist):(?P<path>.+)$", re.I)
_PROVIDER_HOSTS = {
    "github": "github.com",
    "gitlab": "gitlab.com",
    "bitbucket": "bitbucket.org",
    "gist": "gist.github.com",
}


@dataclass(frozen=True, slots=True)
class RepositoryRef:
    """A repository URL taken apart: host, owner path (may hold subgroups) and name."""

    host: str
    owner: str
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


def is_case_insensitive_host(host: str) -> bool:
    return _clean_host(host) in CASE_INSENSITIVE_HOSTS


def normalize_url(url: str, *, case_insensitive: bool | None = None) -> str:
    """The canonical form of a repository (or registry package) URL.

    ``case_insensitive`` overrides the built-in host list (``None``: use it).
    Raises ``ValueError`` when ``url`` has no host.
    """
    text = url.strip()
    if text.startswith("git+"):
        text = text[4:]
    scp = _SCP_LIKE.match(text)
    if scp and "://" not in text and not _BARE_HOST_PORT.match(text):
        text = f"https://{scp.group('host')}/{scp.group('path')}"
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = _clean_host(parts.hostname or "")
    if not host:
        raise ValueError(f"not a URL with a host: {url!r}")
    host = _with_port(host, parts.scheme, parts)
    path = unquote(parts.path)
    package = _package_url_from_path(host, path)
    if package is not None:
        return package
    path = re.sub(r"/{2,}", "/", path).rstrip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")]
    path = path.rstrip("/")
    lower = is_case_insensitive_host(host) if case_insensitive is None else case_insensitive
    if lower:
        path = path.lower()
    return f"https://{host}{path}"


def web_host(url: str) -> str:
    """The host of ``url`` as a forge is named: lower case, no ``www.``, with the port
    when it is a web port other than the default. Raises ``ValueError`` without host."""
    return urlsplit(normalize_url(url, case_insensitive=False)).netloc


def parse_repository_url(url: str) -> RepositoryRef | None:
    """Host, owner and name of a repository URL, or ``None`` if it names no repository.

    On github.com-like hosts only the first two path segments count (so a link to
    ``/owner/repo/tree/main/sub`` still names ``owner/repo``); on GitLab the path
    stops at ``/-/``, and on Gitea/Forgejo at ``/src/``.
    """
    try:
        canonical = normalize_url(url, case_insensitive=False)
    except ValueError:
        return None
    parts = urlsplit(canonical)
    host = parts.netloc  # the canonical form has no user info; a kept port stays
    segments = [s for s in _repository_path(host, parts.path).split("/") if s]
    if len(segments) < 2:
        return None
    return RepositoryRef(host=host, owner="/".join(segments[:-1]), name=segments[-1])


def canonical_repository_url(url: str, *, case_insensitive: bool | None = None) -> str | None:
    """The canonical URL of the repository a (possibly deep) link points into."""
    ref = parse_repository_url(url)
    if ref is None:
        return None
    return normalize_url(f"https://{ref.host}/{ref.full_name}", case_insensitive=case_insensitive)


def repository_url_from_declared(spec: str, *, default_host: str = "github.com") -> str | None:
    """The canonical repository URL from what a package manifest declares.

    Understands ``git+https://host/x/y.git``, ``git://host/x/y``, ``ssh://git@host/x/y``,
    ``git@host:x/y.git``, npm's ``github:x/y`` / ``gitlab:x/y`` / ``bitbucket:x/y`` and
    the bare ``x/y`` shorthand (a GitHub repository for npm, hence ``default_host``),
    each with an optional ``#committish``. ``None`` when the text is not a repository.
    """
    text = spec.strip()
    if not text:
        return None
    text = text.split("#", 1)[0].strip()
    provider = _PROVIDER.match(text)
    if provider:
        host = _PROVIDER_HOSTS[provider.group("provider").lower()]
        return canonical_repository_url(f"https://{host}/{provider.group('path')}")
    shorthand = _SHORTHAND.match(text)
    if shorthand and "." not in shorthand.group("owner"):
        return canonical_repository_url(f"https://{default_host}/{text}")
    if "://" not in text and not _SCP_LIKE.match(text):
        return None
    return canonical_repository_url(text)


def normalize_pypi_name(name: str) -> str:
    """PEP 503 normalization (``packaging`` implements it; the rule is the PEP's regex)."""
    return str(canonicalize_name(name))


def package_url(registry: ForgeKind, name: str) -> str:
    """The canonical origin URL of a package on a registry."""
    name = name.strip()
    if not name:
        raise ValueError("empty package name")
    if registry is ForgeKind.PYPI:
        return f"https://pypi.org/project/{normalize_pypi_name(name)}/"
    if registry is ForgeKind.NPM:
        return f"https://www.npmjs.com/package/{name}"
    if registry is ForgeKind.CRATES:
        return f"https://crates.io/crates/{name}"
    raise ValueError(f"{registry} is not a package registry")


def _package_url_from_path(host: str, path: str) -> str | None:
    segments = [s for s in path.split("/") if s]
    if host == "pypi.org" and len(segments) >= 2 and segments[0] == "project":
        return package_url(ForgeKind.PYPI, segments[1])
    if host == "npmjs.com" and len(segments) >= 2 and segments[0] == "package":
        name = "/".join(segments[1:3]) if segments[1].startswith("@") else segments[1]
        return package_url(ForgeKind.NPM, name)
    if host == "crates.io" and len(segments) >= 2 and segments[0] == "crates":
        return package_url(ForgeKind.CRATES, segments[1])
    return None


def _repository_path(host: str, path: str) -> str:
    if "/-/" in path or path.endswith("/-"):
        path = path.split("/-", 1)[0]
    if host in _TWO_SEGMENT_HOSTS or host.startswith("github."):
        return "/".join(path.split("/")[:3])
    if "/src/" in path:
        path = path.split("/src/", 1)[0]
    return _cut_old_deep_link(path)


# Pages of a project that GitLab before 12.0 (no ``/-/`` yet) and Gitea serve right
# under the project path, with the shape of what follows. Projects nest in groups, so
# ``/group/project/issues/1`` could otherwise read as project "1" of group
# "group/project/issues". The shape is required so a project really named "issues"
# (``/org/sub/issues``) stays one; the first match at depth >= 2 cuts the path.
_NUMBER = re.compile(r"^\d+$")
_COMMIT = re.compile(r"^[0-9a-fA-F]{7,40}$")
_ANY = re.compile(r".")
_DEEP_LINK_SHAPES: dict[str, re.Pattern[str]] = {
    "issues": _NUMBER,
    "merge_requests": _NUMBER,
    "pulls": _NUMBER,
    "pull": _NUMBER,
    "milestones": _NUMBER,
    "commit": _COMMIT,
    "tree": _ANY,
    "blob": _ANY,
    "raw": _ANY,
    "blame": _ANY,
    "commits": _ANY,
    "wikis": _ANY,
    "wiki": _ANY,
    "releases": _ANY,
    "tags": _ANY,
    "compare": _ANY,
    "pipelines": _ANY,
    "jobs": _ANY,
}


def _cut_old_deep_link(path: str) -> str:
    segments = path.split("/")  # segments[0] is "" (the path starts with "/")
    for i in range(3, len(segments) - 1):
        shape = _DEEP_LINK_SHAPES.get(segments[i])
        if shape is not None and shape.match(segments[i + 1]):
            return "/".join(segments[:i])
    return path


_DEFAULT_PORTS = {"https": 443, "http": 80}


def _with_port(host: str, scheme: str, parts: SplitResult) -> str:
    """``host:port`` when the URL names a web port other than its scheme's default."""
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a valid port in {parts.netloc!r}") from exc
    default = _DEFAULT_PORTS.get(scheme.lower())
    if port is None or default is None or port == default:
        return host
    return f"{host}:{port}"


def _clean_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host
