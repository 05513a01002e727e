"""Keyset pages of the console's and the portal's lists.

For each list: walking the "older" links from the first page yields every row exactly once,
in the list's order (ties on the sort key broken by id), even when rows are added during the
walk; walking back yields the same rows; the filters ride along; old ``?page=N`` links start
again at the first page; hostile cursors answer 400 or the first page, never 500; and a
partner's cursor cannot lead into another partner's rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from licenses.models import Publisher, PublisherStatus, RequestStatus
from syndicate import audit
from syndicate.accounts.models import User
from syndicate.comments import services as comments
from syndicate.comments.models import Comment, CommentStatus
from syndicate.content.models import Article, RightsClass
from syndicate.newswire.models import Notice, NoticeAcknowledgement, NoticeKind
from syndicate.orm import utcnow
from syndicate.outbox.models import OutboxMessage
from tests.conftest import login
from tests.factories import (
    make_article,
    make_image,
    make_licence,
    make_partner,
    make_publisher,
    make_user,
    media_store_for,
)
from tests.licensing_support import make_request

PER_PAGE = 3
NEXT = re.compile(r'rel="next" href="([^"]+)"')
PREV = re.compile(r'rel="prev" href="([^"]+)"')
HOSTILE = (
    "before=99999999999999999999999",
    "after=2147483648",
    "before=-5",
    "before=0",
    "after=abc",
    "before=MTIzNDU%3D",
    "before=%EF%BC%91",
    "before=1e3",
    "before=%00",
    "after=1%00",
    "before=%FF",
    "before=",
    "before=x&before=1&after=y",
)


@pytest.fixture(autouse=True)
def small_pages(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "SITE_PAGE_SIZE", PER_PAGE)
    monkeypatch.setattr("syndicate.staff.outbox.PER_PAGE", PER_PAGE)


@pytest.fixture
def staff(client: FlaskClient, session: Session) -> User:
    user = make_user(session, email="aaa-staff@example.org")
    session.commit()
    assert login(client, user.email).status_code == 302
    return user


def _html(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def _link(pattern: re.Pattern[str], html: str) -> str | None:
    found = pattern.search(html)
    return unescape(found.group(1)) if found else None


def rows_of(marker: re.Pattern[str], html: str) -> list[int]:
    """The row ids ``marker`` finds in ``html``, each once (a row may link twice)."""
    return [int(found) for found in dict.fromkeys(marker.findall(html))]


def _filters(url: str) -> set[tuple[str, str]]:
    return {(k, v) for k, v in parse_qsl(urlsplit(url).query) if k not in ("before", "after")}


@dataclass
class Walk:
    """What a walk through a list's pages saw."""

    pages: list[list[int]]
    urls: list[str]

    @property
    def rows(self) -> list[int]:
        return [row for page in self.pages for row in page]


def walk(
    client: FlaskClient,
    url: str,
    marker: re.Pattern[str],
    *,
    link: re.Pattern[str] = NEXT,
    after_first: Callable[[], None] | None = None,
) -> Walk:
    """Follow ``link`` from ``url`` to the end, collecting each page's row ids."""
    seen = Walk([], [])
    next_url: str | None = url
    while next_url is not None:
        assert len(seen.urls) < 50, "the walk does not end"
        html = _html(client, next_url)
        seen.urls.append(next_url)
        seen.pages.append(rows_of(marker, html))
        if after_first is not None:
            after_first()
            after_first = None
        next_url = _link(link, html)
    return seen


