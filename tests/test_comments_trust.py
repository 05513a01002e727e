"""Whose comments appear at once: trust bound to a name with its address, confirmed or
approved; the desk's, staff and reporters' names reserved; confirmation links by e-mail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.audit import AuditEvent
from syndicate.comments.models import CommentStatus
from syndicate.content.models import Article
from syndicate.orm import utcnow
from syndicate.outbox.models import OutboxMessage
from tests.conftest import csrf_token, login
from tests.factories import make_article, make_author, make_user
from tests.test_comments import approve_all, page, post_comment, stored

__all__ = ["generous_limit"]

from tests.test_comments import generous_limit

LINK = re.compile(r"http://localhost(/comments/confirm/[^\s]+)")
RESERVED = "This name is reserved for the desk and its staff"


def trusted_alice(client: FlaskClient, session: Session, story: Article) -> None:
    """Alice's first comment, approved by a moderator."""
    post_comment(client, story, name="Alice Moreau", email="alice@example.net", text="First.")
    approve_all(session, story)


def mails_to(session: Session, address: str) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id)
        )
    )


def confirmation_path(session: Session, address: str) -> str:
    """The path of the confirmation link in the last e-mail to ``address``."""
    mail = mails_to(session, address)[-1]
    match = LINK.search(mail.body)
    assert match, mail.body
    return match.group(1)


def confirm(client: FlaskClient, path: str) -> int:
    """Open the link's page and press its button; the status of the POST."""
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token}).status_code


# ---- trust follows the name together with the address ------------------------------------


def test_a_trusted_address_under_another_name_is_held(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session)
    session.commit()
    trusted_alice(client, session, story)

    response = post_comment(
        client, story, name="Bob Writer", email="alice@example.net", text="Posing as someone."
    )
    assert response.status_code == 303
    assert "/comments/held" in response.headers["Location"]
    assert stored(session, story)[-1].status is CommentStatus.HELD
    assert "Posing as someone." not in page(client, story)

    # The exact pair stays trusted, whatever the case and spacing.
    post_comment(client, story, name="  ALICE   moreau ", email="Alice@Example.net", text="Again.")
    assert stored(session, story)[-1].status is CommentStatus.APPROVED
    assert "Again." in page(client, story)


