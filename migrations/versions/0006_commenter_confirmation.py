"""let commenters confirm their e-mail address

A commenter (a name together with an e-mail address) who opens the link e-mailed to that
address is trusted like one a moderator approved. ``confirmation_nonce`` is the secret of
the link last sent, cleared when it is used.

Commenters are now told apart by name and address together, so trust granted before this
revision (to an address under any name) no longer matches anyone: each such commenter's
next comment waits for a moderator again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commenters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("confirmation_nonce", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commenters", schema=None) as batch_op:
        batch_op.drop_column("confirmation_nonce")
        batch_op.drop_column("confirmed_at")
