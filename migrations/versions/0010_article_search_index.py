"""full-text search index over articles, and indexes for keyset paging

Search used two unindexed LIKE scans and missed bylines and tags. Each article now keeps its
bylines and tag names in ``search_terms``, and the engine indexes headline, dek, visible body
text and those terms: on PostgreSQL a generated ``tsvector`` column with a GIN index, on SQLite
an FTS5 external-content table kept in step by triggers. Existing rows are indexed here.

On SQLite, a later migration that rebuilds ``articles`` (batch mode's copy and rename) drops
the triggers with the old table: such a migration must create them again (``_TRIGGERS``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_BATCH = 500
_KEYSET_INDEXES = {
    "ix_articles_released_at_id": ["released_at", "id"],
    "ix_articles_section_released_at_id": ["section_id", "released_at", "id"],
    "ix_articles_updated_at_id": ["updated_at", "id"],
}
_COLUMNS = "headline, dek, body_text, search_terms"
_TRIGGERS = [
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, headline, dek, body_text, search_terms)
        VALUES (new.id, new.headline, new.dek, new.body_text, new.search_terms);
    END""",
    """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, headline, dek, body_text, search_terms)
        VALUES ('delete', old.id, old.headline, old.dek, old.body_text, old.search_terms);
    END""",
    """CREATE TRIGGER articles_fts_update
        AFTER UPDATE OF headline, dek, body_text, search_terms ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, headline, dek, body_text, search_terms)
        VALUES ('delete', old.id, old.headline, old.dek, old.body_text, old.search_terms);
        INSERT INTO articles_fts(rowid, headline, dek, body_text, search_terms)
        VALUES (new.id, new.headline, new.dek, new.body_text, new.search_terms);
    END""",
]
# Weighted by where a word sits: headline (A), bylines and tags (B), dek (C), body (D).
_VECTOR = (
    "setweight(to_tsvector('english', coalesce(headline, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(search_terms, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(dek, '')), 'C') || "
    "setweight(to_tsvector('english', coalesce(body_text, '')), 'D')"
)


def _fill_search_terms() -> None:
    connection = op.get_bind()
    authors = sa.text(
        "SELECT aa.article_id, au.name FROM article_authors aa "
        "JOIN authors au ON au.id = aa.author_id "
        "WHERE aa.article_id > :low AND aa.article_id <= :high ORDER BY aa.article_id, aa.position"
    )
    tags = sa.text(
        "SELECT at.article_id, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id "
        "WHERE at.article_id > :low AND at.article_id <= :high ORDER BY at.article_id, t.name"
    )
    last = 0
    while True:
        ids = list(
            connection.execute(
                sa.text("SELECT id FROM articles WHERE id > :last ORDER BY id LIMIT :n"),
                {"last": last, "n": _BATCH},
            ).scalars()
        )
        if not ids:
            break
        terms: dict[int, list[str]] = {i: [] for i in ids}
        for statement in (authors, tags):
            for article_id, name in connection.execute(statement, {"low": last, "high": ids[-1]}):
                terms[article_id].append(name)
        rows = [{"row_id": i, "terms": " ".join(names)} for i, names in terms.items() if names]
        if rows:
            connection.execute(
                sa.text("UPDATE articles SET search_terms = :terms WHERE id = :row_id"), rows
            )
        last = ids[-1]


def upgrade() -> None:
    op.add_column(
        "articles", sa.Column("search_terms", sa.Text(), nullable=False, server_default="")
    )
    _fill_search_terms()
    for name, columns in _KEYSET_INDEXES.items():
        op.create_index(name, "articles", columns)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE articles ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
        return
    op.execute(
        f"CREATE VIRTUAL TABLE articles_fts USING fts5({_COLUMNS}, content='articles', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
    )
    # bm25 weights per column, in the order above: headline, dek, body, bylines and tags.
    op.execute(
        "INSERT INTO articles_fts(articles_fts, rank) VALUES ('rank', 'bm25(10.0, 3.0, 1.0, 5.0)')"
    )
    for trigger in _TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_articles_search_vector")
        op.execute("ALTER TABLE articles DROP COLUMN search_vector")
    else:
        for name in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE articles_fts")
    for name in _KEYSET_INDEXES:
        op.drop_index(name, table_name="articles")
    # A plain ALTER TABLE (SQLite 3.35+), not batch mode: rebuilding articles would drop the
    # old table, and with foreign keys on that deletes every author, tag and image link.
    op.drop_column("articles", "search_terms")
