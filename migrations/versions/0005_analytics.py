"""analytics: conversation sessions, FAQ answers, unanswered messages (the editors' inbox), ingest marks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    marks = op.create_table(
        "analytics_marks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("last_id", BIGINT, nullable=False, server_default="0"),
        sa.Column("last_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
    )
    # the ingester locks this row (UPDATE ... WHERE name = ...) so that two web replicas take turns
    op.bulk_insert(marks, [{"name": "conversation_events", "last_id": 0}, {"name": "handoffs", "last_id": 0}])

    op.create_table(
        "analytics_sessions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_key", sa.String(300), nullable=False, unique=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False, server_default=""),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_turns", sa.Integer, nullable=False, server_default="0"),
        sa.Column("faq_answers", sa.Integer, nullable=False, server_default="0"),
        sa.Column("fallbacks", sa.Integer, nullable=False, server_default="0"),
        sa.Column("out_of_scope", sa.Integer, nullable=False, server_default="0"),
        sa.Column("handed_over", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("handoff_id", sa.Integer),
        sa.Column("handoff_reason", sa.String(32)),
        sa.Column("handoff_status", sa.String(16)),
        sa.Column("wait_seconds", sa.Float),
        sa.Column("handling_seconds", sa.Float),
        sa.Column("rating", sa.Integer),
        sa.Column("contained", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("last_user_event_id", BIGINT),
        sa.Column("last_question_event_id", BIGINT),
    )
    op.create_index("ix_analytics_sessions_day", "analytics_sessions", ["day"])
    op.create_index("ix_analytics_sessions_handoff_id", "analytics_sessions", ["handoff_id"])
    op.create_index("ix_analytics_sessions_sender_started", "analytics_sessions", ["sender_id", "started_at"])

    op.create_table(
        "analytics_faq_answers",
        sa.Column("event_id", BIGINT, primary_key=True, autoincrement=False),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("analytics_sessions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("faq_id", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
    )
    op.create_index("ix_analytics_faq_answers_session_id", "analytics_faq_answers", ["session_id"])
    op.create_index("ix_analytics_faq_answers_faq_id", "analytics_faq_answers", ["faq_id"])
    op.create_index("ix_analytics_faq_answers_day", "analytics_faq_answers", ["day"])

    op.create_table(
        "analytics_unanswered",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", BIGINT, nullable=False, unique=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("analytics_sessions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False, server_default=""),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("normalized", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("resolved_faq_id", sa.String(64)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_by", sa.String(64)),
    )
    op.create_index("ix_analytics_unanswered_session_id", "analytics_unanswered", ["session_id"])
    op.create_index("ix_analytics_unanswered_day", "analytics_unanswered", ["day"])
    op.create_index("ix_analytics_unanswered_status_at", "analytics_unanswered", ["status", "at"])


def downgrade() -> None:
    op.drop_table("analytics_unanswered")
    op.drop_table("analytics_faq_answers")
    op.drop_table("analytics_sessions")
    op.drop_table("analytics_marks")
