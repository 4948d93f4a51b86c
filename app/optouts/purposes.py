"""The purpose vocabulary for code: what an opt-out reserves and what a dataset declares.

Authors of code ask for finer choices than the web's preference signals offer ("train
on it if the model's weights are published", "benchmarks are fine, training is not"),
while every signal we read or write speaks a coarser language. This module is the one
place where both meet: a small hierarchy of uses, three modifiers, a rule for
conflicting statements, and mappings to and from the signals in use today.

Sources (read for this module; none of them is a finished standard)
-------------------------------------------------------------------

* IETF AI Preferences, *A Vocabulary For Expressing AI Usage Preferences*
  (draft-ietf-aipref-vocab). The latest revision, -08 (September 2026), has three
  flat categories: AI Training ``train-ai`` (§ 4.1: modifying the learned parameters
  of a *generative* AI model), AI Use ``ai-use`` (§ 4.2: an asset used as input to a
  generative model, not provided directly by the user) and Search ``search`` (§ 4.3:
  selecting assets and directing users to them, links and excerpts only; a search
  allow "overrides" the other categories for processing confined to the search
  application). -05 to -07 had only ``train-ai`` and ``search``. Earlier revisions
  had a hierarchy in which an unstated category falls back to its parent: -00/-01
  ``tdm`` > ``ai`` > ``genai``, plus ``search`` and ``inference``; -02 ``all`` >
  ``train-ai`` > ``train-genai``, plus ``ai-use`` and ``search``; -03 ``bots`` >
  ``train-ai`` > ``train-genai``, plus ``search``; -04 ``bots`` > ``train-ai``,
  ``ai-output`` > ``search``. Preferences are allow (``y``), disallow (``n``) or
  unknown, serialized as an RFC 9651 Dictionary (§ 6, § 6.5: anything but the tokens
  ``y``/``n`` is unknown; unknown labels and parameters are ignored; a parse failure
  makes every preference unknown). *Combining Preferences* (§ 5.1): if any statement
  disallows a usage it is disallowed; otherwise if any allows it, it is allowed;
  otherwise unknown.
* Cloudflare Content Signals (the Content Signals Policy text served in robots.txt,
  and draft-romm-aipref-contentsignals-00, October 2025): ``search`` (building a
  search index and returning links and short excerpts, not AI summaries),
  ``ai-input`` (inputting content into AI models: retrieval augmented generation,
  grounding, real-time use for generative answers) and ``ai-train`` (training or
  fine-tuning AI models), each ``yes`` or ``no``; absent means no preference.
* W3C TDM Reservation Protocol (TDMRep), Final Community Group Report of 10 May 2024
  and its vocabulary (``http://www.w3.org/ns/tdmrep``): ``tdm-reservation`` 1 reserves
  text and data mining rights (EU DSM Directive Art. 4), 0 does not; ``tdm-policy``
  points to an ODRL policy whose permissions use the action ``tdm:mine``, optionally
  constrained by ``purpose`` = ``tdm:research`` or ``tdm:non-research`` (marked
  experimental) and with duties such as ``obtainConsent`` or ``compensate``.

The vocabulary
--------------

Uses form a tree; a reservation of a node covers every node below it::

    any                      every use below (aipref -02 all, -03/-04 bots, -01 tdm)
    ├── ai-training          changing a model's parameters with the code
    │   ├── pre-training     training a model from scratch or continuing its pre-training
    │   └── fine-tuning      adapting a trained model (instruction tuning, RL, adapters)
    ├── ai-input             the code given to a model as input, no parameter changes
    │   ├── retrieval        retrieval-augmented generation, grounding, assistants' context
    │   └── evaluation       benchmarks, test sets, contamination checks
    └── search               search and indexing that sends users to the original location

Modifiers are commitments a dataset makes about its use, and the exceptions an opt-out
grants: ``research-only`` (used only for research, as EU DSM Art. 3 and TDMRep's
``tdm:research`` mean it), ``non-commercial`` (no commercial use of the dataset, the
models trained on it or their outputs) and ``open-weights-only`` (models trained on it
are published with their weights). An opt-out such as "ai-training unless
open-weights-only" reserves training except for datasets that commit to open weights.

Mapping table (→ when we write a signal, ← when we read one, ↔ both)
------------------------------------------------------------------------

==============  ===============  =====================  ==============  ====================
node            aipref -08       earlier aipref (read)  Content Signal  TDMRep
==============  ===============  =====================  ==============  ====================
any             → train-ai,      ← all (-02), bots      → all three     ↔ tdm-reservation 1
                ai-use, search   (-03/-04), tdm (-01)
ai-training     ↔ train-ai       ← train-ai, train-     ↔ ai-train      → tdm-reservation 1
                                 genai, ai, genai
pre-training    → train-ai       (none)                 → ai-train      → tdm-reservation 1
fine-tuning     → train-ai       (none)                 → ai-train      → tdm-reservation 1
ai-input        ↔ ai-use         ← ai-use (-02),        ↔ ai-input      → tdm-reservation 1
                                 inference (-01),
                                 ai-output (-04)
retrieval       → ai-use         (none)                 → ai-input      → tdm-reservation 1
evaluation      → ai-use         (none)                 → ai-input      → tdm-reservation 1
search          ↔ search         ← search, ai-output    ↔ search        → tdm-reservation 1
research-only   (none)           (none)                 (none)          ↔ ODRL purpose
                                                                        tdm:research
non-commercial  (none)           (none)                 (none)          (none)
open-weights-   (none)           (none)                 (none)          (none)
only
==============  ===============  =====================  ==============  ====================

Reading is exact where the external category is one of our nodes, and widens where it
is narrower than any node we have: aipref -08 ``train-ai`` and the earlier
``train-genai``/``genai`` cover generative models only, yet become ``ai-training``
(code models are overwhelmingly generative; excluding a file from a classifier's
training set as well is the safe side of the author's wish). TDM covers every
automated use, so a TDMRep reservation is ``any``; a ``tdm:research`` permission
without duties becomes the ``research-only`` exception, and a permission that carries
a duty (consent, payment) grants nothing we can honour automatically. Earlier aipref
labels are honoured on reading although the -08 text says to ignore unknown labels:
that is this service's own policy, because a ``train-genai=n`` written in 2025 still
says what its author wanted. Writing loses precision the other way: a reservation of
a sub-node is written as its external parent (``fine-tuning`` → ``train-ai=n``), every
TDMRep reservation is all of TDM, and exceptions other than research are dropped. Each
loss makes the written signal stricter than ours, never looser.

One rule for conflicts
----------------------

Within one statement the most specific stated node decides (the fallback of the
hierarchical aipref revisions: "ai-training disallowed, fine-tuning allowed" allows
fine-tuning). Between statements a disallow wins (aipref § 5.1): an opt-out is never
undone by another party's allow, only by its own author withdrawing it. An opt-out
covers a dataset when, combining all statements that apply, the dataset's declared
purpose is disallowed (:func:`covers`).

aipref -08's "search overrides the other categories" needs no special case here: a
dataset built for a search application declares ``search`` (even if it trains a
ranking model), so only reservations of ``search`` or ``any`` apply to it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

VOCABULARY_VERSION = "1"


class Use(enum.StrEnum):
    """A node of the use hierarchy (see the module docstring)."""

    ANY = "any"
    AI_TRAINING = "ai-training"
    PRE_TRAINING = "pre-training"
    FINE_TUNING = "fine-tuning"
    AI_INPUT = "ai-input"
    RETRIEVAL = "retrieval"
    EVALUATION = "evaluation"
    SEARCH = "search"


class Modifier(enum.StrEnum):
    """A commitment a dataset makes, and the exception an opt-out may grant for it."""

    RESEARCH_ONLY = "research-only"
    NON_COMMERCIAL = "non-commercial"
    OPEN_WEIGHTS_ONLY = "open-weights-only"


class Decision(enum.StrEnum):
    ALLOW = "allow"
    DISALLOW = "disallow"
    UNKNOWN = "unknown"


PARENT: dict[Use, Use | None] = {
    Use.ANY: None,
    Use.AI_TRAINING: Use.ANY,
    Use.PRE_TRAINING: Use.AI_TRAINING,
    Use.FINE_TUNING: Use.AI_TRAINING,
    Use.AI_INPUT: Use.ANY,
    Use.RETRIEVAL: Use.AI_INPUT,
    Use.EVALUATION: Use.AI_INPUT,
    Use.SEARCH: Use.ANY,
}

DESCRIPTIONS: dict[Use | Modifier, str] = {
    Use.ANY: "Every use in this vocabulary.",
    Use.AI_TRAINING: "Changing a model's parameters with the code (any training).",
    Use.PRE_TRAINING: "Training a model from scratch, or continuing its pre-training.",
    Use.FINE_TUNING: "Adapting a trained model: instruction tuning, RL, adapters.",
    Use.AI_INPUT: "Giving the code to a model as input, without changing its parameters.",
    Use.RETRIEVAL: "Retrieval-augmented generation, grounding, an assistant's context.",
    Use.EVALUATION: "Benchmarks, test sets and contamination checks.",
    Use.SEARCH: "Search and indexing that send users to the code's original location.",
    Modifier.RESEARCH_ONLY: "Used only for research (EU DSM Art. 3; TDMRep tdm:research).",
    Modifier.NON_COMMERCIAL: "No commercial use of the data, the models or their outputs.",
    Modifier.OPEN_WEIGHTS_ONLY: "Models trained on it are published with their weights.",
}


def ancestors(use: Use) -> tuple[Use, ...]:
    """The node itself, then its parent, up to ``any``."""
    chain: list[Use] = []
    node: Use | None = use
    while node is not None:
        chain.append(node)
        node = PARENT[node]
    return tuple(chain)


def descendants(use: Use) -> frozenset[Use]:
    """The node itself and every node below it."""
    return frozenset(node for node in Use if use in ancestors(node))


def is_within(use: Use, other: Use) -> bool:
    """Whether ``use`` is ``other`` or one of its descendants."""
    return other in ancestors(use)


class InvalidPurpose(ValueError):
    """A purpose or reservation that is not in the vocabulary (the message says why)."""


def _use(value: str) -> Use:
    try:
        return Use(value.strip())
    except ValueError:
        known = ", ".join(u.value for u in Use)
        raise InvalidPurpose(f"unknown use {value.strip()!r} (known: {known})") from None


def _modifiers(values: Iterable[str]) -> frozenset[Modifier]:
    out = set()
    for value in values:
        try:
            out.add(Modifier(value.strip()))
        except ValueError:
            known = ", ".join(m.value for m in Modifier)
            raise InvalidPurpose(f"unknown modifier {value.strip()!r} (known: {known})") from None
    return frozenset(out)


@dataclass(frozen=True)
class Purpose:
    """What a dataset declares: the use it makes and the commitments it keeps.

    Written ``use[;modifier...]``, e.g. ``pre-training;research-only``; the canonical
    form sorts the modifiers so that equal purposes print (and hash) the same.
    """

    use: Use
    modifiers: frozenset[Modifier] = frozenset()

    @classmethod
    def parse(cls, text: str) -> Purpose:
        parts = [p for p in text.split(";")]
        if not parts or not parts[0].strip():
            raise InvalidPurpose("a purpose needs a use, e.g. 'pre-training'")
        return cls(_use(parts[0]), _modifiers(p for p in parts[1:] if p.strip()))

    def canonical(self) -> str:
        return ";".join([self.use.value, *sorted(m.value for m in self.modifiers)])

    def __str__(self) -> str:
        return self.canonical()


@dataclass(frozen=True)
class Rule:
    """One preference in a statement: a use allowed or disallowed.

    A disallow may carry ``unless``: the modifiers a purpose must all commit to for
    the reservation not to apply to it ("ai-training unless open-weights-only").
    """

    use: Use
    allow: bool = False
    unless: frozenset[Modifier] = frozenset()

    def __post_init__(self) -> None:
        if self.allow and self.unless:
            raise InvalidPurpose("an allow takes no 'unless' modifiers")

    @classmethod
    def reservation(cls, use: Use | str, unless: Iterable[Modifier | str] = ()) -> Rule:
        return cls(
            _use(use) if isinstance(use, str) else use,
            False,
            _modifiers(str(m) for m in unless),
        )

    def canonical(self) -> str:
        """``use``, ``use!`` for an allow, ``use;unless=a,b`` for an exception."""
        if self.allow:
            return f"{self.use.value}!"
        if not self.unless:
            return self.use.value
        return f"{self.use.value};unless={','.join(sorted(m.value for m in self.unless))}"

    @classmethod
    def parse(cls, text: str) -> Rule:
        """Read :meth:`canonical`'s form back (``ai-training;unless=research-only``)."""
        head, _, tail = text.strip().partition(";")
        if head.endswith("!"):
            if tail:
                raise InvalidPurpose("an allow takes no 'unless' modifiers")
            return cls(_use(head[:-1]), True)
        unless: frozenset[Modifier] = frozenset()
        if tail:
            key, eq, value = tail.partition("=")
            if key.strip() != "unless" or not eq:
                raise InvalidPurpose(f"expected 'unless=...' after the use, got {tail!r}")
            unless = _modifiers(v for v in value.split(",") if v.strip())
        return cls(_use(head), False, unless)


