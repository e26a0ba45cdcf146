"""verification: wrong answers to the order check per conversation and per order number (moved out of
the shop's shop_order_check_failures, whose counts are kept)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_failures",
        sa.Column("scope", sa.String(16), primary_key=True),
        sa.Column("subject", sa.String(255), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "INSERT INTO verification_failures (scope, subject, failures, first_failed_at) "
        "SELECT 'order', order_id, failures, first_failed_at FROM shop_order_check_failures"
    )
    op.drop_table("shop_order_check_failures")


def downgrade() -> None:
    op.create_table(
        "shop_order_check_failures",
        sa.Column("order_id", sa.String(20), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "INSERT INTO shop_order_check_failures (order_id, failures, first_failed_at) "
        "SELECT subject, failures, first_failed_at FROM verification_failures "
        "WHERE scope = 'order' AND length(subject) <= 20"
    )
    op.drop_table("verification_failures")
