"""Partner-independent feed material shared between partners' renders at one content version."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from licenses.coverage import publisher_coverage
from syndicate.content.models import ImageRole
from syndicate.orm import utcnow
from syndicate.syndication.cache import Store
from syndicate.syndication.render import render_partner_feed
from syndicate.syndication.shared import SharedItems, article_charge, item_charge
from syndicate.syndication.version import current_version
from syndicate.syndication.views import _settings, feed_cache, pixel_signer, shared_items
from tests.factories import (
    add_image,
    make_article,
    make_feed_partner,
    make_image,
    make_section,
    media_store_for,
)
from tests.sizes import deep_size

FORMATS = ("rss", "atom", "json")
PIXEL = re.compile(r"/px/([A-Za-z0-9_-]+)\.gif")


@pytest.fixture(autouse=True)
def cold_caches(app: Flask) -> Iterator[None]:
    """Rolled-back data repeats ids and versions: start every test with empty caches."""
    feed_cache(app).clear()
    shared_items(app).clear()
    yield
    feed_cache(app).clear()
    shared_items(app).clear()


def illustrated_story(session: Session, app: Flask, lapses_in: timedelta) -> None:
    """A published story with a lead photo and an inline photo whose permission lapses."""
    store = media_store_for(app)
    article = make_article(session, section=make_section(session), publish=False)
    add_image(
        session,
        article,
        make_image(session, store, creator="Ada Lens", organization="Pier Light"),
        ImageRole.LEAD,
    )
    lapsing = make_image(session, store, creator="Brief Lens", organization="Soon Gone")
    lapsing.partner_allowed_until = utcnow() + lapses_in
    add_image(session, article, lapsing)
    from syndicate.content.services import publish_article

    publish_article(session, article, release_at=None, actor_id=None)


def test_each_partner_keeps_its_own_tracking_image_and_title(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    illustrated_story(session, app, timedelta(days=3))
    first, first_key = make_feed_partner(session)
    second, second_key = make_feed_partner(session)
    session.commit()
    for fmt in FORMATS:
        bodies = {}
        for publisher, key in ((first, first_key), (second, second_key)):
            response = client.get(
                f"/feeds/partner.{fmt}", headers={"Authorization": f"Bearer {key}"}
            )
            assert response.status_code == 200
            text = response.get_data(as_text=True)
            pairs = [pixel_signer(app).read(token) for token in PIXEL.findall(text)]
            assert pairs
            assert all(pair is not None and pair[0] == publisher.id for pair in pairs)
            assert publisher.name in text
            bodies[publisher.id] = text
        assert bodies[first.id] != bodies[second.id]


def test_renders_with_and_without_the_shared_store_are_identical(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    illustrated_story(session, app, timedelta(hours=1))
    make_article(session, headline="Coming soon", released_at=utcnow() + timedelta(hours=2))
    publishers = [make_feed_partner(session)[0] for _ in range(3)]
    session.commit()
    store = SharedItems(Store(64 * 1024 * 1024))
    with app.test_request_context("/"):
        settings = _settings()
        # Now, then after the photo lapsed and the scheduled story went out: one version.
        for now in (utcnow(), utcnow() + timedelta(hours=3)):
            version = current_version(session)
            for publisher in publishers:
                coverage = publisher_coverage(session, publisher.id, now)
                for fmt in FORMATS:
                    rendered = [
                        render_partner_feed(
                            session,
                            publisher_id=publisher.id,
                            publisher_name=publisher.name,
                            coverage=coverage,
                            fmt=fmt,
                            now=now,
                            version=version,
                            settings=settings,
                            signer=pixel_signer(app),
                            shared=shared,
                        )
                        for shared in (None, store)
                    ]
                    alone, together = (entry.representation for entry in rendered)
                    assert together.body == alone.body
                    assert together.gzip_body == alone.gzip_body
                    assert rendered[0].valid_until == rendered[1].valid_until


def test_what_the_store_is_charged_bounds_what_stories_and_items_hold(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    illustrated_story(session, app, timedelta(hours=1))
    make_article(session, headline="Harbour dues", dek="Quay works. " * 30)
    publisher, _key = make_feed_partner(session)
    session.commit()
    store = Store(64 * 1024 * 1024)
    with app.test_request_context("/"):
        render_partner_feed(
            session,
            publisher_id=publisher.id,
            publisher_name=publisher.name,
            coverage=publisher_coverage(session, publisher.id, utcnow()),
            fmt="rss",
            now=utcnow(),
            version=current_version(session),
            settings=_settings(),
            signer=pixel_signer(app),
            shared=SharedItems(store),
        )
    kept = [kept.value for kept in store._lru.values()]
    assert {type(value).__name__ for value in kept} == {"FeedArticle", "PartnerItem"}
    for value in kept:
        charge = article_charge if type(value).__name__ == "FeedArticle" else item_charge
        assert deep_size(value) <= charge(value), type(value).__name__


def test_a_lapsed_photo_leaves_although_its_story_is_held(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    illustrated_story(session, app, timedelta(hours=1))
    publisher, _key = make_feed_partner(session)
    session.commit()
    store = SharedItems(Store(64 * 1024 * 1024))
    with app.test_request_context("/"):
        version = current_version(session)
        bodies = []
        for now in (utcnow(), utcnow() + timedelta(hours=2)):
            entry = render_partner_feed(
                session,
                publisher_id=publisher.id,
                publisher_name=publisher.name,
                coverage=publisher_coverage(session, publisher.id, now),
                fmt="rss",
                now=now,
                version=version,
                settings=_settings(),
                signer=pixel_signer(app),
                shared=store,
            )
            bodies.append(entry.representation.body.decode())
    assert "Brief Lens" in bodies[0]
    assert "Brief Lens" not in bodies[1]
    assert "Ada Lens" in bodies[1]


def test_a_new_version_reads_stories_again(
    client: FlaskClient, session: Session, app: Flask, query_counter: list[str]
) -> None:
    illustrated_story(session, app, timedelta(days=3))
    _publisher, key = make_feed_partner(session)
    session.commit()
    headers = {"Authorization": f"Bearer {key}"}

    def story_reads() -> int:
        query_counter.clear()
        feed_cache(app).clear("feed")
        assert client.get("/feeds/partner.rss", headers=headers).status_code == 200
        return sum("body_html" in statement for statement in query_counter)

    assert story_reads() == 1
    assert story_reads() == 0  # held for this version
    make_article(session, headline="Fresh copy")
    session.commit()
    assert story_reads() == 1
    assert "Fresh copy" in client.get("/feeds/partner.rss", headers=headers).get_data(as_text=True)
