"""Secrets in a text, found by Yelp's detect-secrets plugins, in memory and gated.

detect-secrets is what BigCode ran for keys (``bigcode-dataset``,
``pii/utils/keys_detection.py``), but through ``SecretsCollection.scan_file`` on a
temporary file per content, which costs a file write and a read per content and runs
every plugin on every line. Here:

* Plugins are used directly (``plugin.analyze_line``), on lines of the in-memory
  text: no temporary file, no global settings to configure per call.
* A gate picks the candidate lines first (:class:`app.facts.lines.LineIndex`):
  for each plugin, something every one of its findings must contain, searched once
  over the whole text at C speed; the plugin then runs only on the lines touched.
  Gates, by plugin (``_EXACT``, ``_FOLDED``, ``_PATTERNS``): literals every
  match of its patterns contains (``AKIA``/``aws``, ``ghp_``, ``PRIVATE KEY``, the words of
  ``plugins.keyword.DENYLIST`` that every keyword regex contains...), lowercase
  ones searched in the lowercased text when the plugin matches case-insensitively
  (ASCII texts only, see ``LineIndex.lowered``; other texts use the plugin's own
  regexes as the gate); for plugins without such a literal, a regex that every
  match contains and that starts with a literal (Telegram ``:`` + 35 token
  characters, Discord ``.`` + 6 + ``.`` + 27); for the entropy plugins a quoted
  run of their charset long enough to pass their entropy limit (n characters carry
  at most log2(n) bits, so Base64's 4.5 needs 23 and hex's 3.0 needs 9), one regex
  per quote character so each starts with a literal. A plugin this module does not
  know (a newer detect-secrets) is gated by its own ``denylist``: slower, still
  exact. The result equals running every plugin on every line (``gated=False``),
  which the tests check plugin by plugin and ``app.facts.bench --check`` checks on
  thousands of real files. Measured on site-packages and stdlib files: 490-510
  files/s gated over 23k files, against 87 files/s with the plugins' own regexes
  as whole-text gates; on 3000 of them, 630 files/s gated against 29 files/s for
  every plugin on every line, with identical findings.
* Filters: detect-secrets' default heuristic filters (sequential strings, UUIDs,
  ``*_id`` values, templated ``${...}``/``<...>`` values, ``$VAR``, indirect
  references ``get_secret()``, lock files, non-alphanumeric values, swagger
  files, non-text extensions) are applied by calling them; the inline
  ``pragma: allowlist secret`` is not honoured (for a dataset a key is a key).
  BigCode's ``is_hash`` filter is added for high-entropy strings: a 32/40/64-long
  value on a line mentioning sha/md5/hash/byte is a checksum, not a secret.
  BigCode's gibberish detector is not used: it needs a trained model file; the
  high-entropy kinds get a low confidence instead.
* Verification (detect-secrets can call AWS, Slack, ... to check a key) is
  disabled for good: analysis never touches the network.
* Structured files: ``detect-secrets scan`` reads some files through its own
  parsers first (``detect_secrets.transformers``): YAML files by PyYAML (unquoted
  values, ``!!binary``, block scalars, a value on its key's line whatever the
  layout), INI-like files by ``configparser`` (continuation lines, unquoted
  values, keys far from values), and, when that found nothing, any file of no
  known type read as INI with a ``[global]`` header (``.env`` files). Each
  transformer turns a value into a ``key = "value"`` line at the value's line
  number. The same transformers run here (``_transformed_lines``), and their lines
  are scanned ungated (they are few) beside the raw lines; the eager INI reading
  is tried whatever the others found (detect-secrets skips it once anything is
  found, and then misses a ``.env``'s unquoted password beside a quoted token).
  The findings are a superset of ``detect-secrets scan``'s on the same file,
  which ``python -m benchmarks.facts_quality`` checks against detect-secrets' own scan.
  ``configparser`` is only started when a cheap test says it may succeed
  (``_INI_IMPOSSIBLE``): a line at column 0 that is neither blank, a comment, a
  section header nor holds ``=`` or ``:`` makes it fail, as does a first line that
  is not a section header when no header is added.

Secret values never leave this module: findings carry a kind slug, lines and a
confidence.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import cast

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.filters import heuristic
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.high_entropy_strings import (
    HexHighEntropyString,
    HighEntropyStringsPlugin,
)
from detect_secrets.plugins.ip_public import IPPublicDetector
from detect_secrets.plugins.keyword import DENYLIST, KeywordDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.settings import get_settings
from detect_secrets.transformers import get_transformers
from detect_secrets.transformers.base import BaseTransformer
from detect_secrets.transformers.config import ConfigFileTransformer, EagerConfigFileTransformer
from detect_secrets.transformers.exceptions import ParsingError
from detect_secrets.types import NamedIO

from .lines import LineIndex

#: detect-secrets ``secret_type`` -> our stable kind slug.
KIND_BY_SECRET_TYPE = {
    "Artifactory Credentials": "artifactory_token",
    "AWS Access Key": "aws_access_key",  # or aws_secret_key, see _kind
    "Azure Storage Account access key": "azure_storage_key",
    "Basic Auth Credentials": "basic_auth_password",
    "Cloudant Credentials": "cloudant_credentials",
    "Discord Bot Token": "discord_token",
    "GitHub Token": "github_token",
    "GitLab Token": "gitlab_token",
    "Base64 High Entropy String": "high_entropy_string",
    "Hex High Entropy String": "high_entropy_string",
    "IBM Cloud IAM Key": "ibm_cloud_iam_key",
    "IBM COS HMAC Credentials": "ibm_cos_hmac_key",
    "JSON Web Token": "jwt",
    "Secret Keyword": "generic_password",
    "Mailchimp Access Key": "mailchimp_key",
    "NPM tokens": "npm_token",
    "OpenAI Token": "openai_key",
    "Private Key": "private_key",
    "PyPI Token": "pypi_token",
    "SendGrid API Key": "sendgrid_key",
    "Slack Token": "slack_token",
    "SoftLayer Credentials": "softlayer_credentials",
    "Square OAuth Secret": "square_oauth_secret",
    "Stripe Access Key": "stripe_key",
    "Telegram Bot Token": "telegram_token",
    "Twilio API Key": "twilio_key",
}

#: How sure a finding is, by kind: a token with a vendor prefix and fixed length is
#: rarely anything else; a keyword assignment or a random-looking string often is.
CONFIDENCE = {
    "generic_password": 0.4,
    "high_entropy_string": 0.5,
    "basic_auth_password": 0.7,
    "jwt": 0.7,
    "aws_secret_key": 0.8,
    "private_key": 0.95,  # with its END line; 0.6 for a lone BEGIN line (a parser?)
}
DEFAULT_CONFIDENCE = 0.9
HEX_ENTROPY_CONFIDENCE = 0.3  # hex strings are mostly digests and colours
LONE_PRIVATE_KEY_CONFIDENCE = 0.6

_AWS_KEY_ID = AWSKeyDetector.denylist[0]
_PRIVATE_KEY_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|---- END SSH2")
_PRIVATE_KEY_MAX_LINES = 200  # a 16384-bit RSA key is ~170 base64 lines
_HASH_WORDS = ("sha", "md5", "hash", "byte")


@dataclass(frozen=True, slots=True)
class SecretHit:
    kind: str
    line_start: int
    line_end: int
    confidence: float


@dataclass(frozen=True, slots=True)
class _Gate:
    """Where a plugin could match. ``exact``: literals searched as they are;
    ``folded``: lowercase literals searched in the lowercased text (case-insensitive
    plugins; ASCII texts); ``patterns``: regexes searched in the text. ``fallback``:
    the plugin's own regexes, used when ``folded`` cannot be (non-ASCII text)."""

    exact: tuple[str, ...] = ()
    folded: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    fallback: tuple[re.Pattern[str], ...] = ()

    def lines(self, index: LineIndex) -> set[int]:
        found = index.containing(self.exact) | index.matching(self.patterns)
        if self.folded:
            if index.lowered is None:
                found |= index.matching(self.fallback)
            else:
                found |= index.containing(self.folded, lowered=True)
        return found


