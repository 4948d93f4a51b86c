"""The personal-data policy, applied the same way by REST, GraphQL and exports.

What the archive and the forges tell us about people, and who sees it (README,
"Personal data"):

* **Names and logins** (git author and committer names, forge logins and display
  names) are public where they came from and are shown to everyone: attribution is
  part of what the commons serves.
* **E-mail addresses** (in git identities ``Name <address>``, and in raw forge and
  registry payloads: ``email``, ``author_email``, ``maintainers[].email``,
  ``"Name <address>"`` strings...) are withheld from callers without the ``admin``
  scope: the local part is replaced, the domain kept (``<withheld@example.org>``), so
  an affiliation stays visible but nobody can be mailed or tracked across datasets
  by address. Admins (operators handling opt-outs and legal requests) see them.
* CodeMeta records (``/metadata``, ``codemeta.json``, ``CITATION.cff``,
  ``citation.bib``, GraphQL ``originMetadata``) lose their e-mail fields for the same
  callers (names, affiliations and ORCIDs stay).
* Raw payloads are otherwise served as stored, with ``personal_data_withheld``
  saying whether anything was masked (their ``sha256`` names the stored bytes).
* Dataset exports carry no git identities or payloads at all; opt-out records keep
  e-mail addresses only as keyed hashes; secret and PII findings say the kind and
  lines, never the value.

Pure functions (no database or web), so every surface calls the same code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

WITHHELD = "withheld"
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@(?P<domain>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
# An address where it can only be an address: ``<addr>`` (git, npm, PEP 621 strings) or
# ``mailto:addr``. Bare ``user@host`` elsewhere may be ``git@github.com:o/r`` (a URL).
_MARKED_EMAIL = re.compile(
    r"(?P<lead><|mailto:)[A-Za-z0-9._%+\-]+@(?P<domain>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*)"
)


def mask_address(domain: str | None) -> str:
    return f"{WITHHELD}@{domain}" if domain else WITHHELD


def mask_identity(text: str) -> str:
    """A git identity (``Name <address>``) with the address's local part withheld."""
    masked = _MARKED_EMAIL.sub(lambda m: m["lead"] + mask_address(m["domain"]), text)
    if masked == text and "<" not in text:
        masked = _EMAIL.sub(lambda m: mask_address(m["domain"]), text)
    return masked


def _mask_email_value(value: Any) -> Any:
    """The value of a field named like an e-mail field: every address in it masked;
    a non-empty string without a recognisable address withheld whole."""
    if isinstance(value, str):
        if not value:
            return value
        masked = _EMAIL.sub(lambda m: mask_address(m["domain"]), value)
        return masked if masked != value else WITHHELD
    if isinstance(value, Mapping | list):
        return redact_payload(value, all_strings=True)
    return value


def _is_email_key(key: str) -> bool:
    return "email" in key.lower() or "e-mail" in key.lower() or key.lower() == "mail"


def redact_payload(value: Any, *, all_strings: bool = False) -> Any:
    """A decoded JSON payload with e-mail addresses withheld: every field whose name
    says e-mail, and every ``<address>`` / ``mailto:address`` in any string."""
    if isinstance(value, str):
        if all_strings:
            return _mask_email_value(value)
        return _MARKED_EMAIL.sub(lambda m: m["lead"] + mask_address(m["domain"]), value)
    if isinstance(value, Mapping):
        return {
            k: (_mask_email_value(v) if _is_email_key(str(k)) else redact_payload(v))
            for k, v in value.items()
        }
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [redact_payload(v, all_strings=all_strings) for v in value]
    return value


def without_emails(value: Any) -> Any:
    """A metadata record (CodeMeta, CITATION.cff) without its e-mail fields: contact
    details, not attribution; rendered files must not carry a placeholder address."""
    if isinstance(value, Mapping):
        return {k: without_emails(v) for k, v in value.items() if not _is_email_key(str(k))}
    if isinstance(value, list):
        return [without_emails(v) for v in value]
    return value
