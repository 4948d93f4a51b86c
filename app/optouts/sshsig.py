"""SSH-signed statements: the forge's published keys and a real signature check.

A requester signs the request's statement with ``ssh-keygen -Y sign -n
codecommons-optout`` and a key their forge account lists; we fetch the account's
public keys from the forge and check the signature against them.

Which checker, and why: OpenSSH's own ``ssh-keygen -Y verify`` (OpenSSH >= 8.1), with
an allowed-signers file built from the listing. It is the reference implementation of
the SSHSIG format (PROTOCOL.sshsig), handles every key type the forges accept
(Ed25519, ECDSA, RSA with SHA-2, and FIDO ``sk-`` keys, whose signatures carry flags
and counters that the small Python SSHSIG packages do not all check), and is what git
itself runs for SSH-signed commits. The cost is a subprocess per verification, which
is nothing next to the forge round trips. The image needs ``openssh-client``.

Key listings (real HTTP clients, httpx):

* GitHub: ``GET {api}/users/{login}`` first, and the account's numeric ``id`` must be
  the one the request is keyed by (a login can be given up and taken by someone
  else); then ``GET {api}/users/{login}/keys`` (``[{"id": ..., "key": "ssh-ed25519
  AAAA..."}]``). The same keys are served as text at ``https://github.com/{login}.keys``.
* GitLab: ``GET {api}/users/{id}/keys`` by the stable numeric id (``[{"id", "title",
  "key", "created_at", "expires_at", "usage_type"}]``); expired keys are skipped.
"""

from __future__ import annotations

import base64
import binascii
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the client is made by the worker; the API process checks armor only
    import httpx

NAMESPACE = "codecommons-optout"
DEFAULT_KEY_APIS: dict[str, str] = {
    "github.com": "https://api.github.com",
    "gitlab.com": "https://gitlab.com/api/v4",
}
KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)
ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOR_END = "-----END SSH SIGNATURE-----"
MAX_SIGNATURE_LENGTH = 16_384
_GOOD = re.compile(r'Good "[^"]*" signature for \S+ with (\S+) key (SHA256:[A-Za-z0-9+/=]+)')


class InvalidSignature(ValueError):
    """Not an SSH signature at all (rejected before anything is stored)."""