@dataclass(frozen=True, slots=True)
class _Plugin:
    plugin: BasePlugin
    gate: _Gate


_KEY_WORDS = ("key", "pwd", "pw", "pass", "token")  # password contains pass, pwd pw
#: Literals every match of the plugin's patterns contains (see the module docstring).
_EXACT: dict[str, tuple[str, ...]] = {
    "ArtifactoryDetector": ("AKC", "AP"),
    "AzureStorageKeyDetector": ("AccountKey=",),
    "BasicAuthDetector": ("://",),
    "GitHubTokenDetector": ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    "GitLabTokenDetector": (
        "glpat-",
        "gldt-",
        "glft-",
        "glsoat-",
        "glrt-",
        "GR1348941",
        "glcbt-",
        "glimt-",
        "glptt-",
        "glagent-",
        "gloas-",
    ),
    "JwtTokenDetector": ("eyJ",),
    "MailchimpDetector": ("-us",),
    "NpmDetector": (":_authToken=",),
    "OpenAIDetector": ("T3BlbkFJ",),
    "PrivateKeyDetector": ("PRIVATE KEY", "PuTTY-User-Key-File-2"),
    "PypiTokenDetector": ("pypi-AgE",),
    "SendGridDetector": ("SG.",),
    "SquareOAuthDetector": ("sq0csp-",),
    "StripeDetector": ("k_live_",),
    "TwilioKeyDetector": ("AC", "SK"),
}
_FOLDED: dict[str, tuple[str, ...]] = {
    "AWSKeyDetector": ("a3t", "abia", "acca", "akia", "asia", "aws"),
    "CloudantDetector": (*_KEY_WORDS, "cloudant"),
    "IbmCloudIamDetector": _KEY_WORDS,
    "IbmCosHmacDetector": ("secret",),
    "SlackDetector": ("xox", "hooks.slack.com"),
    "SoftlayerDetector": (*_KEY_WORDS, "softlayer"),
}
_PATTERNS: dict[str, tuple[str, ...]] = {
    "DiscordBotTokenDetector": (r"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}",),
    "TelegramBotTokenDetector": (r":[0-9A-Za-z_-]{35}",),
}


