"""Enumerations of the domain, each value with its Chinese name.

Values are English and stable (they are stored and appear in the API and in
policy documents); ``LABELS`` carries the Chinese name shown to people and used
as the GraphQL description.
"""

from __future__ import annotations

from enum import StrEnum


class AreaKind(StrEnum):
    DISTRICT = "DISTRICT"
    PARK = "PARK"
    LARGE_GRID = "LARGE_GRID"
    SMALL_GRID = "SMALL_GRID"


class PartyOrgKind(StrEnum):
    WORKING_COMMITTEE = "WORKING_COMMITTEE"
    COMMITTEE = "COMMITTEE"
    GENERAL_BRANCH = "GENERAL_BRANCH"
    BRANCH = "BRANCH"


class MemberRole(StrEnum):
    PARK_SECRETARY = "PARK_SECRETARY"
    PARK_RESPONDER = "PARK_RESPONDER"
    GRID_LEADER = "GRID_LEADER"
    AGENCY_STAFF = "AGENCY_STAFF"
    FULL_TIME_WORKER = "FULL_TIME_WORKER"
    PART_TIME_WORKER = "PART_TIME_WORKER"
    DEPARTMENT_RESPONDER = "DEPARTMENT_RESPONDER"


class DutyTag(StrEnum):
    PUBLICITY = "PUBLICITY"
    HYGIENE = "HYGIENE"
    LIFE_SERVICE = "LIFE_SERVICE"
    SECURITY = "SECURITY"
    SAFETY = "SAFETY"


class DepartmentLevel(StrEnum):
    PARK_OFFICE = "PARK_OFFICE"
    DISTRICT_DEPARTMENT = "DISTRICT_DEPARTMENT"


class ProjectStatus(StrEnum):
    PLANNED = "PLANNED"
    UNDER_CONSTRUCTION = "UNDER_CONSTRUCTION"
    SUSPENDED = "SUSPENDED"
    COMPLETED = "COMPLETED"


class StaffingGapKind(StrEnum):
    MISSING = "MISSING"
    OVER = "OVER"


class IncidentCategory(StrEnum):
    LABOR_DISPUTE = "LABOR_DISPUTE"
    CONSTRUCTION_DISPUTE = "CONSTRUCTION_DISPUTE"
    SAFETY_HAZARD = "SAFETY_HAZARD"
    FIRE_HAZARD = "FIRE_HAZARD"
    ENVIRONMENT = "ENVIRONMENT"
    PUBLIC_SECURITY = "PUBLIC_SECURITY"
    NEIGHBOURHOOD = "NEIGHBOURHOOD"
    PETITION = "PETITION"
    ENTERPRISE_APPEAL = "ENTERPRISE_APPEAL"
    OTHER = "OTHER"


class IncidentSource(StrEnum):
    APP = "APP"
    HOTLINE = "HOTLINE"
    ENTERPRISE = "ENTERPRISE"
    INSPECTION = "INSPECTION"
    PARTNER = "PARTNER"


class IncidentStatus(StrEnum):
    REPORTED = "REPORTED"
    DISPATCHED = "DISPATCHED"
    ACCEPTED = "ACCEPTED"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class OrderCategory(StrEnum):
    POLICY_CONSULTING = "POLICY_CONSULTING"
    FINANCING = "FINANCING"
    RECRUITMENT = "RECRUITMENT"
    APPROVAL = "APPROVAL"
    UTILITIES = "UTILITIES"
    LAND_AND_PLANT = "LAND_AND_PLANT"
    LOGISTICS = "LOGISTICS"
    TRAINING = "TRAINING"
    LEGAL = "LEGAL"
    OTHER = "OTHER"


class OrderStatus(StrEnum):
    PLACED = "PLACED"
    DISPATCHED = "DISPATCHED"
    ACCEPTED = "ACCEPTED"
    FULFILLED = "FULFILLED"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


class PolicyKind(StrEnum):
    INCIDENT_ROUTING = "incident-routing"
    INCIDENT_ESCALATION = "incident-escalation"
    OFFICER_ASSIGNMENT = "officer-assignment"
    ORDER_ROUTING = "order-routing"
    ASSESSMENT_SCORING = "assessment-scoring"


