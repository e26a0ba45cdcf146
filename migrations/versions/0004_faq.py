"""FAQ content in the database: categories, entries with versions, publications

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faq_categories",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("title_zh", sa.String(100), nullable=False),
        sa.Column("title_en", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "faq_entries",
        sa.Column("id", sa.String(63), primary_key=True),
        sa.Column("category", sa.String(63), nullable=False),
        sa.Column("question_zh", sa.Text, nullable=False),
        sa.Column("question_en", sa.Text, nullable=False),
        sa.Column("examples_zh", sa.JSON, nullable=False),
        sa.Column("examples_en", sa.JSON, nullable=False),
        sa.Column("answer_zh", sa.Text, nullable=False),
        sa.Column("answer_en", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_faq_entries_category", "faq_entries", ["category"])
    op.create_table(
        "faq_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("faq_id", sa.String(63), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("faq_id", "version", name="uq_faq_versions_faq_version"),
    )
    op.create_table(
        "faq_publications",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("content", sa.JSON),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("files_hash", sa.String(64)),
        sa.Column("model_status", sa.String(16), nullable=False, server_default="none"),
        sa.Column("model_detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_faq_publications_status", "faq_publications", ["status"])


def downgrade() -> None:
    op.drop_table("faq_publications")
    op.drop_table("faq_versions")
    op.drop_index("ix_faq_entries_category", table_name="faq_entries")
    op.drop_table("faq_entries")
    op.drop_table("faq_categories")
