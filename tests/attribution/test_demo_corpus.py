"""Issue 15's done-when, literally: a snippet pasted from any scanned file of the demo
corpus is attributed to it, with the right line ranges.

The three demo projects (six, itsdangerous, ms: Python, JavaScript, Markdown, reST,
JSON, TOML, INI, licence texts) are scanned for real; from every file with enough
text, ten lines of code from its middle (with the comment and blank lines between
them) are pasted as they are, without saying the language. The best match must be
that file (or a file holding the same text), and its ranges must put the snippet's
lines where they are in the file.

Ten lines of code, not ten lines of any kind: comments and docstrings are dropped by
the normalisation (re-commenting must not hide a copy), so a snippet of comments
alone is not findable by design (``exc.py``'s eight ``#:`` lines around one
assignment were the one such case in the demo corpus).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from swh.model.model import Content

from app.attribution import service
from app.attribution.schemas import AttributionIn
from app.attribution.tokens import lexer_for, tokenize
from app.scans.service import run_scan

CORPUS = Path(__file__).resolve().parents[2] / "app" / "demo" / "corpus" / "projects"
LINES = 10  # lines of code a snippet holds


@pytest.fixture
def scanned(tmp_path: Path, session_factory: sessionmaker[Session]) -> Path:
    tree = tmp_path / "projects"
    shutil.copytree(CORPUS, tree)
    run_scan(str(tree), factory=session_factory)
    return tree


def _snippet(path: Path) -> tuple[int, int] | None:
    """The 0-based [start, end) of ``LINES`` lines of code around the middle: lines
    holding a normalised token of the file's language."""
    text = path.read_text(encoding="utf-8")
    code = sorted({t.line - 1 for t in tokenize(text, lexer_for(None, path.name))})
    if len(code) < LINES + 2:
        return None
    first = max(0, len(code) // 2 - LINES // 2)
    return code[first], code[first + LINES - 1] + 1


def _flat(text: str) -> str:
    return " ".join(text.split())


def _check(db: Session, path: Path, by_swhid: dict[str, list[str]]) -> str | None:
    """Why the snippet of ``path`` was not attributed right, or None."""
    data = path.read_bytes()
    lines = data.decode("utf-8").splitlines()
    cut = _snippet(path)
    if cut is None:
        return None
    start, end = cut
    snippet = "\n".join(lines[start:end]) + "\n"
    answer: dict[str, Any] = service.attribute(db, AttributionIn(snippet=snippet)).model_dump(
        mode="json"
    )
    if not answer["matches"]:
        return f"{path.name}:{start + 1}-{end}: no match ({answer['language']})"
    best = answer["matches"][0]
    own = str(Content.from_data(data).swhid())
    if best["swhid"] != own:
        holder = by_swhid.get(best["swhid"], [])
        if not any(_flat(snippet) in _flat(text) for text in holder):
            return f"{path.name}:{start + 1}-{end}: best match {best['swhid']}, not the file"
        return None  # a file holding the same lines: a right answer too
    if best["kind"] != "snippet":
        return None  # the whole file is the snippet's near duplicate: no ranges to check
    # Pasted as is: each range maps snippet line s to file line s + start.
    shifted = [r for r in best["ranges"] if r["file_start"] - r["snippet_start"] == start]
    if not shifted:
        return f"{path.name}:{start + 1}-{end}: ranges {best['ranges']} are not at line {start + 1}"
    if not any(r["file_start"] <= end and r["file_end"] >= start + 1 for r in shifted):
        return f"{path.name}:{start + 1}-{end}: ranges {best['ranges']} miss the lines"
    return None


def test_a_snippet_of_every_demo_file_is_attributed_to_it(scanned: Path, db: Session) -> None:
    files = sorted(p for p in scanned.rglob("*") if p.is_file())
    by_swhid: dict[str, list[str]] = {}
    for path in files:
        data = path.read_bytes()
        by_swhid.setdefault(str(Content.from_data(data).swhid()), []).append(
            data.decode("utf-8", "replace")
        )
    checked = [p for p in files if _snippet(p)]
    wrong = [why for path in checked if (why := _check(db, path, by_swhid))]
    assert len(checked) >= 25, [p.name for p in checked]
    assert not wrong, "\n".join(wrong)
