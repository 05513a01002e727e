"""Stepping back through the migrations keeps the rows no step is about.

On SQLite a column change can rebuild a whole table (copy, drop, rename); with foreign keys
on, dropping the old ``articles`` deletes every row that points at it through ``ON DELETE
CASCADE``: bylines, tags, photo links. Each step down must leave those rows where they were.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select, table

from syndicate.content.models import Author, ImageRole, Section
from syndicate.content.services import ArticleFields, create_article, publish_article
from syndicate.database import Database
from syndicate.media import MediaStore
from syndicate.migrate import alembic_config
from tests.conftest import real_commit_database
from tests.factories import add_image, make_image

# The rows that hang off articles (and must outlive any change to the articles table).
LINKS = ("article_authors", "article_tags", "article_images", "articles", "authors", "tags")
# The first revision whose downgrade is checked; below it the tables themselves go.
LOWEST = "0002"


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        present = set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            return {
                name: connection.scalar(select(func.count()).select_from(table(name))) or 0
                for name in LINKS
                if name in present
            }
    finally:
        engine.dispose()


def test_every_downgrade_keeps_bylines_tags_and_photo_links(tmp_path: Path) -> None:
    with real_commit_database(tmp_path) as url:
        database = Database(url)
        with database.transaction() as session:
            section = Section(slug="quays", name="Quays")
            author = Author(slug="o-marsh", name="Odile Marsh")
            session.add_all([section, author])
            session.flush()
            fields = ArticleFields(
                slug="quay-lights",
                headline="The quay lights come back on",
                section_id=section.id,
                author_ids=[author.id],
                tags=["Lighting", "Harbour"],
                body_source="The lamps along the east quay were relit on Tuesday.",
            )
            article = create_article(session, fields, None)
            publish_article(session, article, actor_id=None)
            add_image(
                session,
                article,
                make_image(session, MediaStore(tmp_path / "media")),
                ImageRole.LEAD,
            )
        database.dispose()

        before = _counts(url)
        assert before["article_authors"] == 1
        assert before["article_tags"] == 2
        assert before["article_images"] == 1

        config = alembic_config(url)
        scripts = ScriptDirectory.from_config(config)
        steps = [s.revision for s in scripts.walk_revisions("base", "heads")]
        for revision in steps[: steps.index(LOWEST)]:
            down = scripts.get_revision(revision).down_revision
            assert isinstance(down, str), revision
            command.downgrade(config, down)
            assert _counts(url) == before, f"downgrading {revision} to {down} lost rows"
