"""What an account may see: the one place that decides scope (SPEC §5).

Every query, connection, ``node``, mutation, subscription and count filters through
a ``Scope``; resolvers never reinvent it.

Three kinds of visibility, each a set of area subtrees (materialised paths):

- ``area_paths`` — the *data* scope: members, enterprises, projects, incidents,
  orders and field records whose area lies in one of these subtrees
  (``area_clause`` / ``area_id_clause``). ``("/",)`` is everything.
- ``tree_paths`` — the *area tree* an account may read as organisation info: the
  subtrees and, as breadcrumbs, their ancestors (``sees_area`` / ``tree_clause``).
  Defaults to ``area_paths``. Department officers read the tree of where their
  department works; enterprises their own grid; partners their granted areas.
- ``granted_paths`` — a partner's granted areas: the event stream it may read
  (``event_clause``; for other roles the data scope).

Officers see further through ``department_id`` (what is assigned to their
department) and enterprises through ``enterprise_id`` (their own profile, orders
and the incidents they reported); those filters live with each model's queries.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from domain.enums import AccountRole
from domain.errors import DomainError

# Roles that administer organisation data (areas, members, departments, enterprises,
# projects, accounts): ADMIN everywhere, PARK_ADMIN inside their park.
ORG_WRITERS: frozenset[AccountRole] = frozenset({AccountRole.ADMIN, AccountRole.PARK_ADMIN})

NOT_FOUND_MESSAGE = "对象不存在或不在您的权限范围内"
FORBIDDEN_MESSAGE = "当前角色无权执行此操作"


def ancestor_paths(path: str) -> list[str]:
    """``/1/4/9/`` → ``["/1/", "/1/4/"]`` (proper ancestors, root first)."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def _prefix_clause(column: InstrumentedAttribute[str], paths: tuple[str, ...]) -> ColumnElement[bool]:
    if "/" in paths:
        return true()
    if not paths:
        return false()
    return or_(*(column.like(f"{p}%") for p in paths))


def _covers(paths: tuple[str, ...], path: str | None) -> bool:
    return path is not None and any(path.startswith(p) for p in paths)


