"""customers: the channel identities linked to a shop customer, follow-up tasks (回访) and the
messages sent from them

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_identities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(64), nullable=False, index=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False, unique=True),
        sa.Column("linked_by", sa.String(16), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "customer_follow_ups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(64), nullable=False, index=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("due", sa.Date),
        sa.Column("assignee", sa.String(64)),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "customer_follow_up_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("follow_up_id", sa.Integer, sa.ForeignKey("customer_follow_ups.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sent_by", sa.String(64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("customer_follow_up_messages")
    op.drop_table("customer_follow_ups")
    op.drop_table("customer_identities")
