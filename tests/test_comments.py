"""Reader comments over HTTP: posting, moderation state, safety, closing and limits."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from syndicate.comments import services
from syndicate.comments.models import Comment, Commenter, CommentStatus
from syndicate.content.models import Article
from syndicate.orm import utcnow
from tests.conftest import csrf_token
from tests.factories import make_article

_addresses = count(1)

XSS_NAME = "<script>alert('name')</script>"
XSS_TEXT = 'Nice <img src=x onerror="alert(1)"> story <script>alert(2)</script>'


@pytest.fixture(autouse=True)
def generous_limit(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Most tests post several comments; only the rate-limit test tightens the limit."""
    monkeypatch.setitem(app.config, "RATELIMIT_COMMENTS", "10000 per minute")


def fresh_address() -> str:
    """A client address no other test uses, so that rate-limit counters never collide."""
    n = next(_addresses)
    return f"198.51.{n // 250}.{n % 250 + 1}"


def form_path(article: Article) -> str:
    return f"/articles/{article.slug}/comments"


def post_comment(
    client: FlaskClient,
    article: Article,
    *,
    address: str = "192.0.2.10",
    token: str | None = None,
    **fields: Any,
) -> TestResponse:
    """Post a comment through the real form, CSRF token included unless ``token=""``."""
    data = {"name": "Wren Okafor", "text": "A thoughtful remark.", "email": "", "reply_to": ""}
    data.update(fields)
    if token is None:
        token = csrf_token(client, form_path(article))
    if token:
        data["csrf_token"] = token
    return client.post(form_path(article), data=data, environ_base={"REMOTE_ADDR": address})


def stored(session: Session, article: Article) -> list[Comment]:
    session.expire_all()
    return list(
        session.scalars(
            select(Comment).where(Comment.article_id == article.id).order_by(Comment.id)
        )
    )


def approve_all(session: Session, article: Article) -> None:
    for comment in stored(session, article):
        if comment.status is CommentStatus.HELD:
            services.approve(session, comment, actor_id=None, now=utcnow())
    session.commit()


