"""The partner's story desk: exactly the stories its licences cover, previews as its feed
carries them, keyset pages, and copy-ready blocks counted as pickup intents."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from licenses.models import Publisher, PublisherStatus, ScopeKind
from syndicate.accounts.models import Role
from syndicate.content.models import Article, ImageRole, SyndicationPolicy
from syndicate.content.rights import RightsClass
from syndicate.content.services import add_correction
from syndicate.orm import utcnow
from syndicate.syndication.desk import Cursor
from syndicate.syndication.models import PickupCopy
from tests.conftest import csrf_token, login, without_csrf
from tests.factories import (
    add_image,
    kill_article,
    make_article,
    make_image,
    make_licence,
    make_publisher,
    make_section,
    make_user,
    media_store_for,
)
from tests.newswire_support import embargoed_story

STORY_LINK = re.compile(r'href="/portal/desk/([a-z0-9-]+)"')
OLDER = re.compile(r'href="(/portal/desk\?[^"]*after=[^"]+)"')
NEWER = re.compile(r'href="(/portal/desk\?[^"]*before=[^"]+)"')


def _partner(session: Session, **licence: object) -> tuple[Publisher, str]:
    """A publisher with one licence in force (``licence`` its fields) and its portal user."""
    publisher = make_publisher(session)
    make_licence(session, publisher, **licence)
    user = make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug)
    return publisher, user.email


def _desk_slugs(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get("/portal/desk" + query)
    assert response.status_code == 200
    return STORY_LINK.findall(response.get_data(as_text=True))


def _copies(session: Session) -> list[tuple[int, int, str, int]]:
    session.expire_all()
    rows = session.execute(
        select(PickupCopy.publisher_id, PickupCopy.article_id, PickupCopy.format, PickupCopy.count)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_the_desk_holds_exactly_what_the_licences_cover(
    client: FlaskClient, session: Session
) -> None:
    covered_section = make_section(session)
    other_section = make_section(session)
    older = make_article(
        session, section=covered_section, released_at=utcnow() - timedelta(hours=3)
    )
    newer = make_article(session, section=covered_section)
    outside = make_article(session, section=other_section)
    not_offered = make_article(
        session, section=covered_section, syndication=SyndicationPolicy.DO_NOT_SYNDICATE
    )
    # Under an embargo: no licence of this partner grants embargoed stories.
    embargoed = embargoed_story(session, section=covered_section)
    _publisher, email = _partner(
        session, scope_kind=ScopeKind.SECTIONS, scope_sections=[covered_section.slug]
    )
    session.commit()

    login(client, email)
    slugs = _desk_slugs(client)
    assert slugs == [newer.slug, older.slug]
    for hidden in (outside, not_offered, embargoed):
        assert client.get(f"/portal/desk/{hidden.slug}").status_code == 404
        assert without_csrf(client.get(f"/portal/desk/{hidden.slug}").get_data()) == (
            without_csrf(client.get("/portal/desk/no-such-story").get_data())
        )
        assert _desk_slugs(client, f"?q={hidden.headline.replace(' ', '+')}") == []
    assert client.get(f"/portal/desk/{newer.slug}").status_code == 200


def test_an_embargo_shows_only_where_a_licence_grants_it_and_says_when_it_lifts(
    client: FlaskClient, session: Session
) -> None:
    entitled_section = make_section(session)
    plain_section = make_section(session)
    opened = embargoed_story(session, section=entitled_section)
    closed = embargoed_story(session, section=plain_section)
    publisher, email = _partner(
        session,
        scope_kind=ScopeKind.SECTIONS,
        scope_sections=[entitled_section.slug],
        embargo_entitled=True,
    )
    # A second licence covers the other section, without embargo entitlement.
    plain = make_licence(
        session, publisher, scope_kind=ScopeKind.SECTIONS, scope_sections=[plain_section.slug]
    )
    session.commit()
    (entitled,) = [licence for licence in publisher.licenses if licence.id != plain.id]

    login(client, email)
    assert _desk_slugs(client) == [opened.slug]
    assert opened.released_at is not None
    lifts = f"{opened.released_at:%Y-%m-%d %H:%M} UTC"
    marked = f'Embargoed until <time datetime="{opened.released_at.isoformat()}">{lifts}'
    assert marked in client.get("/portal/desk").get_data(as_text=True)
    page = client.get(f"/portal/desk/{opened.slug}").get_data(as_text=True)
    assert marked in page
    assert f"EMBARGOED until {lifts}" in page
    # The licence panel names the licence that covers the story, and only that one.
    assert f'href="/portal/licences/{entitled.id}">Licence #{entitled.id}</a>' in page
    assert f"Licence #{plain.id}<" not in page
    assert "embargoed stories included" in page
    assert client.get(f"/portal/desk/{closed.slug}").status_code == 404


def test_preview_and_copy_carry_credits_attribution_and_pixel_never_a_stripped_photo(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    store = media_store_for(app)
    article = make_article(session, publish=False, headline="Flood maps redrawn")
    kept = make_image(session, store, creator="Rosa Field", organization="The Lantern Desk")
    stripped = make_image(
        session,
        store,
        rights_class=RightsClass.AGENCY,
        creator="Marta Quill",
        organization="Continental Wire",
        caption="Wire caption that must not travel.",
    )
    add_image(session, article, kept, ImageRole.LEAD)
    add_image(session, article, stripped)
    from syndicate.content.services import publish_article

    publish_article(session, article, actor_id=None)
    add_correction(session, article, "An earlier version misnamed the river.", None)
    _publisher, email = _partner(session)
    session.commit()

    login(client, email)
    page = client.get(f"/portal/desk/{article.slug}").get_data(as_text=True)
    assert "Photo: Rosa Field/The Lantern Desk" in page
    assert "Images courtesy of Rosa Field/The Lantern Desk" in page
    assert 'class="attribution"' in page
    assert "An earlier version misnamed the river." in page
    assert "1 photo withheld" in page
    for leak in ("Marta Quill", "Continental Wire", "Wire caption", stripped.storage_key):
        assert leak not in page, leak
    copy_html = re.search(r'id="copy-html-text"[^>]*>(.*?)</textarea>', page, re.S)
    copy_text = re.search(r'id="copy-text-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert copy_html is not None
    assert copy_text is not None
    html = copy_html.group(1)
    assert "&lt;h1&gt;Flood maps redrawn&lt;/h1&gt;" in html
    assert "rel=&#34;canonical&#34; href=&#34;http://localhost/articles/" in html or (
        "rel=&quot;canonical&quot;" in html
    )
    assert re.search(r"&lt;img src=&#34;http://localhost/px/[^&]+\.gif&#34;", html) or re.search(
        r"&lt;img src=&quot;http://localhost/px/[^&]+\.gif&quot;", html
    )
    assert kept.storage_key in html
    text = copy_text.group(1)
    assert "Images courtesy of Rosa Field/The Lantern Desk" in text
    assert f"http://localhost/articles/{article.slug}" in text
    assert "<" not in text.replace("&lt;", "<").split("Images courtesy")[0].split("\n")[0]


def test_each_copy_is_a_pickup_intent_in_the_charts(client: FlaskClient, session: Session) -> None:
    article = make_article(session)
    publisher, email = _partner(session)
    staff = make_user(session)
    session.commit()

    login(client, email)
    path = f"/portal/desk/{article.slug}"
    token = csrf_token(client, path)
    answer = client.post(
        f"{path}/copy",
        data={"csrf_token": token, "format": "html"},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 200
    assert answer.get_json() == {"counted": True, "format": "html"}
    # Without the script: the form posts and comes back to the story.
    back = client.post(f"{path}/copy", data={"csrf_token": token, "format": "html"})
    assert back.status_code == 303
    assert back.headers["Location"].endswith(f"{path}#copy-html")
    client.post(f"{path}/copy", data={"csrf_token": token, "format": "text"})
    assert sorted(_copies(session)) == [
        (publisher.id, article.id, "html", 2),
        (publisher.id, article.id, "text", 1),
    ]
    mine = client.get("/portal/pickups?days=7").get_data(as_text=True)
    assert "<dt>Copies</dt><dd>3</dd>" in mine
    assert "Copies from the desk (left axis)" in client.get(
        "/portal/pickups/chart.svg?days=7"
    ).get_data(as_text=True)
    today = utcnow().date().isoformat()
    exported = client.get("/portal/pickups/copies.csv?days=7")
    assert exported.mimetype == "text/csv"
    assert list(csv.reader(io.StringIO(exported.get_data(as_text=True)))) == [
        ["day", "article_slug", "headline", "format", "copies"],
        [today, article.slug, article.headline, "html", "2"],
        [today, article.slug, article.headline, "text", "1"],
    ]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/portal/")})

    # Another partner's export holds none of them.
    _rival, rival_email = _partner(session)
    session.commit()
    login(client, rival_email)
    assert client.get("/portal/pickups/copies.csv").get_data(as_text=True).splitlines() == [
        "day,article_slug,headline,format,copies"
    ]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/portal/")})

    login(client, staff.email)
    board = client.get("/staff/pickups?days=7").get_data(as_text=True)
    assert "<dt>Copies</dt><dd>3</dd>" in board
    assert 'href="/staff/pickups/copies.csv?days=7"' in board
    rows = list(
        csv.reader(io.StringIO(client.get("/staff/pickups/copies.csv").get_data(as_text=True)))
    )
    assert rows[0] == ["day", "partner", "article_slug", "headline", "format", "copies"]
    assert {(r[1], r[4], r[5]) for r in rows[1:]} == {
        (publisher.name, "html", "2"),
        (publisher.name, "text", "1"),
    }
    assert re.search(
        rf"<td>{re.escape(publisher.name)}</td>(<td class=\"num\">\d+</td>){{2}}"
        r"<td class=\"num\">3</td>",
        board,
    )


def test_copies_are_refused_without_csrf_permission_or_entitlement(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    covered = make_article(session)
    killed = make_article(session)
    section = make_section(session)
    outside = make_article(session, section=section)
    # Licences for one story each: the covered one and the one killed later.
    publisher, email = _partner(session, scope_kind=ScopeKind.ARTICLE, scope_article_id=covered.id)
    make_licence(session, publisher, scope_kind=ScopeKind.ARTICLE, scope_article_id=killed.id)
    kill_article(session, killed, "Source recanted.")
    staff = make_user(session)
    session.commit()

    # Signed out: to the sign-in page.
    anonymous = client.post(f"/portal/desk/{covered.slug}/copy", data={"format": "html"})
    assert anonymous.status_code in {302, 303, 400}
    login(client, email)
    path = f"/portal/desk/{covered.slug}"
    token = csrf_token(client, path)
    # No CSRF token, a forged one, an unknown format: refused, nothing counted.
    assert client.post(f"{path}/copy", data={"format": "html"}).status_code == 400
    forged = {"format": "html", "csrf_token": "forged"}
    assert client.post(f"{path}/copy", data=forged).status_code == 400
    wrong = {"format": "pdf", "csrf_token": token}
    assert client.post(f"{path}/copy", data=wrong).status_code == 400
    # A story outside the licence, a killed one, a missing one: 404.
    for slug in (outside.slug, killed.slug, "no-such-story"):
        refused = client.post(
            f"/portal/desk/{slug}/copy", data={"format": "html", "csrf_token": token}
        )
        assert refused.status_code == 404, slug
    assert _copies(session) == []
    # The killed story is on the desk with its kill notice, and no copy to take.
    notice = client.get(f"/portal/desk/{killed.slug}").get_data(as_text=True)
    assert "Kill notice: remove this story" in notice
    assert "Source recanted." in notice
    assert 'id="copy-html-text"' not in notice
    assert "Killed — remove it" in client.get("/portal/desk").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/portal/")})

    # Staff are not partners: the portal refuses them.
    login(client, staff.email)
    staff_token = csrf_token(client, "/account/password")
    staff_try = client.post(f"{path}/copy", data={"format": "html", "csrf_token": staff_token})
    assert staff_try.status_code == 403
    assert _copies(session) == []


def test_a_suspended_publisher_has_an_empty_desk(client: FlaskClient, session: Session) -> None:
    article = make_article(session)
    publisher, email = _partner(session)
    publisher.status = PublisherStatus.SUSPENDED
    session.commit()
    login(client, email)
    assert _desk_slugs(client) == []
    assert client.get(f"/portal/desk/{article.slug}").status_code == 404


def test_keyset_pages_walk_the_whole_desk_once_in_order(
    client: FlaskClient, session: Session
) -> None:
    section = make_section(session)
    base = utcnow() - timedelta(days=2)
    made: list[Article] = []
    for n in range(57):
        made.append(
            make_article(
                session,
                section=section,
                released_at=base + timedelta(minutes=n // 2),  # ties on the release time
                tags=["harbour"] if n % 3 == 0 else [],
                headline=f"Desk walk {n} {'turbine' if n % 10 == 0 else 'story'}",
            )
        )
    _publisher, email = _partner(
        session, scope_kind=ScopeKind.SECTIONS, scope_sections=[section.slug]
    )
    session.commit()
    expected = [
        a.slug
        for a in sorted(made, key=lambda a: (a.released_at, a.id), reverse=True)  # type: ignore[arg-type, return-value]
    ]

    login(client, email)
    seen: list[str] = []
    pages: list[str] = ["/portal/desk"]
    path: str | None = "/portal/desk"
    while path:
        html = client.get(path.replace("&amp;", "&")).get_data(as_text=True)
        seen.extend(STORY_LINK.findall(html))
        older = OLDER.search(html)
        path = older.group(1) if older else None
        if path:
            pages.append(path)
    assert seen == expected
    assert len(pages) == 3
    # Back from the last page: the page before it.
    last = client.get(pages[-1].replace("&amp;", "&")).get_data(as_text=True)
    newer = NEWER.search(last)
    assert newer is not None
    back = client.get(newer.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert STORY_LINK.findall(back) == expected[25:50]
    # A damaged cursor is no cursor: the first page.
    assert _desk_slugs(client, "?after=12x.4") == expected[:25]
    assert Cursor.parse("999999999999999999.1") is None
    assert Cursor.parse("1.0") is None
    assert _desk_slugs(client, "?after=1.1") == []
    # Filters: tag, search, dates, section.
    harbour = {a.slug for a in made if any(t.slug == "harbour" for t in a.tags)}
    tagged = [s for s in expected if s in harbour]
    assert len(tagged) == 19
    assert _desk_slugs(client, "?tag=harbour") == tagged
    assert _desk_slugs(client, "?tag=Harbour") == tagged
    turbines = [s for s in expected if "turbine" in next(a for a in made if a.slug == s).headline]
    assert _desk_slugs(client, "?q=turbine") == turbines
    first, last_day = base.date(), (base + timedelta(days=1)).date()
    assert _desk_slugs(client, f"?from={first}&to={last_day}") == expected[:25]
    before_all = (base - timedelta(days=3)).date()
    assert _desk_slugs(client, f"?to={before_all}") == []
    assert _desk_slugs(client, f"?from={last_day + timedelta(days=1)}&q=turbine") == []
    assert _desk_slugs(client, f"?section={section.slug}") == expected[:25]
    assert _desk_slugs(client, "?section=no-such-section") == []
    # The calendar's ends are dates like any other.
    assert _desk_slugs(client, "?from=0001-01-01&to=9999-12-31") == expected[:25]
    assert "Give dates as YYYY-MM-DD." in client.get("/portal/desk?from=31-12-2026").get_data(
        as_text=True
    )


def test_republish_button_leads_a_signed_in_partner_to_the_copy(
    client: FlaskClient, session: Session
) -> None:
    article = make_article(session)
    _publisher, email = _partner(session)
    outsider = make_publisher(session)
    outsider_user = make_user(session, role=Role.PARTNER, publisher_slug=outsider.slug)
    session.commit()
    public = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert f'href="/republish?article={article.slug}">Republish this story' in public
    login(client, email)
    mine = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert f'href="/portal/desk/{article.slug}#copy">Republish this story' in mine
    client.post("/logout", data={"csrf_token": csrf_token(client, "/portal/")})
    # A partner without a licence gets the public offer.
    login(client, outsider_user.email)
    theirs = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert f'href="/republish?article={article.slug}">Republish this story' in theirs
