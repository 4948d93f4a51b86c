"""Precision and recall of the file facts on their labelled evaluation sets.

    python -m benchmarks.facts_quality            # the committed sample (what `make test` runs)
    python -m benchmarks.facts_quality --full     # every SPDX license text (hours on 2 busy cores)
    python -m benchmarks.facts_quality --full --every 10   # every 10th license (a stratified tenth)
    python -m benchmarks.facts_quality --only secrets,pii --json

Sets (see each folder's README): license texts (``tests/licenses/eval``: committed
sample, or the full set rebuilt from ScanCode's installed data), REUSE layouts,
secrets in configuration files and PII snippets (``tests/facts/eval``). Per fact it
prints one table: cases, true and false positives, misses, precision and recall.

* **licenses**: per rendering (plain, Markdown, HTML, with a copyright holder list)
  a case is recognised when the file's findings map to exactly the license and
  no license text in it is left unidentified; a modified text (added clause,
  changed terms, removed clause) must not be reported as the original: in those
  rows a true positive is a text rightly not reported as its original (refused,
  or recognised as another license it happens to equal, e.g. MIT without its
  notice clause is MIT-0) and a false positive is one reported as the original.
* **reuse**: per layout, each labelled file's resolved expression, the
  effective license, and the findings that must exist (a patent grant, an
  annotation), compared by SPDX equivalence.
* **secrets**: planted secrets found (recall) and lines reported that hold none
  (precision), for our scan and, as the reference, for detect-secrets' own
  ``SecretsCollection.scan_file`` on the same files with its default settings
  (its transformers included): our recall must equal or beat it.
* **pii**: e-mail and IP findings against the labelled (kind, line) pairs.

:func:`goals_met` states the issue's goals as checks; the test suite asserts them
on the sample.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
FACTS_EVAL = REPOSITORY / "tests" / "facts" / "eval"
LICENSES_EVAL = REPOSITORY / "tests" / "licenses" / "eval"
Progress = Callable[[str], None]


@dataclass
class Score:
    """Counts of one row of a table."""

    name: str
    cases: int = 0
    true_positives: int = 0
    false_positives: int = 0
    misses: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        reported = self.true_positives + self.false_positives
        return self.true_positives / reported if reported else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.misses
        return self.true_positives / wanted if wanted else 1.0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "precision": self.precision, "recall": self.recall}


@dataclass
class Report:
    licenses: list[Score] = field(default_factory=list)
    reuse: list[Score] = field(default_factory=list)
    secrets: list[Score] = field(default_factory=list)
    pii: list[Score] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def tables(self) -> dict[str, list[Score]]:
        return {
            "licenses": self.licenses,
            "reuse": self.reuse,
            "secrets": self.secrets,
            "pii": self.pii,
        }


# --- licenses ------------------------------------------------------------------------


def score_licenses(cases: Iterable[object], progress: Progress | None = None) -> list[Score]:
    """One row per variant, plus ``all standard`` and ``all modified`` rows."""
    from app.licenses.detection import default_backend, detect_file
    from app.licenses.detection.evalset import MODIFIED_VARIANTS, LicenseCase

    backend = default_backend()
    rows: dict[str, Score] = {}
    for number, case in enumerate(cases, 1):
        assert isinstance(case, LicenseCase)
        row = rows.setdefault(case.variant, Score(case.variant))
        row.cases += 1
        findings = detect_file(case.path, case.text, backend)
        mapped = {f.expression for f in findings if f.expression}
        mentions_original = any(
            case.spdx in _license_ids(f.expression) for f in findings if f.expression
        )
        if case.modified:
            if mentions_original:
                row.false_positives += 1
                row.notes.append(f"{case.case_id}: reported as {case.spdx}")
            else:
                row.true_positives += 1  # rightly not reported as the original
            continue
        unidentified = any(f.is_license_text and not f.expression for f in findings)
        if mapped == {case.spdx} and not unidentified:
            row.true_positives += 1
        else:
            row.misses += 1
            if mapped - {case.spdx}:
                row.false_positives += 1
            row.notes.append(f"{case.case_id}: {sorted(mapped) or 'nothing mapped'}")
        if progress is not None and number % 50 == 0:
            progress(f"licenses: {number} cases")
    standard = Score("all standard renderings")
    modified = Score("all modified texts")
    for row in rows.values():
        target = modified if row.name in MODIFIED_VARIANTS else standard
        target.cases += row.cases
        target.true_positives += row.true_positives
        target.false_positives += row.false_positives
        target.misses += row.misses
    return [*rows.values(), standard, modified]


def _license_ids(expression: str | None) -> set[str]:
    from license_expression import ExpressionError, Licensing

    if not expression:
        return set()
    try:
        return {str(k) for k in Licensing().license_keys(expression)}
    except ExpressionError:
        return {expression}


def _equivalent(left: str | None, right: str | None) -> bool:
    from license_expression import ExpressionError, Licensing

    if left is None or right is None:
        return left is right
    try:
        return bool(Licensing().is_equivalent(left, right))
    except ExpressionError:
        return left == right


def score_reuse() -> list[Score]:
    """One row per REUSE layout: its files, effective license and required findings."""
    from app.licenses.detection import default_backend
    from app.licenses.detection.evalset import reuse_layouts
    from app.licenses.detection.tree import detect_tree, effective_license

    rows = []
    for layout in reuse_layouts():
        row = Score(layout.name)
        tree = detect_tree(layout.files, default_backend())
        checks: list[tuple[str, bool]] = []
        for path, expected in layout.expected_files.items():
            got = tree.reuse[path].expression if path in tree.reuse else None
            checks.append((f"{path}: {got} (expected {expected})", _equivalent(got, expected)))
        effective = effective_license(tree)
        checks.append(
            (
                f"effective: {effective.expression} (expected {layout.expected_effective})",
                _equivalent(effective.expression, layout.expected_effective),
            )
        )
        found = {(f.path, f.expression) for fs in tree.findings.values() for f in fs}
        for path, expression in layout.expected_findings:
            checks.append((f"finding {path}: {expression}", (path, expression) in found))
        for label, ok in checks:
            row.cases += 1
            if ok:
                row.true_positives += 1
            else:
                row.misses += 1
                row.notes.append(label)
        rows.append(row)
    return rows


# --- secrets and PII -----------------------------------------------------------------


def _reference_secret_lines(path: Path) -> set[int]:
    """detect-secrets' own scan of ``path`` (default settings, every plugin and
    filter, its transformers): the lines it reports."""
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings

    with default_settings():
        collection = SecretsCollection()
        collection.scan_file(str(path))
        return {secret.line_number for secrets in collection.data.values() for secret in secrets}


def score_secrets(directory: Path = FACTS_EVAL / "secrets") -> list[Score]:
    """Rows ``codecommons`` and ``detect-secrets scan`` over the same files."""
    from app.facts.evalsets import load_secret_labels
    from app.facts.secret_scan import scan_secrets

    ours, reference = Score("codecommons"), Score("detect-secrets (reference)")
    for name, planted in load_secret_labels(directory).items():
        path = directory / name
        text = path.read_text(encoding="utf-8")
        for row, lines in (
            (ours, {h.line_start for h in scan_secrets(name, text)}),
            (reference, _reference_secret_lines(path)),
        ):
            explained: set[int] = set()
            for secret in planted:
                row.cases += 1
                span = set(range(secret.first_line, secret.line + 1))
                if lines & span:
                    row.true_positives += 1
                    explained |= span
                else:
                    row.misses += 1
                    row.notes.append(f"{name}:{secret.line} {secret.kind} missed")
            for line in sorted(lines - explained):
                row.false_positives += 1
                row.notes.append(f"{name}:{line} holds no planted secret")
    return [ours, reference]


def score_pii(path: Path = FACTS_EVAL / "pii" / "cases.jsonl") -> list[Score]:
    """One row per kind (email, ipv4, ipv6) and one for all."""
    from app.facts.evalsets import load_pii_cases
    from app.facts.pii import find_pii

    rows: dict[str, Score] = {k: Score(k) for k in ("email", "ipv4", "ipv6")}
    for case in load_pii_cases(path):
        expected = list(case.expected)
        for kind, _ in expected:
            rows[kind].cases += 1
        for hit in find_pii(case.text):
            key = (hit.kind, hit.line_start)
            row = rows.setdefault(hit.kind, Score(hit.kind))
            if key in expected:
                expected.remove(key)
                row.true_positives += 1
            else:
                row.false_positives += 1
                row.notes.append(f"{case.case_id}: {hit.kind} on line {hit.line_start}")
        for kind, line in expected:
            rows[kind].misses += 1
            rows[kind].notes.append(f"{case.case_id}: {kind} on line {line} missed")
    total = Score("all")
    for row in rows.values():
        total.cases += row.cases
        total.true_positives += row.true_positives
        total.false_positives += row.false_positives
        total.misses += row.misses
    return [*rows.values(), total]


# --- the whole ---------------------------------------------------------------------


def license_cases(full: bool, every: int = 1) -> Sequence[object]:
    """The committed sample, or the full set (every ``every``-th license of the SPDX
    list in ScanCode's key order: a stratified subset when time is short)."""
    from app.licenses.detection import evalset

    if full:
        return list(evalset.cases(list(evalset.spdx_keys())[::every]))
    return evalset.load(LICENSES_EVAL / "sample")


def evaluate(
    *,
    full: bool = False,
    every: int = 1,
    only: Iterable[str] = ("licenses", "reuse", "secrets", "pii"),
    progress: Progress | None = None,
) -> Report:
    wanted = set(only)
    report = Report()
    steps: list[tuple[str, Callable[[], list[Score]]]] = [
        ("licenses", lambda: score_licenses(license_cases(full, every), progress)),
        ("reuse", score_reuse),
        ("secrets", score_secrets),
        ("pii", score_pii),
    ]
    for name, step in steps:
        if name not in wanted:
            continue
        if progress is not None:
            progress(f"{name}...")
        started = time.perf_counter()
        setattr(report, name, step())
        report.seconds[name] = round(time.perf_counter() - started, 1)
    return report


def goals_met(report: Report) -> list[str]:
    """The issue's goals, each unmet one as a sentence (empty: all met)."""
    failed: list[str] = []
    for row in report.licenses:
        if row.name == "all modified texts" and row.false_positives:
            failed.append(f"{row.false_positives} modified texts reported as the original")
        if row.name == "all standard renderings" and row.misses:
            failed.append(f"{row.misses} standard texts not recognised")
    for row in report.reuse:
        if row.misses:
            failed.append(f"REUSE layout {row.name}: {'; '.join(row.notes)}")
    if len(report.secrets) == 2:
        ours, reference = report.secrets
        if ours.recall < reference.recall:
            failed.append(
                f"secrets recall {ours.recall:.3f} < detect-secrets' {reference.recall:.3f}"
            )
    for row in report.pii:
        if row.name == "all" and (row.precision < 0.95 or row.recall < 0.95):
            failed.append(f"PII precision {row.precision:.3f} / recall {row.recall:.3f} < 0.95")
    return failed


def format_report(report: Report, *, details: int = 10) -> str:
    lines: list[str] = []
    for name, rows in report.tables().items():
        if not rows:
            continue
        seconds = report.seconds.get(name)
        lines.append(f"\n{name} ({seconds} s)")
        lines.append(
            f"  {'':36} {'cases':>6} {'TP':>6} {'FP':>5} {'miss':>5} {'precision':>9} {'recall':>7}"
        )
        for row in rows:
            lines.append(
                f"  {row.name:36} {row.cases:6} {row.true_positives:6} {row.false_positives:5} "
                f"{row.misses:5} {row.precision:9.3f} {row.recall:7.3f}"
            )
        notes = [f"    {row.name}: {note}" for row in rows for note in row.notes]
        lines += notes[:details]
        if len(notes) > details:
            lines.append(f"    ... {len(notes) - details} more (--details N)")
    failed = goals_met(report)
    lines.append("")
    lines.append("goals: " + ("all met" if not failed else "NOT met: " + " | ".join(failed)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Precision and recall of the file facts.")
    parser.add_argument("--full", action="store_true", help="every SPDX license text")
    parser.add_argument("--every", type=int, default=1, help="with --full: every N-th license only")
    parser.add_argument("--only", default="licenses,reuse,secrets,pii")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--details", type=int, default=10, help="notes shown per table")
    args = parser.parse_args(argv)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    report = evaluate(
        full=args.full, every=args.every, only=args.only.split(","), progress=progress
    )
    if args.json:
        payload = {name: [row.as_dict() for row in rows] for name, rows in report.tables().items()}
        payload["goals_not_met"] = goals_met(report)  # type: ignore[assignment]
        print(json.dumps(payload, indent=1))
    else:
        print(format_report(report, details=args.details))
    return 0 if not goals_met(report) else 1


if __name__ == "__main__":
    raise SystemExit(main())