def test_the_desk_name_with_a_trusted_address_is_refused_not_published(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session)
    session.commit()
    trusted_alice(client, session, story)

    response = post_comment(
        client,
        story,
        name="The Lantern Desk editors",
        email="alice@example.net",
        text="Official: this story is retracted.",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert RESERVED in html
    assert "field--error" in html
    assert "Your comment was not posted" in html
    assert len(stored(session, story)) == 1
    assert "retracted" not in page(client, story)


# ---- reserved names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "The Lantern Desk",
        "lantern-desk EDITORS",
        "TheLanternDesk",
        "L.a.n.t.e.r.n D.e.s.k",
        "Ｔｈｅ Ｌａｎｔｅｒｎ Ｄｅｓｋ",  # full-width letters
        "Тhе Lаntеrn Dеsk",  # Cyrillic Т, е and а
        "Lántern Désk staff",
        "1antern Desk",
        "The Editors",
        "EDITORIAL TEAM",
        "Newsroom",
        "Moderator",
        "Lantern Gazette",  # configured as another of the desk's names
    ],
)
def test_desk_names_and_their_look_alikes_are_refused(
    client: FlaskClient,
    session: Session,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    monkeypatch.setitem(app.config, "COMMENTS_RESERVED_NAMES", ["The Lantern Gazette"])
    story = make_article(session)
    session.commit()
    response = post_comment(client, story, name=name, email="someone@example.net")
    assert response.status_code == 422
    assert RESERVED in response.get_data(as_text=True)
    assert stored(session, story) == []
    assert mails_to(session, "someone@example.net") == []


def test_staff_and_reporter_names_are_refused_other_names_are_not(
    client: FlaskClient, session: Session
) -> None:
    editor = make_user(session)
    editor.name = "Nadia Brandt"
    make_author(session, name="Tomás Ekwueme")
    story = make_article(session)
    session.commit()
    for name in ("Nadia Brandt", "nadia  BRANDT", "Nаdia Brandt", "Tomas Ekwueme"):
        response = post_comment(client, story, name=name)
        assert response.status_code == 422, name
        assert RESERVED in response.get_data(as_text=True)
    assert stored(session, story) == []
    for name in ("Nadia Brandtley", "Lantern Fan", "Desk Jockey", "Editor Jones"):
        assert post_comment(client, story, name=name).status_code == 303, name
    assert len(stored(session, story)) == 4


def test_signed_in_staff_may_use_their_own_name_and_the_desks_not_a_colleagues(
    client: FlaskClient, session: Session
) -> None:
    editor = make_user(session)
    editor.name = "Nadia Brandt"
    colleague = make_user(session)
    colleague.name = "Pilar Quiroga"
    story = make_article(session)
    session.commit()
    assert login(client, editor.email).status_code == 302

    def post(name: str, text: str) -> int:
        return post_comment(client, story, address="127.0.0.1", name=name, text=text).status_code

    assert post("Nadia Brandt", "From the reporter.") == 303
    assert post("The Lantern Desk editors", "From the desk.") == 303
    assert [c.status for c in stored(session, story)] == [CommentStatus.APPROVED] * 2
    assert post("Pilar Quiroga", "Posing as a colleague.") == 422
    assert post("Hollis Vane", "Under a reader's name.") == 303
    assert stored(session, story)[-1].status is CommentStatus.HELD


# ---- confirming an address by e-mail ----------------------------------------------------------


def test_confirmation_link_publishes_once_and_trusts_that_name_and_address(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session, headline="Ferry fares")
    session.commit()
    response = post_comment(
        client, story, name="Maren Quist", email="maren@example.net", text="Held until proven."
    )
    assert response.headers["Location"].endswith(f"/articles/{story.slug}/comments/held?sent=1")
    held = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have sent a link to the e-mail address you gave" in held
    [mail] = mails_to(session, "maren@example.net")
    assert mail.topic == "comment.confirm_address"
    assert "“Maren Quist”" in mail.body
    assert "“Ferry fares”" in mail.body
    assert "Held until proven." not in mail.body
    path = confirmation_path(session, "maren@example.net")

    # Opening the link (as a mail filter would) confirms nothing by itself.
    opened = client.get(path)
    assert opened.status_code == 200
    assert opened.headers["Cache-Control"] == "private, no-store"
    assert "Confirm and publish" in opened.get_data(as_text=True)
    [comment] = stored(session, story)
    assert comment.status is CommentStatus.HELD

    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#comment-{comment.id}")
    assert "Held until proven." in page(client, story)
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "comment", AuditEvent.object_id == str(comment.id)
        )
    ).one()
    assert event.action == "comment.confirm"
    assert event.actor_id is None

    # The link works once.
    assert client.post(path, data={"csrf_token": token}).status_code == 404
    gone = client.get(path)
    assert gone.status_code == 404
    assert "This link no longer works" in gone.get_data(as_text=True)

    # Later comments from the same name and address appear at once, and send no e-mail.
    response = post_comment(client, story, name="Maren Quist", email="MAREN@example.net")
    assert "/comments/held" not in response.headers["Location"]
    assert stored(session, story)[-1].status is CommentStatus.APPROVED
    # The same address under another name proves nothing more.
    post_comment(client, story, name="Maren's Neighbour", email="maren@example.net")
    assert stored(session, story)[-1].status is CommentStatus.HELD
    assert len(mails_to(session, "maren@example.net")) == 2