@dataclass(frozen=True, slots=True)
class Scope:
    """``area_paths`` are the materialised paths of the subtrees visible to the account;
    ``("/",)`` means everything, ``()`` nothing by area (officers, enterprises and partners
    see through ``department_id``, ``enterprise_id`` or granted areas instead)."""

    account_id: int | None
    role: AccountRole | None
    area_paths: tuple[str, ...] = ()
    department_id: int | None = None
    enterprise_id: int | None = None
    member_id: int | None = None
    read_only: bool = False
    extra: dict[str, object] = field(default_factory=dict)
    # The area tree readable as organisation info; ``None`` = the data scope.
    tree_paths: tuple[str, ...] | None = None
    # A partner's granted areas (its event stream).
    granted_paths: tuple[str, ...] = ()
    username: str | None = None

    # --- who ---------------------------------------------------------------------

    @property
    def is_admin(self) -> bool:
        return self.role is AccountRole.ADMIN and self.sees_all

    @property
    def can_edit_policies(self) -> bool:
        return self.role in (AccountRole.ADMIN, AccountRole.POLICY_EDITOR)

    # --- the data scope ------------------------------------------------------------

    @property
    def sees_all(self) -> bool:
        return "/" in self.area_paths

    @property
    def whole_district(self) -> bool:
        """The data scope holds a whole district (a root area ``/N/``): district-wide
        objects with no area of their own — district departments and their members —
        are in it."""
        return self.sees_all or any(p.count("/") == 2 for p in self.area_paths)

    def covers_path(self, path: str | None) -> bool:
        return self.sees_all or _covers(self.area_paths, path)

    def area_clause(self, path_column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        """SQL: the row's area path lies in one of the visible subtrees."""
        return _prefix_clause(path_column, self.area_paths)

    def area_id_clause(self, area_id_column: InstrumentedAttribute[int | None]) -> ColumnElement[bool]:
        """SQL for models that store an area id, not a path (members, enterprises, projects):
        ``area_id IN (SELECT id FROM areas WHERE <visible>)``."""
        if self.sees_all:
            return true()
        if not self.area_paths:
            return false()
        from domain.org.models import Area

        return area_id_column.in_(select(Area.id).where(self.area_clause(Area.path)))

    # --- the area tree (organisation info) -------------------------------------------

    @property
    def tree(self) -> tuple[str, ...]:
        return self.area_paths if self.tree_paths is None else self.tree_paths

    def sees_area(self, path: str | None) -> bool:
        """An area is readable if it lies in a visible subtree or is an ancestor of one
        (breadcrumbs: a grid worker reads the names of their park and district)."""
        if path is None:
            return False
        tree = self.tree
        if "/" in tree or _covers(tree, path):
            return True
        return any(p.startswith(path) for p in tree)

    def children_on_path(self, path: str) -> set[str] | None:
        """For counting an area's visible children without SQL: ``None`` when the whole
        subtree is visible (every child counts), otherwise the child paths that lead to
        a visible subtree (an area seen only as a breadcrumb shows just those)."""
        tree = self.tree
        if "/" in tree or _covers(tree, path):
            return None
        out: set[str] = set()
        for p in tree:
            if p.startswith(path) and p != path:
                head = p[len(path):].split("/", 1)[0]
                out.add(f"{path}{head}/")
        return out

    def tree_clause(self, path_column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        """SQL twin of ``sees_area``."""
        tree = self.tree
        if "/" in tree:
            return true()
        if not tree:
            return false()
        ancestors = sorted({a for p in tree for a in ancestor_paths(p)})
        clause = _prefix_clause(path_column, tree)
        return or_(clause, path_column.in_(ancestors)) if ancestors else clause

    # --- the event stream ------------------------------------------------------------

    @property
    def event_paths(self) -> tuple[str, ...]:
        return self.granted_paths if self.role is AccountRole.PARTNER else self.area_paths

    def event_clause(self, path_column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        return _prefix_clause(path_column, self.event_paths)

    # --- writes ------------------------------------------------------------------------

    def check_write(
        self,
        area_path: str | None,
        *,
        area_itself: bool = False,
        roles: Collection[AccountRole] = ORG_WRITERS,
    ) -> None:
        """May this account change an object at ``area_path``?

        ``area_path`` is the object's area (for a new object, the area it is created
        in); ``None`` means a district-wide object (a district department), which
        only a whole-district writer may change. ``area_itself`` says the object is
        an area (visible through the tree, not the data scope).

        Raises ``DomainError``: ``NOT_FOUND`` when the object is outside what the
        account may see (its existence is not revealed), ``FORBIDDEN`` when it is
        visible but the role may not change it (read-only roles, other roles than
        ``roles``, a park admin outside their park).
        """
        if area_path is None:
            visible = self.role is not None
        elif area_itself:
            visible = self.sees_area(area_path)
        else:
            visible = self.covers_path(area_path)
        if not visible:
            raise DomainError("NOT_FOUND", NOT_FOUND_MESSAGE)
        if self.read_only or self.role not in roles:
            raise DomainError("FORBIDDEN", FORBIDDEN_MESSAGE)
        if not self.sees_all and (area_path is None or not _covers(self.area_paths, area_path)):
            raise DomainError("FORBIDDEN", FORBIDDEN_MESSAGE)


# The system itself (CLI, sweeper, demo loader): sees and may change everything.
SYSTEM = Scope(account_id=None, role=AccountRole.ADMIN, area_paths=("/",))


@dataclass(frozen=True, slots=True)
class AccountLinks:
    """What an account is linked to, resolved to area paths (``None`` = no such link,
    or a link to something inactive)."""

    account_id: int
    role: AccountRole
    username: str | None = None
    area_path: str | None = None  # the linked area (park admins, viewers, policy editors)
    member_id: int | None = None
    member_area_path: str | None = None  # grid staff: their member's area
    department_id: int | None = None
    department_park_path: str | None = None  # a park office's park; None = district department
    enterprise_id: int | None = None
    enterprise_grid_path: str | None = None
    granted_paths: tuple[str, ...] = ()


def _one(path: str | None) -> tuple[str, ...]:
    return (path,) if path else ()


def scope_for(links: AccountLinks) -> Scope:
    """The role → scope table of SPEC §5 (docs/security.md explains each row).

    An account whose link is missing sees nothing by area (fail closed)."""
    role = links.role
    base = {"account_id": links.account_id, "role": role, "username": links.username}
    if role is AccountRole.ADMIN:
        # The system administrator: the whole district, and anything outside it.
        return Scope(**base, area_paths=("/",))
    if role in (AccountRole.VIEWER, AccountRole.POLICY_EDITOR):
        # Read-only over their district (or park); policy editors also edit policies.
        return Scope(**base, area_paths=_one(links.area_path), read_only=True)
    if role is AccountRole.PARK_ADMIN:
        return Scope(**base, area_paths=_one(links.area_path))
    if role in (AccountRole.GRID_LEADER, AccountRole.GRID_WORKER):
        return Scope(**base, area_paths=_one(links.member_area_path), member_id=links.member_id)
    if role is AccountRole.DEPARTMENT_OFFICER:
        # Data: what is assigned to the department (by department_id, not by area).
        # Tree: a park office reads its park's areas, a district department the whole
        # tree — areas are organisation info, read-only.
        tree = _one(links.department_park_path) if links.department_park_path else ("/",)
        if links.department_id is None:
            tree = ()
        return Scope(**base, department_id=links.department_id, tree_paths=tree, member_id=links.member_id)
    if role is AccountRole.ENTERPRISE:
        # Its own profile, orders and reported incidents (by enterprise_id); its grid
        # (and, as breadcrumbs, the grid's park and district) as organisation info.
        return Scope(
            **base, enterprise_id=links.enterprise_id, tree_paths=_one(links.enterprise_grid_path)
        )
    if role is AccountRole.PARTNER:
        # The event stream of the granted areas, and those areas' tree to filter it by.
        return Scope(
            **base, granted_paths=links.granted_paths, tree_paths=links.granted_paths, read_only=True
        )
    return Scope(**base)  # pragma: no cover — every role is listed above
