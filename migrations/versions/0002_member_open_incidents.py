"""members.open_incidents: each member's open incidents, kept by database triggers

Officer assignment ranks candidates by their open incidents (POLICY.md "Officer
selectors": the fewest wins). Counting them per report grew with the backlog — an
officer with 800 open incidents cost ~1 ms of PostgreSQL per count. The count is now
a column that triggers on ``incidents`` keep exact in the writing transaction,
whatever writes the incident (a report, a transition, a re-assignment, the demo
loader, a hand-written UPDATE): insert, delete, or an update of ``officer_id`` or
``status``. An incident is open in REPORTED, DISPATCHED and ACCEPTED
(``domain.incidents.transitions.OPEN``).

SQLite: a later migration that rebuilds ``incidents`` or ``members`` in batch mode
(copy and move) must drop these triggers first (a trigger naming a table being
renamed fails the rename) and create them again after (``create_triggers``).

Locks: each change of an incident's officer or open state now updates one or two
``members`` rows, held until its transaction commits. Two transactions that each hold
one member's row and re-assign incidents to the other's (two members deactivated at
the same moment, each one's incidents going to the other) can deadlock; PostgreSQL
then aborts one of them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "('REPORTED', 'DISPATCHED', 'ACCEPTED')"

POSTGRESQL = [
    f"""
    CREATE FUNCTION incidents_open_count() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        was_open boolean := TG_OP <> 'INSERT' AND OLD.officer_id IS NOT NULL AND OLD.status IN {OPEN};
        is_open boolean := TG_OP <> 'DELETE' AND NEW.officer_id IS NOT NULL AND NEW.status IN {OPEN};
    BEGIN
        IF was_open AND is_open AND OLD.officer_id = NEW.officer_id THEN
            RETURN NULL;
        ELSIF was_open AND is_open THEN
            -- Both members in one statement.
            UPDATE members SET open_incidents = open_incidents + CASE WHEN id = NEW.officer_id THEN 1 ELSE -1 END
            WHERE id IN (OLD.officer_id, NEW.officer_id);
        ELSIF was_open THEN
            UPDATE members SET open_incidents = open_incidents - 1 WHERE id = OLD.officer_id;
        ELSIF is_open THEN
            UPDATE members SET open_incidents = open_incidents + 1 WHERE id = NEW.officer_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER incidents_open_count AFTER INSERT OR DELETE OR UPDATE OF officer_id, status
    ON incidents FOR EACH ROW EXECUTE FUNCTION incidents_open_count()
    """,
]

SQLITE = [
    f"""
    CREATE TRIGGER incidents_open_count_insert AFTER INSERT ON incidents
    WHEN NEW.officer_id IS NOT NULL AND NEW.status IN {OPEN}
    BEGIN UPDATE members SET open_incidents = open_incidents + 1 WHERE id = NEW.officer_id; END
    """,
    f"""
    CREATE TRIGGER incidents_open_count_delete AFTER DELETE ON incidents
    WHEN OLD.officer_id IS NOT NULL AND OLD.status IN {OPEN}
    BEGIN UPDATE members SET open_incidents = open_incidents - 1 WHERE id = OLD.officer_id; END
    """,
    f"""
    CREATE TRIGGER incidents_open_count_update AFTER UPDATE OF officer_id, status ON incidents
    WHEN (OLD.officer_id IS NOT NULL AND OLD.status IN {OPEN})
      OR (NEW.officer_id IS NOT NULL AND NEW.status IN {OPEN})
    BEGIN
        UPDATE members SET open_incidents = open_incidents - 1
        WHERE id = OLD.officer_id AND OLD.status IN {OPEN};
        UPDATE members SET open_incidents = open_incidents + 1
        WHERE id = NEW.officer_id AND NEW.status IN {OPEN};
    END
    """,
]

BACKFILL = f"""
UPDATE members SET open_incidents = (
    SELECT count(*) FROM incidents WHERE incidents.officer_id = members.id AND incidents.status IN {OPEN}
)
"""


def create_triggers() -> None:
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def upgrade() -> None:
    op.add_column("members", sa.Column("open_incidents", sa.Integer(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        # No incident may change between the count and the trigger (workers of the old
        # version may still be running); the lock ends with the migration's transaction.
        op.execute("LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE")
    op.execute(BACKFILL)
    create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER incidents_open_count ON incidents")
        op.execute("DROP FUNCTION incidents_open_count()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER incidents_open_count_{name}")
    # Native DROP COLUMN (SQLite 3.35+): a batch rebuild of ``members`` would drop a table
    # that accounts and incidents refer to.
    with op.batch_alter_table("members", recreate="never") as batch:
        batch.drop_column("open_incidents")
