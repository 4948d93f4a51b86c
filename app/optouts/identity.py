"""Tokens, keyed hashes of e-mail addresses, and the addresses forges commit under.

A requester proves nothing by holding a token; it only lets them see and withdraw
their own request. Tokens are 256-bit random strings stored as SHA-256 (a fast hash
suffices for values that cannot be guessed). E-mail addresses are stored as
HMAC-SHA256 under a server secret (``OPTOUTS_SECRET``): an unkeyed hash of an address
is reversed by hashing candidate addresses, a keyed one is not without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

_EMAIL = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,253}\.[^@\s<>.]{1,63}$")


class InvalidEmail(ValueError):
    pass


def new_token(prefix: str) -> str:
    return f"{prefix}{secrets.token_urlsafe(32)}"


def new_public_id() -> str:
    """An opaque request id: random, so ids do not count requests."""
    return "oo_" + base64.b32encode(secrets.token_bytes(10)).decode().lower()


def new_proof_token() -> str:
    return "ccoproof-" + base64.b32encode(secrets.token_bytes(15)).decode().lower()


def new_email_code() -> str:
    """A code short enough to type from an e-mail, long enough not to be guessed in
    the few tries the rate limit allows (40 bits)."""
    raw = base64.b32encode(secrets.token_bytes(5)).decode()
    return f"{raw[:4]}-{raw[4:]}"


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def normalize_email(address: str) -> str:
    value = address.strip().lower()
    if not _EMAIL.match(value):
        raise InvalidEmail("not an e-mail address")
    return value


def email_hash(address: str, secret: str) -> bytes:
    """The keyed hash an address is stored and matched under (after normalizing)."""
    return hmac.new(secret.encode(), normalize_email(address).encode(), hashlib.sha256).digest()


def forge_commit_addresses(forge: str, account_id: str, login: str) -> list[str]:
    """The addresses a forge attributes commits to an account by, without the user's
    own addresses (which only the user can prove, by e-mail). GitHub: the private
    ``ID+login@users.noreply.github.com`` and the older ``login@users.noreply...``;
    GitLab: ``ID-login@users.noreply.gitlab.com``."""
    login = login.lower()
    if forge == "github.com":
        return [
            f"{account_id}+{login}@users.noreply.github.com",
            f"{login}@users.noreply.github.com",
        ]
    if forge == "gitlab.com":
        return [f"{account_id}-{login}@users.noreply.gitlab.com"]
    return []


_AUTHOR_EMAIL = re.compile(rb"<([^<>]*)>\s*$")


def author_email(author: bytes | None) -> str | None:
    """The address in a git ``Name <address>`` author line, if it looks like one."""
    if not author:
        return None
    match = _AUTHOR_EMAIL.search(author)
    if not match:
        return None
    try:
        return normalize_email(match.group(1).decode("utf-8"))
    except (UnicodeDecodeError, InvalidEmail):
        return None
