"""assist: canned replies, agents' console preferences, suggestion outcomes, FAQ drafts from agents' answers

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "assist_canned_replies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("shortcut", sa.String(32), nullable=False, unique=True),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("text_zh", sa.Text, nullable=False),
        sa.Column("text_en", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "assist_agent_preferences",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "assist_suggestion_outcomes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("handoff_id", sa.Integer, nullable=False, index=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "assist_faq_drafts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("question_event_id", _BIGINT, nullable=False, unique=True),
        sa.Column("reply_event_id", _BIGINT, nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("close_faq_id", sa.String(64)),
        sa.Column("close_score", sa.Float),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("faq_id", sa.String(64)),
        sa.Column("resolved_by", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    for table in ("assist_faq_drafts", "assist_suggestion_outcomes", "assist_agent_preferences",
                  "assist_canned_replies"):
        op.drop_table(table)
