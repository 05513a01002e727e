"""archive_months: the public stories of each month, for the sitemap index

The sitemap index grouped every public story by month on each request, a scan that grows
with the archive. Each month's count and latest change are now kept in ``archive_months``
(see ``syndicate.content.archive``), written with the stories; existing months are counted
here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from syndicate.content.archive import rebuild

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_months",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("stories", sa.Integer(), nullable=False),
        sa.Column("lastmod", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changes_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_archive_months")),
    )
    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("archive_months")