@dataclass(frozen=True)
class Statement:
    """One party's preferences, at most one rule per use."""

    rules: tuple[Rule, ...] = ()
    source: str = ""
    _by_use: dict[Use, Rule] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_use: dict[Use, Rule] = {}
        for rule in self.rules:
            previous = by_use.get(rule.use)
            # Two rules for one use in one statement: the stricter one stands.
            if previous is None or (previous.allow and not rule.allow):
                by_use[rule.use] = rule
            elif not previous.allow and not rule.allow:
                # Both reserve: an exception survives only if both grant one, and then
                # a purpose must meet both (a reservation without one has none).
                both = previous.unless | rule.unless
                if not previous.unless or not rule.unless:
                    both = frozenset()
                by_use[rule.use] = Rule(rule.use, False, both)
        object.__setattr__(self, "_by_use", by_use)
        object.__setattr__(self, "rules", tuple(by_use[u] for u in Use if u in by_use))

    def rule_for(self, use: Use) -> Rule | None:
        """The most specific stated rule at or above ``use`` (hierarchical fallback)."""
        for node in ancestors(use):
            rule = self._by_use.get(node)
            if rule is not None:
                return rule
        return None

    def decide(self, purpose: Purpose) -> Decision:
        rule = self.rule_for(purpose.use)
        if rule is None:
            return Decision.UNKNOWN
        if rule.allow:
            return Decision.ALLOW
        if rule.unless and rule.unless <= purpose.modifiers:
            return Decision.ALLOW
        return Decision.DISALLOW


