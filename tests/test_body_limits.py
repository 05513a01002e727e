"""Bodies that would take the cleaner a long time are refused with a clear message before
it runs, in the staff form, its preview and the API; nothing is written. (How long the
worst accepted bodies take is measured by bench/sanitize.py, not here.)"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syndicate.content.models import Article
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    assert_error,
    generous_limits,
    staff,
)
from tests.conftest import csrf_token, login
from tests.factories import make_article, make_author, make_section, make_user

NESTED_DIVS = "<div>" * 5000 + "deep" + "</div>" * 5000
NESTED_LISTS = "<ul><li>" * 3000 + "deep"
TOO_DEEP = "nests elements too deeply"
MARKDOWN_LINKS = "[a](" * 20000
TOO_DENSE = "too dense in Markdown markup"


def _count(session: Session) -> int:
    return session.scalar(select(func.count(Article.id))) or 0


@pytest.fixture
def desk(client: FlaskClient, session: Session) -> dict[str, Any]:
    section = make_section(session, name="Coast")
    author = make_author(session, name="Mira Ostrand")
    user = make_user(session)
    session.commit()
    assert login(client, user.email).status_code == 302
    return {"section_id": str(section.id), "author_ids": [str(author.id)]}


def _form(client: FlaskClient, desk: dict[str, Any], path: str, **fields: str) -> dict[str, Any]:
    return {
        "csrf_token": csrf_token(client, path),
        "headline": "A tower of boxes",
        "slug": "tower",
        "dek": "",
        "dateline": "",
        "tags": "",
        "syndication": "syndicate",
        "comments_open": "y",
        **desk,
        **fields,
    }


@pytest.mark.parametrize(
    ("body_format", "body", "message"),
    [
        ("html", NESTED_DIVS, TOO_DEEP),
        ("html", NESTED_LISTS, TOO_DEEP),
        ("markdown", NESTED_DIVS, TOO_DEEP),
        ("markdown", MARKDOWN_LINKS, TOO_DENSE),
    ],
)
def test_staff_save_and_preview_refuse_costly_bodies(
    client: FlaskClient,
    session: Session,
    desk: dict[str, Any],
    body_format: str,
    body: str,
    message: str,
) -> None:
    before = _count(session)
    path = "/staff/articles/new"
    data = _form(client, desk, path, body_format=body_format, body_source=body)
    saved = client.post(path, data=data)
    assert saved.status_code == 422
    assert message in saved.get_data(as_text=True)
    preview = client.post(
        f"{path}/preview", data=_form(client, desk, path, body_format=body_format, body_source=body)
    )
    assert preview.status_code == 422
    page = preview.get_data(as_text=True)
    assert message in page
    assert 'class="preview"' not in page
    assert _count(session) == before


def test_staff_edit_and_its_preview_refuse_a_costly_body(
    client: FlaskClient, session: Session, desk: dict[str, Any]
) -> None:
    article = make_article(session, slug="calm", body_source="Calm seas.")
    session.commit()
    path = f"/staff/articles/{article.id}"
    data = _form(
        client,
        desk,
        path,
        slug="calm",
        body_format="html",
        body_source=NESTED_DIVS,
        version=str(article.version),
    )
    assert client.post(f"{path}/preview", data=data).status_code == 422
    data["csrf_token"] = csrf_token(client, path)
    saved = client.post(path, data=data)
    assert saved.status_code == 422
    assert TOO_DEEP in saved.get_data(as_text=True)
    session.expire_all()
    assert session.get(Article, article.id).body_source == "Calm seas."


def test_api_refuses_a_costly_body_with_422_naming_the_field(
    client: FlaskClient, session: Session
) -> None:
    make_section(session, slug="lakes")
    make_author(session, slug="mira-holt", name="Mira Holt")
    _, headers = staff(session)
    session.commit()
    before = _count(session)
    body = {
        "headline": "Ferry towers",
        "section": "lakes",
        "authors": ["mira-holt"],
        "body_format": "html",
        "body": NESTED_DIVS,
    }
    error = assert_error(client.post(f"{API}/articles", json=body, headers=headers), 422, "body")
    assert TOO_DEEP in error["fields"]["body"]
    assert _count(session) == before


def test_ordinary_nesting_and_sloppy_html_are_accepted() -> None:
    from syndicate.content.sanitize import body_problem

    story = "<blockquote><ul><li><p><b><i>quote</i></b><li>two</ul></blockquote>" * 2000
    assert body_problem(story, "html") is None
    assert body_problem("<p>one<p>two<br><img src=x>" * 5000, "html") is None
    assert (
        body_problem("Plain *Markdown* with a [link](https://x.org).\n\n" * 1000, "markdown")
        is None
    )
