"""index images by the end of their partner permission

The worker looks for photo permissions that lapsed since its last round (to ping the
WebSub hub); the index keeps that an index range read whatever the size of the library.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_images_partner_allowed_until"), "images", ["partner_allowed_until"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_images_partner_allowed_until"), table_name="images")
