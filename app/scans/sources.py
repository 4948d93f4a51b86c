"""Which sources a submitted scan may read: the guard between a caller and the
worker's network and disk.

A scan submitted through the API (or any job) runs on a worker with the worker's
access: left open, ``POST /v1/scans`` could read ``/etc``, the data directory, or an
internal service (``http://169.254.169.254/``, ``http://localhost:6379``). So:

* a URL must use an allowed scheme (``https``, ``http``, ``git``, ``ssh``, and the
  scp-like ``git@host:path``) and name a host whose every address is public: a
  loopback, private, link-local (cloud metadata), shared (CGNAT), multicast or
  reserved address is refused after DNS resolution, unless the host is listed in
  ``SCAN_ALLOWED_HOSTS`` (an operator's own internal forge);
* a local path is accepted only under one of ``SCAN_LOCAL_ROOTS`` (after resolving
  ``..`` and symbolic links), and refused when none is configured.

The API checks when a scan is submitted (a refusal is a 422) and the worker checks
again right before reading (the DNS answer may have changed since). The operator's
own ``codecommons scan`` reads whatever its user can. Resolution goes through
:data:`resolver`, which tests replace (no network in the test suite).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from app.config import Settings
from app.kit.redaction import strip_credentials

ALLOWED_SCHEMES = frozenset({"https", "http", "git", "ssh"})
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class SourceRefused(ValueError):
    """A source this service will not read for a caller; the message says why."""


def _getaddrinfo(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise SourceRefused(f"cannot resolve host {host!r}") from exc
    return [str(info[4][0]) for info in infos]


#: host -> its addresses (raises SourceRefused when it has none). Tests replace it.
resolver: Callable[[str], list[str]] = _getaddrinfo


def is_public(address: Address) -> bool:
    """Whether an address is reachable on the public internet (``is_global``: not
    loopback, private, link-local, shared, reserved...), and not multicast."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _host_of(location: str) -> tuple[str, str]:
    """(scheme, host) of a URL or scp-like location."""
    if "://" in location:
        parts = urlsplit(location)
        return parts.scheme.lower(), (parts.hostname or "")
    # scp-like ``user@host:path``: ssh.
    user_host = location.split(":", 1)[0]
    return "ssh", user_host.rsplit("@", 1)[-1].lower()


def _is_url(location: str) -> bool:
    if "://" in location:
        return True
    head = location.split("/", 1)[0]
    return "@" in head and ":" in head


def check_remote(location: str, settings: Settings) -> str:
    scheme, host = _host_of(location)
    if scheme not in ALLOWED_SCHEMES:
        allowed = ", ".join(sorted(ALLOWED_SCHEMES))
        raise SourceRefused(f"the scheme {scheme!r} is not accepted (use one of: {allowed})")
    if not host:
        raise SourceRefused("the URL names no host")
    if host.strip("[]") in {h.lower() for h in settings.scan_allowed_hosts}:
        return location
    try:
        literal: Address | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    addresses = [str(literal)] if literal is not None else resolver(host)
    if not addresses:
        raise SourceRefused(f"cannot resolve host {host!r}")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not is_public(address):
            raise SourceRefused(
                f"{host} resolves to a non-public address; only public hosts are scanned "
                "(an operator can allow a host with SCAN_ALLOWED_HOSTS)"
            )
    return location


def check_local(location: str, roots: Sequence[Path]) -> str:
    if not roots:
        raise SourceRefused(
            "local paths are not accepted here (an operator can allow folders with "
            "SCAN_LOCAL_ROOTS); give a clone URL"
        )
    path = Path(os.path.realpath(location))
    for root in roots:
        real_root = Path(os.path.realpath(root))
        if path == real_root or path.is_relative_to(real_root):
            return str(path)
    raise SourceRefused("this path is outside the folders scans may read (SCAN_LOCAL_ROOTS)")


def check_source(location: str, settings: Settings) -> str:
    """The location a caller may have scanned (credentials stripped; a local path
    resolved), or :class:`SourceRefused`."""
    location = strip_credentials(location.strip())
    if not location:
        raise SourceRefused("empty location")
    if location.lower().startswith("file://"):
        # A file URL is a local path by another name: the same roots apply to it.
        path = unquote(urlsplit(location).path)
        check_local(path, settings.scan_local_roots)
        return location
    if _is_url(location):
        return check_remote(location, settings)
    return check_local(location, settings.scan_local_roots)
