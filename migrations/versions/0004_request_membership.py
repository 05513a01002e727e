"""record whether an approved applicant joins an existing publisher

An application that names an existing partner no longer attaches to it by itself: staff
choose, and adding the applicant's contact to that partner waits for the partner's portal
users to confirm (or for an audited staff override). The request keeps where that stands.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("license_requests") as batch_op:
        batch_op.add_column(
            sa.Column(
                "membership",
                sa.Enum(
                    "pending",
                    "confirmed",
                    "declined",
                    "overridden",
                    name="membershipstatus",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("license_requests") as batch_op:
        batch_op.drop_column("membership")
