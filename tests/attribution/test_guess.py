"""Guessing a snippet's language (a model's output says none)."""

from __future__ import annotations

from pathlib import Path

from app.attribution.service import _lexers
from app.attribution.tokens import guess_languages, lexer_name

# Python whose variable is named ``string``: a C# keyword at each of its ten uses
# (itsdangerous' encoding.py, lines 15-36, which the old count guessed as C#).
ENCODING = Path(__file__).resolve().parents[2] / "app/demo/corpus/projects/itsdangerous"
STRING_HEAVY = "\n".join(
    (ENCODING / "src/itsdangerous/encoding.py").read_text().splitlines()[14:36]
)


def test_a_repeated_name_does_not_outvote_the_keywords() -> None:
    assert guess_languages(STRING_HEAVY, 1) == ["python"]


def test_a_snippet_cut_inside_a_docstring_is_also_read_as_python() -> None:
    # Prose, then the docstring's closing quotes, then C-like calls: no guess says
    # Python, but the odd triple quotes do.
    snippet = 'the value, escaped for a URL.\n    """\n    return quote(value)\n'
    names = [lexer_name(lexer) for lexer in _lexers(snippet, None)]
    assert "python" in names
    assert names[-1] == "text"
