"""From the postings a query finds to ranked files with matched line ranges.

Pure: the service hands in the query's fingerprints and, per candidate file, the
(hash, file line) postings the index returned; this module aligns them the way
SCANOSS reports snippets: runs of shared fingerprints whose line offset (file line
minus snippet line) stays nearly constant become one range, ``snippet a-b <-> file
c-d``. Offsets may drift by a few lines inside a range (type-3 clones: lines inserted
or deleted), and a range bridges short gaps (an edited line breaks the k-grams around
it). Winnowing picks no fingerprint in the first and last few tokens of a region, so
a range reaching to within the guarantee threshold of the snippet's start or end is
stretched to it, on both sides alike.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.attribution.winnowing import GUARANTEE, Fingerprint

DRIFT = 6  # lines an offset may move inside one range (insertions / deletions)
GAP = 12  # snippet lines without a shared fingerprint that a range still bridges
MIN_MATCHED = 2  # shared fingerprints a file needs: one 15-token run identifies too little
MIN_COVERAGE = 0.25  # share of the snippet's lines a file must cover
# ... and share of the snippet's fingerprints it must hold: two fingerprints of a
# generic stretch ("def V(self): self.V()" twice) in a long snippet identify nothing
MIN_SIMILARITY = 0.15
MAX_ANCHORS = 64  # places of a range's first line tried by :func:`realign`


@dataclass(frozen=True, slots=True)
class LineRange:
    snippet_start: int
    snippet_end: int
    file_start: int
    file_end: int


@dataclass
class FileMatch:
    content_id: int
    ranges: list[LineRange] = field(default_factory=list)
    matched: int = 0  # query fingerprints found in this file, in its ranges
    coverage: float = 0.0  # share of the snippet's code lines inside a range
    similarity: float = 0.0  # matched / query fingerprints

    @property
    def score(self) -> float:
        """Ranking: what share of the snippet the file explains, then how densely."""
        return round(0.5 * self.coverage + 0.5 * self.similarity, 4)


@dataclass
class _Open:
    qs: int
    qe: int
    fs: int
    fe: int
    offset: int
    hits: int


def align(
    query: Sequence[Fingerprint],
    token_lines: Sequence[int],
    postings: Iterable[tuple[int, int]],
    expected: int | None = None,
) -> FileMatch | None:
    """One file's ranges from its postings ``(hash, file line)``; ``None`` below the
    thresholds. ``token_lines`` is the line of every snippet token, in order;
    ``expected`` is how many fingerprints winnowing keeps for the snippet (the query
    may look up every k-gram), the base of the similarity."""
    base = expected if expected is not None else len(query)
    by_hash: dict[int, list[int]] = defaultdict(list)
    for h, line in postings:
        by_hash[h].append(line)
    # every (query fingerprint, file line) pair, and the dominant offset
    options: list[tuple[Fingerprint, list[int]]] = []
    for fp in query:
        lines = by_hash.get(fp.hash)
        if lines:
            options.append((fp, sorted(set(lines))))
    if not options:
        return None
    options.sort(key=lambda o: o[0].line)
    ranges: list[_Open] = []
    remaining = list(range(len(options)))
    while remaining:
        # the diagonal (file line - snippet line) most k-grams agree on, give or take
        # DRIFT lines: a file with repeated code offers several, the copy wins
        votes: Counter[int] = Counter()
        for i in remaining:
            fp, lines = options[i]
            votes.update({line - fp.line for line in lines})
        support = {o: sum(votes.get(o + d, 0) for d in range(-DRIFT, DRIFT + 1)) for o in votes}
        offset = max(support, key=lambda o: (support[o], votes[o], -o))
        # Support picks the neighbourhood; within it, the diagonal with the most exact
        # votes (the earliest on a tie). In periodic code (a run of ``case S: return
        # V * V;``) copies of the pattern a few lines apart all lie within DRIFT, and
        # the sum of their votes favoured the middle one, not where the snippet was.
        offset = max(
            (o for o in range(offset - DRIFT, offset + DRIFT + 1) if o in votes),
            key=lambda o: (votes[o], -o),
        )
        if support[offset] < MIN_MATCHED and ranges:
            break
        chain: list[_Open] = []
        current: _Open | None = None
        used: list[int] = []
        for i in remaining:
            fp, lines = options[i]
            want = fp.line + (current.offset if current is not None else offset)
            best = min(lines, key=lambda x: (abs(x - want), x))
            if abs(best - want) > DRIFT:
                continue
            used.append(i)
            span = fp.end_line - fp.line
            if current is not None and fp.line - current.qe <= GAP and best >= current.fs:
                current.qe = max(current.qe, fp.end_line)
                current.fe = max(current.fe, best + span)
                current.offset = best - fp.line
                current.hits += 1
                continue
            current = _Open(fp.line, fp.end_line, best, best + span, best - fp.line, 1)
            chain.append(current)
        if not used:
            break
        ranges += chain
        covered = [(r.qs, r.qe) for r in chain]
        taken = set(used)
        remaining = [
            i
            for i in remaining
            if i not in taken and not any(a <= options[i][0].line <= b for a, b in covered)
        ]
    ranges.sort(key=lambda r: r.qs)
    matched = sum(r.hits for r in ranges)
    needed = MIN_MATCHED
    if matched < needed:
        return None
    kept = [r for r in ranges if r.hits >= 2] or ranges
    out = [_stretch(r, token_lines) for r in kept]
    covered_lines = set()
    code_lines = sorted(set(token_lines))
    for r in out:
        lo, hi = bisect_left(code_lines, r.snippet_start), bisect_right(code_lines, r.snippet_end)
        covered_lines.update(code_lines[lo:hi])
    coverage = len(covered_lines) / len(code_lines) if code_lines else 0.0
    similarity = min(1.0, sum(r.hits for r in kept) / max(base, 1))
    if coverage < MIN_COVERAGE or similarity < MIN_SIMILARITY:
        return None
    return FileMatch(
        content_id=0,
        ranges=out,
        matched=sum(r.hits for r in kept),
        coverage=round(coverage, 4),
        similarity=round(similarity, 4),
    )


def _stretch(r: _Open, token_lines: Sequence[int]) -> LineRange:
    """Extend a range to the snippet's first / last token when fewer than the
    guarantee threshold of tokens lie beyond it (no fingerprint could be picked
    there), moving the file side by the same number of lines."""
    qs, qe, fs, fe = r.qs, r.qe, r.fs, r.fe
    if token_lines:
        before = bisect_left(token_lines, qs)
        if 0 < before < GUARANTEE:
            delta = qs - token_lines[0]
            qs, fs = qs - delta, max(1, fs - delta)
        after = len(token_lines) - bisect_right(token_lines, qe)
        if 0 < after < GUARANTEE:
            delta = token_lines[-1] - qe
            qe, fe = qe + delta, fe + delta
    return LineRange(qs, qe, fs, fe)


def rank(
    query: Sequence[Fingerprint],
    token_lines: Sequence[int],
    postings: Iterable[tuple[int, int, int]],
    limit: int,
    expected: int | None = None,
) -> list[FileMatch]:
    """Every candidate file's match from postings ``(hash, content id, file line)``,
    best first (score, then content id for a stable order)."""
    per_file: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for h, content_id, line in postings:
        per_file[content_id].append((h, line))
    matches: list[FileMatch] = []
    for content_id, file_postings in per_file.items():
        found = align(query, token_lines, file_postings, expected)
        if found is not None:
            found.content_id = content_id
            matches.append(found)
    matches.sort(key=lambda m: (-m.score, -m.matched, m.content_id))
    return matches[:limit]


def realign(
    ranges: Sequence[LineRange], snippet_lines: Sequence[str], file_lines: Sequence[str]
) -> list[LineRange]:
    """Ranges moved to where the file's own lines say, when they say it better.

    Fingerprints are of normalised tokens, so in periodic code (``case S: return V;``
    again and again, a table of tests of the same shape) every copy of the pattern
    aligns equally well and the vote picks one of them, not necessarily the one the
    snippet was taken from. With the archived file's text at hand, each range's
    offset is checked against the others that line up the snippet's first line of
    the range verbatim (whitespace aside): the offset whose lines agree verbatim most
    often wins; the fingerprints' offset is kept unless another agrees strictly more.
    """
    snippet = [" ".join(line.split()) for line in snippet_lines]
    text = [" ".join(line.split()) for line in file_lines]
    where: dict[str, list[int]] = defaultdict(list)
    for i, line in enumerate(text):
        if line:
            where[line].append(i)

    def agreement(r: LineRange, offset: int) -> int:
        return sum(
            1
            for q in range(r.snippet_start - 1, min(r.snippet_end, len(snippet)))
            if snippet[q] and 0 <= q + offset < len(text) and snippet[q] == text[q + offset]
        )

    out = []
    for r in ranges:
        offset = r.file_start - r.snippet_start
        anchor = next(
            (q for q in range(r.snippet_start - 1, min(r.snippet_end, len(snippet))) if snippet[q]),
            None,
        )
        best, best_agreement = offset, agreement(r, offset)
        if anchor is not None:
            for at in where.get(snippet[anchor], [])[:MAX_ANCHORS]:
                candidate = at - anchor
                if candidate != best and (found := agreement(r, candidate)) > best_agreement:
                    best, best_agreement = candidate, found
        shift = best - offset
        out.append(
            LineRange(r.snippet_start, r.snippet_end, r.file_start + shift, r.file_end + shift)
        )
    return out
