"""keep the visible text of each article body, for search

Search looked in the staff's source, so a comment or a link target written there could be
found although no reader can see it. The body's visible text (from the sanitised HTML) is
kept beside it and search looks there; existing articles get theirs here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from syndicate.content.plaintext import visible_text

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("body_text", sa.Text(), nullable=False, server_default=""))
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer),
        sa.column("body_html", sa.Text),
        sa.column("body_text", sa.Text),
    )
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(articles.c.id, articles.c.body_html)
            .where(articles.c.id > last)
            .order_by(articles.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            articles.update()
            .where(articles.c.id == sa.bindparam("row_id"))
            .values(body_text=sa.bindparam("text")),
            [{"row_id": row.id, "text": visible_text(row.body_html or "")} for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    # A plain ALTER TABLE (SQLite 3.35+), not batch mode: rebuilding articles would drop the
    # old table, and with foreign keys on that deletes every author, tag and image link.
    op.drop_column("articles", "body_text")
