"""count copies of the copy-ready HTML a partner takes from the story desk

Each click on "Copy" in the partner portal's story desk is a pickup intent: counted per
article, publisher, day and format (HTML or plain text), one row at most per combination.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pickup_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("publisher_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_pickup_copies_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["publisher_id"],
            ["publishers.id"],
            name=op.f("fk_pickup_copies_publisher_id_publishers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_copies")),
        sa.UniqueConstraint(
            "article_id", "publisher_id", "day", "format", name=op.f("uq_pickup_copies_article_id")
        ),
    )
    with op.batch_alter_table("pickup_copies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pickup_copies_publisher_id_day", ["publisher_id", "day"], unique=False
        )
        batch_op.create_index("ix_pickup_copies_day", ["day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pickup_copies", schema=None) as batch_op:
        batch_op.drop_index("ix_pickup_copies_day")
        batch_op.drop_index("ix_pickup_copies_publisher_id_day")
    op.drop_table("pickup_copies")
