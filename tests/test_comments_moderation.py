"""The staff moderation queue: filters, pagination, actions with CSRF, audit, and safety."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.accounts.models import User
from syndicate.audit import AuditEvent
from syndicate.comments import services
from syndicate.comments.models import Comment, CommentStatus
from syndicate.content.models import Article
from syndicate.orm import utcnow
from tests.conftest import csrf_token, login
from tests.factories import make_article, make_partner, make_user
from tests.test_comments import XSS_NAME, XSS_TEXT, page, stored
from tests.test_comments import post_comment as post_as_reader

__all__ = ["generous_limit"]

from tests.test_comments import generous_limit


def post_comment(client: FlaskClient, article: Article, **fields: str) -> object:
    """Post from the signed-in client's own address (a new address ends a strong session)."""
    return post_as_reader(client, article, address="127.0.0.1", **fields)


@pytest.fixture
def staff(client: FlaskClient, session: Session) -> User:
    user = make_user(session)
    session.commit()
    assert login(client, user.email).status_code == 302
    return user


def add(session: Session, article: Article, name: str = "Reader", text: str = "Words.") -> Comment:
    comment = services.post_comment(
        session,
        article,
        services.CommentInput(name=name, text=text),
        secret="s",
        client_address="192.0.2.1",
        now=utcnow(),
        close_after_days=0,
    )
    session.commit()
    return comment


def act(client: FlaskClient, comment: Comment, action: str, status: str = "held") -> int:
    token = csrf_token(client, f"/staff/comments?status={status}")
    response = client.post(
        f"/staff/comments/{comment.id}/{action}",
        data={"csrf_token": token, "status": status, "page": "1"},
    )
    return response.status_code


def test_queue_needs_a_staff_sign_in(client: FlaskClient, session: Session) -> None:
    response = client.get("/staff/comments")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    partner = make_partner(session)
    story = make_article(session)
    comment = add(session, story)
    session.commit()
    assert login(client, partner.email).status_code == 302
    assert client.get("/staff/comments").status_code == 403
    assert client.post(f"/staff/comments/{comment.id}/approve").status_code in {400, 403}
    assert stored(session, story)[0].status is CommentStatus.HELD


def test_queue_lists_held_comments_with_the_story_linked(
    client: FlaskClient, session: Session, staff: User
) -> None:
    story = make_article(session, headline="Tram line survey")
    post_comment(client, story, name="Hollis Vane", email="hollis@example.net", text="Held text.")
    response = client.get("/staff/comments")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Hollis Vane" in html
    assert "Held text." in html
    assert "hollis@example.net" in html  # staff may see it
    assert f'href="/articles/{story.slug}"' in html
    assert "Tram line survey" in html
    assert 'Held <span class="badge">1</span>' in html


def test_queue_shows_payloads_inert(client: FlaskClient, session: Session, staff: User) -> None:
    story = make_article(session)
    add(session, story, name=XSS_NAME, text=XSS_TEXT)
    html = client.get("/staff/comments").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html


def test_approve_shows_and_counts_it_audits_and_trusts_the_writer(
    client: FlaskClient, session: Session, staff: User
) -> None:
    story = make_article(session, headline="Night buses")
    post_comment(client, story, name="Ama", email="ama@example.net", text="Please approve me.")
    [comment] = stored(session, story)
    assert "Please approve me." not in page(client, story)

    assert act(client, comment, "approve") == 303
    html = page(client, story)
    assert "1 thought on “Night buses”" in html
    assert "Please approve me." in html
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "comment", AuditEvent.object_id == str(comment.id)
        )
    ).one()
    assert event.action == "comment.approve"
    assert event.actor_id == staff.id
    assert event.before == {"status": "held", "article_id": story.id}
    assert event.after == {"status": "approved", "article_id": story.id}

    post_comment(client, story, name="Ama", email="ama@example.net", text="Straight through.")
    assert stored(session, story)[-1].status is CommentStatus.APPROVED
    assert "2 thoughts on “Night buses”" in page(client, story)


