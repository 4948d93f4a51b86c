"""Tokenise code with pygments lexers and normalise it for clone detection.

Normalisation keeps what survives a copy-and-adapt and drops what does not, so that
reformatting and renaming leave the token sequence, hence the fingerprints, unchanged:

* whitespace, comments and docstrings are dropped (reformatting, re-commenting);
* every name (identifiers, attributes, functions, classes, builtins) becomes ``V``,
  every string literal ``S`` (its pieces: quotes, escapes, interpolation marks) and
  every number ``N`` (type-2 clones: renamed identifiers and changed literals);
* keywords, operators and punctuation are kept as written: they carry the structure.

Each token keeps the line it starts on, so fingerprints can say which lines matched.
The lexer is the given language's, else the one the file name implies, else
pygments' guess from the text; text no lexer claims is split into words and symbols
(words kept, lower-cased), which still matches prose-like files exactly.

The common languages go through :mod:`app.attribution.fastlex` (compiled regexes,
about a hundred times pygments' speed), the others through pygments, which has
maintained lexers for several hundred languages and token types that are what the
normalisation needs. :func:`token_arrays` gives what hashing needs (token ids and
lines as arrays); :func:`tokenize` the same as :class:`Token` objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    String,
    Whitespace,
    _TokenType,
    is_token_subtype,
)
from pygments.util import ClassNotFound

from app.attribution.fastlex import NEWLINE, Family, family, normal, token_id

# Changing the normalisation changes every fingerprint: bump this, and the index marks
# each content with the version it was fingerprinted with (a backfill redoes older).
TOKENIZER_VERSION = "tokens@2"

IDENT = "V"
STRING = "S"
NUMBER = "N"

# Names some languages are known by elsewhere in the service (enry / linguist names)
# that pygments spells differently.
ALIASES = {
    "shell": "bash",
    "c#": "csharp",
    "f#": "fsharp",
    "vim script": "vim",
    "emacs lisp": "emacs-lisp",
    "objective-c": "objective-c",
    "jupyter notebook": "json",
    "batchfile": "batch",
}
_WORDS = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Token:
    """A normalised token and the 1-based line it starts on."""

    text: str
    line: int


PLAIN = TextLexer(stripnl=False, ensurenl=False)


@lru_cache(maxsize=256)
def _lexer_by_name(name: str) -> Lexer | None:
    try:
        return get_lexer_by_name(ALIASES.get(name, name), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=1024)
def _lexer_by_suffix(name: str) -> Lexer | None:
    """Per file name suffix: pygments' own lookup walks every lexer's patterns."""
    try:
        return get_lexer_for_filename(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def lexer_for(language: str | None = None, path: str | None = None, text: str = "") -> Lexer:
    """The lexer for the language (any pygments alias or linguist name), else the
    path's, else pygments' guess from the text (queries without a language)."""
    if language:
        found = _lexer_by_name(language.strip().lower())
        if found is not None:
            return found
    if path:
        base = path.rsplit("/", 1)[-1]
        suffix = base.rsplit(".", 1)[-1] if "." in base else base
        found = _lexer_by_suffix(f"x.{suffix}" if "." in base else base)
        if found is not None:
            return found
    if text:
        return _lexer_by_name(guess_languages(text)[0]) or PLAIN
    return PLAIN


# The languages a snippet without a name is tried in, most of the code archived.
CANDIDATES = (
    "python", "javascript", "typescript", "java", "c", "cpp", "csharp", "go", "rust",
    "ruby", "php", "bash", "kotlin", "scala", "swift", "lua", "perl", "r",
)  # fmt: skip
GUESS_BYTES = 4096


def guess_languages(text: str, limit: int = 3) -> list[str]:
    """The likeliest languages of a snippet, best first.

    pygments' own ``guess_lexer`` relies on each lexer's ``analyse_text`` and names
    Carbon, scdoc or TeraTerm for most Python snippets; Linguist (enry) will not
    guess without a file name. Here each common language's lexer reads the start of
    the snippet, and the one that recognises the most keywords and builtins with the
    fewest error tokens wins.
    """
    sample = text[:GUESS_BYTES]
    scored: list[tuple[float, int, str]] = []
    for order, name in enumerate(CANDIDATES):
        lexer = _lexer_by_name(name)
        if lexer is None:
            continue
        known = errors = total = 0
        words: set[str] = set()
        for _, ttype, value in lexer.get_tokens_unprocessed(sample):
            if value.isspace():
                continue
            total += 1
            if is_token_subtype(ttype, Error):
                errors += 1
            elif (
                is_token_subtype(ttype, Keyword)
                or is_token_subtype(ttype, Name.Builtin)
                or is_token_subtype(ttype, Comment)
                or is_token_subtype(ttype, Operator.Word)
            ):
                known += 1
                words.add(value)
        # How many different keywords and builtins a lexer recognises, not how often:
        # one variable named ``string`` made C# the guess for a Python snippet, each of
        # its ten uses a C# keyword. The share of known tokens breaks ties.
        share = (known - 4 * errors) / max(total, 1)
        scored.append(
            (len(words) * (1 - min(1.0, 4 * errors / max(total, 1))) + share, -order, name)
        )
    scored.sort(reverse=True)
    return [name for _, _, name in scored[:limit]] or ["text"]


def lexer_name(lexer: Lexer) -> str:
    return str(lexer.aliases[0] if lexer.aliases else lexer.name.lower())


def _kind(ttype: _TokenType) -> str | None:
    """``None`` to drop, else the class of the token ("S", "N", "V", "" = as written)."""
    if is_token_subtype(ttype, Comment):
        if is_token_subtype(ttype, Comment.PreprocFile):
            return STRING
        return "" if is_token_subtype(ttype, Comment.Preproc) else None
    if is_token_subtype(ttype, String):
        return None if is_token_subtype(ttype, String.Doc) else STRING
    if is_token_subtype(ttype, Number):
        return NUMBER
    if is_token_subtype(ttype, Keyword):
        return ""
    if is_token_subtype(ttype, Name):
        return IDENT
    if is_token_subtype(ttype, Whitespace):
        return None
    return ""


@lru_cache(maxsize=512)
def _kind_cached(ttype: _TokenType) -> str | None:
    return _kind(ttype)


NEWLINE_ID = token_id(NEWLINE)
DROPPED_ID = token_id("")  # what a docstring normalises to
_CACHE_LIMIT = 200_000


class _Ids(dict[str, int]):
    """Raw token text -> id of its normalised text, for one family: names, keywords
    and operators recur, so each is classified and hashed once."""

    def __init__(self, normaliser: Family) -> None:
        super().__init__()
        self.family = normaliser

    def __missing__(self, raw: str) -> int:
        value = token_id(normal(self.family, raw))
        if len(self) < _CACHE_LIMIT:
            self[raw] = value
        return value


_IDS: dict[str, _Ids] = {}


@lru_cache(maxsize=64)
def _names(fast: Family) -> dict[int, str]:
    """Token id -> normalised text, of every token the vectorised pass can give."""
    texts = [IDENT, STRING, NUMBER, *fast.keywords, *(chr(c) for c in range(128))]
    return {token_id(t): t for t in texts}


def _fast(lexer: Lexer) -> Family | None:
    return family(lexer_name(lexer))


def token_arrays(text: str, lexer: Lexer) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Token ids (:func:`token_id` of each normalised token) and their lines."""
    fast = _fast(lexer)
    if fast is None:
        tokens = tokenize(text, lexer)
        ids = np.fromiter((token_id(t.text) for t in tokens), dtype=np.uint64, count=len(tokens))
        return ids, np.fromiter((t.line for t in tokens), dtype=np.int64, count=len(tokens))
    if not fast.words_only:
        return fast.scan(_newlines(text))
    table = _IDS.get(fast.name)
    if table is None:
        table = _IDS[fast.name] = _Ids(fast)
    raw = fast.split(_newlines(text))
    every = np.fromiter(map(table.__getitem__, raw), dtype=np.uint64, count=len(raw))
    breaks = every == np.uint64(NEWLINE_ID)
    lines = np.cumsum(breaks, dtype=np.int64) + 1
    keep = ~(breaks | (every == np.uint64(DROPPED_ID)))
    return every[keep], lines[keep]


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as attribution numbers them (line n is item n - 1): a
    break at "\\n", "\\r\\n" or "\\r" only, not at the other characters
    ``str.splitlines`` breaks at (form feed, U+2028, ...), which would shift every line
    shown after them against the matched line numbers."""
    lines = _newlines(text).split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def tokenize(text: str, lexer: Lexer) -> list[Token]:
    """The normalised tokens of ``text`` with their lines (1-based)."""
    text = _newlines(text)
    fast = _fast(lexer)
    if fast is not None and not fast.words_only:
        ids, lines = fast.scan(text)
        names = _names(fast)
        return [Token(names[i], line) for i, line in zip(ids.tolist(), lines.tolist(), strict=True)]
    if fast is not None:
        out: list[Token] = []
        line = 1
        for raw in fast.split(text):
            if raw == NEWLINE:
                line += 1
            elif value := normal(fast, raw):
                out.append(Token(value, line))
        return out
    return _tokenize_pygments(text, lexer)


def _tokenize_pygments(text: str, lexer: Lexer) -> list[Token]:
    out: list[Token] = []
    append = out.append
    line, pos = 1, 0
    in_string = False
    count = text.count
    for index, ttype, value in lexer.get_tokens_unprocessed(text):
        if index > pos:
            line += count("\n", pos, index)
            pos = index
        kind = _kind_cached(ttype)
        if kind is None or (kind == "" and value.isspace()):
            if kind is None and not is_token_subtype(ttype, String):
                in_string = False
            continue
        if kind == STRING:
            if not in_string:  # the pieces of one literal become one token
                append(Token(STRING, line))
            in_string = True
            continue
        in_string = False
        if kind:
            append(Token(kind, line))
            continue
        parts = value.split()
        if len(parts) == 1:
            lead = len(value) - len(value.lstrip())
            append(Token(parts[0], line + count("\n", index, index + lead) if lead else line))
        elif parts:  # a run no lexer classified (plain text): words and symbols
            _words(value, line, append)
    return out


def _words(value: str, line: int, append: Callable[[Token], None]) -> None:
    """Words (lower-cased) and symbols of text no lexer classified, with their lines."""
    offset = 0
    for match in _WORDS.finditer(value):
        line += value.count("\n", offset, match.start())
        offset = match.start()
        append(Token(match.group().lower(), line))
