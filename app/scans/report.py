"""What a scan says about each file, for `codecommons scan --json` and scripts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ContentFact, LicenseFinding

FLAGS = ("is_binary", "is_vendored", "is_generated", "is_minified", "is_data", "is_too_large")


def files_report(
    session: Session, files: Sequence[tuple[bytes, int, str]]
) -> list[dict[str, object]]:
    """Per file (path, content id, SWHID): language, flags, license expressions."""
    ids = sorted({cid for _, cid, _ in files})
    facts: dict[int, ContentFact] = {}
    licenses: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        facts.update(
            {
                f.content_id: f
                for f in session.scalars(
                    select(ContentFact).where(ContentFact.content_id.in_(chunk))
                )
            }
        )
        for content_id, expression in session.execute(
            select(LicenseFinding.content_id, LicenseFinding.expression)
            .where(LicenseFinding.content_id.in_(chunk), LicenseFinding.expression.is_not(None))
            .order_by(LicenseFinding.id)
        ):
            if content_id is not None and expression and expression not in licenses[content_id]:
                licenses[content_id].append(expression)
    report: list[dict[str, object]] = []
    for path, content_id, swhid in sorted(files):
        fact = facts.get(content_id)
        report.append(
            {
                "path": path.decode("utf-8", errors="backslashreplace"),
                "swhid": swhid,
                "language": fact.language if fact else None,
                "flags": [flag[3:] for flag in FLAGS if fact is not None and getattr(fact, flag)],
                "licenses": licenses.get(content_id, []),
            }
        )
    return report
