"""The root schema, composed from each area's query and mutation classes."""

from __future__ import annotations

import warnings

import strawberry
from strawberry.extensions import ParserCache
from strawberry.tools import merge_types

from api import hardening, inputs
from api.accounts.mutations import AccountMutations
from api.accounts.queries import AccountQueries
from api.accounts.types import Account, ApiToken
from api.audit.queries import AuditQueries
from api.audit.types import AuditEntry
from api.execution import ExecutionContext, ValidationCacheByText
from api.incidents.mutations import IncidentMutations
from api.incidents.queries import IncidentQueries, visible_incident
from api.incidents.types import Incident
from api.node import NodeQueries, register
from api.org import visibility as org_visibility
from api.org.mutations import OrgMutations
from api.org.queries import OrgQueries
from api.org.types import Area, Department, Enterprise, Member, Project
from domain.settings import Settings

register("Area", "area", Area.from_model, org_visibility.area)
register("Member", "member", Member.from_model, org_visibility.member)
register("Department", "department", Department.from_model, org_visibility.department)
register("Enterprise", "enterprise", Enterprise.from_model, org_visibility.enterprise)
register("Project", "project", Project.from_model, org_visibility.project)

register("Account", "account", Account.from_model, lambda _i, scope, m: scope.is_admin or m.id == scope.account_id)
register("ApiToken", "api_token", ApiToken.from_model, lambda _i, scope, _m: scope.is_admin)
register("AuditEntry", "audit_entry", AuditEntry.from_model, lambda _i, scope, _m: scope.is_admin)
register("Incident", "incident", Incident.from_model, visible_incident)

Query = merge_types("Query", (NodeQueries, OrgQueries, AccountQueries, AuditQueries, IncidentQueries))
Mutation = merge_types("Mutation", (OrgMutations, AccountMutations, IncidentMutations))
Query.__strawberry_definition__.description = "查询"  # type: ignore[attr-defined]
Mutation.__strawberry_definition__.description = "变更"  # type: ignore[attr-defined]


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    extensions: list[object] = [ParserCache(maxsize=512), ValidationCacheByText(maxsize=512)]
    # Limits, the authentication gate, error codes and masking (production): per-request
    # factories that keep the validation cache hitting (api/hardening/ explains how).
    extensions += hardening.extensions(settings)
    # The two caches as *instances*, on purpose (strawberry #4635, NOTES.md): their hooks
    # read ``execution_context`` before any await, so sharing them is safe. Anything that
    # reads it after execution (``MaskErrors``) must be a factory. Re-measure when
    # strawberry moves.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Passing an extension instance", category=DeprecationWarning)
        built = hardening.GridGovSchema(
            query=Query, mutation=Mutation, extensions=extensions,  # type: ignore[arg-type]
            execution_context_class=ExecutionContext,  # without graphql-core's cycle (api/execution.py)
        )
    # Input objects built without re-inspecting their types per request (api/inputs.py).
    inputs.install(built)
    return built


schema = build_schema()
