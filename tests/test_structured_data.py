"""Article pages tell search engines and social networks the story's and each photo's rights.

The page is read the way a crawler reads it: ``extruct`` extracts the JSON-LD and the Open
Graph data, and every field is compared with what the article and each image's structured
rights say, written out here by hand rather than through the code under test.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import extruct
import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.content.models import Article, ImageRole, SyndicationPolicy
from syndicate.content.rights import RightsClass
from syndicate.orm import utcnow
from tests.factories import (
    add_image,
    make_article,
    make_author,
    make_image,
    make_section,
    media_store_for,
)

BASE = "http://localhost"
TERMS = f"{BASE}/republish"
HOSTILE_HEADLINE = 'Flood maps </script><script>alert("x")</script> & <b>the</b> river\u2028line'


def _page(client: FlaskClient, article: Article) -> str:
    response = client.get(f"/articles/{article.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _extract(html: str) -> dict[str, Any]:
    return extruct.extract(
        html, base_url=BASE, syntaxes=["json-ld", "opengraph"], uniform=True, errors="strict"
    )


def _open_graph(html: str) -> dict[str, str]:
    raw = extruct.extract(html, base_url=BASE, syntaxes=["opengraph"], errors="strict")
    (found,) = raw["opengraph"]
    return dict(found["properties"])


def _news_article(html: str) -> dict[str, Any]:
    found = [item for item in _extract(html)["json-ld"] if item.get("@type") == "NewsArticle"]
    assert len(found) == 1, found
    return found[0]


def _media(key: str) -> str:
    return f"{BASE}/media/{key}"


@pytest.fixture
def story(app: Flask, session: Session) -> dict[str, Any]:
    """A released story with a staff lead photo, a Creative Commons inline photo that
    partners may not receive any more, and an agency photo."""
    store = media_store_for(app)
    section = make_section(session, name="Rivers")
    authors = [make_author(session, name="Mara Quell"), make_author(session, name="Tobin Reyes")]
    lead = make_image(
        session,
        store,
        creator="Ada Lens",
        organization="The Lantern Desk",
        caption="Water over the Harlow Bend levee.",
        alt_text="A flooded road beside a levee",
    )
    creative = make_image(
        session,
        store,
        rights_class=RightsClass.CREATIVE_COMMONS,
        creator="Ines Vale",
        organization="",
        license_url="https://creativecommons.org/licenses/by-sa/4.0/",
        source_url="https://photos.example/ines/levee",
        partner_allowed_until=utcnow() - timedelta(days=1),
        caption="Sandbags stacked at dawn.",
    )
    agency = make_image(
        session,
        store,
        rights_class=RightsClass.AGENCY,
        creator="Pell Ocampo",
        organization="Wirephoto Agency",
        source_url="https://wirephoto.example/licensing/8812",
        caption="The river at its crest.",
    )
    article = make_article(
        session,
        section=section,
        authors=authors,
        headline=HOSTILE_HEADLINE,
        dek="Where the water went, street by street.",
        tags=["Flooding", "Harlow Bend"],
    )
    add_image(session, article, lead, ImageRole.LEAD)
    add_image(session, article, creative)
    add_image(session, article, agency)
    session.commit()
    return {"article": article, "lead": lead, "creative": creative, "agency": agency}


def test_news_article_names_the_story_its_people_and_the_terms(
    client: FlaskClient, story: dict[str, Any]
) -> None:
    article: Article = story["article"]
    html = _page(client, article)
    data = _news_article(html)
    url = f"{BASE}/articles/{article.slug}"
    assert data["@context"] in {"https://schema.org", "http://schema.org"}
    assert data["headline"] == HOSTILE_HEADLINE
    assert data["url"] == url
    assert data["mainEntityOfPage"] == url
    assert data["description"] == "Where the water went, street by street."
    assert article.released_at is not None
    assert data["datePublished"] == article.released_at.isoformat()
    assert data["dateModified"] >= data["datePublished"]
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Mara Quell",
            "url": f"{BASE}/authors/{article.authors[0].slug}",
        },
        {
            "@type": "Person",
            "name": "Tobin Reyes",
            "url": f"{BASE}/authors/{article.authors[1].slug}",
        },
    ]
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "The Lantern Desk",
        "url": BASE + "/",
    }
    assert data["articleSection"] == "Rivers"
    assert data["keywords"] == ["Flooding", "Harlow Bend"]
    assert data["isAccessibleForFree"] is True
    assert data["license"] == TERMS


def test_every_photo_carries_its_licence_metadata(
    client: FlaskClient, story: dict[str, Any]
) -> None:
    images = _news_article(_page(client, story["article"]))["image"]
    lead, creative, agency = story["lead"], story["creative"], story["agency"]
    assert [image["contentUrl"] for image in images] == [
        _media(lead.storage_key),
        _media(creative.storage_key),
        _media(agency.storage_key),
    ]
    # A staff photo the desk passes on: licensed through the republishing terms.
    assert images[0] == {
        "@type": "ImageObject",
        "contentUrl": _media(lead.storage_key),
        "url": _media(lead.storage_key),
        "width": lead.width,
        "height": lead.height,
        "caption": "Water over the Harlow Bend levee.",
        "description": "A flooded road beside a levee",
        "creditText": "Ada Lens/The Lantern Desk",
        "creator": {"@type": "Person", "name": "Ada Lens"},
        "copyrightNotice": "© Ada Lens/The Lantern Desk",
        "license": TERMS,
        "acquireLicensePage": TERMS,
    }
    # Creative Commons, partner permission lapsed: its own licence, licensed at its source.
    assert images[1]["creditText"] == "Ines Vale (CC BY-SA 4.0)"
    assert images[1]["creator"] == {"@type": "Person", "name": "Ines Vale"}
    assert images[1]["copyrightNotice"] == "© Ines Vale (CC BY-SA 4.0)"
    assert images[1]["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert images[1]["acquireLicensePage"] == "https://photos.example/ines/levee"
    # An agency photo is never offered under the desk's terms: no licence, the agency's page.
    assert images[2]["creditText"] == "Pell Ocampo/Wirephoto Agency"
    assert images[2]["copyrightNotice"] == "© Pell Ocampo/Wirephoto Agency"
    assert "license" not in images[2]
    assert images[2]["acquireLicensePage"] == "https://wirephoto.example/licensing/8812"
    assert TERMS not in str(images[2])


def test_public_domain_and_organisation_credits(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    image = make_image(
        session,
        media_store_for(app),
        rights_class=RightsClass.PUBLIC_DOMAIN,
        creator="",
        organization="U.S. Geological Survey",
    )
    article = make_article(session)
    add_image(session, article, image, ImageRole.LEAD)
    session.commit()
    (photo,) = _news_article(_page(client, article))["image"]
    assert photo["creditText"] == "U.S. Geological Survey/Public domain"
    assert photo["creator"] == {"@type": "Organization", "name": "U.S. Geological Survey"}
    assert photo["copyrightNotice"] == "U.S. Geological Survey/Public domain"
    assert photo["license"] == TERMS


def test_social_card_uses_a_photo_that_may_travel(
    client: FlaskClient, story: dict[str, Any]
) -> None:
    html = _page(client, story["article"])
    og = _open_graph(html)
    lead = story["lead"]
    assert og["og:type"] == "article"
    assert og["og:title"] == HOSTILE_HEADLINE
    # The test photo is smaller than a card: the largest file, the original, is used.
    assert og["og:image"] == _media(lead.storage_key)
    assert og["og:image:width"] == str(lead.width)
    assert og["og:image:alt"] == "A flooded road beside a levee"
    tree = lxml.html.fromstring(html)
    twitter = {m.get("name"): m.get("content") for m in tree.xpath("//meta[@name]")}
    assert twitter["twitter:card"] == "summary_large_image"
    assert twitter["twitter:image"] == _media(lead.storage_key)


def test_agency_photo_never_becomes_the_card(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    agency = make_image(session, media_store_for(app), rights_class=RightsClass.AGENCY)
    article = make_article(session)
    add_image(session, article, agency, ImageRole.LEAD)
    session.commit()
    html = _page(client, article)
    assert "og:image" not in _open_graph(html)
    tree = lxml.html.fromstring(html)
    assert tree.xpath("string(//meta[@name='twitter:card']/@content)") == "summary"
    # The photo is still described, with its rights, for search engines.
    assert _news_article(html)["image"][0]["creditText"] == agency.credit_line


def test_a_story_not_offered_carries_no_licence(client: FlaskClient, session: Session) -> None:
    article = make_article(session, syndication=SyndicationPolicy.DO_NOT_SYNDICATE)
    session.commit()
    data = _news_article(_page(client, article))
    assert "license" not in data
    assert data["isAccessibleForFree"] is True
    assert "image" not in data


def test_json_ld_cannot_be_broken_out_of(client: FlaskClient, story: dict[str, Any]) -> None:
    html = _page(client, story["article"])
    tree = lxml.html.fromstring(html)
    scripts = tree.xpath("//script")
    # One data block, nothing executable: the headline's "</script>" did not end it.
    assert [s.get("type") for s in scripts] == ["application/ld+json"]
    raw = scripts[0].text
    for character in "<>&":
        assert character not in raw
