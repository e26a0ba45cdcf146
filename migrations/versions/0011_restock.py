"""products: restock notice requests ("到货通知我", issue 18.5)

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_restock_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("variant_sku", sa.String(40), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_product_restock_requests_pending", "product_restock_requests",
                    ["variant_sku", "notified_at"])


def downgrade() -> None:
    op.drop_index("ix_product_restock_requests_pending", table_name="product_restock_requests")
    op.drop_table("product_restock_requests")
