"""Personal data out of the logs: every log record of the process is scrubbed of
resident IDs and phone numbers at creation (message, arguments and traceback)."""

from __future__ import annotations

import logging
from typing import Any

from domain.personal_data import scrub

_installed = False


def _scrub_arg(arg: Any) -> Any:
    if isinstance(arg, (bool, float)) or (isinstance(arg, int) and abs(arg) < 10**10):
        return arg
    text = str(arg)
    clean = scrub(text)
    return arg if clean == text else clean


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask resident IDs and phone numbers in a log record's message, arguments and
    traceback, keeping the arguments when it can (formatters such as uvicorn's
    access log read them)."""
    try:
        original = record.getMessage()
    except Exception:  # noqa: BLE001 — a broken record is logging's business
        return record
    if scrub(original) != original:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_scrub_arg(a) for a in args)
        elif isinstance(args, dict):
            record.args = {k: _scrub_arg(v) for k, v in args.items()}
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        try:
            formatted = record.getMessage()
        except Exception:  # noqa: BLE001
            formatted = None
        if formatted is None or scrub(formatted) != formatted:
            record.msg, record.args = scrub(original), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    return record


class ScrubFilter(logging.Filter):
    """The same scrubbing as a filter, for handlers configured elsewhere."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


def install_log_scrubbing() -> None:
    """Scrub every log record of the process at creation (idempotent): no handler,
    logger or library can emit a resident ID or phone number."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
