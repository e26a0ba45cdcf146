"""demo shop catalogue: product details, variants with stock, promotions, member benefits, shared aliases

Revision ID: 0008
Revises: 0009
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# Money as whole fen (shop.demo.models.Money).
MONEY = sa.Integer

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shop_product_details",
        sa.Column("sku", sa.String(32), sa.ForeignKey("shop_products.sku", ondelete="CASCADE"), primary_key=True),
        sa.Column("list_price_cny", MONEY()),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    op.create_table(
        "shop_variants",
        sa.Column("variant_sku", sa.String(40), primary_key=True),
        sa.Column("sku", sa.String(32), sa.ForeignKey("shop_products.sku", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("restock_date", sa.Date()),
        sa.Column("note_zh", sa.String(200), nullable=False),
        sa.Column("note_en", sa.String(200), nullable=False),
    )
    op.create_index("ix_shop_variants_sku", "shop_variants", ["sku"])
    op.create_table(
        "shop_promotions",
        sa.Column("promotion_id", sa.String(40), primary_key=True),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    op.create_table(
        "shop_member_benefits",
        sa.Column("member_level", sa.String(16), primary_key=True),
        sa.Column("threshold_cny", MONEY(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    op.create_table(
        "shop_shared_aliases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("skus", sa.String(400), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shop_shared_aliases")
    op.drop_table("shop_member_benefits")
    op.drop_table("shop_promotions")
    op.drop_index("ix_shop_variants_sku", table_name="shop_variants")
    op.drop_table("shop_variants")
    op.drop_table("shop_product_details")