def page(client: FlaskClient, article: Article) -> str:
    response = client.get(f"/articles/{article.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# ---- the form and posting -----------------------------------------------------------------


def test_article_page_invites_comments_without_a_form_token(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session, headline="Ferry timetable changes")
    session.commit()
    response = client.get(f"/articles/{story.slug}")
    html = response.get_data(as_text=True)
    assert "No thoughts yet on “Ferry timetable changes”" in html
    assert f'href="/articles/{story.slug}/comments#comment-form"' in html
    assert "csrf_token" not in html
    assert response.headers.get("Set-Cookie") is None
    assert "public" in response.headers["Cache-Control"]


def test_form_page_is_private_and_carries_the_token(client: FlaskClient, session: Session) -> None:
    story = make_article(session)
    session.commit()
    response = client.get(form_path(story))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    html = response.get_data(as_text=True)
    assert 'name="csrf_token"' in html
    assert 'name="website"' in html
    assert "comment-form__trap" in html


def test_first_comment_is_held_not_shown_and_not_counted(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session, headline="Harbour wall repairs")
    session.commit()
    response = post_comment(client, story, text="Held words here.")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/articles/{story.slug}/comments/held")
    confirmation = client.get(response.headers["Location"])
    assert "Your comment is awaiting moderation" in confirmation.get_data(as_text=True)
    [comment] = stored(session, story)
    assert comment.status is CommentStatus.HELD
    html = page(client, story)
    assert "Held words here." not in html
    assert "No thoughts yet on “Harbour wall repairs”" in html


def test_approved_comment_is_shown_counted_and_its_writer_trusted(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session, headline="Library hours")
    session.commit()
    post_comment(client, story, name="Ines Marr", email="ines@example.net", text="First one.")
    approve_all(session, story)
    html = page(client, story)
    assert "1 thought on “Library hours”" in html
    assert "First one." in html
    assert "Ines Marr" in html

    response = post_comment(
        client, story, name="Ines Marr", email="INES@example.net", text="Second one."
    )
    second = stored(session, story)[-1]
    assert second.status is CommentStatus.APPROVED
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#comment-{second.id}")
    html = page(client, story)
    assert "2 thoughts on “Library hours”" in html
    assert f'id="comment-{second.id}"' in html


def test_trust_without_email_follows_name_and_client_address(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session)
    session.commit()
    post_comment(client, story, name="Oto Lind", address="192.0.2.44")
    approve_all(session, story)
    post_comment(client, story, name="Oto Lind", address="192.0.2.44", text="Again, trusted.")
    post_comment(client, story, name="Oto Lind", address="192.0.2.45", text="Elsewhere.")
    statuses = [c.status for c in stored(session, story)]
    assert statuses == [CommentStatus.APPROVED, CommentStatus.APPROVED, CommentStatus.HELD]


def test_client_address_is_stored_only_as_a_keyed_hash(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session)
    session.commit()
    post_comment(client, story, address="203.0.113.77")
    [comment] = stored(session, story)
    assert comment.client_hash == services.client_hash(app.config["SECRET_KEY"], "203.0.113.77")
    for value in (comment.client_hash, comment.body, comment.author_name, comment.email):
        assert "203.0.113.77" not in value
    identity = session.get(Commenter, comment.commenter_id)
    assert identity is not None
    assert "203.0.113.77" not in identity.identity


def test_email_never_appears_on_public_pages(client: FlaskClient, session: Session) -> None:
    story = make_article(session)
    session.commit()
    post_comment(client, story, email="secret.reader@example.net", text="Visible text.")
    approve_all(session, story)
    [comment] = stored(session, story)
    reply = post_comment(client, story, reply_to=str(comment.id), text="Reply text.")
    assert reply.status_code == 303
    paths = [
        f"/articles/{story.slug}",
        form_path(story),
        f"{form_path(story)}?reply_to={comment.id}",
        f"{form_path(story)}/held",
        "/",
        "/feeds/public.rss",
    ]
    for path in paths:
        body = client.get(path).get_data(as_text=True)
        assert "secret.reader" not in body, path
    assert "Visible text." in page(client, story)


def test_script_and_event_handler_payloads_are_inert(client: FlaskClient, session: Session) -> None:
    story = make_article(session)
    session.commit()
    post_comment(client, story, name=XSS_NAME, text=XSS_TEXT)
    approve_all(session, story)
    html = page(client, story)
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html


def test_links_are_clickable_with_nofollow_and_javascript_is_not(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session)
    session.commit()
    post_comment(
        client, story, text="Read https://example.org/report and javascript:alert(document.domain)"
    )
    approve_all(session, story)
    html = page(client, story)
    assert '<a href="https://example.org/report" rel="nofollow ugc">' in html
    assert 'href="javascript' not in html
    assert "javascript:alert(document.domain)" in html


def test_replies_are_one_level_deep(client: FlaskClient, session: Session) -> None:
    story = make_article(session)
    session.commit()
    post_comment(client, story, name="Top", email="top@example.net", text="Top-level.")
    approve_all(session, story)
    [top] = stored(session, story)
    post_comment(client, story, name="Top", email="top@example.net", reply_to=str(top.id))
    reply = stored(session, story)[-1]
    assert reply.parent_id == top.id
    assert reply.status is CommentStatus.APPROVED
    post_comment(
        client, story, name="Top", email="top@example.net", reply_to=str(reply.id), text="Deep."
    )
    deeper = stored(session, story)[-1]
    assert deeper.parent_id == top.id

    html = page(client, story)
    assert "3 thoughts on" in html
    replies = re.search(r'<ol class="comment-list comment-list--replies">(.*?)</ol>', html, re.S)
    assert replies is not None
    assert f'id="comment-{reply.id}"' in replies.group(1)
    assert f'id="comment-{deeper.id}"' in replies.group(1)
    assert "comment-list--replies" not in replies.group(1)


def test_replying_to_a_hidden_comment_is_refused(client: FlaskClient, session: Session) -> None:
    story = make_article(session)
    other = make_article(session)
    session.commit()
    post_comment(client, story, text="Still held.")
    [held] = stored(session, story)
    response = post_comment(client, story, reply_to=str(held.id), text="Answer.")
    assert response.status_code == 422
    assert "not available" in response.get_data(as_text=True)
    post_comment(client, other, email="o@example.net")
    approve_all(session, other)
    [elsewhere] = stored(session, other)
    response = post_comment(client, story, reply_to=str(elsewhere.id), text="Wrong story.")
    assert response.status_code == 422
    assert len(stored(session, story)) == 1


def test_invalid_comment_is_422_with_the_form_and_nothing_saved(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session)
    session.commit()
    response = post_comment(client, story, name="", text="x" * 5001, email="nope")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please give a name" in html
    assert "limited to 5000 characters" in html
    assert "does not look like an e-mail address" in html
    assert 'name="csrf_token"' in html
    response = post_comment(client, story, name="n" * 81, text="ok")
    assert response.status_code == 422
    assert "limited to 80 characters" in response.get_data(as_text=True)
    assert stored(session, story) == []


def test_missing_csrf_token_is_400_and_saves_nothing(client: FlaskClient, session: Session) -> None:
    story = make_article(session)
    session.commit()
    response = post_comment(client, story, token="")
    assert response.status_code == 400
    response = post_comment(client, story, token="forged-token")
    assert response.status_code == 400
    assert stored(session, story) == []


def test_honeypot_is_answered_like_a_held_comment_and_discarded(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session)
    session.commit()
    response = post_comment(client, story, website="http://spam.example.com")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/articles/{story.slug}/comments/held")
    assert stored(session, story) == []
    assert session.scalar(select(func.count(Commenter.id))) == 0


def test_hidden_article_takes_no_comments(client: FlaskClient, session: Session) -> None:
    draft = make_article(session, publish=False)
    session.commit()
    assert client.get(form_path(draft)).status_code == 404
    token = csrf_token(client, "/login")
    assert post_comment(client, draft, token=token).status_code == 404


# ---- closing --------------------------------------------------------------------------------


def test_closed_article_says_so_and_refuses_posts(client: FlaskClient, session: Session) -> None:
    story = make_article(session, comments_open=False)
    session.commit()
    assert "Comments are closed." in page(client, story)
    assert "Leave a comment" not in page(client, story)
    form = client.get(form_path(story))
    assert form.status_code == 403
    assert "Comments are closed" in form.get_data(as_text=True)
    token = csrf_token(client, "/login")
    response = post_comment(client, story, token=token)
    assert response.status_code == 403
    assert "Comments are closed." in response.get_data(as_text=True)
    assert stored(session, story) == []


def test_comments_close_automatically_after_the_configured_days(
    client: FlaskClient, session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = make_article(session)
    token = csrf_token(client, form_path(story))
    story.first_published_at = utcnow() - timedelta(days=11)
    session.commit()
    monkeypatch.setitem(app.config, "COMMENTS_CLOSE_AFTER_DAYS", 10)
    response = post_comment(client, story, token=token)
    assert response.status_code == 403
    assert "Comments are closed." in response.get_data(as_text=True)
    assert "Comments are closed." in page(client, story)
    assert stored(session, story) == []

    monkeypatch.setitem(app.config, "COMMENTS_CLOSE_AFTER_DAYS", 12)
    assert "Leave a comment" in page(client, story)
    assert post_comment(client, story, token=token).status_code == 303


# ---- rate limits ----------------------------------------------------------------------------


def test_a_burst_of_posts_is_rate_limited_per_client_address(
    client: FlaskClient, session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_COMMENTS", "2 per minute")
    story = make_article(session)
    session.commit()
    token = csrf_token(client, form_path(story))
    address = fresh_address()
    codes = [
        post_comment(client, story, token=token, address=address).status_code for _ in range(3)
    ]
    assert codes == [303, 303, 429]
    refused = post_comment(client, story, token=token, address=address)
    assert refused.status_code == 429
    assert "Please wait a few minutes" in refused.get_data(as_text=True)
    assert len(stored(session, story)) == 2
    assert post_comment(client, story, token=token, address=fresh_address()).status_code == 303


# ---- the article page stays cheap and cacheable -------------------------------------------


def test_article_page_queries_do_not_grow_with_comments(
    client: FlaskClient, session: Session, query_counter: list[str]
) -> None:
    from tests.test_public_caching import QUERY_BOUND, count_queries

    quiet = make_article(session)
    busy = make_article(session)
    session.commit()
    tops = []
    for n in range(6):
        tops.append(
            services.post_comment(
                session,
                busy,
                services.CommentInput(name=f"Reader {n}", text=f"Remark {n}."),
                secret="s",
                client_address="192.0.2.1",
                now=utcnow(),
                close_after_days=0,
            )
        )
    for top in tops[:3]:
        services.approve(session, top, actor_id=None, now=utcnow())
        reply = services.post_comment(
            session,
            busy,
            services.CommentInput(name="Answerer", text="Reply.", reply_to=top.id),
            secret="s",
            client_address="192.0.2.2",
            now=utcnow(),
            close_after_days=0,
        )
        services.approve(session, reply, actor_id=None, now=utcnow())
    session.commit()

    few = count_queries(client, query_counter, f"/articles/{quiet.slug}")
    many = count_queries(client, query_counter, f"/articles/{busy.slug}")
    assert few == many <= QUERY_BOUND
    response = client.get(f"/articles/{busy.slug}")
    assert "6 thoughts on" in response.get_data(as_text=True)
    assert response.headers.get("Set-Cookie") is None
