"""count failed password checks per account

Every password check (sign-in, password change, re-authentication, token creation) first
counts itself against the account it names, so that a run of wrong passwords closes that
account to further checks for a while, whichever worker or machine answers. Accounts are
named by a digest of the address typed, so an address with no account is counted (and
answered) exactly like one with an account.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_failures",
        sa.Column("account_digest", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("resets_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_digest", name=op.f("pk_password_failures")),
    )
    op.create_index(
        op.f("ix_password_failures_resets_at"), "password_failures", ["resets_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_password_failures_resets_at"), table_name="password_failures")
    op.drop_table("password_failures")
