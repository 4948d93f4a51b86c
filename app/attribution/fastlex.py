"""A regex normaliser for the languages most archived code is written in.

pygments lexes about 0.2 MB/s per core in pure Python (a state machine of regexes,
one Python call per token), which made fingerprinting, not the database, the cost of
every scan. The normalisation needs far less than a full lexer: where comments and
string literals start and end, what is a number, a name or a keyword, and the rest as
written. Two passes of compiled regexes do that in C:

1. comments and string literals, in one alternation so that whichever starts first
   wins (a ``#`` inside a string, a quote inside a comment): a comment becomes the
   newlines it held, a literal becomes a placeholder and its newlines, a docstring
   (a triple-quoted string first on its line, as pygments' ``String.Doc``) the
   newlines only;
2. what is left split into newlines, placeholders, names, numbers and operators by
   ``findall``; each distinct text is classified once (a dict), so the per-token
   cost is a dictionary lookup.

The semantics are those of :mod:`app.attribution.tokens`: layout, comments and
docstrings dropped; names ``V``, literals ``S`` (adjacent ones on a line are one, as
implicit concatenation), numbers ``N``; keywords and operators as written. Languages
without an entry here keep the pygments path.

What the index and queries run is :meth:`Family.scan`, the same normalisation compiled
(:mod:`app.attribution.scanner`, about eight times faster); :meth:`Family.lex` and the
regexes are its specification, which the tests compare it with.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import xxhash
from numpy.typing import NDArray

from app.attribution import scanner
from app.attribution.scanner import (
    BACKTICK,
    CHAR,
    DOUBLE,
    HASH_AFTER_BLANK,
    HASH_COMMENT,
    LUA_COMMENTS,
    PY_STRINGS,
    SEMICOLON_COMMENT,
    SINGLE,
    SLASH_COMMENTS,
    TRIPLE,
    VERBATIM,
)

IDENT = "V"
STRING = "S"
NUMBER = "N"
NEWLINE = "\n"
_PLACEHOLDER = "\x02"
_DOCSTRING = "\x03"
_PREFIX = "[rRbBuUfF]{0,2}"  # Python's string prefixes, left in front of the placeholder


def token_id(text: str) -> int:
    """A normalised token's id: xxHash3 of its text (unsigned 64 bits)."""
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))


# Byte classes of the vectorised pass (bytes of UTF-8: any non-ASCII byte is part of
# a word, as Python's \w takes letters of every script).
_SPACE, _NL, _WORD, _OP, _STR, _DOC = range(6)
_CLASS = np.full(256, _OP, dtype=np.uint8)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_":
    _CLASS[_c] = _WORD
_CLASS[128:] = _WORD
for _c in b" \t\r\f\v":
    _CLASS[_c] = _SPACE
_CLASS[ord("\n")] = _NL
_CLASS[2] = _STR
_CLASS[3] = _DOC
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ord("0") : ord("9") + 1] = True
_OP_ID = np.array([token_id(chr(c)) if c < 128 else 0 for c in range(256)], dtype=np.uint64)
_MAX_KEYWORD = 16
_MIX = np.uint64(0x9E3779B97F4A7C15)


