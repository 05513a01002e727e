"""record the terms version an application accepted

Submitting a licensing request accepts the standard terms shown with the form; the licence
granted from it is bound to that version and counts as accepted from the moment of the
application.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("license_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("terms_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_license_requests_terms_version_id_terms_versions"),
            "terms_versions",
            ["terms_version_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("license_requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_license_requests_terms_version_id_terms_versions"), type_="foreignkey"
        )
        batch_op.drop_column("terms_version_id")
