"""Search sees only what the public sees: the body's visible text, never the staff's source."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.content.models import Article, BodyFormat
from syndicate.content.services import ArticleFields, update_article
from tests.factories import make_article

HTML_SOURCE = (
    "<p>Visible words about the <em>harb</em>our wall.<!-- secret source note --></p>"
    '<p><a href="https://files.example/zebrafile" title="attrsecret">the report</a> '
    "Fish &amp; chips.</p>"
)
MARKDOWN_SOURCE = (
    "Visible words about the *harb*our wall.\n\n"
    "<!-- secret source note -->\n\n"
    "[the report](https://files.example/zebrafile) Fish & chips."
)


def _matches(client: FlaskClient, query: str) -> list[str]:
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return [slug for slug in ("hidden-notes",) if f"/articles/{slug}" in html]


@pytest.mark.parametrize(
    ("body_format", "source"),
    [(BodyFormat.HTML, HTML_SOURCE), (BodyFormat.MARKDOWN, MARKDOWN_SOURCE)],
    ids=["html", "markdown"],
)
def test_comments_and_attributes_in_the_source_are_not_found(
    client: FlaskClient, session: Session, body_format: BodyFormat, source: str
) -> None:
    make_article(
        session,
        slug="hidden-notes",
        headline="Quay repairs",
        dek="Work begins.",
        body_source=source,
        body_format=body_format,
    )
    session.commit()

    for hidden in ("secret", "source note", "attrsecret", "zebrafile", "files.example", "href"):
        assert _matches(client, hidden) == [], hidden
    for seen in ("visible words", "harbour", "the report", "fish & chips", "quay", "begins"):
        assert _matches(client, seen) == ["hidden-notes"], seen


def test_an_edit_changes_what_search_finds(client: FlaskClient, session: Session) -> None:
    article = make_article(
        session, slug="hidden-notes", headline="Quay repairs", body_source="Old wording."
    )
    session.commit()
    assert _matches(client, "wording") == ["hidden-notes"]

    fields = ArticleFields(
        slug=article.slug,
        headline=article.headline,
        section_id=article.section_id,
        dek=article.dek,
        body_source="New phrasing. <!-- wording kept as a note -->",
        author_ids=[author.id for author in article.authors],
    )
    update_article(session, article, fields, article.version, None)
    session.commit()

    assert _matches(client, "phrasing") == ["hidden-notes"]
    assert _matches(client, "wording") == []
    stored = session.get(Article, article.id)
    assert stored is not None
    assert "wording" in stored.body_source
