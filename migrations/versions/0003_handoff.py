"""human handoff: queue, transitions, complaint tickets; conversation events and the REST outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('waiting', 'active', 'callback')")


def upgrade() -> None:
    op.create_table(
        "conversation_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("intent", sa.String(128)),
        sa.Column("confidence", sa.Float),
        sa.Column("name", sa.String(128)),
        sa.Column("input_channel", sa.String(64)),
        sa.Column("metadata", sa.JSON),
        sa.Column("data", sa.JSON),
    )
    op.create_index("ix_conversation_events_sender_id", "conversation_events", ["sender_id"])
    op.create_index("ix_conversation_events_timestamp", "conversation_events", ["timestamp"])
    op.create_index("ix_conversation_events_sender_ts", "conversation_events", ["sender_id", "timestamp"])

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_outbox_messages_pending", "outbox_messages", ["sender_id", "delivered_at"])

    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False, server_default=""),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("language", sa.String(8)),
        sa.Column("customer_id", sa.String(64)),
        sa.Column("order_id", sa.String(32)),
        sa.Column("trigger_text", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("callback_due_at", sa.DateTime(timezone=True)),
        sa.Column("bot_resumed_at", sa.DateTime(timezone=True)),
        sa.Column("rating", sa.Integer),
        sa.Column("rated_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_handoffs_sender_id", "handoffs", ["sender_id"])
    op.create_index("ix_handoffs_status", "handoffs", ["status"])
    op.create_index("ix_handoffs_status_priority", "handoffs", ["status", "priority", "created_at"])
    op.create_index("uq_handoffs_open_sender", "handoffs", ["sender_id"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)

    op.create_table(
        "handoff_transitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("note", sa.String(500)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handoff_transitions_handoff_id", "handoff_transitions", ["handoff_id"])

    op.create_table(
        "complaint_tickets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoffs.id", ondelete="SET NULL")),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False, server_default=""),
        sa.Column("customer_id", sa.String(64)),
        sa.Column("order_id", sa.String(32)),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("transcript", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_complaint_tickets_handoff_id", "complaint_tickets", ["handoff_id"])
    op.create_index("ix_complaint_tickets_sender_id", "complaint_tickets", ["sender_id"])


def downgrade() -> None:
    op.drop_table("complaint_tickets")
    op.drop_table("handoff_transitions")
    op.drop_table("handoffs")
    op.drop_table("outbox_messages")
    op.drop_table("conversation_events")