class AccountRole(StrEnum):
    ADMIN = "ADMIN"
    PARK_ADMIN = "PARK_ADMIN"
    GRID_LEADER = "GRID_LEADER"
    GRID_WORKER = "GRID_WORKER"
    DEPARTMENT_OFFICER = "DEPARTMENT_OFFICER"
    POLICY_EDITOR = "POLICY_EDITOR"
    ENTERPRISE = "ENTERPRISE"
    PARTNER = "PARTNER"
    VIEWER = "VIEWER"


class AssessmentPeriodKind(StrEnum):
    MONTH = "MONTH"
    QUARTER = "QUARTER"


class AssessmentStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    SUPERSEDED = "SUPERSEDED"


class SubjectKind(StrEnum):
    MEMBER = "MEMBER"
    GRID = "GRID"


class AppealStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


LABELS: dict[str, str] = {
    # area kinds
    "DISTRICT": "区",
    "PARK": "产业园区",
    "LARGE_GRID": "大网格",
    "SMALL_GRID": "小网格（网格片区）",
    # party organisations
    "WORKING_COMMITTEE": "党工委",
    "COMMITTEE": "党委",
    "GENERAL_BRANCH": "党总支",
    "BRANCH": "党支部",
    # member roles
    "PARK_SECRETARY": "园区党委书记（负总责）",
    "PARK_RESPONDER": "园区应哨责任人",
    "GRID_LEADER": "网格长（党总支书记）",
    "AGENCY_STAFF": "园区机关相关科室人员",
    "FULL_TIME_WORKER": "专职网格员",
    "PART_TIME_WORKER": "兼职网格员",
    "DEPARTMENT_RESPONDER": "区职能部门应哨责任人",
    # duties
    "PUBLICITY": "文化宣传员",
    "HYGIENE": "卫生管理员",
    "LIFE_SERVICE": "生活服务员",
    "SECURITY": "治安协调员",
    "SAFETY": "安全生产监督员",
    # department levels
    "PARK_OFFICE": "园区科室",
    "DISTRICT_DEPARTMENT": "区职能部门",
    # projects
    "PLANNED": "拟建",
    "UNDER_CONSTRUCTION": "在建",
    "SUSPENDED": "停工",
    "COMPLETED": "已竣工",
    # staffing gaps
    "MISSING": "缺员",
    "OVER": "超编",
    # incident categories
    "LABOR_DISPUTE": "劳资纠纷",
    "CONSTRUCTION_DISPUTE": "建设领域纠纷",
    "SAFETY_HAZARD": "安全生产隐患",
    "FIRE_HAZARD": "消防隐患",
    "ENVIRONMENT": "环境污染",
    "PUBLIC_SECURITY": "治安",
    "NEIGHBOURHOOD": "邻里/一般矛盾",
    "PETITION": "信访",
    "ENTERPRISE_APPEAL": "企业诉求",
    "OTHER": "其他",
    # sources
    "APP": "网格员APP",
    "HOTLINE": "12345热线",
    "ENTERPRISE": "企业反映",
    "INSPECTION": "巡查发现",
    "PARTNER": "外部平台",
    # statuses
    "REPORTED": "已上报",
    "DISPATCHED": "已派单",
    "ACCEPTED": "已接单",
    "RESOLVED": "已办结",
    "CLOSED": "已关闭（已回访）",
    "CANCELLED": "已撤销",
    "PLACED": "已下单",
    "FULFILLED": "已兑现",
    "CONFIRMED": "已确认",
    "REJECTED": "已退回",
    # order categories
    "POLICY_CONSULTING": "政策咨询",
    "FINANCING": "融资",
    "RECRUITMENT": "招工用工",
    "APPROVAL": "审批办证",
    "UTILITIES": "水电气",
    "LAND_AND_PLANT": "用地厂房",
    "LOGISTICS": "物流",
    "TRAINING": "培训",
    "LEGAL": "法律服务",
    # account roles
    "ADMIN": "系统管理员",
    "PARK_ADMIN": "园区管理员",
    "GRID_WORKER": "网格员",
    "DEPARTMENT_OFFICER": "部门办理人员",
    "POLICY_EDITOR": "规则编辑",
    "PARTNER": "外部平台",
    "VIEWER": "只读用户",
    # assessments
    "MONTH": "月考核",
    "QUARTER": "季评议",
    "DRAFT": "草稿",
    "PUBLISHED": "已发布",
    "SUPERSEDED": "已被新修订取代",
    "MEMBER": "网格人员",
    "GRID": "网格",
    "PENDING": "待处理",
}