def check_list(
    client: FlaskClient,
    url: str,
    marker: re.Pattern[str],
    expected: Sequence[int],
    add_rows: Callable[[], Sequence[int]],
    *,
    hidden: Sequence[int] = (),
) -> None:
    """The whole contract of one keyset list (see the module's docstring)."""
    added: list[int] = []
    forward = walk(client, url, marker, after_first=lambda: added.extend(add_rows()))
    assert added, "the walk added rows"
    # Every row exactly once, in order; rows added meanwhile at the top shift nothing.
    assert forward.rows == list(expected)
    assert len(forward.pages) == -(-len(expected) // PER_PAGE)
    assert all(len(page) == PER_PAGE for page in forward.pages[:-1])
    assert not set(hidden) & set(forward.rows)
    # The filters ride along on every link.
    for later in forward.urls[1:]:
        assert _filters(later) == _filters(url), later
        assert "before=" in later
    # Walking back from the last page reaches the top, the added rows included.
    back = walk(client, forward.urls[-1], marker, link=PREV)
    assert [row for page in reversed(back.pages) for row in page] == [*added, *expected]
    for earlier in back.urls[1:]:
        assert _filters(earlier) == _filters(url), earlier
    # An old numbered link starts again at the first page, filters kept.
    old = client.get(url + ("&" if "?" in url else "?") + "page=2")
    assert old.status_code == 302
    assert _filters(old.headers["Location"]) == _filters(url)
    assert "page=" not in old.headers["Location"]
    check_hostile(client, url, marker)


def check_hostile(client: FlaskClient, url: str, marker: re.Pattern[str]) -> None:
    """Hostile cursors: a 400 page or the first page, never an error."""
    first = rows_of(marker, _html(client, url))
    assert first
    for cursor in HOSTILE:
        hostile = url + ("&" if "?" in url else "?") + cursor
        response = client.get(hostile)
        assert response.status_code in (200, 400), (hostile, response.status_code)
        if response.status_code == 200:
            shown = rows_of(marker, response.get_data(as_text=True))
            assert shown == first, hostile
    assert client.get(url + ("&" if "?" in url else "?") + "before=%00").status_code == 400


def _stamp(session: Session, rows: Sequence[object], *, ascending: bool = False) -> None:
    """Give ``rows`` creation times two by two (ties for the id to break), newest first."""
    base = utcnow() - timedelta(days=1)
    for n, row in enumerate(rows):
        step = timedelta(minutes=n // 2)
        row.created_at = base + step if ascending else base - step  # type: ignore[attr-defined]
    session.commit()


def _newest_first(rows: Sequence[object]) -> list[int]:
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]  # type: ignore[attr-defined]


def _later(session: Session, rows: Sequence[object]) -> list[int]:
    """Stamp freshly made ``rows`` an hour from now (the top of a newest-first list)."""
    for row in rows:
        row.created_at = utcnow() + timedelta(hours=1)  # type: ignore[attr-defined]
    session.commit()
    return _newest_first(rows)


# --- the console --------------------------------------------------------------------------


def test_audit_log(client: FlaskClient, session: Session, staff: User) -> None:
    def event(n: int, action: str = "test.walk") -> audit.AuditEvent:
        return audit.record(session, actor_id=None, action=action, object_type="walk", object_id=n)

    events = [event(n) for n in range(8)]
    other = event(99, action="test.other")
    session.flush()
    _stamp(session, [*events, other])
    check_list(
        client,
        "/staff/audit?action=test.walk",
        re.compile(r"walk #(\d+)</a>"),
        [int(e.object_id) for e in sorted(events, key=lambda e: (e.created_at, e.id))][::-1],
        lambda: [int(e.object_id) for e in _later_events(session, [event(100), event(101)])],
        hidden=[99],
    )


def _later_events(session: Session, events: list[audit.AuditEvent]) -> list[audit.AuditEvent]:
    session.flush()
    _later(session, events)
    return sorted(events, key=lambda e: (e.created_at, e.id), reverse=True)


def test_license_requests(client: FlaskClient, session: Session, staff: User) -> None:
    requests = [make_request(session, organization=f"Walker Press {n}") for n in range(7)]
    rejected = make_request(session, organization="Walker Press rejected")
    rejected.status = RequestStatus.REJECTED
    _stamp(session, [*requests, rejected])
    check_list(
        client,
        "/staff/license-requests?status=submitted&q=walker",
        re.compile(r'href="/staff/license-requests/(\d+)"'),
        _newest_first(requests),
        lambda: _later(session, [make_request(session, organization="Walker Press late")]),
        hidden=[rejected.id],
    )


def test_licences_newest_first_and_ending_soon(
    client: FlaskClient, session: Session, staff: User
) -> None:
    publisher = make_publisher(session, slug="walk-outlet")
    elsewhere = make_publisher(session, slug="walk-elsewhere")
    now = utcnow()
    licences = [
        make_licence(session, publisher, ends_at=now + timedelta(days=5 + n // 2)) for n in range(7)
    ]
    foreign = make_licence(session, elsewhere, ends_at=now + timedelta(days=6))
    _stamp(session, [*licences, foreign])
    marker = re.compile(r'href="/staff/licences/(\d+)"')
    check_list(
        client,
        "/staff/licences?publisher=walk-outlet&kind=standard",
        marker,
        _newest_first(licences),
        lambda: _later(session, [make_licence(session, publisher)]),
        hidden=[foreign.id],
    )
    # Ending soon: soonest end first, ties by id, and the way on is "Later".
    soonest = [lic.id for lic in sorted(licences, key=lambda lic: (lic.ends_at or now, lic.id))]
    url = "/staff/licences?view=ending-soon&publisher=walk-outlet"
    first = _html(client, url)
    assert re.search(r'rel="next" href="[^"]+">Later', first)
    assert walk(client, url, marker).rows == soonest


def test_publishers_by_name(client: FlaskClient, session: Session, staff: User) -> None:
    # Names repeat, so the id breaks the ties.
    publishers = [make_publisher(session, name=f"Walkabout {n // 2}") for n in range(7)]
    suspended = make_publisher(session, name="Walkabout 0", status=PublisherStatus.SUSPENDED)
    session.commit()
    # The database's collation decides the order of names.
    expected = list(
        session.scalars(
            select(Publisher.id)
            .where(Publisher.id.in_([p.id for p in publishers]))
            .order_by(Publisher.name, Publisher.id)
        )
    )

    def add() -> list[int]:
        first = make_publisher(session, name="A Walkabout", status=PublisherStatus.ACTIVE)
        session.commit()
        return [first.id]

    url = "/staff/publishers?status=active&q=walkabout"
    assert re.search(r'rel="next" href="[^"]+">Next', _html(client, url))
    check_list(
        client,
        url,
        re.compile(r'href="/staff/publishers/(\d+)"'),
        expected,
        add,
        hidden=[suspended.id],
    )


def test_users_by_email(client: FlaskClient, session: Session, staff: User) -> None:
    users = [make_user(session, email=f"walker{n}@example.net") for n in range(7)]
    partner = make_partner(session)
    session.commit()
    expected = list(
        session.scalars(
            select(User.id).where(User.id.in_([u.id for u in users])).order_by(User.email, User.id)
        )
    )

    def add() -> list[int]:
        early = make_user(session, email="aaa-walker@example.net")
        session.commit()
        return [early.id]

    check_list(
        client,
        "/staff/users?role=staff&q=walker",
        re.compile(r'href="/staff/users/(\d+)"'),
        expected,
        add,
        hidden=[partner.id],
    )


def test_images(client: FlaskClient, session: Session, staff: User, app: Flask) -> None:
    store = media_store_for(app)
    images = [make_image(session, store, creator="Walker Lens") for _ in range(7)]
    agency = make_image(session, store, creator="Walker Lens", rights_class=RightsClass.AGENCY)
    _stamp(session, [*images, agency])
    check_list(
        client,
        "/staff/images?creator=walker&rights=staff",
        re.compile(r'href="/staff/images/(\d+)"'),
        _newest_first(images),
        lambda: _later(session, [make_image(session, store, creator="Walker Lens")]),
        hidden=[agency.id],
    )


def _message(session: Session, channel: str = "email") -> OutboxMessage:
    message = OutboxMessage(
        channel=channel,
        topic="walk",
        recipient="someone@example.net",
        idempotency_key=f"walk-{utcnow().timestamp()}-{id(object())}-{channel}",
    )
    session.add(message)
    session.flush()
    return message


def test_outbox_newest_id_first(client: FlaskClient, session: Session, staff: User) -> None:
    messages = [_message(session) for _ in range(7)]
    webhook = _message(session, channel="webhook")
    session.commit()

    def add() -> list[int]:
        late = _message(session)
        session.commit()
        return [late.id]

    check_list(
        client,
        "/staff/outbox?channel=email",
        re.compile(r'href="/staff/outbox/(\d+)"'),
        sorted((m.id for m in messages), reverse=True),
        add,
        hidden=[webhook.id],
    )


def _comment(session: Session, article: Article, n: int) -> Comment:
    return comments.post_comment(
        session,
        article,
        comments.CommentInput(name="Walker", text=f"Walking comment {n}."),
        secret="s",
        client_address="192.0.2.1",
        now=utcnow(),
        close_after_days=0,
    )


def test_comments_held_oldest_first_and_spam_newest_first(
    client: FlaskClient, session: Session, staff: User
) -> None:
    story = make_article(session)
    held = [_comment(session, story, n) for n in range(7)]
    spam = [_comment(session, story, 100 + n) for n in range(4)]
    for comment in spam:
        comment.status = CommentStatus.SPAM
    _stamp(session, held, ascending=True)
    _stamp(session, spam)
    marker = re.compile(r'id="queue-comment-(\d+)"')
    oldest_first = [c.id for c in sorted(held, key=lambda c: (c.created_at, c.id))]

    def add_held() -> list[int]:
        # An older held comment turns up at the top of the oldest-first queue.
        early = _comment(session, story, 50)
        early.created_at = utcnow() - timedelta(days=30)
        session.commit()
        return [early.id]

    check_list(
        client,
        "/staff/comments?status=held",
        marker,
        oldest_first,
        add_held,
        hidden=[c.id for c in spam],
    )

    def add_spam() -> list[int]:
        late = _comment(session, story, 60)
        late.status = CommentStatus.SPAM
        return _later(session, [late])

    check_list(client, "/staff/comments?status=spam", marker, _newest_first(spam), add_spam)


def test_moderating_keeps_the_page(client: FlaskClient, session: Session, staff: User) -> None:
    story = make_article(session)
    held = [_comment(session, story, n) for n in range(7)]
    _stamp(session, held, ascending=True)
    marker = re.compile(r'id="queue-comment-(\d+)"')
    first = _html(client, "/staff/comments?status=held")
    second_url = _link(NEXT, first)
    assert second_url
    second = _html(client, second_url)
    shown = rows_of(marker, second)
    token = re.search(r'name="csrf_token" value="([^"]+)"', second)
    assert token
    cursor = dict(parse_qsl(urlsplit(second_url).query))["before"]
    response = client.post(
        f"/staff/comments/{shown[0]}/approve",
        data={"csrf_token": token.group(1), "status": "held", "before": cursor},
    )
    assert response.status_code == 303
    back = _html(client, response.headers["Location"])
    # The same page, less the approved comment, topped up from the next one.
    assert (
        rows_of(marker, back)
        == [c for c in [c.id for c in held][PER_PAGE:] if c != shown[0]][:PER_PAGE]
    )


def _notice(session: Session, publisher_id: int, article: Article, headline: str) -> Notice:
    notice = Notice(
        publisher_id=publisher_id,
        article_id=article.id,
        kind=NoticeKind.CORRECTION,
        headline=headline,
        message="A correction.",
    )
    session.add(notice)
    session.flush()
    return notice


def test_staff_notices_one_line_per_story(
    client: FlaskClient, session: Session, staff: User
) -> None:
    publishers = [make_publisher(session) for _ in range(2)]
    stories = [make_article(session, headline=f"Noticed story {n}") for n in range(7)]
    latest = []
    for story in stories:
        sent = [_notice(session, p.id, story, story.headline) for p in publishers]
        latest.append(sent)
    # Each story's notices share a time; stories two by two.
    base = utcnow() - timedelta(days=1)
    for n, sent in enumerate(latest):
        for notice in sent:
            notice.created_at = base - timedelta(minutes=n // 2)
    session.add(NoticeAcknowledgement(notice_id=latest[0][0].id))
    session.commit()
    order = sorted(
        (
            (sent[0].created_at, max(n.id for n in sent), story.id)
            for story, sent in zip(stories, latest, strict=True)
        ),
        reverse=True,
    )

    def add() -> list[int]:
        story = make_article(session, headline="Noticed late")
        sent = [_notice(session, p.id, story, story.headline) for p in publishers]
        _later(session, sent)
        return [story.id]

    check_list(
        client,
        "/staff/notices",
        re.compile(r'href="/staff/notices/articles/(\d+)"'),
        [story_id for _when, _id, story_id in order],
        add,
    )
    # The counts are the story's: two partners told, one of them acknowledged the first.
    last = _html(client, "/staff/notices?before=" + str(max(n.id for n in latest[0])))
    assert "1 of 2" not in last
    assert re.search(r"<td>2</td>", last)
    top = _html(client, "/staff/notices?after=" + str(max(n.id for n in latest[3])))
    assert "1 of 2" in top


def test_partner_cannot_reach_console_lists(client: FlaskClient, session: Session) -> None:
    partner = make_partner(session)
    session.commit()
    login(client, partner.email)
    for url in ("/staff/audit?before=1", "/staff/users?after=1", "/staff/comments?page=2"):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert 'rel="next"' not in response.get_data(as_text=True)


# --- the portal ---------------------------------------------------------------------------


def _partner_of(session: Session, slug: str) -> tuple[User, int]:
    user = make_partner(session, slug=slug)
    assert user.publisher_id is not None
    return user, user.publisher_id


def test_portal_licences_stay_with_their_publisher(client: FlaskClient, session: Session) -> None:
    user, own = _partner_of(session, "walk-own")
    _other_user, other = _partner_of(session, "walk-other")
    own_publisher = session.get(Publisher, own)
    other_publisher = session.get(Publisher, other)
    start = utcnow() - timedelta(days=30)
    mine = [
        make_licence(session, own_publisher, starts_at=start + timedelta(days=n // 2))
        for n in range(7)
    ]
    theirs = [
        make_licence(session, other_publisher, starts_at=start + timedelta(days=3, hours=n))
        for n in range(3)
    ]
    session.commit()
    login(client, user.email)
    marker = re.compile(r'href="/portal/licences/(\d+)"')
    expected = [lic.id for lic in sorted(mine, key=lambda lic: (lic.starts_at, lic.id))][::-1]

    def add() -> list[int]:
        late = make_licence(session, own_publisher, starts_at=utcnow() + timedelta(days=2))
        session.commit()
        return [late.id]

    forward = walk(client, "/portal/licences", marker)
    assert forward.rows == expected
    assert [len(page) for page in forward.pages] == [PER_PAGE, PER_PAGE, 1]
    added = add()
    back = walk(client, forward.urls[-1], marker, link=PREV)
    assert [row for page in reversed(back.pages) for row in page] == [*added, *expected]
    check_hostile(client, "/portal/licences", marker)
    # Another publisher's licence anchors nothing: the first page, and none of theirs.
    first = walk(client, "/portal/licences", marker).pages[0]
    for foreign in theirs:
        for cursor in ("before", "after"):
            html = _html(client, f"/portal/licences?{cursor}={foreign.id}")
            assert rows_of(marker, html) == first
            assert not {t.id for t in theirs} & set(rows_of(marker, html))


def test_portal_notices_page_the_acknowledged(client: FlaskClient, session: Session) -> None:
    user, own = _partner_of(session, "walk-notices")
    _other_user, other = _partner_of(session, "walk-notices-other")
    story = make_article(session)
    done = [_notice(session, own, story, f"Acknowledged notice {n}") for n in range(7)]
    still_open = _notice(session, own, story, "Open notice")
    theirs = [_notice(session, other, story, f"Their notice {n}") for n in range(3)]
    for notice in done + theirs:
        session.add(NoticeAcknowledgement(notice_id=notice.id))
    _stamp(session, [*done, still_open])
    login(client, user.email)
    marker = re.compile(r"<h3>Acknowledged notice (\d+)</h3>")
    expected = [
        int(n.headline.rsplit(" ", 1)[1])
        for n in sorted(done, key=lambda n: (n.created_at, n.id), reverse=True)
    ]

    def add() -> list[int]:
        late = _notice(session, own, story, "Acknowledged notice 70")
        session.add(NoticeAcknowledgement(notice_id=late.id))
        late.created_at = utcnow() + timedelta(hours=1)
        session.commit()
        return [70]

    check_list(client, "/portal/notices", marker, expected, add)
    first = _html(client, "/portal/notices")
    assert "Open notice" in first
    second = _html(client, _link(NEXT, first) or "")
    assert "Open notice" not in second
    for foreign in theirs:
        html = _html(client, f"/portal/notices?before={foreign.id}")
        assert "Their notice" not in html
        assert marker.findall(html) == marker.findall(first)


def test_cursor_of_another_list_row_is_harmless(
    client: FlaskClient, session: Session, staff: User
) -> None:
    """An id that is no row of the list's table at all shows the first page."""
    for n in range(4):
        audit.record(session, actor_id=None, action="test.other", object_type="walk", object_id=n)
    session.commit()
    marker = re.compile(r"walk #(\d+)</a>")
    first = marker.findall(_html(client, "/staff/audit?action=test.other"))
    assert (
        marker.findall(_html(client, "/staff/audit?action=test.other&before=2147483647")) == first
    )


def test_counts_are_capped(
    client: FlaskClient, session: Session, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(4):
        audit.record(session, actor_id=None, action="test.count", object_type="walk", object_id=n)
    session.commit()
    html = _html(client, "/staff/audit?action=test.count")
    assert "4 events" in html
    monkeypatch.setattr("syndicate.content.keyset.COUNT_CAP", 2)
    html = _html(client, "/staff/audit?action=test.count")
    assert "More than 2 events" in html