_MASKS = np.array([(1 << (8 * j)) - 1 for j in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


def _word_keys(
    data: NDArray[np.uint8], starts: NDArray[np.intp], lengths: NDArray[np.intp]
) -> NDArray[np.uint64]:
    """A 64-bit key of each word's first 16 bytes and length: equal for equal words
    (and, but for a 2**-64 chance, only for them), to look keywords up in bulk."""
    padded = np.zeros(len(data) + 16, dtype=np.uint8)
    padded[: len(data)] = data
    # the 8 bytes from every offset, as one little-endian integer (unaligned view)
    eights: NDArray[np.uint64] = np.ndarray(
        shape=(len(data) + 8,), dtype="<u8", buffer=padded.data, offset=0, strides=(1,)
    )
    low = eights[starts] & _MASKS[np.minimum(lengths, 8)]
    high = eights[starts + 8] & _MASKS[np.clip(lengths - 8, 0, 8)]
    keys: NDArray[np.uint64] = low ^ (high * _MIX) ^ (lengths.astype(np.uint64) << np.uint64(56))
    return keys


_NUMBER_RE = r"\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?\w*|\.\d[\d_]*(?:[eE][+-]?\d+)?\w*"
_NAME_RE = r"[^\W\d]\w*"
# Operators of two or three characters kept whole (one token, as most lexers do).
_OPERATORS = (
    ">>>=", "<<=", ">>=", "**=", "//=", "...", "===", "!==", ">>>", "<=>", "->", "=>", "==",
    "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=",
    "^=", "**", "//", "<<", ">>", "::", ":=", "?.", "??", "..",
)  # fmt: skip
_OPERATOR_RE = "|".join(re.escape(o) for o in _OPERATORS) + r"|[^\s\w]"

# grouped by the first quote (sre tries one branch per quote, not four), loops
# unrolled ("normal* (special normal*)*": one repeat over a literal's body, not one
# alternation per character)
_PY_STRINGS = (
    r'"(?:""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|$)|[^"\\\n]*(?:\\.[^"\\\n]*)*")|'
    r"'(?:''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|$)|[^'\\\n]*(?:\\.[^'\\\n]*)*')"
)
_DQ = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
_SQ = r"'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
_CHAR = r"'(?:\\.[^'\n]{0,8}|[^'\\\n])'"  # a char literal: no lifetime ('a) or generic
_BACKTICK = r"`[^`\\]*(?:\\.[^`\\]*)*`"
_C_COMMENTS = r"//[^\n]*|/\*[^*]*(?:\*+[^*/][^*]*)*(?:\*+/|$)"


@dataclass(frozen=True)
class Family:
    """How one language (or several alike) writes comments, literals and keywords."""

    name: str
    comments: str | None
    strings: str
    keywords: frozenset[str]
    starts: str = "/\"'"  # the characters a comment or a literal can start with
    docstrings: bool = False  # Python: also string prefixes (r"", b"", f"")
    words_only: bool = False  # plain text: every word kept (lower-cased), no literals
    # The same comments and literals for the compiled scanner (scanner's flags): the
    # regexes above stay the reference it is tested against.
    syntax: int = 0
    _literal: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _tokens: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = [f"(?P<c>{self.comments})"] if self.comments else []
        parts.append(f"(?P<s>{self.strings})")
        # the lookahead lets sre skip to the next candidate character in C
        starts = re.escape(self.starts)
        literal = re.compile(f"(?=[{starts}])(?:{'|'.join(parts)})", re.DOTALL)
        object.__setattr__(self, "_literal", literal)
        prefix = _PREFIX if self.docstrings else ""
        tokens = (
            r"\n|\w+|[^\w\s]"
            if self.words_only
            # (?=\S): a blank fails once, not once per alternative
            else (
                rf"(?=\S)(?:{prefix}{_PLACEHOLDER}(?:[ \t]*{prefix}{_PLACEHOLDER})*"
                rf"|{prefix}{_DOCSTRING}|{_NAME_RE}|{_NUMBER_RE}|{_OPERATOR_RE})|\n"
            )
        )
        object.__setattr__(self, "_tokens", re.compile(tokens))

    @cached_property
    def _keyword_table(self) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
        """Sorted keys of the keywords (:func:`_word_keys`) and their token ids."""
        words = sorted(w for w in self.keywords if len(w.encode()) <= _MAX_KEYWORD)
        data = np.frombuffer("".join(words).encode(), dtype=np.uint8)
        lengths = np.array([len(w.encode()) for w in words], dtype=np.intp)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.intp)
        keys = _word_keys(data, starts, lengths)
        order = np.argsort(keys)
        ids = np.array([token_id(w) for w in words], dtype=np.uint64)
        return keys[order], ids[order]

    @cached_property
    def _keyword_slots(self) -> tuple[NDArray[np.uint64], NDArray[np.uint64], NDArray[np.uint32]]:
        """The keywords' keys (:func:`_word_keys`) and ids in an open-addressing table
        for the compiled scanner (slot: the top 16 bits of key * mix, then the next
        free), and per first byte the lengths of the keywords that start with it (bit
        n: one of n bytes), which spares most names the look-up."""
        keys, ids = self._keyword_table
        size = 16
        while size < 4 * len(keys):
            size *= 2
        slot_keys = np.zeros(size, dtype=np.uint64)  # no word's key is 0 (its length)
        slot_ids = np.zeros(size, dtype=np.uint64)
        for key, value in zip(keys.tolist(), ids.tolist(), strict=True):
            slot = ((key * int(_MIX)) % (1 << 64)) >> 48 & (size - 1)
            while slot_keys[slot]:
                slot = (slot + 1) & (size - 1)
            slot_keys[slot], slot_ids[slot] = key, value
        lengths = np.zeros(256, dtype=np.uint32)
        for word in self.keywords:
            encoded = word.encode()
            if len(encoded) <= _MAX_KEYWORD:
                lengths[encoded[0]] |= 1 << len(encoded)
        return slot_keys, slot_ids, lengths

    def scan(self, text: str) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
        """:meth:`lex` compiled (:mod:`app.attribution.scanner`): the same token ids and
        lines, several times faster."""
        data = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
        slot_keys, slot_ids, lengths = self._keyword_slots
        ids, lines = scanner.lex(
            data,
            self.syntax,
            scanner.WHITESPACE,
            _CLASS,
            _OP_ID,
            slot_keys,
            slot_ids,
            lengths,
            _IDENT_ID,
            _NUMBER_ID,
            _STRING_ID,
        )
        return ids, lines

    def lex(self, text: str) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
        """The reference of :meth:`scan` (what the tests compare it with). Token ids and
        lines in bulk: literals and comments by the regex pass, then
        every byte classified at once (numpy) instead of a regex match per token.
        A word is a name (``V``), a number (``N``, starting with a digit) or a keyword;
        every other visible character is an operator of its own."""
        blanked = self._literal.sub(self._blank, text) if self.strings else text
        data = np.frombuffer(blanked.encode("utf-8", "surrogatepass"), dtype=np.uint8)
        if not len(data):
            return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
        kind = _CLASS[data]
        word = kind == _WORD
        after_word = np.zeros(len(data), dtype=bool)
        after_word[1:] = word[:-1]
        before_word = np.zeros(len(data), dtype=bool)
        before_word[:-1] = word[1:]
        starts = np.flatnonzero((kind != _SPACE) & ~(word & after_word))
        kinds = kind[starts]
        ids = _OP_ID[data[starts]]
        is_word = kinds == _WORD
        word_starts = starts[is_word]
        word_ends = np.flatnonzero(word & ~before_word) + 1
        lengths = word_ends - word_starts
        word_ids = np.full(len(word_starts), _IDENT_ID, dtype=np.uint64)
        word_ids[_DIGIT[data[word_starts]]] = _NUMBER_ID
        keys, keyword_ids = self._keyword_table
        if len(keys):
            wanted = _word_keys(data, word_starts, lengths)
            at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            found = (keys[at] == wanted) & (lengths <= _MAX_KEYWORD)
            word_ids[found] = keyword_ids[at[found]]
        ids[is_word] = word_ids
        literal = kinds == _STR
        ids[literal] = _STRING_ID
        keep = kinds != _DOC
        # a string prefix (r"", b'', f"", L"", u8""): a short word right before a literal
        prefix = np.zeros(len(starts), dtype=bool)
        following = kind[np.minimum(word_ends, len(data) - 1)]
        prefix[is_word] = (lengths <= 2) & ((following == _STR) | (following == _DOC))
        keep &= ~prefix
        newline = kinds == _NL
        lines = np.cumsum(newline, dtype=np.int64) + 1
        # adjacent literals on one line are one (implicit concatenation)
        kept = np.flatnonzero(keep)
        joined = literal[kept[1:]] & literal[kept[:-1]]
        keep[kept[1:][joined]] = False
        keep &= ~newline
        return ids[keep], lines[keep]

    def split(self, text: str) -> list[str]:
        """The tokens (newlines included: they give the lines), not yet normalised:
        :func:`normal` says what each stands for."""
        if self.words_only:
            return [t if t == NEWLINE else t.lower() for t in self._tokens.findall(text)]
        return self._tokens.findall(self._literal.sub(self._blank, text))

    def _blank(self, m: re.Match[str]) -> str:
        value = m.group()
        newlines = "\n" * value.count("\n")
        if m.lastgroup == "c":
            return newlines or " "
        if self.docstrings and value.startswith(('"""', "'''")):
            start = m.start()
            text = m.string
            before = text[text.rfind("\n", 0, start) + 1 : start].rstrip("rRuUbB")
            if not before or before.isspace():
                return f"{_DOCSTRING} {newlines}"
        return f"{_PLACEHOLDER} {newlines}"


_IDENT_ID = np.uint64(token_id(IDENT))
_NUMBER_ID = np.uint64(token_id(NUMBER))
_STRING_ID = np.uint64(token_id(STRING))


def normal(family: Family, raw: str) -> str:
    """What one token :meth:`Family.split` gave stands for: ``S``, ``N``, ``V``, a
    keyword or operator as written, a word (plain text), or "" (a docstring: dropped)."""
    last = raw[-1]
    if last == _PLACEHOLDER:
        return STRING
    if last == _DOCSTRING:
        return ""
    if family.words_only or raw == NEWLINE:
        return raw
    first = raw[0]
    if first.isdigit() or (first == "." and len(raw) > 1 and raw[1].isdigit()):
        return NUMBER
    if first.isalpha() or first == "_":
        return raw if raw in family.keywords else IDENT
    return raw


def _kw(words: str) -> frozenset[str]:
    return frozenset(words.split())


_C = _kw(
    "auto break case char const continue default do double else enum extern float for goto "
    "if inline int long register restrict return short signed sizeof static struct switch "
    "typedef union unsigned void volatile while _Bool bool true false NULL"
)
_CPP = _C | _kw(
    "alignas alignof and asm catch class constexpr const_cast decltype delete dynamic_cast "
    "explicit export friend mutable namespace new noexcept not nullptr operator or private "
    "protected public reinterpret_cast static_assert static_cast template this throw try "
    "typeid typename using virtual override final"
)
_JAVA = _kw(
    "abstract assert boolean break byte case catch char class const continue default do "
    "double else enum extends final finally float for goto if implements import instanceof "
    "int interface long native new package private protected public return short static "
    "strictfp super switch synchronized this throw throws transient try void volatile while "
    "var record yield true false null"
)
_JS = _kw(
    "break case catch class const continue debugger default delete do else export extends "
    "finally for function if import in instanceof let new return super switch this throw try "
    "typeof var void while with yield async await of static from as true false null "
    "undefined"
)
_TS = _JS | _kw(
    "abstract any as boolean declare enum implements interface keyof module namespace never "
    "number private protected public readonly string symbol type unknown"
)
_CS = _JAVA | _kw(
    "as base bool checked decimal delegate event explicit fixed foreach implicit in internal "
    "is lock namespace object operator out override params readonly ref sbyte sealed "
    "sizeof stackalloc string struct typeof uint ulong unchecked unsafe ushort using virtual "
    "async await get set"
)
_GO = _kw(
    "break case chan const continue default defer else fallthrough for func go goto if "
    "import interface map package range return select struct switch type var true false nil"
)
_RUST = _kw(
    "as async await break const continue crate dyn else enum extern false fn for if impl in "
    "let loop match mod move mut pub ref return self Self static struct super trait true type "
    "unsafe use where while"
)
_KOTLIN = _kw(
    "as break class continue do else false for fun if in interface is null object package "
    "return super this throw true try typealias typeof val var when while override open "
    "private public protected internal data sealed companion"
)
_SCALA = _kw(
    "abstract case catch class def do else extends false final finally for forSome if "
    "implicit import lazy match new null object override package private protected return "
    "sealed super this throw trait try true type val var while with yield"
)
_SWIFT = _kw(
    "associatedtype class deinit enum extension fileprivate func import init inout internal "
    "let open operator private protocol public static struct subscript typealias var break "
    "case continue default defer do else fallthrough for guard if in repeat return switch "
    "where while as catch false is nil rethrows super self throw throws true try"
)
_PHP = _kw(
    "abstract and array as break callable case catch class clone const continue declare "
    "default do echo else elseif empty enddeclare endfor endforeach endif endswitch endwhile "
    "extends final finally fn for foreach function global goto if implements include "
    "include_once instanceof insteadof interface isset list match namespace new or print "
    "private protected public require require_once return static switch throw trait try "
    "unset use var while xor yield true false null"
)

_C_STRINGS = f"{_DQ}|{_CHAR}"
FAMILIES: dict[str, Family] = {}


def _add(names: str, family: Family) -> None:
    for name in names.split():
        FAMILIES[name] = family


_add(
    "python python3 py",
    Family(
        "python",
        r"\#[^\n]*",
        _PY_STRINGS,
        frozenset(keyword.kwlist),
        "#\"'",
        docstrings=True,
        syntax=HASH_COMMENT | PY_STRINGS,
    ),
)
_C_SYNTAX = SLASH_COMMENTS | DOUBLE | CHAR
_add("c", Family("c", _C_COMMENTS, _C_STRINGS, _C, syntax=_C_SYNTAX))
_add("cpp c++ objective-c", Family("cpp", _C_COMMENTS, _C_STRINGS, _CPP, syntax=_C_SYNTAX))
_add("java", Family("java", _C_COMMENTS, _C_STRINGS, _JAVA, syntax=_C_SYNTAX))
_JS_STRINGS = f"{_DQ}|{_SQ}|{_BACKTICK}"
_JS_SYNTAX = SLASH_COMMENTS | DOUBLE | SINGLE | BACKTICK
_add(
    "javascript js jsx",
    Family("javascript", _C_COMMENTS, _JS_STRINGS, _JS, "/\"'`", syntax=_JS_SYNTAX),
)
_add(
    "typescript ts tsx",
    Family("typescript", _C_COMMENTS, _JS_STRINGS, _TS, "/\"'`", syntax=_JS_SYNTAX),
)
_add(
    "csharp c#",
    Family(
        "csharp",
        _C_COMMENTS,
        r'@"(?:[^"]|"")*"|' + _C_STRINGS,
        _CS,
        "/@\"'",
        syntax=_C_SYNTAX | VERBATIM,
    ),
)
_add(
    "go golang",
    Family(
        "go", _C_COMMENTS, f"{_DQ}|{_CHAR}|{_BACKTICK}", _GO, "/\"'`", syntax=_C_SYNTAX | BACKTICK
    ),
)
_add("rust rs", Family("rust", _C_COMMENTS, _C_STRINGS, _RUST, syntax=_C_SYNTAX))
_TRIPLE = r'"""[^"]*(?:"(?!"")[^"]*)*"""|' + _C_STRINGS
for _name, _words in (("kotlin", _KOTLIN), ("scala", _SCALA), ("swift", _SWIFT)):
    _add(_name, Family(_name, _C_COMMENTS, _TRIPLE, _words, syntax=_C_SYNTAX | TRIPLE))
_add(
    "php",
    Family(
        "php",
        _C_COMMENTS + r"|\#[^\n]*",
        f"{_DQ}|{_SQ}",
        _PHP,
        "/#\"'",
        syntax=SLASH_COMMENTS | HASH_COMMENT | DOUBLE | SINGLE,
    ),
)
_add("text markdown restructuredtext rst", Family("text", None, "", frozenset(), words_only=True))
# Data and scripts common in repositories: pygments would take most of a scan's time
_add("json", Family("json", None, _DQ, _kw("true false null"), '"', syntax=DOUBLE))
_HASH = r"\#[^\n]*"
_QUOTES = f"{_DQ}|{_SQ}"
_add(
    "yaml",
    Family(
        "yaml",
        _HASH,
        _QUOTES,
        _kw("true false null yes no on off"),
        "#\"'",
        syntax=HASH_COMMENT | DOUBLE | SINGLE,
    ),
)
_add(
    "toml ini cfg",
    Family(
        "toml",
        _HASH + r"|;[^\n]*",
        _QUOTES,
        _kw("true false"),
        "#;\"'",
        syntax=HASH_COMMENT | SEMICOLON_COMMENT | DOUBLE | SINGLE,
    ),
)
_BASH = _kw(
    "if then else elif fi for while until do done case esac function in return local export "
    "select time break continue"
)
# "$#" and "${#v}" are no comments: a comment starts a line or follows a blank
_add(
    "bash sh shell zsh",
    Family(
        "bash",
        r"(?<![^\s])\#[^\n]*",
        _QUOTES,
        _BASH,
        "#\"'",
        syntax=HASH_AFTER_BLANK | DOUBLE | SINGLE,
    ),
)
_RUBY = _kw(
    "BEGIN END alias and begin break case class def defined? do else elsif end ensure false "
    "for if in module next nil not or redo rescue retry return self super then true undef "
    "unless until when while yield"
)
_add(
    "ruby rb", Family("ruby", _HASH, _QUOTES, _RUBY, "#\"'", syntax=HASH_COMMENT | DOUBLE | SINGLE)
)
_LUA = _kw(
    "and break do else elseif end false for function goto if in local nil not or repeat "
    "return then true until while"
)
_add(
    "lua",
    Family(
        "lua",
        r"--\[\[.*?(?:\]\]|$)|--[^\n]*",
        _QUOTES,
        _LUA,
        "-\"'",
        syntax=LUA_COMMENTS | DOUBLE | SINGLE,
    ),
)


def family(name: str) -> Family | None:
    """The regex normaliser for a pygments lexer name, if there is one."""
    return FAMILIES.get(name)
