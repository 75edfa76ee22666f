"""Use cases of the closed loop (SPEC §2 "Incidents"), in one place for the API.

Each function runs inside the caller's transaction (``async with sm.begin()``),
checks the actor's scope, raises ``DomainError`` for what the person at the screen
can act on, and records every change — incident row (guarded by its version),
timeline entry, decisions, outbox event, audit row — before it returns. Nothing
here commits.

- ``report``: ``domain.incidents.report``
- the steps after it: ``domain.incidents.steps``
- members who leave: ``domain.incidents.people`` (registered with
  ``domain.org.members.on_member_unavailable`` on import)
"""

from __future__ import annotations

from domain.incidents.deciding import Actor, Deps
from domain.incidents.guards import load_visible, permit
from domain.incidents.people import (
    configure_default,
    on_member_unavailable,
    reassign_member_incidents,
)
from domain.incidents.report import ReportInput, Reported, report, validate_report
from domain.incidents.steps import (
    accept,
    cancel,
    close,
    dispatch,
    escalate_manually,
    reject_dispatch,
    reopen,
    resolve,
    supervise,
)
from domain.incidents.transitions import Seen


__all__ = [
    "Actor", "Deps", "ReportInput", "Reported", "Seen", "accept", "cancel", "close", "configure_default",
    "dispatch", "escalate_manually", "load_visible", "on_member_unavailable", "permit",
    "reassign_member_incidents", "reject_dispatch", "reopen", "report", "resolve", "supervise",
    "validate_report",
]
