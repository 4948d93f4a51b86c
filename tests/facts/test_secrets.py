"""Secrets: detect-secrets plugins in memory, gated, values never returned.

Every fake secret is built at run time: AWS's documented example keys, a throwaway
RSA key generated for the run, and random strings in each vendor's token shape.
"""

from __future__ import annotations

import random
import string

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from detect_secrets.settings import get_settings

from app.facts import find_secrets_and_pii
from app.facts.secret_scan import KIND_BY_SECRET_TYPE, _plugins, scan_secrets

from .conftest import sample

RNG = random.Random(20240229)
ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"

# AWS's documented example credentials (docs.aws.amazon.com, "Understanding and
# getting your AWS credentials"): not real keys.
AWS_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"


def rand(chars: str, n: int) -> str:
    return "".join(RNG.choice(chars) for _ in range(n))


def private_key_pem() -> str:
    # Throwaway, made for this run: small is fine (and fast), it guards nothing.
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


#: One line per detect-secrets plugin, in the shape that plugin looks for.
EXAMPLES = {
    "artifactory_token": f'artifactory = "AKC{rand(ALNUM, 20)}"',
    "aws_access_key": f'key_id = "{AWS_KEY_ID}"',
    "aws_secret_key": f'aws_secret_access_key = "{AWS_SECRET}"',
    "azure_storage_key": f"conn = DefaultEndpointsProtocol=https;AccountKey={rand(ALNUM, 86)}==",
    "basic_auth_password": f"url = 'https://deploy:{rand(ALNUM, 14)}@db.internal.org/app'",
    "cloudant_credentials": f'cloudant_password = "{rand(HEX, 64)}"',
    "discord_token": f'token = "M{rand(ALNUM, 23)}.{rand(ALNUM, 6)}.{rand(ALNUM, 27)}"',
    "github_token": f'GH = "ghp_{rand(ALNUM, 36)}"',
    "gitlab_token": f'GL = "glpat-{rand(ALNUM, 20)}"',
    "high_entropy_string": f'blob = "{rand(ALNUM + "+/", 48)}"',
    "ibm_cloud_iam_key": f'ibm_cloud_iam_api_key = "{rand(ALNUM, 44)}"',
    "ibm_cos_hmac_key": f'ibm_cos_hmac_secret_access_key = "{rand(HEX, 48)}"',
    "jwt": "auth = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'",
    "generic_password": 'db_password = "correct horse battery staple"',
    "mailchimp_key": f'mc = "{rand(LOWER_ALNUM, 32)}-us12"',
    "npm_token": f"//registry.npmjs.org/:_authToken=npm_{rand(ALNUM, 36)}",
    "openai_key": f'oa = "sk-{rand(ALNUM, 20)}T3BlbkFJ{rand(ALNUM, 20)}"',
    "private_key": "-----BEGIN RSA PRIVATE KEY-----",
    "pypi_token": f'pypi = "pypi-AgEIcHlwaS5vcmc{rand(ALNUM, 80)}"',
    "sendgrid_key": f'sg = "SG.{rand(ALNUM, 22)}.{rand(ALNUM, 43)}"',
    "slack_token": f'slack = "xoxb-{rand(string.digits, 12)}-{rand(LOWER_ALNUM, 24)}"',
    "softlayer_credentials": f'softlayer_api_key = "{rand(LOWER_ALNUM, 64)}"',
    "square_oauth_secret": f'sq = "sq0csp-{rand(ALNUM, 43)}"',
    "stripe_key": f'stripe = "sk_live_{rand(ALNUM, 24)}"',
    "telegram_token": f'tg = "{rand(string.digits, 9)}:{rand(ALNUM, 35)}"',
    "twilio_key": f'twilio = "AC{rand(LOWER_ALNUM, 32)}"',
}


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_each_plugin_found_and_gate_is_exact(kind: str) -> None:
    # The line sits in real code, so the gate has ordinary lines to skip.
    code = sample("attr_version_info.py").decode()
    text = code + EXAMPLES[kind] + "\n" + code
    line = code.count("\n") + 1
    gated = scan_secrets("settings.py", text)
    assert gated == scan_secrets("settings.py", text, gated=False)
    assert kind in {hit.kind for hit in gated if hit.line_start == line}


def test_every_detect_secrets_plugin_has_an_example() -> None:
    # A new detect-secrets plugin needs a kind and an example here, so that its gate
    # is checked against the ungated scan like the others.
    kinds = {KIND_BY_SECRET_TYPE[p.plugin.secret_type] for p in _plugins()}
    assert kinds <= set(EXAMPLES)
    assert len(_plugins()) == 26  # every plugin of detect-secrets 1.5 but the public-IP one


def test_gate_is_exact_on_real_files_and_non_ascii_text() -> None:
    texts = [sample(n).decode() for n in ("attr_version_info.py", "underscore.min.js")]
    long_s = "\u017f"  # re.IGNORECASE equates it with "s"
    tricky = f"clé = '{long_s}ecret'\npa{long_s}{long_s}word = \"Zx9!kLm2#qPw7\"\n"
    texts.append(tricky + "\n".join(EXAMPLES.values()))
    for text in texts:
        assert scan_secrets("a.py", text) == scan_secrets("a.py", text, gated=False)


