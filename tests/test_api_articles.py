"""Articles and images over the API: what partners may see, and staff writing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from licenses.models import LicenseStatus, ScopeKind
from syndicate.content.models import Article, ArticleStatus, Image, SyndicationPolicy
from syndicate.content.rights import RightsClass
from syndicate.content.services import publish_article
from syndicate.orm import utcnow
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    assert_error,
    count,
    feed_key,
    generous_limits,
    grant,
    partner,
    staff,
)
from tests.factories import (
    add_image,
    jpeg_bytes,
    make_article,
    make_author,
    make_image,
    make_publisher,
    make_section,
    media_store_for,
    png_bytes,
)


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["slug"] for item in response.get_json()["items"]]


def test_a_sections_licence_shows_only_that_section(client, session) -> None:
    rivers = make_section(session, slug="rivers")
    courts = make_section(session, slug="courts")
    river_story = make_article(session, section=rivers, slug="low-water")
    make_article(session, section=courts, slug="appeal-heard")
    make_article(session, section=rivers, slug="unfinished", publish=False)
    make_article(
        session,
        section=rivers,
        slug="not-for-partners",
        syndication=SyndicationPolicy.DO_NOT_SYNDICATE,
    )
    make_article(session, section=rivers, slug="tomorrow", released_at=utcnow() + timedelta(days=1))
    publisher = make_publisher(session)
    grant(session, publisher, scope=ScopeKind.SECTIONS, sections=["rivers"])
    _, token = partner(session, publisher)
    _, key = feed_key(session, publisher)
    session.commit()

    for headers in (token, key):
        assert _slugs(client.get(f"{API}/articles", headers=headers)) == [river_story.slug]
        assert _slugs(client.get(f"{API}/articles?section=courts", headers=headers)) == []
        assert client.get(f"{API}/articles/low-water", headers=headers).status_code == 200
        for hidden in ("appeal-heard", "unfinished", "not-for-partners", "tomorrow", "nothing"):
            assert_error(client.get(f"{API}/articles/{hidden}", headers=headers), 404)
        # Partners cannot widen their view with a status filter.
        assert _slugs(client.get(f"{API}/articles?status=draft", headers=headers)) == [
            river_story.slug
        ]


def test_partners_without_a_licence_in_force_see_nothing(client, session) -> None:
    make_article(session, slug="open-story")
    lapsed = make_publisher(session)
    grant(
        session,
        lapsed,
        ends_at=utcnow() - timedelta(days=1),
        starts_at=utcnow() - timedelta(days=30),
    )
    suspended = make_publisher(session)
    grant(session, suspended, status=LicenseStatus.SUSPENDED)
    nothing = make_publisher(session)
    headers = [partner(session, p)[1] for p in (lapsed, suspended, nothing)]
    session.commit()
    for h in headers:
        assert _slugs(client.get(f"{API}/articles", headers=h)) == []
        assert_error(client.get(f"{API}/articles/open-story", headers=h), 404)


def test_one_article_licence(client, session) -> None:
    wanted = make_article(session, slug="the-one")
    make_article(session, slug="another")
    publisher = make_publisher(session)
    grant(session, publisher, scope=ScopeKind.ARTICLE, article_id=wanted.id)
    _, key = feed_key(session, publisher)
    session.commit()
    assert _slugs(client.get(f"{API}/articles", headers=key)) == ["the-one"]


def test_partners_never_receive_images_they_may_not_pass_on(client, app, session) -> None:
    store = media_store_for(app)
    story = make_article(session, slug="flood-photos", publish=False)
    own = make_image(session, store, rights_class=RightsClass.STAFF, creator="Rui Casal")
    wire = make_image(
        session,
        store,
        rights_class=RightsClass.AGENCY,
        creator="Ana Wire",
        organization="Global Photo Agency",
    )
    lapsed = make_image(
        session,
        store,
        rights_class=RightsClass.HANDOUT,
        organization="County Water Board",
        partner_allowed_until=utcnow() - timedelta(days=1),
    )
    withheld = make_image(session, store, rights_class=RightsClass.PARTNER, partner_allowed=False)
    for img in (own, wire, lapsed, withheld):
        add_image(session, story, img)
    publish_article(session, story, actor_id=None)
    publisher = make_publisher(session)
    grant(session, publisher)
    _, key = feed_key(session, publisher)
    _, staff_headers = staff(session)
    session.commit()

    partner_view = client.get(f"{API}/articles/flood-photos", headers=key).get_json()
    assert [i["id"] for i in partner_view["images"]] == [own.id]
    [picture] = partner_view["images"]
    assert picture["partner_permitted"] is True
    assert picture["credit_line"] == "Rui Casal/The Lantern Desk"
    assert picture["rights_class"] == "staff"
    assert picture["role"] == "inline"
    assert picture["url"].startswith("http://localhost/media/images/")
    assert picture["caption"]
    assert "version" not in partner_view
    assert "body" not in partner_view
    assert partner_view["url"] == "http://localhost/articles/flood-photos"
    assert partner_view["body_html"].startswith("<p>")

    staff_view = client.get(f"{API}/articles/flood-photos", headers=staff_headers).get_json()
    flags = {i["id"]: i["partner_permitted"] for i in staff_view["images"]}
    assert flags == {own.id: True, wire.id: False, lapsed.id: False, withheld.id: False}
    assert staff_view["version"] >= 1


def test_staff_see_every_status_and_filter(client, session) -> None:
    make_article(session, slug="live")
    make_article(session, slug="draft-one", publish=False)
    _, headers = staff(session)
    session.commit()
    everything = set(_slugs(client.get(f"{API}/articles?per_page=100", headers=headers)))
    assert {"live", "draft-one"} <= everything
    assert "draft-one" in _slugs(client.get(f"{API}/articles?status=draft", headers=headers))
    assert "live" not in _slugs(client.get(f"{API}/articles?status=draft", headers=headers))
    assert client.get(f"{API}/articles/draft-one", headers=headers).get_json()["status"] == "draft"
    assert_error(
        client.get(f"{API}/articles?status=lost&page=0", headers=headers), 422, "status", "page"
    )


def test_listing_uses_a_fixed_number_of_queries(client, app, session, query_counter) -> None:
    store = media_store_for(app)
    section = make_section(session, slug="bulk")
    author = make_author(session)

    def add(n: int) -> None:
        for _ in range(n):
            story = make_article(session, section=section, authors=[author])
            add_image(session, story, make_image(session, store))

    add(2)
    publisher = make_publisher(session)
    grant(session, publisher)
    _, key = feed_key(session, publisher)
    session.commit()

    def queries() -> int:
        query_counter.clear()
        assert client.get(f"{API}/articles?section=bulk", headers=key).status_code == 200
        return len(query_counter)

    queries()  # the first use of the key records it; later ones within a minute do not
    few = queries()
    add(6)
    session.commit()
    assert queries() == few


def _article_body(section: str, author: str, **extra) -> dict:
    return {
        "headline": "Ferry service resumes on the lake",
        "dek": "After two winters, the crossing is back.",
        "body": "The first boat left at dawn.\n\nIt was full.",
        "section": section,
        "authors": [author],
        "tags": ["Transport", "Lakes"],
        **extra,
    }


def test_staff_create_edit_and_publish_an_article(client, app, session) -> None:
    store = media_store_for(app)
    make_section(session, slug="lakes")
    make_author(session, slug="mira-holt", name="Mira Holt")
    lead = make_image(session, store)
    _, headers = staff(session)
    session.commit()

    created = client.post(
        f"{API}/articles",
        json=_article_body(
            "lakes",
            "mira-holt",
            images=[{"image_id": lead.id, "role": "lead", "caption": "The first crossing."}],
        ),
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    article = created.get_json()
    assert article["slug"] == "ferry-service-resumes-on-the-lake"
    assert article["status"] == "draft"
    assert [t["name"] for t in article["tags"]] == ["Lakes", "Transport"]
    assert article["images"][0]["role"] == "lead"
    assert article["images"][0]["caption"] == "The first crossing."
    slug, version = article["slug"], article["version"]

    edited = client.patch(
        f"{API}/articles/{slug}",
        json={"version": version, "headline": "Ferry service resumes at last"},
        headers=headers,
    )
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["headline"] == "Ferry service resumes at last"
    assert edited.get_json()["dek"] == "After two winters, the crossing is back."
    assert edited.get_json()["version"] > version

    stale = client.patch(
        f"{API}/articles/{slug}",
        json={"version": version, "headline": "Lost edit"},
        headers=headers,
    )
    assert_error(stale, 409, "version")
    session.expire_all()
    stored = session.query(Article).filter_by(slug=slug).one()
    assert stored.headline == "Ferry service resumes at last"

    published = client.post(f"{API}/articles/{slug}/publish", headers=headers)
    assert published.status_code == 200
    assert published.get_json()["status"] == "published"
    assert published.get_json()["released_at"].endswith("Z")

    later = (utcnow() + timedelta(days=2)).isoformat()
    assert_error(
        client.post(
            f"{API}/articles/{slug}/publish",
            json={"release_at": "2030-01-01T09:00"},
            headers=headers,
        ),
        422,
        "release_at",
    )
    scheduled = client.post(
        f"{API}/articles/{slug}/publish", json={"release_at": later}, headers=headers
    )
    assert scheduled.get_json()["status"] == "scheduled"
    unpublished = client.post(f"{API}/articles/{slug}/unpublish", headers=headers)
    assert unpublished.get_json()["status"] == "draft"
    assert_error(
        client.post(f"{API}/articles/{slug}/unpublish", json={"version": 1}, headers=headers),
        409,
        "version",
    )
    assert_error(client.patch(f"{API}/articles/nothing", json={"version": 1}, headers=headers), 404)


def test_bad_article_input_is_named_and_nothing_is_written(client, session) -> None:
    make_section(session, slug="lakes")
    make_author(session, slug="mira-holt")
    taken = make_article(session, slug="taken-slug")
    _, headers = staff(session)
    session.commit()
    before = count(session, Article)
    assert_error(
        client.post(
            f"{API}/articles",
            json={
                "headline": "h" * 301,
                "section": "oceans",
                "authors": ["nobody"],
                "tags": "not a list",
                "syndication": "maybe",
                "comments_open": "yes",
            },
            headers=headers,
        ),
        422,
        "headline",
        "section",
        "authors",
        "tags",
        "syndication",
        "comments_open",
    )
    assert_error(
        client.post(f"{API}/articles", json={}, headers=headers),
        422,
        "headline",
        "section",
        "authors",
    )
    assert_error(
        client.post(
            f"{API}/articles",
            json=_article_body("lakes", "mira-holt", slug="taken-slug"),
            headers=headers,
        ),
        422,
        "slug",
    )
    assert_error(
        client.post(
            f"{API}/articles",
            json=_article_body(
                "lakes", "mira-holt", images=[{"image_id": 999999}, {"image_id": "x"}]
            ),
            headers=headers,
        ),
        422,
        "images[0].image_id",
        "images[1].image_id",
    )
    assert_error(
        client.patch(
            f"{API}/articles/{taken.slug}", json={"headline": "No version"}, headers=headers
        ),
        422,
        "version",
    )
    assert count(session, Article) == before


def test_publishing_refuses_an_uncredited_image(client, app, session) -> None:
    store = media_store_for(app)
    story = make_article(session, slug="needs-credit", publish=False)
    image = make_image(session, store)
    add_image(session, story, image)
    image.creator = ""
    image.organization = ""
    _, headers = staff(session)
    session.commit()
    assert_error(
        client.post(f"{API}/articles/needs-credit/publish", headers=headers), 422, "images"
    )
    session.expire_all()
    assert session.query(Article).filter_by(slug="needs-credit").one().status is (
        ArticleStatus.DRAFT
    )


def _upload(client, headers, **fields):
    data = {
        "alt_text": "A ferry at dawn",
        "caption": "The first crossing.",
        "creator": "Rui Casal",
        "organization": "The Lantern Desk",
        "rights_class": "staff",
        "partner_allowed": "true",
        **fields,
    }
    return client.post(
        f"{API}/images", data=data, headers=headers, content_type="multipart/form-data"
    )


def test_staff_upload_images(client, session) -> None:
    _, headers = staff(session)
    session.commit()
    made = _upload(
        client,
        headers,
        file=(io.BytesIO(jpeg_bytes()), "ferry.jpg"),
        partner_allowed_until="2031-06-01T00:00:00+02:00",
    )
    assert made.status_code == 201, made.get_json()
    image = made.get_json()
    assert image["credit_line"] == "Rui Casal/The Lantern Desk"
    assert image["partner_permitted"] is True
    assert image["partner_allowed_until"] == "2031-05-31T22:00:00Z"
    assert image["url"].startswith("http://localhost/media/")
    fetched = client.get(f"{API}/images/{image['id']}", headers=headers)
    assert fetched.get_json()["id"] == image["id"]
    assert_error(client.get(f"{API}/images/999999", headers=headers), 404)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"file": (b"not an image at all", "x.jpg")}, ["file"]),
        ({}, ["file"]),
        ({"creator": "", "organization": ""}, ["creator"]),
        ({"alt_text": ""}, ["alt_text"]),
        (
            {"rights_class": "stolen", "partner_allowed": "perhaps"},
            ["rights_class", "partner_allowed"],
        ),
        ({"partner_allowed_until": "2031-06-01"}, ["partner_allowed_until"]),
        ({"rights_class": "creative_commons"}, ["license_url"]),
        ({"caption": "c" * 4001, "shoe_size": "9"}, ["caption", "shoe_size"]),
    ],
)
def test_refused_uploads_name_the_field(client, session, fields, named) -> None:
    _, headers = staff(session)
    session.commit()
    before = count(session, Image)
    if "file" not in fields and named != ["file"]:
        fields = {**fields, "file": (io.BytesIO(png_bytes()), "p.png")}
    elif "file" in fields:
        fields = {**fields, "file": (io.BytesIO(fields["file"][0]), fields["file"][1])}
    assert_error(_upload(client, headers, **fields), 422, *named)
    assert count(session, Image) == before


def test_uploads_must_be_multipart_and_within_the_limit(client, app, session, monkeypatch) -> None:
    _, headers = staff(session)
    session.commit()
    before = count(session, Image)
    assert_error(client.post(f"{API}/images", json={"alt_text": "x"}, headers=headers), 415)
    monkeypatch.setitem(app.config, "UPLOADS_MAX_BYTES", 1000)
    big = _upload(client, headers, file=(io.BytesIO(b"\0" * 200_000), "big.png"))
    assert_error(big, 413)
    assert count(session, Image) == before
