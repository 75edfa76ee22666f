"""Personal data (SPEC §5): stored encrypted, looked up by keyed hash, shown masked.

Resident IDs and phone numbers are encrypted with AES-GCM under a key derived from
``GRIDGOV_DATA_KEY``; a keyed hash (HMAC-SHA256) finds and de-duplicates them
without decrypting. Free text is scrubbed of such numbers before it reaches
events or logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.settings import get_settings

_VERSION = "v1"


@lru_cache(maxsize=8)
def _keys(data_key: str) -> tuple[AESGCM, bytes]:
    root = hashlib.sha256(data_key.encode()).digest()
    enc = hmac.new(root, b"gridgov-encrypt", hashlib.sha256).digest()
    mac = hmac.new(root, b"gridgov-lookup", hashlib.sha256).digest()
    return AESGCM(enc), mac


def _current() -> tuple[AESGCM, bytes]:
    return _keys(get_settings().data_key)


def encrypt(value: str) -> str:
    aead, _ = _current()
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, value.encode(), _VERSION.encode())
    return f"{_VERSION}:" + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    version, _, body = token.partition(":")
    if version != _VERSION:
        raise ValueError("unknown personal-data envelope")
    raw = base64.b64decode(body)
    aead, _ = _current()
    return aead.decrypt(raw[:12], raw[12:], _VERSION.encode()).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash for equality look-ups; normalised so case and spaces do not matter."""
    _, mac = _current()
    return hmac.new(mac, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``."""
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) >= 7 else "*" * len(phone)


def mask_resident_id(rid: str) -> str:
    """``320102199001011234`` → ``3201**********1234``."""
    return rid[:4] + "*" * max(len(rid) - 8, 0) + rid[-4:] if len(rid) >= 8 else "*" * len(rid)


# An 18-character resident ID (last may be X) or a 15-digit legacy one; a mainland
# mobile number (optionally +86); a landline with area code. Digits inside longer
# digit runs are left alone so amounts and codes are not mangled.
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


# Every pattern above needs seven digits in a row, or an 11-digit mobile number split by
# single separators (``138-1234-5678``): text without either is returned untouched — most
# strings of facts and payloads (codes, names, enum values) are, and scrubbing runs on
# all of them.
_CANDIDATE = re.compile(r"\d{7}|\d{3}[- ]\d{4}")


def scrub(text: str | None) -> str | None:
    """Mask resident IDs and phone numbers in free text."""
    if not text or not _CANDIDATE.search(text):
        return text
    text = _RESIDENT_ID.sub(lambda m: mask_resident_id(m.group(0)), text)
    text = _MOBILE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(0))[-11:]), text)
    return _LANDLINE.sub(lambda m: mask_phone(m.group(0).replace("-", "")), text)


def scrub_deep(value: object) -> object:
    """``scrub`` every string inside nested dicts and lists (event payloads, stored facts)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: scrub_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_deep(v) for v in value]
    return value


def json_ready(value: object, *, scrub_text: bool = False) -> Any:
    """A copy of ``value`` made of JSON types only — what ``json.loads(json.dumps(value,
    default=str))`` gives — in one pass, its strings scrubbed when ``scrub_text`` (as
    ``scrub_deep`` would; keys are kept). Stored decisions run every fact through it:
    serialising, parsing and walking again cost three passes."""
    if isinstance(value, str):
        return scrub(value) if scrub_text else str(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return {_json_key(k): json_ready(v, scrub_text=scrub_text) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v, scrub_text=scrub_text) for v in value]
    text = str(value)  # ``default=str``: dates, decimals, anything else
    return scrub(text) if scrub_text else text


def _json_key(key: object) -> str:
    if isinstance(key, str):
        return str(key)
    if key is None or isinstance(key, bool | int | float):
        return json.dumps(key)  # as ``json.dumps`` writes such keys: "null", "true", "1", "1.5"
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