def test_confirmation_links_expire(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = make_article(session)
    session.commit()
    post_comment(client, story, name="Ode Saar", email="ode@example.net", text="Late.")
    path = confirmation_path(session, "ode@example.net")
    token = csrf_token(client, path)
    later = utcnow() + timedelta(days=3, hours=1)
    monkeypatch.setattr("syndicate.comments.views.utcnow", lambda: later)
    assert client.get(path).status_code == 404
    assert client.post(path, data={"csrf_token": token}).status_code == 404
    assert stored(session, story)[0].status is CommentStatus.HELD


def test_tampered_or_foreign_links_are_404(client: FlaskClient, session: Session) -> None:
    story = make_article(session)
    session.commit()
    post_comment(client, story, name="Ines Marr", email="ines@example.net")
    path = confirmation_path(session, "ines@example.net")
    token = path.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    # One character of the signature changed (to another character: it may already be "x").
    tampered = payload + "." + ("y" if signature[0] == "x" else "x") + signature[1:]
    for bad in (tampered, "not-a-valid-token", "x" * 300):
        response = client.get(f"/comments/confirm/{bad}")
        assert response.status_code == 404
        assert "This link no longer works" in response.get_data(as_text=True)
    assert stored(session, story)[0].status is CommentStatus.HELD


def test_marking_spam_withdraws_a_confirmation_and_kills_unused_links(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session)
    staff = make_user(session)
    session.commit()
    moderator = app.test_client()
    assert login(moderator, staff.email).status_code == 302

    def mark_spam(comment_id: int) -> None:
        token = csrf_token(moderator, "/staff/comments")
        response = moderator.post(f"/staff/comments/{comment_id}/spam", data={"csrf_token": token})
        assert response.status_code == 303

    post_comment(client, story, name="Kit Vance", email="kit@example.net", text="One.")
    assert confirm(client, confirmation_path(session, "kit@example.net")) == 303
    post_comment(client, story, name="Kit Vance", email="kit@example.net", text="Buy pills.")
    assert stored(session, story)[-1].status is CommentStatus.APPROVED
    mark_spam(stored(session, story)[-1].id)

    post_comment(client, story, name="Kit Vance", email="kit@example.net", text="Three.")
    assert stored(session, story)[-1].status is CommentStatus.HELD
    unused = confirmation_path(session, "kit@example.net")
    assert client.get(unused).status_code == 200
    mark_spam(stored(session, story)[-1].id)
    assert client.get(unused).status_code == 404


def test_an_address_gets_at_most_three_confirmation_mails_a_day_and_none_without_one(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session)
    session.commit()
    for n in range(5):
        response = post_comment(client, story, name=f"Name {n}", email="Target@Example.net")
        assert response.status_code == 303
        assert response.headers["Location"].endswith("?sent=1") == (n < 3)
    assert len(mails_to(session, "Target@Example.net")) == 3
    assert [c.status for c in stored(session, story)] == [CommentStatus.HELD] * 5

    # Without one plain address there is nothing to confirm, and the held page says nothing
    # of mail.
    for address in ("", "a@example.net,b@example.org", "Eve<eve@example.net>"):
        response = post_comment(client, story, name="No Mail", email=address)
        assert response.headers["Location"].endswith("/comments/held"), address
        held = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Check your inbox" not in held
    assert len(session.scalars(select(OutboxMessage)).all()) == 3


def test_confirming_after_an_editor_deleted_the_comment_still_trusts_the_reader(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session)
    staff = make_user(session)
    session.commit()
    post_comment(client, story, name="Ada Lund", email="ada@example.net", text="Removed.")
    path = confirmation_path(session, "ada@example.net")
    moderator = app.test_client()
    assert login(moderator, staff.email).status_code == 302
    [comment] = stored(session, story)
    token = csrf_token(moderator, "/staff/comments")
    moderator.post(f"/staff/comments/{comment.id}/delete", data={"csrf_token": token})

    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Your address is confirmed" in html
    assert "an editor has already dealt with it" in html
    assert stored(session, story)[0].status is CommentStatus.DELETED
    post_comment(client, story, name="Ada Lund", email="ada@example.net", text="Kept.")
    assert stored(session, story)[-1].status is CommentStatus.APPROVED
