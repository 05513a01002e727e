"""index the console's and portal's lists by their sort key and id

Each list pages by keyset: a page starts after the (key, id) of one row. An index on the
same columns answers page 1 and page 1,000 with one index range each.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_audit_events_created_at_id", "audit_events", ["created_at", "id"]),
    ("ix_images_created_at_id", "images", ["created_at", "id"]),
    ("ix_comments_status_created_at_id", "comments", ["status", "created_at", "id"]),
    ("ix_license_requests_created_at_id", "license_requests", ["created_at", "id"]),
    (
        "ix_license_requests_status_created_at_id",
        "license_requests",
        ["status", "created_at", "id"],
    ),
    ("ix_licenses_created_at_id", "licenses", ["created_at", "id"]),
    ("ix_publishers_name_id", "publishers", ["name", "id"]),
    ("ix_notices_created_at_id", "notices", ["created_at", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
