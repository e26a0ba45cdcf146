"""handoffs: the record is the one truth of who holds a conversation (Rasa's tracker is no longer
paused); the rating question is recorded when it reached the Rasa server, and the handoffs an
older Kefu paused the tracker for are marked so that the gate resumes them

Replaces ``bot_resumed_at`` (when the web app resumed the paused tracker) with:

* ``rating_requested_at``: resolved handoffs whose conversation was handed back keep that time
  (their rating question was sent with the resume); the others are asked by the upkeep task;
* ``rating_requesting_since``: the lease of the process sending the question (empty here);
* ``tracker_paused``: true where an older Kefu left Rasa's tracker paused: handoffs waiting or
  active now (paused when queued or claimed), and ended ones never handed back.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("handoffs", sa.Column("rating_requested_at", sa.DateTime(timezone=True)))
    op.add_column("handoffs", sa.Column("rating_requesting_since", sa.DateTime(timezone=True)))
    op.add_column("handoffs", sa.Column("tracker_paused", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE handoffs SET rating_requested_at = bot_resumed_at WHERE status = 'resolved'")
    op.execute("UPDATE handoffs SET tracker_paused = TRUE WHERE status IN ('waiting', 'active') "
               "OR (status IN ('resolved', 'abandoned') AND bot_resumed_at IS NULL)")
    # SQLite 3.35+ drops a column in place (a batch copy of the table would lose the partial
    # unique index's WHERE clause, which SQLAlchemy does not reflect on SQLite)
    op.execute("ALTER TABLE handoffs DROP COLUMN bot_resumed_at")


def downgrade() -> None:
    op.add_column("handoffs", sa.Column("bot_resumed_at", sa.DateTime(timezone=True)))
    # what the older Kefu expects: ended handoffs handed back unless their tracker is still paused
    op.execute("UPDATE handoffs SET bot_resumed_at = COALESCE(rating_requested_at, ended_at) "
               "WHERE status IN ('resolved', 'abandoned') AND NOT tracker_paused")
    op.execute("ALTER TABLE handoffs DROP COLUMN tracker_paused")
    op.execute("ALTER TABLE handoffs DROP COLUMN rating_requesting_since")
    op.execute("ALTER TABLE handoffs DROP COLUMN rating_requested_at")
