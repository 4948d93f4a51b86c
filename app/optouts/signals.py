"""Machine-readable reservations found in a repository, read as opt-outs.

What the field has settled on, and what we read (all at the repository root, the
tree a scan records):

* ``.well-known/tdmrep.json``, W3C TDMRep's site-wide file: an array of rules
  ``{"location": <robots-style path pattern>, "tdm-reservation": 0|1, "tdm-policy":
  <url>}``, the first matching rule winning. In a repository that is a web site's
  source it states the site's reservation for these files. The policy URL is not
  fetched (scans read no network), so a reservation counts without its policy's
  permissions: stricter, never looser.
* ``robots.txt`` with ``Content-Usage`` rules (aipref attachment, draft-ietf-aipref-
  attach: ``Content-Usage: [path] train-ai=n``) or Cloudflare's ``Content-Signal``
  lines, in the ``User-agent: *`` group.
* ``ai.txt`` in Spawning's robots-like format (``User-Agent: *`` / ``Disallow: /``),
  whose only subject is AI training. The name ``ai.txt`` is also used by unrelated
  proposals (a Markdown description for assistants); those carry no reservation and
  are ignored, since they have no Disallow lines.

There is no settled repository-level aipref file yet; ``robots.txt``'s rules are the
aipref form we read. Allows never become opt-outs (an allow never overrides one), but
within one file a more specific rule carves its paths out of a broader one, as the
file's own matching rules say (first match for TDMRep, longest match for robots.txt).

Each reservation becomes an opt-out of the origin (or of the paths its pattern
matches) with the file's SWHID as evidence, proven by the fact that only those who
can push to the repository can commit the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.optouts.purposes import Statement, from_aipref, from_content_signal, from_tdmrep
from app.optouts.scopes import InvalidPattern, is_whole_origin, robots_to_regex

TDMREP_PATH = ".well-known/tdmrep.json"
ROBOTS_PATH = "robots.txt"
AI_TXT_PATH = "ai.txt"
SIGNAL_PATHS = (TDMREP_PATH, ROBOTS_PATH, AI_TXT_PATH)
MAX_SIGNAL_SIZE = 512 * 1024


@dataclass(frozen=True)
class Signal:
    """One reservation read from a file: whole origin when ``regex`` is None."""

    file: str
    swhid: str
    rules: tuple[str, ...]
    pattern: str | None = None
    regex: str | None = None
    except_regexes: tuple[tuple[str, str], ...] = ()  # (pattern, regex)

    @property
    def key(self) -> tuple[str, str, tuple[str, ...], str | None, tuple[tuple[str, str], ...]]:
        return (self.file, self.swhid, self.rules, self.regex, self.except_regexes)


@dataclass
class Detection:
    signals: list[Signal] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _reserving(statement: Statement) -> tuple[str, ...] | None:
    rules = tuple(r.canonical() for r in statement.rules)
    return rules if any(not r.allow for r in statement.rules) else None


def _scope(file: str, rule: str) -> tuple[str | None, str | None]:
    if is_whole_origin(rule):
        return None, None
    return f"{file}:{rule}", robots_to_regex(rule)


def read_tdmrep(data: bytes, swhid: str) -> Detection:
    found = Detection()
    try:
        rules = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        found.problems.append(f"{TDMREP_PATH}: not JSON ({exc.__class__.__name__})")
        return found
    if isinstance(rules, dict):
        rules = [rules]  # common mistake: one rule without the array
    if not isinstance(rules, list):
        found.problems.append(f"{TDMREP_PATH}: expected an array of rules")
        return found
    earlier: list[tuple[str, str]] = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict):
            found.problems.append(f"{TDMREP_PATH}: rule {index} is not an object")
            continue
        location = rule.get("location", "/")
        if not isinstance(location, str):
            found.problems.append(f"{TDMREP_PATH}: rule {index} has no usable location")
            continue
        statement = from_tdmrep(rule.get("tdm-reservation"), None, source=TDMREP_PATH)
        try:
            pattern, regex = _scope(TDMREP_PATH, location)
        except InvalidPattern as exc:
            found.problems.append(f"{TDMREP_PATH}: rule {index}: {exc}")
            continue
        reserved = _reserving(statement)
        if reserved is not None:
            found.signals.append(
                Signal(TDMREP_PATH, swhid, reserved, pattern, regex, tuple(earlier))
            )
        if regex is None:
            break  # a whole-site rule matches everything after it
        earlier.append((pattern or location, regex))
    return found


def _groups(text: str) -> Iterable[tuple[list[str], list[tuple[str, str]]]]:
    """robots.txt groups: (user agents, [(field, value)]) as RFC 9309 § 2.1 reads them."""
    agents: list[str] = []
    lines: list[tuple[str, str]] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or ":" not in line:
            continue
        name, value = (part.strip() for part in line.split(":", 1))
        name = name.lower()
        if name == "user-agent":
            if in_rules:
                yield agents, lines
                agents, lines, in_rules = [], [], False
            agents.append(value.lower())
        else:
            in_rules = True
            lines.append((name, value))
    if agents:
        yield agents, lines


def _path_and_value(value: str) -> tuple[str, str]:
    if value.startswith("/") or value.startswith("*"):
        path, _, rest = value.partition(" ")
        return path, rest.strip()
    return "/", value


def _longest_match_signals(
    file: str, swhid: str, entries: list[tuple[str, Statement]]
) -> Detection:
    """Each reserving rule, minus the paths of longer (more specific) rules."""
    found = Detection()
    for path, statement in entries:
        reserved = _reserving(statement)
        if reserved is None:
            continue
        try:
            pattern, regex = _scope(file, path)
            carve = tuple(
                (f"{file}:{other}", robots_to_regex(other))
                for other, _ in entries
                if len(other) > len(path) and not is_whole_origin(other)
            )
        except InvalidPattern as exc:
            found.problems.append(f"{file}: {exc}")
            continue
        found.signals.append(Signal(file, swhid, reserved, pattern, regex, carve))
    return found


def read_robots(data: bytes, swhid: str) -> Detection:
    text = data.decode("utf-8", "replace")
    entries: list[tuple[str, Statement]] = []
    for agents, lines in _groups(text):
        if "*" not in agents:
            continue
        for name, value in lines:
            if name == "content-usage":
                path, pref = _path_and_value(value)
                entries.append((path, from_aipref(pref, source=ROBOTS_PATH)))
            elif name == "content-signal":
                path, pref = _path_and_value(value)
                entries.append((path, from_content_signal(pref, source=ROBOTS_PATH)))
    return _longest_match_signals(ROBOTS_PATH, swhid, entries)


def read_ai_txt(data: bytes, swhid: str) -> Detection:
    text = data.decode("utf-8", "replace")
    entries: list[tuple[str, Statement]] = []
    for agents, lines in _groups(text):
        if "*" not in agents:
            continue
        for name, value in lines:
            if name == "disallow" and value:
                entries.append((value, from_aipref("train-ai=n", source=AI_TXT_PATH)))
            elif name == "allow" and value:
                entries.append((value, from_aipref("train-ai=y", source=AI_TXT_PATH)))
    return _longest_match_signals(AI_TXT_PATH, swhid, entries)


READERS = {TDMREP_PATH: read_tdmrep, ROBOTS_PATH: read_robots, AI_TXT_PATH: read_ai_txt}


def detect(files: dict[str, tuple[bytes, str]]) -> Detection:
    """Signals in the given files (path -> (bytes, SWHID)); unknown paths are skipped."""
    found = Detection()
    for path, (data, swhid) in sorted(files.items()):
        reader = READERS.get(path)
        if reader is None:
            continue
        if len(data) > MAX_SIGNAL_SIZE:
            found.problems.append(f"{path}: larger than {MAX_SIGNAL_SIZE} bytes, not read")
            continue
        part = reader(data, swhid)
        found.signals.extend(part.signals)
        found.problems.extend(part.problems)
    return found
