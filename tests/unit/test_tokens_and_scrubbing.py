"""Two speed-ups of the request path that must not change what they decide: verified
access tokens kept per process (expiry still checked on every use), and ``scrub``'s
quick check for text that cannot hold a resident ID or phone number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.accounts import tokens
from domain.personal_data import _LANDLINE, _MOBILE, _RESIDENT_ID, scrub

SECRET = "unit-test-secret-0123456789abcdef0123456789"


def test_a_token_verified_once_still_expires() -> None:
    now = datetime.now(UTC)
    token, expires = tokens.issue_access_token(account_id=7, generation=2, secret=SECRET, ttl=timedelta(minutes=5))
    claims = tokens.decode_access_token(token, secret=SECRET, now=now)
    assert (claims.account_id, claims.generation) == (7, 2)
    assert tokens.decode_access_token(token, secret=SECRET, now=now) == claims  # the kept verification
    with pytest.raises(tokens.TokenError, match="过期"):
        tokens.decode_access_token(token, secret=SECRET, now=expires + timedelta(seconds=1))


def test_a_token_is_checked_against_the_secret_it_is_presented_with() -> None:
    token, _ = tokens.issue_access_token(account_id=7, generation=0, secret=SECRET, ttl=timedelta(minutes=5))
    tokens.decode_access_token(token, secret=SECRET)
    with pytest.raises(tokens.TokenError, match="无效"):
        tokens.decode_access_token(token, secret=SECRET + "-rotated")
    with pytest.raises(tokens.TokenError, match="无效"):
        tokens.decode_access_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), secret=SECRET)


def _slow_scrub(text: str) -> str:
    """``scrub`` without the quick check."""
    from domain.personal_data import mask_phone, mask_resident_id
    import re

    text = _RESIDENT_ID.sub(lambda m: mask_resident_id(m.group(0)), text)
    text = _MOBILE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(0))[-11:]), text)
    return _LANDLINE.sub(lambda m: mask_phone(m.group(0).replace("-", "")), text)


@pytest.mark.parametrize(
    "text",
    [
        "联系人电话 13812345678",
        "电话 138-1234-5678 或 138 1234 5678",
        "+86 139 0000 1111",
        "座机 021-62345678",
        "身份证 32010219900101123X",
        "旧证 320102900101123",
        "编号 P01-L01-S03，涉及 12 人，金额 3500 元",
    ],
)
def test_the_quick_check_never_skips_what_scrubbing_would_mask(text: str) -> None:
    assert scrub(text) == _slow_scrub(text)


@given(st.text(alphabet=st.sampled_from("0123456789 -+86Xx中文a"), max_size=40))
def test_the_quick_check_agrees_with_the_patterns_on_any_digit_text(text: str) -> None:
    assert scrub(text) == (_slow_scrub(text) if text else text)


_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
    st.sampled_from(["电话 13812345678", "身份证 32010219900101123X", "P01-L01-S03"]),
    st.datetimes(timezones=st.just(UTC)), st.decimals(allow_nan=False, allow_infinity=False),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none()), inner, max_size=4),
    max_leaves=20,
)


@given(_VALUES)
def test_json_ready_is_the_json_round_trip_in_one_pass(value: object) -> None:
    import json

    from domain.personal_data import json_ready, scrub_deep

    round_trip = json.loads(json.dumps(value, default=str))
    assert json_ready(value) == round_trip
    assert json_ready(value, scrub_text=True) == scrub_deep(round_trip)
