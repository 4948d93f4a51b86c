"""Key listings read from recorded forge answers, and real OpenSSH signature checks."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.optouts import sshsig

FIXTURES = Path(__file__).parent / "fixtures"


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def client(routes: dict[str, tuple[int, object]]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        status, body = routes.get(request.url.path, (404, {"message": "Not Found"}))
        return httpx.Response(status, json=body)

    return httpx.Client(transport=httpx.MockTransport(handle))


def make_key(tmp_path: Path, name: str = "id_ed25519") -> tuple[Path, str]:
    key = tmp_path / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(key)], check=True
    )
    return key, " ".join((tmp_path / f"{name}.pub").read_text().split()[:2])


def sign(key: Path, message: bytes, namespace: str = sshsig.NAMESPACE) -> str:
    path = key.parent / f"message-{key.name}"
    path.write_bytes(message)
    Path(f"{path}.sig").unlink(missing_ok=True)  # ssh-keygen will not overwrite it
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", namespace, str(path)],
        check=True,
        capture_output=True,
    )
    return Path(f"{path}.sig").read_text()


def test_github_listing_recorded_from_the_api():
    user = recorded("github/user_rafaparadela.json")
    keys_body = recorded("github/users_wycats_keys.json")
    with client(
        {"/users/rafaparadela": (200, user), "/users/rafaparadela/keys": (200, keys_body)}
    ) as http:
        keys = sshsig.list_keys(http, "github.com", "315070", "rafaparadela")
    assert len(keys) == 4
    assert all(k.startswith("ssh-rsa AAAAB3NzaC1yc2E") for k in keys)
    assert keys[0] == keys_body[0]["key"]  # type: ignore[index]


def test_github_login_taken_by_another_account_is_refused():
    user = recorded("github/user_rafaparadela.json")
    with (
        client({"/users/rafaparadela": (200, user)}) as http,
        pytest.raises(sshsig.KeyListingError, match="is not account 1") as caught,
    ):
        sshsig.list_keys(http, "github.com", "1", "rafaparadela")
    assert caught.value.permanent


def test_gitlab_listing_by_stable_id_skips_expired_keys():
    listing = recorded("gitlab/users_1_keys.json")
    assert isinstance(listing, list)
    expired = dict(listing[0], id=9, expires_at="2020-01-01T00:00:00.000Z")
    with client({"/api/v4/users/1/keys": (200, [*listing, expired])}) as http:
        keys = sshsig.list_keys(
            http, "gitlab.com", "1", "whoever", api_urls={"gitlab.com": "https://gl/api/v4"}
        )
    assert keys == [listing[0]["key"], listing[1]["key"]]


@pytest.mark.parametrize(
    ("status", "permanent"), [(404, True), (403, False), (503, False), (418, True)]
)
def test_listing_failures_say_whether_to_retry(status, permanent):
    with (
        client({"/api/v4/users/1/keys": (status, {})}) as http,
        pytest.raises(sshsig.KeyListingError) as caught,
    ):
        sshsig.list_keys(http, "gitlab.com", "1", "x")
    assert caught.value.permanent is permanent


@pytest.mark.parametrize(
    "line",
    [
        'command="rm -rf /" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA',  # options are refused
        "ssh-ed25519 not-base64!",
        "ssh-dss AAAAB3NzaC1kc3MAAACBAPlHIP5sD",  # type we do not accept
        # An RSA blob presented as Ed25519: the embedded type must match.
        "ssh-ed25519 AAAAB3NzaC1yc2EAAAABJQAAAIEAiPWx6WM4lhHNedGfBpPJNPpZ7yKu",
    ],
)
def test_only_plain_known_public_keys_reach_the_allowed_signers_file(line):
    assert sshsig.parse_public_key(line) is None


def test_keys_text_listing():
    listing = recorded("github/users_wycats_keys.json")
    assert isinstance(listing, list)
    text = "\n".join(entry["key"] for entry in listing) + "\n"
    assert sshsig.parse_keys_text(text) == [entry["key"] for entry in listing]


@pytest.fixture
def signer(tmp_path: Path) -> tuple[Path, str]:
    return make_key(tmp_path)


def test_a_good_signature_verifies_with_its_fingerprint(signer):
    key, public = signer
    statement = b"CodeCommons opt-out request\nrequest: oo_x\n"
    signature = sign(key, statement)
    others = [entry["key"] for entry in recorded("github/users_wycats_keys.json")]  # type: ignore[union-attr]
    verified = sshsig.verify(statement, signature, [*others, public], "101@github.com")
    assert verified is not None
    assert verified.key_type == "ED25519"
    fingerprint = subprocess.run(
        ["ssh-keygen", "-lf", str(key) + ".pub"], check=True, capture_output=True, text=True
    ).stdout.split()[1]
    assert verified.fingerprint == fingerprint


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s, sig, k: (s + b"purposes: search\n", sig, k),  # statement changed
        lambda s, sig, k: (s, sig, [e["key"] for e in recorded("github/users_wycats_keys.json")]),  # type: ignore[union-attr]
        lambda s, sig, k: (s, sig, []),
    ],
)
def test_changed_statements_and_unlisted_keys_do_not_verify(
    signer, tamper: Callable[[bytes, str, list[str]], tuple[bytes, str, list[str]]]
):
    key, public = signer
    statement = b"request: oo_x\n"
    args = tamper(statement, sign(key, statement), [public])
    assert sshsig.verify(*args, "101@github.com") is None


def test_a_signature_for_another_namespace_does_not_verify(signer):
    key, public = signer
    statement = b"request: oo_x\n"
    signature = sign(key, statement, namespace="git")
    assert sshsig.verify(statement, signature, [public], "101@github.com") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello", "not an SSH signature"),
        (f"{sshsig.ARMOR_BEGIN}\n!!!\n{sshsig.ARMOR_END}", "not valid base64"),
        (f"{sshsig.ARMOR_BEGIN}\nU1NIU0lH\n{sshsig.ARMOR_END}", None),
        (f"{sshsig.ARMOR_BEGIN}\nQUJDREVG\n{sshsig.ARMOR_END}", "not an SSHSIG signature"),
    ],
)
def test_malformed_signatures_are_rejected_with_a_clear_message(text, message):
    if message is None:
        assert sshsig.check_armor(text).startswith(sshsig.ARMOR_BEGIN)
    else:
        with pytest.raises(sshsig.InvalidSignature, match=message):
            sshsig.check_armor(text)
