"""handoffs: whether the conversation proved its customer (issue 19, "linking never widens what an
anonymous conversation may see")

``customer_proven`` is true when the handoff's ``customer_id`` was proven in the conversation
itself (a signed customer token on the widget, or an order check passed in it); false when it is
only the earlier link of the conversation's channel identity (:mod:`customers.links`). Only a
proven customer counts as verified (console, assist placeholders, the tier's priority point).
Existing rows become false: which of them were proven was not recorded, so none is trusted.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("handoffs", sa.Column("customer_proven", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place (see 0007)
    op.execute("ALTER TABLE handoffs DROP COLUMN customer_proven")