def _keyword_literals() -> tuple[str, ...]:
    """``plugins.keyword.DENYLIST`` spelled out: its only regex syntax is ``_?``."""
    literals: list[str] = []
    for word in DENYLIST:
        if not re.fullmatch(r"[^\W\d_]+(?:_\?[^\W\d_]+)*", word):
            raise ValueError(f"unexpected detect-secrets keyword syntax: {word!r}")
        parts = word.split("_?")
        variants = [parts[0]]
        for part in parts[1:]:
            variants = [v + sep + part for v in variants for sep in ("", "_")]
        literals.extend(variants)
    return tuple(literals)


def _entropy_patterns(plugin: HighEntropyStringsPlugin) -> tuple[re.Pattern[str], ...]:
    shortest = math.floor(2**plugin.entropy_limit) + 1
    run = f"[{re.escape(plugin.charset)}]{{{shortest},}}"
    return tuple(re.compile(f"{quote}{run}{quote}") for quote in ("'", '"'))


def _gate(plugin: BasePlugin) -> _Gate:
    name = type(plugin).__name__
    if isinstance(plugin, HighEntropyStringsPlugin):
        return _Gate(patterns=_entropy_patterns(plugin))
    if isinstance(plugin, KeywordDetector):
        words = re.compile("|".join(DENYLIST), re.IGNORECASE)
        return _Gate(folded=_keyword_literals(), fallback=(words,))
    if not isinstance(plugin, RegexBasedDetector):
        raise TypeError(f"no gate for detect-secrets plugin {name}")
    own = tuple(plugin.denylist)
    if name in _EXACT:
        return _Gate(exact=_EXACT[name])
    if name in _FOLDED:
        return _Gate(folded=_FOLDED[name], fallback=own)
    if name in _PATTERNS:
        return _Gate(patterns=tuple(re.compile(p) for p in _PATTERNS[name]))
    return _Gate(patterns=own)


