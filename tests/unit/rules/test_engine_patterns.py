"""POLICY.md "Patterns": the syntax (BAD_REGEX), search-anywhere semantics, and matching that cannot hang."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.patterns import Matcher, compile_search, pattern_error, to_python_regex

VALID = [
    "欠薪", "拖欠.*工资", "欠薪|讨薪", "[a-z]+", "[^a]", "[]a]", "[a-]", "[\\d_]", "\\d+人", "\\s", "\\w",
    "(ab)+", "(a|b)*c", "a?", "\\.", "\\b", "\\n", "\\^", "\\$", "\\{2\\}", "\\\\", "(a*)", "a*", "[\\]]", "(欠)+薪",
]  # fmt: skip

INVALID = [
    ("", "empty pattern"),
    ("a{2}", "{"),
    ("a{1,3}", "{"),
    ("^a", "anchor"),
    ("a$", "anchor"),
    ("\\1", "back reference"),
    ("(a)\\1", "back reference"),
    ("(?=a)", "(?"),
    ("(?!a)", "(?"),
    ("(?<=a)b", "(?"),
    ("(?:a)", "(?"),
    ("a|", "empty alternative"),
    ("|a", "empty alternative"),
    ("(|a)", "empty alternative"),
    ("a||b", "empty alternative"),
    ("(a*)*", "empty string"),
    ("(b?)+", "empty string"),
    ("(a|b*)+", "empty string"),
    ("(a*)?", "empty string"),
    ("()*", "empty group"),
    ("()", "empty group"),
    ("(a", "unbalanced"),
    ("a)", "unbalanced"),
    ("*a", "nothing to repeat"),
    ("a**", "nothing to repeat"),
    ("a+?", "nothing to repeat"),
    ("a\\", "lone"),
    ("[a", "unterminated"),
    ("[]", "unterminated"),
    ("[z-a]", "bad range"),
    ("]", "unbalanced"),
]


@pytest.mark.parametrize("pattern", VALID)
def test_valid(pattern: str) -> None:
    assert pattern_error(pattern) is None
    re.compile(to_python_regex(pattern))


@pytest.mark.parametrize(("pattern", "why"), INVALID)
def test_invalid(pattern: str, why: str) -> None:
    message = pattern_error(pattern)
    assert message is not None and why in message


SEARCHES = [
    ("欠薪", "公司欠薪了", True),
    ("拖欠.*工资", "拖欠\n三个月工资", True),  # "." takes a newline
    ("\\d", "四", False),  # \d is [0-9]
    ("\\w", "中", False),  # \w is [A-Za-z0-9_]
    ("\\w", "_", True),
    ("\\s", "\x0b", True),  # vertical tab
    ("\\s", "\u3000", False),  # ideographic space is not \s
    ("[^a]", "aaa", False),
    ("[^a]", "aab", True),
    ("Abc", "abc", False),  # case-sensitive
    ("\\b", "b", True),  # "\" before any character makes it literal
    ("\\{", "{", True),
    ("[一-龥]+", "x中y", True),
    ("a*", "", True),  # matches the empty string anywhere
]


@pytest.mark.parametrize(("pattern", "text", "expected"), SEARCHES)
def test_search(pattern: str, text: str, expected: bool) -> None:
    assert (re.search(to_python_regex(pattern), text, re.DOTALL) is not None) is expected
    assert Matcher(pattern).search(text) is expected
    assert compile_search(pattern)(text) is expected


def test_no_catastrophic_backtracking() -> None:
    text = "a" * 20_000 + "c"
    for pattern in ["(a+)+b", "(a|aa)+b", ".*.*.*b", "(a+b?)+c?d", "x+y"]:
        search = compile_search(pattern)
        started = time.perf_counter()
        assert search(text) is False
        assert time.perf_counter() - started < 1.0, pattern


def test_matcher_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Matcher, "_CACHE_LIMIT", 5_000)
    matcher = Matcher(".[ab]c")  # a leading "." defeats the skip-ahead: every character is cached
    peak = 0
    for i in range(300):
        text = "".join(chr(0x20000 + (i * 977 + j) % 42000) for j in range(500))
        assert matcher.search(text + "xbc") is True
        peak = max(peak, matcher._cached)
        assert matcher.search(text) is False
        peak = max(peak, matcher._cached)
    assert Matcher._CACHE_LIMIT < peak <= Matcher._CACHE_LIMIT + 1000  # filled, then dropped


ATOMS = ["a", "b", "中", ".", "[ab]", "[^a]", "\\d", "\\s", "\\w", "[a-c]", "\\.", "\\\\", "-", "[^\\s]"]


@st.composite
def patterns(draw: st.DrawFn, depth: int = 0) -> str:
    out = ""
    for _ in range(draw(st.integers(1, 4))):
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            options = draw(st.lists(patterns(depth + 1), min_size=1, max_size=3))
            item = "(" + "|".join(options) + ")"
        else:
            item = draw(st.sampled_from(ATOMS))
        out += item + draw(st.sampled_from(["", "", "", "*", "+", "?"]))
    return out


@settings(max_examples=300, deadline=None)
@given(patterns(), st.lists(st.text(alphabet="abc中国.\\\n\t 1_-", max_size=12), min_size=1, max_size=5))
def test_matcher_agrees_with_python(pattern: str, texts: list[str]) -> None:
    if pattern_error(pattern) is not None:
        return
    expected = re.compile(to_python_regex(pattern), re.DOTALL)
    matcher, search = Matcher(pattern), compile_search(pattern)
    for text in texts:
        want = expected.search(text) is not None
        assert matcher.search(text) is want and search(text) is want