class KeyListingError(Exception):
    """The forge did not give a usable key listing. ``permanent`` when retrying cannot
    help (unknown account, the login now belongs to another account)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Verified:
    key_type: str
    fingerprint: str


def check_armor(signature: str) -> str:
    """The signature normalized, or :class:`InvalidSignature` saying what is wrong."""
    text = signature.strip().replace("\r\n", "\n")
    if len(text) > MAX_SIGNATURE_LENGTH:
        raise InvalidSignature(f"a signature has at most {MAX_SIGNATURE_LENGTH} characters")
    if not text.startswith(ARMOR_BEGIN) or not text.endswith(ARMOR_END):
        raise InvalidSignature(
            f"not an SSH signature: expected the {ARMOR_BEGIN} ... {ARMOR_END} block that "
            f"`ssh-keygen -Y sign -n {NAMESPACE}` writes"
        )
    body = "".join(text[len(ARMOR_BEGIN) : -len(ARMOR_END)].split())
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSignature("the signature block is not valid base64") from None
    if not raw.startswith(b"SSHSIG"):
        raise InvalidSignature("the signature block is not an SSHSIG signature")
    return text + "\n"


def parse_public_key(line: str) -> tuple[str, str] | None:
    """``(type, base64)`` of an OpenSSH public key line, or None if it is not one.

    Strict on purpose: the result goes into an allowed-signers file, so nothing but a
    known type and a blob whose embedded type matches it may pass (no options, no
    second line)."""
    parts = line.strip().split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(blob) < 4:
        return None
    size = int.from_bytes(blob[:4], "big")
    if blob[4 : 4 + size].decode("ascii", "replace") != parts[0]:
        return None
    return parts[0], parts[1]


def _json(response: httpx.Response, what: str) -> Any:
    if response.status_code == 404:
        raise KeyListingError(f"{what}: no such account", permanent=True)
    if response.status_code in (403, 429) or response.status_code >= 500:
        raise KeyListingError(f"{what}: HTTP {response.status_code}", permanent=False)
    if response.status_code != 200:
        raise KeyListingError(f"{what}: HTTP {response.status_code}", permanent=True)
    try:
        return response.json()
    except ValueError:
        raise KeyListingError(f"{what}: not JSON", permanent=False) from None


def list_keys(
    client: httpx.Client,
    forge: str,
    account_id: str,
    login: str,
    *,
    api_urls: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """The public keys the forge lists for the account (``type base64`` lines)."""
    import httpx  # late: only workers list keys, the API process never loads httpx

    base = {**DEFAULT_KEY_APIS, **(api_urls or {})}.get(forge)
    if base is None:
        raise KeyListingError(f"no key listing known for {forge}", permanent=True)
    base = base.rstrip("/")
    try:
        if forge == "github.com":
            user = _json(client.get(f"{base}/users/{login}"), f"{forge} user {login}")
            if not isinstance(user, dict) or str(user.get("id")) != str(account_id):
                raise KeyListingError(
                    f"{forge} login {login} is not account {account_id} any more",
                    permanent=True,
                )
            listing = _json(client.get(f"{base}/users/{login}/keys"), f"{forge} keys of {login}")
        else:
            listing = _json(
                client.get(f"{base}/users/{account_id}/keys"), f"{forge} keys of {account_id}"
            )
    except httpx.HTTPError as exc:
        raise KeyListingError(f"{forge}: {type(exc).__name__}", permanent=False) from exc
    if not isinstance(listing, list):
        raise KeyListingError(f"{forge}: the key listing is not a list", permanent=False)
    moment = now or datetime.now(UTC)
    keys = []
    for entry in listing:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            continue
        expires = entry.get("expires_at")
        if isinstance(expires, str):
            try:
                if datetime.fromisoformat(expires.replace("Z", "+00:00")) <= moment:
                    continue
            except ValueError:
                continue
        parsed = parse_public_key(entry["key"])
        if parsed is not None:
            keys.append(f"{parsed[0]} {parsed[1]}")
    return keys


def parse_keys_text(body: str) -> list[str]:
    """``https://github.com/{login}.keys``: one public key per line."""
    keys = []
    for line in body.splitlines():
        parsed = parse_public_key(line)
        if parsed is not None:
            keys.append(f"{parsed[0]} {parsed[1]}")
    return keys


def ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise RuntimeError("ssh-keygen is not installed (package openssh-client)")
    return found


def verify(statement: bytes, signature: str, keys: list[str], principal: str) -> Verified | None:
    """Whether ``signature`` signs ``statement`` in our namespace with one of ``keys``."""
    if not keys:
        return None
    if not re.fullmatch(r"[A-Za-z0-9._@+-]{1,200}", principal):
        raise ValueError(f"unusable principal {principal!r}")
    armored = check_armor(signature)
    with tempfile.TemporaryDirectory(prefix="optout-sig-") as tmp:
        signers = Path(tmp) / "allowed_signers"
        signers.write_text("".join(f'{principal} namespaces="{NAMESPACE}" {key}\n' for key in keys))
        sig_path = Path(tmp) / "statement.sig"
        sig_path.write_text(armored)
        result = subprocess.run(
            [
                ssh_keygen(),
                "-Y",
                "verify",
                "-f",
                str(signers),
                "-I",
                principal,
                "-n",
                NAMESPACE,
                "-s",
                str(sig_path),
            ],
            input=statement,
            capture_output=True,
            timeout=30,
            check=False,
        )
    if result.returncode != 0:
        return None
    # OpenSSH prints the verdict on stdout or stderr depending on the version.
    match = _GOOD.search((result.stdout + result.stderr).decode("utf-8", "replace"))
    if match is None:
        return None
    return Verified(match.group(1), match.group(2))