def combine(decisions: Iterable[Decision]) -> Decision:
    """aipref § 5.1: any disallow wins; otherwise any allow; otherwise unknown."""
    seen = set(decisions)
    if Decision.DISALLOW in seen:
        return Decision.DISALLOW
    if Decision.ALLOW in seen:
        return Decision.ALLOW
    return Decision.UNKNOWN


def decide(statements: Iterable[Statement], purpose: Purpose) -> Decision:
    return combine(statement.decide(purpose) for statement in statements)


def covers(reservations: Iterable[Rule] | Statement, purpose: Purpose | str) -> bool:
    """Whether an opt-out's reservations cover a dataset's declared purpose.

    An opt-out is one statement; a dataset build must leave out every content it
    covers. ``purpose`` may be given in its written form (``fine-tuning;research-only``).
    """
    if isinstance(purpose, str):
        purpose = Purpose.parse(purpose)
    statement = (
        reservations if isinstance(reservations, Statement) else Statement(tuple(reservations))
    )
    return statement.decide(purpose) is Decision.DISALLOW


def covered_uses(statement: Statement) -> frozenset[Use]:
    """Every use the statement disallows without exception (for summaries and exports)."""
    return frozenset(
        use
        for use in Use
        if (rule := statement.rule_for(use)) is not None and not rule.allow and not rule.unless
    )


