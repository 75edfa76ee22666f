"""Every model, imported once so ``Base.metadata`` is complete (Alembic, tests)."""

from domain.accounts.models import Account, AccountArea, ApiToken
from domain.assessments.models import Appeal, Assessment, AssessmentItem, AssessmentRun
from domain.audit.models import AuditEntry, PersonalDataAccess
from domain.db import Base
from domain.events.models import OutboxEvent
from domain.field.models import (
    GridMeeting,
    MeetingAttendee,
    MigrantWorker,
    PatrolReport,
    PracticalDeed,
    VolunteerService,
)
from domain.incidents.models import Attachment, Incident, IncidentTimelineEntry
from domain.orders.models import OrderTimelineEntry, ServiceOrder
from domain.org.models import (
    Area,
    Department,
    Enterprise,
    Member,
    MemberDuty,
    MemberRoleAssignment,
    Project,
    TrainingRecord,
)
from domain.policies.models import DecisionRecord, PolicyDraft, PolicyVersion

__all__ = [
    "Account", "AccountArea", "ApiToken", "Appeal", "Area", "Assessment", "AssessmentItem",
    "AssessmentRun", "Attachment", "AuditEntry", "Base", "DecisionRecord", "Department",
    "Enterprise", "GridMeeting", "Incident", "IncidentTimelineEntry", "MeetingAttendee",
    "Member", "MemberDuty", "MemberRoleAssignment", "MigrantWorker", "OrderTimelineEntry",
    "OutboxEvent", "PatrolReport", "PersonalDataAccess", "PolicyDraft", "PolicyVersion",
    "PracticalDeed", "Project", "ServiceOrder", "TrainingRecord", "VolunteerService",
]
