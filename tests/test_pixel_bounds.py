"""The tracking image under anonymous traffic: made-up Referer hosts fold into a bounded
set of rows, every view is still counted, and the image is rate limited per address."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syndicate.extensions import limiter
from syndicate.syndication.models import PickupView
from syndicate.syndication.views import pixel_signer
from tests.depth import examples
from tests.factories import make_article, make_feed_partner

REQUESTS = examples(thorough=3000, quick=1000)


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    limiter.reset()
    yield
    limiter.reset()


def _random_host(rng: random.Random, domain: str) -> str:
    label = "".join(rng.choices(string.ascii_lowercase + string.digits, k=12))
    kind = rng.randrange(4)
    if kind == 0:
        return f"{label}.{domain}"  # a made-up subdomain of the partner's own site
    if kind == 1:
        return f"{label}.example.net"
    if kind == 2:
        return f"{label}{domain}"  # ends like the partner's domain but is another site
    return f"{label}.test"


def test_made_up_referer_hosts_leave_a_bounded_number_of_rows(
    app: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_PIXEL", "100000 per minute")
    publisher, _key = make_feed_partner(session)
    publisher.domain = "partner.example.org"
    stories = [make_article(session), make_article(session)]
    session.commit()
    tokens = [pixel_signer(app).token(publisher.id, story.id) for story in stories]
    rng = random.Random(6)
    for n in range(REQUESTS):
        headers = (
            {} if n % 10 == 0 else {"Referer": f"https://{_random_host(rng, publisher.domain)}/p"}
        )
        response = client.get(f"/px/{tokens[n % 2]}.gif", headers=headers)
        assert response.status_code == 200
        assert response.mimetype == "image/gif"
    session.expire_all()
    rows = session.execute(
        select(PickupView.article_id, PickupView.referrer_host, PickupView.count).where(
            PickupView.publisher_id == publisher.id
        )
    ).all()
    # Per story and day: the partner's own domain, no Referer, and "other".
    assert len(rows) <= 3 * len(stories)
    assert {host for _, host, _ in rows} == {"partner.example.org", "", "other"}
    assert sum(count for _, _, count in rows) == REQUESTS
    total = session.scalar(select(func.count()).select_from(PickupView))
    assert total == len(rows)


def test_the_partners_own_domain_and_its_subdomains_are_known(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    publisher, _key = make_feed_partner(session)
    publisher.domain = "partner.example.org"
    story = make_article(session)
    session.commit()
    token = pixel_signer(app).token(publisher.id, story.id)
    for referer in (
        "https://partner.example.org/news/1",
        "https://WWW.Partner.Example.org/news/2?utm=x",
        "https://evilpartner.example.org/",
        "https://partner.example.org.evil.test/",
    ):
        client.get(f"/px/{token}.gif", headers={"Referer": referer})
    session.expire_all()
    counts = dict(
        session.execute(
            select(PickupView.referrer_host, PickupView.count).where(
                PickupView.publisher_id == publisher.id
            )
        ).all()
    )
    assert counts == {"partner.example.org": 2, "other": 2}


def test_the_image_is_rate_limited_per_address_and_excess_is_not_counted(
    app: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_PIXEL", "3 per minute")
    publisher, _key = make_feed_partner(session)
    story = make_article(session)
    session.commit()
    token = pixel_signer(app).token(publisher.id, story.id)
    statuses = [client.get(f"/px/{token}.gif").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    other_address = client.get(f"/px/{token}.gif", environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert other_address.status_code == 200
    session.expire_all()
    counted = session.scalar(
        select(func.sum(PickupView.count)).where(PickupView.publisher_id == publisher.id)
    )
    assert counted == 4