@pytest.mark.parametrize("action", ["spam", "delete"])
def test_spam_and_delete_hide_a_comment(
    client: FlaskClient, session: Session, staff: User, action: str
) -> None:
    story = make_article(session)
    comment = add(session, story, text="Soon hidden.")
    reply = add(session, story, text="A reply.")
    services.approve(session, comment, actor_id=None, now=utcnow())
    reply.parent_id = comment.id
    services.approve(session, reply, actor_id=None, now=utcnow())
    session.commit()
    assert "Soon hidden." in page(client, story)
    assert act(client, comment, action, status="approved") == 303
    html = page(client, story)
    assert "Soon hidden." not in html
    assert "A reply." not in html  # a reply is not shown without its parent
    assert "No thoughts yet" in html
    assert stored(session, story)[0].status.value == ("spam" if action == "spam" else "deleted")
    audit = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(comment.id))
    ).all()
    assert f"comment.{action}" in audit


def test_spam_withdraws_trust(client: FlaskClient, session: Session, staff: User) -> None:
    story = make_article(session)
    post_comment(client, story, name="Kit", email="kit@example.net", text="One.")
    [first] = stored(session, story)
    assert act(client, first, "approve") == 303
    post_comment(client, story, name="Kit", email="kit@example.net", text="Buy pills.")
    second = stored(session, story)[-1]
    assert second.status is CommentStatus.APPROVED
    assert act(client, second, "spam", status="approved") == 303
    post_comment(client, story, name="Kit", email="kit@example.net", text="Three.")
    assert stored(session, story)[-1].status is CommentStatus.HELD


def test_actions_need_a_csrf_token(client: FlaskClient, session: Session, staff: User) -> None:
    story = make_article(session)
    comment = add(session, story)
    response = client.post(f"/staff/comments/{comment.id}/approve", data={"status": "held"})
    assert response.status_code == 400
    assert stored(session, story)[0].status is CommentStatus.HELD


def test_unknown_or_deleted_comment_is_404(
    client: FlaskClient, session: Session, staff: User
) -> None:
    story = make_article(session)
    comment = add(session, story)
    assert act(client, comment, "delete") == 303
    assert act(client, comment, "approve") == 404
    token = csrf_token(client, "/staff/comments")
    assert (
        client.post("/staff/comments/999999/approve", data={"csrf_token": token}).status_code == 404
    )
    assert (
        client.post(f"/staff/comments/{comment.id}/publish", data={"csrf_token": token}).status_code
        == 404
    )


def test_filters_and_pagination(
    client: FlaskClient, session: Session, staff: User, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SITE_PAGE_SIZE", 2)
    story = make_article(session)
    comments = [add(session, story, text=f"Comment number {n}.") for n in range(5)]
    services.mark_spam(session, comments[4], actor_id=None, now=utcnow())
    services.approve(session, comments[3], actor_id=None, now=utcnow())
    session.commit()

    first = client.get("/staff/comments?status=held").get_data(as_text=True)
    assert "Comment number 0." in first
    assert "Comment number 1." in first
    assert "Comment number 2." not in first
    # Held comments are oldest first: the way on is "Newer".
    on = re.search(r'rel="next" href="([^"]+)">Newer', first)
    assert on
    second_url = on.group(1).replace("&amp;", "&")
    assert "status=held" in second_url
    assert f"before={comments[1].id}" in second_url
    second = client.get(second_url).get_data(as_text=True)
    assert "Comment number 2." in second
    assert "Comment number 0." not in second
    spam = client.get("/staff/comments?status=spam").get_data(as_text=True)
    assert "Comment number 4." in spam
    assert "Comment number 0." not in spam
    assert ">Approve<" in spam
    assert ">Mark as spam<" not in spam
    approved = client.get("/staff/comments?status=approved").get_data(as_text=True)
    assert "Comment number 3." in approved
    assert ">Approve<" not in approved
    assert re.search(r"Spam <span class=\"badge\">1</span>", approved)

    token = csrf_token(client, "/staff/comments")
    response = client.post(
        f"/staff/comments/{comments[2].id}/approve",
        data={"csrf_token": token, "status": "held", "before": str(comments[1].id)},
    )
    # Back to the same page of the list: the cursor comes back with the form.
    assert response.headers["Location"].endswith(
        f"/staff/comments?status=held&before={comments[1].id}"
    )
    assert f'name="before" value="{comments[1].id}"' in second


def test_console_nav_links_the_queue(client: FlaskClient, staff: User) -> None:
    html = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/comments"' in html