@cache
def _plugins() -> tuple[_Plugin, ...]:
    """Every detect-secrets plugin with its default settings, except the public-IP one
    (:mod:`app.facts.pii` finds IPs with BigCode's filters)."""
    # Verification calls vendors' APIs: make sure no configuration can turn it on.
    get_settings().disable_filters(
        "detect_secrets.filters.common.is_ignored_due_to_verification_policies"
    )
    found = []
    # The mapping is typed with an unbound TypeVar (``type[Never]`` to mypy).
    classes = cast(dict[str, type[BasePlugin]], get_mapping_from_secret_type_to_class())
    for plugin_class in classes.values():
        if plugin_class is IPPublicDetector:
            continue
        plugin = plugin_class()
        found.append(_Plugin(plugin, _gate(plugin)))
    return tuple(sorted(found, key=lambda p: p.plugin.secret_type))


def _skip_file(filename: str) -> bool:
    return (
        heuristic.is_lock_file(filename)
        or heuristic.is_swagger_file(filename)
        or heuristic.is_non_text_file(filename)
    )


def _filtered(secret: str, line: str, plugin: BasePlugin) -> bool:
    """detect-secrets' default heuristic filters, plus BigCode's ``is_hash``."""
    if (
        heuristic.is_sequential_string(secret)
        or heuristic.is_potential_uuid(secret)
        or heuristic.is_likely_id_string(secret, line, plugin)
        or heuristic.is_templated_secret(secret)
        or heuristic.is_prefixed_with_dollar_sign(secret)
        or heuristic.is_indirect_reference(line)
        or heuristic.is_not_alphanumeric_string(secret)
    ):
        return True
    if isinstance(plugin, HighEntropyStringsPlugin) and len(secret) in (32, 40, 64):
        lowered = line.lower()
        return any(word in lowered for word in _HASH_WORDS)
    return False


def _kind(plugin: BasePlugin, secret: str) -> str:
    if isinstance(plugin, AWSKeyDetector) and not _AWS_KEY_ID.fullmatch(secret):
        return "aws_secret_key"
    secret_type = str(plugin.secret_type)
    return KIND_BY_SECRET_TYPE.get(secret_type) or re.sub(r"\W+", "_", secret_type).lower()


def _private_key_end(lines: Sequence[str], index: int) -> int | None:
    for end in range(index, min(index + _PRIVATE_KEY_MAX_LINES, len(lines))):
        if _PRIVATE_KEY_END.search(lines[end]):
            return end
    return None


def _hit(plugin: BasePlugin, secret: str, lines: Sequence[str], index: int) -> SecretHit:
    kind = _kind(plugin, secret)
    confidence = CONFIDENCE.get(kind, DEFAULT_CONFIDENCE)
    if isinstance(plugin, HexHighEntropyString):
        confidence = HEX_ENTROPY_CONFIDENCE
    end = index
    if isinstance(plugin, PrivateKeyDetector):
        found = _private_key_end(lines, index)
        if found is None:
            confidence = LONE_PRIVATE_KEY_CONFIDENCE
        else:
            end = found
    return SecretHit(kind, index + 1, end + 1, confidence)


def _analyze(plugin: BasePlugin, filename: str, line: str, number: int) -> Iterator[str]:
    for potential in plugin.analyze_line(filename=filename, line=line, line_number=number):
        if potential.secret_value is not None:
            yield potential.secret_value


