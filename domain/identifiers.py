"""Chinese identifiers: unified social credit codes, resident IDs, mobile numbers.

Each ``*_error`` function returns ``None`` for a valid value, otherwise one Chinese
sentence naming what is wrong (for ``userErrors`` and import reports). Values are
checked as given: no trimming, no case folding — the caller normalises input if it
wants to (a lowercase letter is reported, not silently accepted).

- 统一社会信用代码, GB 32100-2015: 18 characters of ``CREDIT_CHARSET`` (digits and
  uppercase letters without I, O, S, V, Z), the 18th a check character over the
  first 17 (weights 3^i mod 31, modulus 31). That is what makes a code valid here.
  The first 17 are laid out as registration-authority code (1), organisation-type
  code (1), administrative-division code (6) and the GB 11714 organisation code
  (8 + its own check character) — ``make_credit_code`` builds codes that way, but
  they are not checked: the tables of authorities and types change, codes issued
  before and after 2015 differ in how the body was assigned, and the 18th character
  already catches every single-character error and adjacent transposition.
- 公民身份号码, GB 11643-1999: 6-digit region, 8-digit birth date, 3-digit sequence,
  check character over the first 17 (weights 2^(17-i) mod 11, ``10X98765432``).
- 手机号码: 11 digits, ``1[3-9]`` then nine digits.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

# --- unified social credit code (GB 32100-2015) -------------------------------------

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_CHARSET)}
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11714 organisation code: 8 body characters (digits, uppercase letters) + check.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_char_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_code_check(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation-code body."""
    total = sum(_org_char_value(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def credit_code_check(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(_CREDIT_VALUE[c] * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or ``None``."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，实际为{len(code)}位"
    for pos, c in enumerate(code, start=1):
        if c not in _CREDIT_VALUE:
            if c.islower() and c.upper() in _CREDIT_VALUE:
                return f"统一社会信用代码第{pos}位“{c}”为小写字母，应使用大写"
            return (
                f"统一社会信用代码第{pos}位“{c}”为非法字符"
                "（只允许数字和除 I、O、S、V、Z 以外的大写字母）"
            )
    expected = credit_code_check(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码第18位校验码错误（应为“{expected}”，实际为“{code[17]}”）"
    return None


def make_credit_code(
    rng: random.Random, *, authority: str = "9", org_type: str = "1", region: str = "320114"
) -> str:
    """A valid code; by default an enterprise (9/1) registered in ``region``.

    Most bodies follow the post-2015 pattern ``MA`` + 6 characters; some are the
    8-digit organisation codes of older registrations.
    """
    if rng.random() < 0.6:
        body = "MA" + "".join(rng.choice(CREDIT_CHARSET) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    org_check = org_code_check(body)  # a digit or X, both in the charset
    first17 = authority + org_type + region + body + org_check
    return first17 + credit_code_check(first17)


# --- resident identity number (GB 11643-1999) ----------------------------------------

RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_CHECK = "10X98765432"
# Province-level prefixes of GB/T 2260 (71 台湾, 81 香港, 82 澳门 included).
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
_EARLIEST_BIRTH = date(1900, 1, 1)


def resident_id_check(first17: str) -> str:
    return RESIDENT_CHECK[sum(int(c) * w for c, w in zip(first17, RESIDENT_WEIGHTS, strict=True)) % 11]


def resident_id_error(rid: str, *, today: date | None = None) -> str | None:
    """Why ``rid`` is not a valid 18-character resident ID, or ``None``."""
    if len(rid) != 18:
        return f"身份证号码应为18位，实际为{len(rid)}位"
    if not rid[:17].isdigit():
        pos = next(i for i, c in enumerate(rid[:17], start=1) if not c.isdigit())
        return f"身份证号码第{pos}位“{rid[pos - 1]}”不是数字（前17位应全为数字）"
    last = rid[17]
    if last == "x":
        return "身份证号码校验码“x”应使用大写“X”"
    if not (last.isdigit() or last == "X"):
        return f"身份证号码第18位“{last}”无效（应为数字或大写X）"
    if rid[:2] not in PROVINCE_PREFIXES:
        return f"身份证号码前两位省级行政区划代码“{rid[:2]}”无效"
    try:
        born = date(int(rid[6:10]), int(rid[10:12]), int(rid[12:14]))
    except ValueError:
        return f"身份证号码中的出生日期“{rid[6:14]}”不是有效日期"
    if not _EARLIEST_BIRTH <= born <= (today or date.today()):
        return f"身份证号码中的出生日期“{rid[6:14]}”不合理"
    expected = resident_id_check(rid[:17])
    if last != expected:
        return f"身份证号码校验码错误（应为“{expected}”，实际为“{last}”）"
    return None


def make_resident_id(rng: random.Random, *, region: str = "320114", birth: date | None = None) -> str:
    """A synthetic ID with a valid check digit; ``birth`` defaults to a random adult (1966–2005)."""
    if len(region) != 6 or not region.isdigit():
        raise ValueError("region must be a 6-digit division code")
    if birth is None:
        birth = date(1966, 1, 1) + timedelta(days=rng.randrange((date(2005, 12, 31) - date(1966, 1, 1)).days))
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + resident_id_check(first17)


# --- mainland mobile number ----------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")
# Number segments in common use (a plausible spread; not an allocation table).
MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 147 150 151 152 153 155 156 157 158 159 "
    "166 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 198 199"
).split()


def mobile_error(phone: str) -> str | None:
    """Why ``phone`` is not a mainland mobile number, or ``None``."""
    if not phone.isascii() or not phone.isdigit():
        return "手机号码只能包含数字"
    if len(phone) != 11:
        return f"手机号码应为11位，实际为{len(phone)}位"
    if not _MOBILE.fullmatch(phone):
        return "手机号码应以13–19开头"
    return None


def make_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
