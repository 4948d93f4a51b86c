"""Proof files: a token the service issued, committed at the root of the repository.

Path: ``.codecommons-optout`` at the root of the default branch (the tree a scan
records). Format: UTF-8 text, one ``codecommons-optout: <token>`` line per request
(several requests can share the file), blank lines and ``#`` comments allowed::

    # Opt-out of this repository from AI training datasets (CodeCommons)
    codecommons-optout: ccoproof-abcdefghijklmnopqrstuvwx

Only someone who can push to the repository can put it there; the token ties the
file to one request. A file that is present but not in this format is reported as
malformed and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PROOF_PATH = ".codecommons-optout"
MAX_PROOF_SIZE = 16_384
_LINE = re.compile(r"^codecommons-optout:\s*(ccoproof-[a-z2-7]{24})\s*$")


@dataclass
class ProofFile:
    tokens: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def malformed(self) -> bool:
        return bool(self.problems) or not self.tokens


def parse(data: bytes) -> ProofFile:
    result = ProofFile()
    if len(data) > MAX_PROOF_SIZE:
        result.problems.append(f"larger than {MAX_PROOF_SIZE} bytes")
        return result
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        result.problems.append("not UTF-8 text")
        return result
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            result.problems.append(
                f"line {number}: expected 'codecommons-optout: <token>', got {line[:60]!r}"
            )
        else:
            result.tokens.add(match.group(1))
    if not result.tokens and not result.problems:
        result.problems.append("no 'codecommons-optout: <token>' line")
    return result


def contents(token: str) -> str:
    """What the requester commits."""
    return (
        "# Opt-out from datasets built by CodeCommons; see its /v1/optouts documentation.\n"
        f"codecommons-optout: {token}\n"
    )