class _NamedText(io.StringIO):
    """An in-memory file with a name: what detect-secrets' transformers read."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


#: Larger texts are not read through detect-secrets' parsers (raw lines only).
MAX_TRANSFORMED_CHARS = 1 << 20

#: A line configparser refuses (see the module doc): at column 0, not blank, not a
#: comment or a section header, and without a ``=`` or ``:`` delimiter.
_INI_IMPOSSIBLE = re.compile(r"^(?![#;\[\s])[^=:\n]+$", re.MULTILINE)
_INI_FIRST_LINE = re.compile(r"\A(?:[ \t]*(?:[#;][^\n]*)?\n)*[ \t]*\[")


def _may_parse(transformer: BaseTransformer, text: str) -> bool:
    """False when ``transformer`` is certain to raise on ``text`` (saves configparser)."""
    if isinstance(transformer, ConfigFileTransformer | EagerConfigFileTransformer):
        if _INI_IMPOSSIBLE.search(text):
            return False
        if isinstance(transformer, ConfigFileTransformer):
            return bool(_INI_FIRST_LINE.match(text))
    return True


def _transformed_lines(filename: str, text: str, *, eager: bool) -> list[str] | None:
    """detect-secrets' ``get_transformed_file``: the lines of the first transformer
    (eager ones or not) that accepts and parses the file, or None."""
    transformers: Iterable[BaseTransformer] = get_transformers()
    for transformer in transformers:
        if transformer.is_eager != eager or not transformer.should_parse_file(filename):
            continue
        if not _may_parse(transformer, text):
            continue
        try:
            # NamedIO is detect-secrets' name for "a text file with a name".
            named = cast(NamedIO, _NamedText(text, filename))
            return list(transformer.parse_file(named))
        except (ParsingError, UnicodeDecodeError):
            continue
    return None


def _scan_lines(
    filename: str,
    lines: Sequence[str],
    raw: Sequence[str],
    candidates: Iterable[tuple[_Plugin, Iterable[int]]],
    best: dict[tuple[int, str], SecretHit],
) -> None:
    """Run each plugin on its candidate lines, keeping the most confident hit per
    (line, value) in ``best``."""
    for entry, numbers in candidates:
        for number in numbers:
            line = lines[number].rstrip()  # as detect-secrets reads lines
            for secret in _analyze(entry.plugin, filename, line, number + 1):
                if _filtered(secret, line, entry.plugin):
                    continue
                hit = _hit(entry.plugin, secret, raw, number)
                key = (number, secret)
                if key not in best or best[key].confidence < hit.confidence:
                    best[key] = hit


def scan_secrets(
    filename: str, text: str, *, gated: bool = True, index: LineIndex | None = None
) -> list[SecretHit]:
    """Secrets in ``text`` (lines numbered from 1, split on ``\\n`` as git does).

    One hit per (line, secret value): when several plugins see the same value (an
    AWS secret key is also a keyword assignment and a high-entropy string), the
    most confident kind wins. ``gated=False`` runs every plugin on every line: the
    reference the gate must equal. ``index`` shares line splitting with other scans.
    Structured files are also read as detect-secrets reads them (module doc).
    """
    if not text or _skip_file(filename):
        return []
    index = index or LineIndex(text)
    lines = index.lines
    best: dict[tuple[int, str], SecretHit] = {}
    plugins = _plugins()
    _scan_lines(
        filename,
        lines,
        lines,
        (
            (entry, sorted(entry.gate.lines(index)) if gated else range(len(lines)))
            for entry in plugins
        ),
        best,
    )
    # detect-secrets' own readings: a transformer's lines (which its scan reads instead
    # of the raw ones), and the eager INI reading of a file of no known type (which
    # its scan only tries when the first reading found nothing: here always, so a
    # `.env` with one quoted token does not hide its unquoted password).
    for eager in (False, True):
        if len(text) > MAX_TRANSFORMED_CHARS:
            break  # a data dump, not a configuration file: PyYAML would take seconds
        transformed = _transformed_lines(filename, text, eager=eager)
        if transformed is not None:
            every = range(min(len(transformed), len(lines)))
            _scan_lines(filename, transformed, lines, ((e, every) for e in plugins), best)
    return sorted(best.values(), key=lambda h: (h.line_start, h.kind, h.line_end))
