"""demo shop: customers, products, orders, order items, after-sales requests, check failures

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

# Column types as stored: money as whole fen (shop.demo.models.Money), times as UTC (shop.demo.models.UTCDateTime).
MONEY = sa.Integer


def UTC():
    return sa.DateTime(timezone=True)


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shop_customers",
        sa.Column("customer_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("member_level", sa.String(16), nullable=False),
    )
    op.create_table(
        "shop_products",
        sa.Column("sku", sa.String(32), primary_key=True),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("price_cny", MONEY(), nullable=False),
        sa.Column("no_reason_return", sa.String(40), nullable=False),
    )
    op.create_table(
        "shop_orders",
        sa.Column("order_id", sa.String(20), primary_key=True),
        sa.Column("customer_id", sa.String(32), sa.ForeignKey("shop_customers.customer_id"), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("paid_at", UTC()),
        sa.Column("shipped_at", UTC()),
        sa.Column("delivered_at", UTC()),
        sa.Column("cancelled_at", UTC()),
        sa.Column("carrier", sa.String(16)),
        sa.Column("tracking_no", sa.String(40)),
        sa.Column("eta", sa.Date()),
        sa.Column("shipping_cny", MONEY(), nullable=False),
        sa.Column("total_cny", MONEY(), nullable=False),
        sa.Column("ship_city", sa.String(64), nullable=False),
    )
    op.create_index("ix_shop_orders_customer_id", "shop_orders", ["customer_id"])
    op.create_table(
        "shop_order_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.String(20), sa.ForeignKey("shop_orders.order_id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("sku", sa.String(32), sa.ForeignKey("shop_products.sku"), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
    )
    op.create_index("ix_shop_order_items_order_id", "shop_order_items", ["order_id"])
    op.create_table(
        "shop_after_sales_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.String(20), sa.ForeignKey("shop_orders.order_id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("skus", sa.String(400), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
    )
    op.create_table(
        "shop_order_check_failures",
        sa.Column("order_id", sa.String(20), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first_failed_at", UTC(), nullable=False),
    )
    op.create_table(
        "shop_demo_seed",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seed_day", sa.Date(), nullable=False),
        sa.Column("fixtures_digest", sa.String(64), nullable=False),
        sa.Column("seeded_at", UTC(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shop_demo_seed")
    op.drop_table("shop_order_check_failures")
    op.drop_table("shop_after_sales_requests")
    op.drop_index("ix_shop_order_items_order_id", table_name="shop_order_items")
    op.drop_table("shop_order_items")
    op.drop_index("ix_shop_orders_customer_id", table_name="shop_orders")
    op.drop_table("shop_orders")
    op.drop_table("shop_products")
    op.drop_table("shop_customers")