def reserved_uses(statement: Statement) -> frozenset[Use]:
    """Every use the statement disallows, with or without exceptions."""
    return frozenset(
        use for use in Use if (rule := statement.rule_for(use)) is not None and not rule.allow
    )


# --- RFC 9651 Dictionary parsing -----------------------------------------------------
#
# Written by hand (about sixty lines) rather than taken from a structured-fields
# package: this module must stand alone with no new dependency, and the preference
# formats only need the Dictionary, Item and Parameters productions. It follows
# RFC 9651 § 4.2.2 closely enough that a value the RFC rejects is rejected here.

_TCHAR = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,3})?")


class _Token(str):
    """A bare token, to tell ``y`` from the string ``"y"`` (which means unknown)."""


class _Parser:
    def __init__(self, text: str) -> None:
        if not text.isascii():
            raise ValueError("structured fields are ASCII")
        self.s = text.strip(" ")
        self.i = 0

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def ows(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.i += 1

    def sp(self) -> None:
        while self.peek() == " ":
            self.i += 1

    def key(self) -> str:
        m = _KEY.match(self.s, self.i)
        if not m:
            raise ValueError(f"bad key at {self.i}")
        self.i = m.end()
        return m.group()

    def bare_item(self) -> Any:
        c = self.peek()
        if c == "-" or c.isdigit():
            m = _NUMBER.match(self.s, self.i)
            if not m:
                raise ValueError(f"bad number at {self.i}")
            self.i = m.end()
            return float(m.group()) if "." in m.group() else int(m.group())
        if c == '"':
            self.i += 1
            out = []
            while True:
                ch = self.peek()
                if not ch:
                    raise ValueError("unterminated string")
                self.i += 1
                if ch == "\\":
                    nxt = self.peek()
                    if nxt not in ('"', "\\"):
                        raise ValueError("bad escape")
                    out.append(nxt)
                    self.i += 1
                elif ch == '"':
                    return "".join(out)
                elif not (" " <= ch <= "~"):
                    raise ValueError("bad string character")
                else:
                    out.append(ch)
        if c.isalpha() or c == "*":
            m = _TCHAR.match(self.s, self.i + 1)
            assert m is not None
            token = _Token(self.s[self.i : m.end()])
            self.i = m.end()
            return token
        if c == ":":
            end = self.s.find(":", self.i + 1)
            if end < 0 or not re.fullmatch(r"[A-Za-z0-9+/=]*", self.s[self.i + 1 : end]):
                raise ValueError("bad byte sequence")
            self.i = end + 1
            return b""
        if c == "?":
            value = self.s[self.i + 1 : self.i + 2]
            if value not in ("0", "1"):
                raise ValueError("bad boolean")
            self.i += 2
            return value == "1"
        raise ValueError(f"unexpected {c!r} at {self.i}")

    def parameters(self) -> None:
        while self.peek() == ";":
            self.i += 1
            self.sp()
            self.key()
            if self.peek() == "=":
                self.i += 1
                self.bare_item()

    def item_or_inner_list(self) -> Any:
        if self.peek() == "(":
            self.i += 1
            while True:
                self.sp()
                if self.peek() == ")":
                    self.i += 1
                    break
                self.bare_item()
                self.parameters()
                if self.peek() not in (" ", ")"):
                    raise ValueError("bad inner list")
            self.parameters()
            return None
        value = self.bare_item()
        self.parameters()
        return value

    def dictionary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not self.s:
            return out
        while True:
            name = self.key()
            if self.peek() == "=":
                self.i += 1
                out[name] = self.item_or_inner_list()
            else:
                out[name] = True
                self.parameters()
            self.ows()
            if not self.peek():
                return out
            if self.peek() != ",":
                raise ValueError(f"expected ',' at {self.i}")
            self.i += 1
            self.ows()
            if not self.peek():
                raise ValueError("trailing comma")


def parse_dictionary(text: str) -> dict[str, Any] | None:
    """An RFC 9651 Dictionary, or None when it does not parse (last key wins)."""
    try:
        return _Parser(text).dictionary()
    except ValueError:
        return None


# --- aipref ------------------------------------------------------------------------

# Labels of every revision, read into our nodes (see the table above).
AIPREF_READ: dict[str, tuple[Use, ...]] = {
    "train-ai": (Use.AI_TRAINING,),
    "ai-use": (Use.AI_INPUT,),
    "search": (Use.SEARCH,),
    # Earlier revisions (-00 to -04): honoured by this service's own policy.
    "train-genai": (Use.AI_TRAINING,),
    "all": (Use.ANY,),
    "bots": (Use.ANY,),
    "tdm": (Use.ANY,),
    "ai": (Use.AI_TRAINING,),
    "genai": (Use.AI_TRAINING,),
    "inference": (Use.AI_INPUT,),
    "ai-output": (Use.AI_INPUT, Use.SEARCH),
}
# The latest revision's labels, written from our nodes.
AIPREF_WRITE: dict[str, Use] = {
    "train-ai": Use.AI_TRAINING,
    "ai-use": Use.AI_INPUT,
    "search": Use.SEARCH,
}
AIPREF_REVISION = "draft-ietf-aipref-vocab-08"


def _read_labelled(
    members: Mapping[str, Any], labels: Mapping[str, tuple[Use, ...]], yes: str, no: str
) -> list[Rule]:
    rules: list[Rule] = []
    # Broad labels first so that, within the statement, a narrower label refines them.
    for label in sorted(members, key=lambda k: len(ancestors(labels[k][0])) if k in labels else 0):
        if label not in labels:
            continue
        value = members[label]
        if not isinstance(value, _Token) or value not in (yes, no):
            continue
        for use in labels[label]:
            rules.append(Rule(use, allow=value == yes))
    return rules


def from_aipref(text: str, source: str = "aipref") -> Statement:
    """A ``Content-Usage`` value (``train-ai=n, search=y``) as a statement.

    A value that does not parse gives an empty statement (every use unknown), as § 6.5
    says; so do values other than the tokens ``y`` and ``n``.
    """
    members = parse_dictionary(text)
    if members is None:
        return Statement((), source)
    return Statement(tuple(_read_labelled(members, AIPREF_READ, "y", "n")), source)


def _written(statement: Statement, top: Use) -> Decision:
    """One external category's value: disallowed if any of our nodes under it is."""
    under = descendants(top)
    rules = [r for u in under if (r := statement.rule_for(u)) is not None]
    if any(not r.allow for r in rules):
        return Decision.DISALLOW
    if rules and all(r.allow for r in rules) and statement.rule_for(top) is not None:
        return Decision.ALLOW
    return Decision.UNKNOWN


def to_aipref(statement: Statement) -> str:
    """The statement in the latest aipref labels; unknown categories are left out."""
    parts = []
    for label, use in AIPREF_WRITE.items():
        value = _written(statement, use)
        if value is not Decision.UNKNOWN:
            parts.append(f"{label}={'y' if value is Decision.ALLOW else 'n'}")
    return ", ".join(parts)


# --- Cloudflare Content Signals ------------------------------------------------------

CONTENT_SIGNALS_READ: dict[str, tuple[Use, ...]] = {
    "ai-train": (Use.AI_TRAINING,),
    "ai-input": (Use.AI_INPUT,),
    "search": (Use.SEARCH,),
}


def from_content_signal(text: str, source: str = "content-signal") -> Statement:
    """A ``Content-Signal`` value (``search=yes, ai-train=no``) as a statement."""
    members = parse_dictionary(text)
    if members is None:
        return Statement((), source)
    return Statement(tuple(_read_labelled(members, CONTENT_SIGNALS_READ, "yes", "no")), source)


def to_content_signal(statement: Statement) -> str:
    parts = []
    for label, uses in CONTENT_SIGNALS_READ.items():
        value = _written(statement, uses[0])
        if value is not Decision.UNKNOWN:
            parts.append(f"{label}={'yes' if value is Decision.ALLOW else 'no'}")
    return ", ".join(parts)


# --- W3C TDMRep ----------------------------------------------------------------------

TDMREP_RESEARCH = ("tdm:research", "http://www.w3.org/ns/tdmrep#research")
TDMREP_NON_RESEARCH = ("tdm:non-research", "http://www.w3.org/ns/tdmrep#non-research")
TDMREP_MINE = ("tdm:mine", "http://www.w3.org/ns/tdmrep#mine")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _free_permission_purposes(policy: Mapping[str, Any]) -> set[str]:
    """Purposes the ODRL policy lets anyone mine for without a duty ("any" if none)."""
    purposes: set[str] = set()
    for permission in _as_list(policy.get("permission")):
        if not isinstance(permission, Mapping):
            continue
        if permission.get("action") not in TDMREP_MINE or _as_list(permission.get("duty")):
            continue
        constraints = [c for c in _as_list(permission.get("constraint")) if isinstance(c, Mapping)]
        if not constraints:
            purposes.add("any")
        for c in constraints:
            if c.get("leftOperand") in ("purpose", "tdm:purpose") and c.get("operator") == "eq":
                right = c.get("rightOperand")
                if right in TDMREP_RESEARCH:
                    purposes.add("research")
                elif right in TDMREP_NON_RESEARCH:
                    purposes.add("non-research")
    return purposes


def from_tdmrep(
    reservation: Any, policy: Mapping[str, Any] | None = None, source: str = "tdmrep"
) -> Statement:
    """A TDMRep declaration (``tdm-reservation`` and the ODRL policy it points to).

    1 reserves every use (TDM is any automated analysis); a policy permitting
    ``tdm:research`` mining without duties turns that into "any unless research-only";
    a duty-free permission for every purpose (or for non-research too) lifts the
    reservation. 0 allows every use. Any other value is a protocol error: unknown.
    """
    # JSON integers only: "1", true or 1.0 are protocol errors (unknown), as the
    # report says of any value other than 0 and 1.
    valid = isinstance(reservation, int) and not isinstance(reservation, bool)
    if valid and reservation == 1:
        free = _free_permission_purposes(policy or {})
        if "any" in free or {"research", "non-research"} <= free:
            return Statement((Rule(Use.ANY, allow=True),), source)
        if "research" in free:
            return Statement((Rule.reservation(Use.ANY, [Modifier.RESEARCH_ONLY]),), source)
        return Statement((Rule.reservation(Use.ANY),), source)
    if valid and reservation == 0:
        return Statement((Rule(Use.ANY, allow=True),), source)
    return Statement((), source)


def to_tdmrep(statement: Statement) -> dict[str, Any]:
    """``{"tdm-reservation": 0|1}`` plus, for a research exception, the ODRL policy.

    TDMRep cannot reserve part of TDM, so any reservation is written as a reservation
    of all of it (stricter than ours); only the research exception survives, and only
    when every reservation in the statement grants it.
    """
    reservations = [r for r in statement.rules if not r.allow]
    if not reservations:
        allowed = statement.rule_for(Use.ANY)
        return {"tdm-reservation": 0} if allowed is not None and allowed.allow else {}
    out: dict[str, Any] = {"tdm-reservation": 1}
    if all(Modifier.RESEARCH_ONLY in r.unless for r in reservations):
        out["policy"] = {
            "@context": ["http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld"],
            "@type": "Offer",
            "profile": "http://www.w3.org/ns/tdmrep",
            "permission": [
                {
                    "action": "tdm:mine",
                    "constraint": [
                        {"leftOperand": "purpose", "operator": "eq", "rightOperand": "tdm:research"}
                    ],
                }
            ],
        }
    return out


def mapping_table() -> list[dict[str, str]]:
    """The mapping, computed from the functions above (for the API and the docs)."""
    rows = []
    for use in Use:
        statement = Statement((Rule.reservation(use),))
        rows.append(
            {
                "node": use.value,
                "parent": PARENT[use] or "",
                "description": DESCRIPTIONS[use],
                "aipref": to_aipref(statement),
                "content_signals": to_content_signal(statement),
                "tdmrep": "tdm-reservation=1",
                "read_from_aipref": ", ".join(
                    sorted(label for label, uses in AIPREF_READ.items() if use in uses)
                ),
                "read_from_content_signals": ", ".join(
                    label for label, uses in CONTENT_SIGNALS_READ.items() if use in uses
                ),
            }
        )
    return rows