def test_aws_example_keys_and_no_values_returned() -> None:
    text = f'[default]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = "{AWS_SECRET}"\n'
    hits = find_secrets_and_pii(b"config/credentials.py", text)
    assert [(h.kind, h.line_start, h.line_end) for h in hits] == [
        ("aws_access_key", 2, 2),
        ("aws_secret_key", 3, 3),
    ]
    assert AWS_KEY_ID not in repr(hits)
    assert AWS_SECRET not in repr(hits)


def test_generated_private_key_spans_its_block() -> None:
    pem = private_key_pem()
    text = "# deploy key, do not commit\nKEY = '''\n" + pem + "'''\n"
    hits = [h for h in find_secrets_and_pii(b"deploy.py", text) if h.kind == "private_key"]
    assert len(hits) == 1
    hit = hits[0]
    assert hit.line_start == 3
    assert hit.line_end == 3 + pem.count("\n") - 1  # the END line
    assert hit.confidence == pytest.approx(0.95)
    assert pem.splitlines()[1] not in repr(hits)


def test_lone_begin_line_is_less_certain() -> None:
    text = 'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    parse(line)\n'
    (hit,) = scan_secrets("pem.py", text)
    assert (hit.kind, hit.line_start, hit.line_end) == ("private_key", 1, 1)
    assert hit.confidence < 0.95


def test_one_hit_per_value_most_specific_kind_wins() -> None:
    # Keyword, Base64 entropy and AWS all see this value: reported once, as AWS.
    hits = scan_secrets("a.py", f'aws_secret_key = "{AWS_SECRET}"\n')
    assert [h.kind for h in hits] == ["aws_secret_key"]


@pytest.mark.parametrize(
    "line",
    [
        'request_id = "3f2a8c1e-7d4b-4e2a-9b1c-5d6e7f8a9b0c"',  # a UUID
        'password = "${DB_PASSWORD}"',  # templated
        "password = os.environ['DB_PASSWORD']",  # indirect reference
        # BigCode's is_hash: a 40-hex value on a line about a sha1
        'digest = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c4"  # sha1 of the file',
        'alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"',  # sequential
    ],
)
def test_false_positive_filters(line: str) -> None:
    assert scan_secrets("a.py", line + "\n") == []


def test_lock_files_are_skipped() -> None:
    assert scan_secrets("package-lock.json", f'"integrity": "{AWS_KEY_ID}"\n') == []


def test_verification_never_enabled() -> None:
    _plugins()
    filters = get_settings().filters
    assert "detect_secrets.filters.common.is_ignored_due_to_verification_policies" not in filters


def test_real_source_has_no_secrets() -> None:
    for name in ("attr_version_info.py", "npy_os.h", "emscripten_fetch_worker.js"):
        assert find_secrets_and_pii(name.encode(), sample(name).decode()) == []


def test_ini_continuation_and_unquoted_values_through_detect_secrets_transformer() -> None:
    secret = rand(ALNUM + "+/", 44)
    text = f"[database]\nuser = app\nsecret_token =\n    {secret}\npassword = Zx9kLm2qPw7Rt4Yb\n"
    hits = {(h.kind, h.line_start) for h in scan_secrets("app.ini", text)}
    assert ("high_entropy_string", 4) in hits  # the value on its continuation line
    assert ("generic_password", 5) in hits  # unquoted
    assert secret not in repr(hits)


def test_yaml_binary_and_value_below_its_key() -> None:
    token = rand(HEX, 40)
    text = (
        "service:\n  credentials:\n    secret:\n      "
        + token
        + "\n  cert: !!binary |\n    "
        + rand(ALNUM, 40)
        + "QUJDRA==\n"
    )
    lines = {h.line_start for h in scan_secrets("deploy.yaml", text)}
    assert lines & {3, 4}  # detect-secrets' YAML reader reports it at its key
    assert lines & {5, 6}


def test_env_file_read_as_ini_even_when_another_line_already_has_a_secret() -> None:
    text = f'DB_PASSWORD=Zx9kLm2qPw7Rt4Yb\nGH="ghp_{rand(ALNUM, 36)}"\n'
    hits = {(h.kind, h.line_start) for h in scan_secrets(".env", text)}
    assert ("github_token", 2) in hits
    assert ("generic_password", 1) in hits  # detect-secrets' own scan misses this one


def test_source_files_are_not_parsed_as_ini() -> None:
    from app.facts.secret_scan import _INI_FIRST_LINE, _INI_IMPOSSIBLE

    code = sample("attr_version_info.py").decode()
    assert _INI_IMPOSSIBLE.search(code)
    assert not _INI_FIRST_LINE.match(code)
    assert _INI_FIRST_LINE.match("; comment\n\n[section]\nkey = value\n")
