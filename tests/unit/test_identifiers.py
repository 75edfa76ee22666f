"""Identifiers: unified social credit codes (GB 32100), resident IDs (GB 11643), mobiles."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.identifiers import (
    CREDIT_CHARSET,
    credit_code_check,
    credit_code_error,
    make_credit_code,
    make_mobile,
    make_resident_id,
    mobile_error,
    org_code_check,
    resident_id_check,
    resident_id_error,
)

# --- unified social credit code -------------------------------------------------------


def test_check_characters_computed_by_hand() -> None:
    # 91350100M000100Y43, the example code printed in GB 32100-2015.
    # Organisation code M000100Y + check: values M=22 … Y=34 (A=10), weights 3 7 9 10 5 8 4 2:
    # 22·3 + 0 + 0 + 0 + 1·5 + 0 + 0 + 34·2 = 139; 139 mod 11 = 7; 11 − 7 = 4.
    assert org_code_check("M000100Y") == "4"
    # Whole code: charset values (M=21, Y=30: I O S V Z are skipped) × weights 3^i mod 31:
    # 9·1 + 1·3 + 3·9 + 5·27 + 0·19 + 1·26 + 0·16 + 0·17 + 21·20 + 0·29 + 0·25 + 0·13
    # + 1·8 + 0·24 + 0·10 + 30·30 + 4·28 = 1640; 1640 mod 31 = 28; 31 − 28 = 3.
    assert credit_code_check("91350100M000100Y4") == "3"
    assert credit_code_error("91350100M000100Y43") is None


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the standard's example
        "914403001922038216",  # real-format enterprise codes (public registrations)
        "91330100716105852F",
        "9144030071526726XG",  # organisation-code check character X
        "12100000400000624D",  # 机构编制 / 事业单位
        "5111000050000004X9",  # 民政 / 社会团体: org check X (23 mod 11 = 1), final 1076 mod 31 = 22 → 9
    ],
)
def test_valid_codes(code: str) -> None:
    assert credit_code_error(code) is None


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("91350100M000100Y4", ["18位", "17位"]),
        ("91350100M000100Y431", ["18位", "19位"]),
        ("", ["18位", "0位"]),
        ("91350100M000100Y44", ["第18位校验码错误", "应为“3”"]),
        ("91350100M000100Y53", ["第18位校验码错误"]),  # a wrong 17th: the 18th catches it
        ("91350100m000100Y43", ["第9位", "小写", "大写"]),
        ("91350100M000100I43", ["第16位", "非法字符"]),  # I is never used
        ("91350100M0001O0Y43", ["第14位", "非法字符"]),  # O is never used
        ("91350100M000100Y4 ", ["第18位", "非法字符"]),
        ("Z1350100M000100Y43", ["第1位", "非法字符"]),
        ("９1350100M000100Y43", ["第1位"]),  # full-width digit
    ],
)
def test_invalid_codes_say_what_is_wrong(code: str, words: list[str]) -> None:
    message = credit_code_error(code)
    assert message is not None
    for word in words:
        assert word in message, (word, message)


@given(st.text(alphabet=CREDIT_CHARSET, min_size=17, max_size=17))
def test_any_body_with_the_right_check_character_is_valid(body: str) -> None:
    # GB 32100 makes a code valid by its 18th character; the layout of the first 17
    # (authority, type, region, GB 11714 organisation code) is not checked.
    assert credit_code_error(body + credit_code_check(body)) is None


@pytest.mark.parametrize(
    "body",
    [
        "B1350100M000100Y4",  # an authority code outside today's table
        "94350100M000100Y4",  # a type code the authority does not issue
        "913501A0M000100Y4",  # letters where a region code would be
        "91350100M000100Y5",  # a 17th character that is not the GB 11714 check
        "YYYYYYYYYYYYYYYYY",
        "00000000000000000",
    ],
)
def test_layout_of_the_body_is_not_checked(body: str) -> None:
    assert credit_code_error(body + credit_code_check(body)) is None


def test_generated_codes_are_valid_and_deterministic() -> None:
    codes = [make_credit_code(random.Random(7)) for _ in range(2)]
    assert codes[0] == codes[1]
    rng = random.Random(1)
    for _ in range(500):
        code = make_credit_code(rng)
        assert credit_code_error(code) is None, code
        assert code.startswith("91320114")
        assert code[16] == org_code_check(code[8:16])  # the demo's codes are fully well-formed


@given(st.randoms(use_true_random=False), st.integers(0, 17), st.sampled_from(CREDIT_CHARSET))
def test_any_single_substitution_is_caught(rng: random.Random, pos: int, char: str) -> None:
    code = make_credit_code(rng)
    if code[pos] == char:
        return
    assert credit_code_error(code[:pos] + char + code[pos + 1 :]) is not None


# --- resident ID ------------------------------------------------------------------------


def test_resident_check_digit_computed_by_hand() -> None:
    # 11010519491231002X, the example of GB 11643-1999: digits × weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
    # 7 + 9 + 0 + 5 + 0 + 20 + 2 + 9 + 24 + 27 + 7 + 18 + 30 + 5 + 0 + 0 + 4 = 167;
    # 167 mod 11 = 2 → "10X98765432"[2] = X
    assert resident_id_check("11010519491231002") == "X"
    assert resident_id_error("11010519491231002X") is None
    # 44052419800101001: 28+36+0+25+16+16+2+9+48+0+0+9+0+5+0+0+2 = 196; 196 mod 11 = 9 → "3"
    assert resident_id_check("44052419800101001") == "3"
    assert resident_id_error("440524198001010013") is None


@pytest.mark.parametrize(
    ("rid", "words"),
    [
        ("11010519491231002", ["18位", "17位"]),
        ("110105194912310021", ["校验码错误", "应为“X”"]),
        ("11010519491231002x", ["大写"]),
        ("1101051949123100Y1", ["第17位", "不是数字"]),
        ("11010519491231002Y", ["第18位"]),
        ("991051194912310021", ["省级行政区划代码"]),
        ("110105194902300020", ["出生日期", "不是有效日期"]),
        ("110105180001010020", ["出生日期", "不合理"]),
    ],
)
def test_invalid_resident_ids(rid: str, words: list[str]) -> None:
    message = resident_id_error(rid)
    assert message is not None
    for word in words:
        assert word in message, (word, message)


def test_future_birth_is_implausible() -> None:
    first17 = "32011420300101001"
    rid = first17 + resident_id_check(first17)
    assert "不合理" in (resident_id_error(rid, today=date(2026, 11, 26)) or "")
    assert resident_id_error(rid, today=date(2031, 1, 1)) is None


def test_generated_resident_ids() -> None:
    rng = random.Random(3)
    assert make_resident_id(rng, region="341221", birth=date(1988, 6, 1)).startswith("34122119880601")
    for _ in range(500):
        rid = make_resident_id(rng)
        assert resident_id_error(rid) is None, rid
        assert rid.startswith("320114")
    with pytest.raises(ValueError):
        make_resident_id(rng, region="3201")


# --- mobile -----------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["13812345678", "19912345678", "16612345678"])
def test_valid_mobiles(phone: str) -> None:
    assert mobile_error(phone) is None


@pytest.mark.parametrize(
    ("phone", "word"),
    [
        ("1381234567", "11位"),
        ("138123456789", "11位"),
        ("12812345678", "13–19"),
        ("23812345678", "13–19"),
        ("138-1234-5678", "数字"),
        ("+8613812345678", "数字"),
        ("１３８12345678", "数字"),
        ("", "数字"),
    ],
)
def test_invalid_mobiles(phone: str, word: str) -> None:
    assert word in (mobile_error(phone) or "")


def test_generated_mobiles() -> None:
    rng = random.Random(5)
    assert all(mobile_error(make_mobile(rng)) is None for _ in range(500))
