"""Patterns for ``matches`` (POLICY.md "Patterns"): parse, check, translate, match.

The syntax: literal text in any script; ``.`` (any character, newline
included); classes ``[...]``/``[^...]`` with ranges; ``\\d`` ``\\w`` ``\\s``;
groups; ``|``; ``*`` ``+`` ``?``; ``\\`` before any other character makes it
literal. Case-sensitive; a pattern matches *anywhere* in the string.

Readers:

- the validator: :func:`pattern_error` (``None`` or why it is ``BAD_REGEX``);
- the reference evaluator in the tests: :func:`to_python_regex` (for
  ``re.search`` with ``re.DOTALL``);
- the runtime: :func:`compile_search` gives a search function that never
  backtracks catastrophically: Python's ``re`` for patterns whose matches are
  bounded in length (no ``*``/``+``) and have few choice points, otherwise a
  lazily built DFA (:class:`Matcher`), linear in the text.

Why not durable_rules' own ``$mt``: measured with durable-rules 2.0.28 (see
docs/benchmarks.md, "Policy engine", and test_engine_runtime.py), its regex
compiler fails on plain substrings (``.*ccc .*``: error 503, too many states),
matches the raw JSON text (``a.b`` does not match ``"a\\nb"``), gets negated
classes wrong under a leading ``.*`` (``.*[^a].*`` does not match ``"ab"``),
crashes on a range of more than 4,096 code points and can corrupt the heap after
a failed compile, and misses alternatives of plain literals (``.*(c|bx).*`` does
not match ``"c(中xb"``). The runtime therefore evaluates each pattern (and each
string ``contains``) in Python, once per decision, and hands the results to the
engine as facts; the engine matches the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Callable
from typing import Final, Union

# --- AST ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    char: str


@dataclass(frozen=True, slots=True)
class Dot:
    pass


@dataclass(frozen=True, slots=True)
class CharSet:
    ranges: tuple[tuple[int, int], ...]  # inclusive code-point ranges, sorted, merged
    negated: bool

    def contains(self, ch: str) -> bool:
        c = ord(ch)
        hit = any(lo <= c <= hi for lo, hi in self.ranges)
        return hit != self.negated


@dataclass(frozen=True, slots=True)
class Group:
    body: "Alt"


@dataclass(frozen=True, slots=True)
class Repeat:
    item: "Item"
    op: str  # "*", "+", "?"


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple["Item", ...]


@dataclass(frozen=True, slots=True)
class Alt:
    options: tuple[Seq, ...]


Item = Union[Lit, Dot, CharSet, Group, Repeat]

DIGIT: Final = ((ord("0"), ord("9")),)
WORD: Final = ((ord("0"), ord("9")), (ord("A"), ord("Z")), (ord("_"), ord("_")), (ord("a"), ord("z")))
SPACE: Final = ((0x09, 0x0D), (0x20, 0x20))  # tab, newline, vertical tab, form feed, carriage return; space
_CLASS_ESCAPES: Final = {"d": DIGIT, "w": WORD, "s": SPACE}


class PatternError(ValueError):
    """A pattern outside POLICY.md's syntax (``BAD_REGEX``)."""


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def fail(self, message: str) -> PatternError:
        return PatternError(f"{message} (at position {self.i + 1})")

    def parse(self) -> Alt:
        if not isinstance(self.s, str):
            raise PatternError("a pattern must be a string")
        if self.s == "":
            raise PatternError("empty pattern")
        alt = self.alt()
        if self.i < len(self.s):  # only a stray ")" stops the top level early
            raise self.fail("unbalanced ')'")
        return alt

    def alt(self) -> Alt:
        options = [self.seq()]
        while self.i < len(self.s) and self.s[self.i] == "|":
            self.i += 1
            options.append(self.seq())
        for seq in options:
            if not seq.items:
                raise self.fail("empty alternative")
        return Alt(tuple(options))

    def seq(self) -> Seq:
        items: list[Item] = []
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in "|)":
                break
            if c in "*+?":
                if not items or isinstance(items[-1], Repeat):
                    raise self.fail(f"'{c}' has nothing to repeat")
                item = items.pop()
                if isinstance(item, Group) and _nullable_alt(item.body):
                    raise self.fail(f"a group that can match the empty string cannot take '{c}'")
                items.append(Repeat(item, c))
                self.i += 1
                continue
            items.append(self.atom())
        return Seq(tuple(items))

    def atom(self) -> Item:
        s = self.s
        c = s[self.i]
        if c == "(":
            if s.startswith("(?", self.i):
                raise self.fail("'(?' constructs (look-around, named or non-capturing groups) are not supported")
            self.i += 1
            if self.i < len(s) and s[self.i] == ")":
                raise self.fail("empty group")
            body = self.alt()
            if self.i >= len(s) or s[self.i] != ")":
                raise self.fail("unbalanced '('")
            self.i += 1
            return Group(body)
        if c == "[":
            return self.charset()
        if c == ".":
            self.i += 1
            return Dot()
        if c in "^$":
            raise self.fail(f"anchor '{c}' is not supported (patterns match anywhere); write \\{c} for the character")
        if c in "{}":
            raise self.fail(f"'{c}' is not supported ({{m,n}} repetition is not in the syntax); write \\{c} for the character")
        if c == "]":
            raise self.fail("unbalanced ']'; write \\] for the character")
        if c == "\\":
            self.i += 1
            if self.i >= len(s):
                raise self.fail("a lone '\\' ends the pattern")
            e = s[self.i]
            self.i += 1
            if e in _CLASS_ESCAPES:
                return CharSet(_CLASS_ESCAPES[e], False)
            if e.isdigit():
                raise self.fail(f"back reference '\\{e}' is not supported; write the digit without '\\'")
            return Lit(e)
        self.i += 1
        return Lit(c)

    def charset(self) -> CharSet:
        s = self.s
        start = self.i
        self.i += 1
        negated = False
        if self.i < len(s) and s[self.i] == "^":
            negated = True
            self.i += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            if self.i >= len(s):
                self.i = start
                raise self.fail("unterminated character class")
            c = s[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            lo, cls = self.class_char()
            if cls is not None:
                ranges.extend(cls)
                continue
            if self.i + 1 < len(s) and s[self.i] == "-" and s[self.i + 1] != "]":
                self.i += 1
                hi, hcls = self.class_char()
                if hcls is not None:
                    raise self.fail("a range cannot end in a class escape")
                if ord(hi) < ord(lo):  # type: ignore[arg-type]
                    raise self.fail(f"bad range {lo}-{hi}")
                ranges.append((ord(lo), ord(hi)))  # type: ignore[arg-type]
            else:
                ranges.append((ord(lo), ord(lo)))  # type: ignore[arg-type]
        return CharSet(_merge(ranges), negated)

    def class_char(self) -> tuple[str | None, tuple[tuple[int, int], ...] | None]:
        s = self.s
        c = s[self.i]
        if c != "\\":
            self.i += 1
            return c, None
        self.i += 1
        if self.i >= len(s):
            raise self.fail("a lone '\\' ends the pattern")
        e = s[self.i]
        self.i += 1
        if e in _CLASS_ESCAPES:
            return None, _CLASS_ESCAPES[e]
        if e.isdigit():
            raise self.fail(f"back reference '\\{e}' is not supported; write the digit without '\\'")
        return e, None


def _nullable_item(item: Item) -> bool:
    if isinstance(item, Repeat):
        return item.op in "*?" or _nullable_item(item.item)
    if isinstance(item, Group):
        return _nullable_alt(item.body)
    return False


def _nullable_alt(alt: Alt) -> bool:
    return any(all(_nullable_item(i) for i in seq.items) for seq in alt.options)


def parse(pattern: str) -> Alt:
    """The syntax tree of ``pattern``; :class:`PatternError` when it is not in POLICY.md's syntax."""
    return _Parser(pattern).parse()


def pattern_error(pattern: str) -> str | None:
    """``None`` for a pattern in POLICY.md's syntax, otherwise a short message (``BAD_REGEX``)."""
    try:
        parse(pattern)
    except PatternError as exc:
        return str(exc)
    return None


# --- Python ---------------------------------------------------------------------------------


def _py_char(c: int) -> str:
    return f"\\U{c:08x}"


def _py_item(item: Item) -> str:
    if isinstance(item, Lit):
        return re.escape(item.char)
    if isinstance(item, Dot):
        return "."
    if isinstance(item, CharSet):
        body = "".join(_py_char(lo) if lo == hi else f"{_py_char(lo)}-{_py_char(hi)}" for lo, hi in item.ranges)
        return f"[{'^' if item.negated else ''}{body}]"
    if isinstance(item, Group):
        return f"(?:{_py_alt(item.body)})"
    return _py_item(item.item) + item.op


def _py_alt(alt: Alt) -> str:
    return "|".join("".join(_py_item(i) for i in seq.items) for seq in alt.options)


def to_python_regex(pattern: str) -> str:
    """An equivalent Python pattern, for ``re.search(..., flags=re.DOTALL)`` (case-sensitive)."""
    return _py_alt(parse(pattern))


# --- linear-time matching -------------------------------------------------------------------


class _Nfa:
    """A position automaton (Glushkov): one state per character test, plus state 0 (start)."""

    def __init__(self, alt: Alt) -> None:
        self.tests: list[Item] = [Dot()]  # state 0 (start) is never tested
        self.follow: list[set[int]] = [set()]
        first, last, nullable = self._alt(alt)
        self.follow_start = first
        self.accepting = frozenset(last) | (frozenset({0}) if nullable else frozenset())

    def _new(self, test: Item) -> int:
        self.tests.append(test)
        self.follow.append(set())
        return len(self.tests) - 1

    def _alt(self, alt: Alt) -> tuple[set[int], set[int], bool]:
        first: set[int] = set()
        last: set[int] = set()
        nullable = False
        for seq in alt.options:
            f, l, n = self._seq(seq)
            first |= f
            last |= l
            nullable = nullable or n
        return first, last, nullable

    def _seq(self, seq: Seq) -> tuple[set[int], set[int], bool]:
        first: set[int] = set()
        last: set[int] = set()
        nullable = True
        for item in seq.items:
            f, l, n = self._item(item)
            for p in last:
                self.follow[p] |= f
            if nullable:
                first |= f
            last = l | last if n else l
            nullable = nullable and n
        return first, last, nullable

    def _item(self, item: Item) -> tuple[set[int], set[int], bool]:
        if isinstance(item, (Lit, Dot, CharSet)):
            p = self._new(item)
            return {p}, {p}, False
        if isinstance(item, Group):
            return self._alt(item.body)
        f, l, n = self._item(item.item)
        if item.op in "*+":
            for p in l:
                self.follow[p] |= f
        return f, l, n or item.op in "*?"


def _test(item: Item, ch: str) -> bool:
    if isinstance(item, Lit):
        return item.char == ch
    if isinstance(item, Dot):
        return True
    return item.contains(ch)  # type: ignore[union-attr]


_ACCEPT: Final = -1


class Matcher:
    """Searches one pattern anywhere in a text, in time linear in the text.

    A DFA built lazily over the search automaton (the start re-entered at every
    position, acceptance absorbing): states are numbered as they are discovered and
    transitions cached per state and character. The cache is bounded; past the bound it
    is dropped and rebuilt, so memory stays bounded whatever the texts.
    """

    _CACHE_LIMIT: Final = 50_000

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        nfa = _Nfa(parse(pattern))
        self._tests = nfa.tests
        self._follow = [frozenset(f) for f in nfa.follow]
        self._start_follow = frozenset(nfa.follow_start)
        self._accepting = nfa.accepting
        self._nullable = 0 in nfa.accepting  # e.g. "a*": matches (the empty string) in every text
        starts = [self._tests[p] for p in sorted(self._start_follow)]
        # From the start state only a character some first position accepts makes
        # progress: let ``re`` skip to the next such character at C speed.
        self._skip = (
            None
            if any(isinstance(t, Dot) for t in starts)
            else re.compile("|".join(_py_item(t) for t in starts), re.DOTALL)
        )
        self._reset()

    def _reset(self) -> None:
        self._ids: dict[frozenset[int], int] = {frozenset(): 0}
        self._sets: list[frozenset[int]] = [frozenset()]
        self._trans: list[dict[str, int]] = [{}]
        self._cached = 0

    def _compute(self, state: int, ch: str) -> int:
        nxt: set[int] = set()
        tests = self._tests
        for p in self._start_follow:
            if _test(tests[p], ch):
                nxt.add(p)
        for q in self._sets[state]:
            for p in self._follow[q]:
                if _test(tests[p], ch):
                    nxt.add(p)
        if nxt & self._accepting:
            target = _ACCEPT
        else:
            key = frozenset(nxt)
            target = self._ids.get(key, -2)
            if target == -2:
                target = self._ids[key] = len(self._sets)
                self._sets.append(key)
                self._trans.append({})
        self._trans[state][ch] = target
        self._cached += 1
        return target

    def search(self, text: str) -> bool:
        """Whether the pattern matches anywhere in ``text``."""
        if self._nullable:
            return True
        if self._cached > self._CACHE_LIMIT:
            self._reset()
        trans = self._trans
        skip = self._skip
        state = 0
        i = 0
        n = len(text)
        while i < n:
            if state == 0 and skip is not None:
                found = skip.search(text, i)
                if found is None:
                    return False
                i = found.start()
            ch = text[i]
            nxt = trans[state].get(ch)
            if nxt is None:
                nxt = self._compute(state, ch)
                trans = self._trans
            if nxt == _ACCEPT:
                return True
            state = nxt
            i += 1
        return False


def _choice_points(alt: Alt) -> int:
    """An upper bound on the ways a backtracking engine can try to match at one position."""
    total = 0
    for seq in alt.options:
        ways = 1
        for item in seq.items:
            ways *= _item_choices(item)
            if ways > 1 << 20:
                return ways
        total += ways
    return total


def _item_choices(item: Item) -> int:
    if isinstance(item, Repeat):
        return 2 * _item_choices(item.item)  # only "?" reaches here
    if isinstance(item, Group):
        return _choice_points(item.body)
    return 1


def _unbounded(alt: Alt) -> bool:
    for seq in alt.options:
        for item in seq.items:
            while isinstance(item, Repeat):
                if item.op in "*+":
                    return True
                item = item.item
            if isinstance(item, Group) and _unbounded(item.body):
                return True
    return False


def compile_search(pattern: str) -> Callable[[str], bool]:
    """A function telling whether ``pattern`` matches anywhere in a string, safe on any text.

    Patterns whose matches have bounded length (no ``*``/``+``) and few choice points run
    on Python's ``re`` (fast, and backtracking is bounded by the pattern); the others on a
    :class:`Matcher` (linear in the text).
    """
    alt = parse(pattern)
    if not _unbounded(alt) and _choice_points(alt) <= 256:
        regex = re.compile(_py_alt(alt), re.DOTALL)
        return lambda text: regex.search(text) is not None
    return Matcher(pattern).search
