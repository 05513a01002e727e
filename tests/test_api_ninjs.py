"""IPTC ninjs 2.2 from the article endpoints: the partner feed's rights-aware content, valid
against the IPTC schema (vendored in tests/standards/ninjs with its MIT licence)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.content.models import Article, ImageRole
from syndicate.content.rights import RightsClass
from syndicate.content.services import add_correction, publish_article
from syndicate.orm import utcnow
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    assert_error,
    feed_key,
    generous_limits,
    grant,
    partner,
    staff,
)
from tests.factories import (
    add_image,
    kill_article,
    make_article,
    make_author,
    make_feed_partner,
    make_image,
    make_publisher,
    make_section,
    media_store_for,
)
from tests.newswire_support import embargoed_story, partner_feed
from tests.ninjs_support import NINJS, valid_ninjs


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def get_ninjs(client: FlaskClient, path: str, headers: dict[str, str]) -> dict[str, Any]:
    """One article as ninjs, asked for by the Accept header."""
    response = client.get(path, headers={**headers, "Accept": NINJS})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == NINJS
    assert "Accept" in response.headers["Vary"]
    return valid_ninjs(response.get_json())


def _story_with_photos(app, session: Session) -> tuple[Article, dict[str, Any]]:
    """A published story with one photo partners may receive and three they may not."""
    store = media_store_for(app)
    section = make_section(session, slug="rivers", name="Rivers")
    authors = [make_author(session, name="Lena Brook"), make_author(session, name="Omar Vale")]
    story = make_article(
        session,
        section=section,
        authors=authors,
        slug="flood-photos",
        headline="The river rose overnight",
        dek="Three villages cut off.",
        dateline="MILLBROOK",
        publish=False,
    )
    own = make_image(
        session, store, creator="Rui Casal", caption="Sandbags on the quay.", license_url=""
    )
    wire = make_image(
        session, store, rights_class=RightsClass.AGENCY, organization="Global Photo Agency"
    )
    lapsed = make_image(
        session,
        store,
        rights_class=RightsClass.HANDOUT,
        organization="County Water Board",
        partner_allowed_until=utcnow() - timedelta(days=1),
    )
    withheld = make_image(session, store, rights_class=RightsClass.PARTNER, partner_allowed=False)
    add_image(session, story, own, role=ImageRole.LEAD)
    for img in (wire, lapsed, withheld):
        add_image(session, story, img)
    publish_article(session, story, actor_id=None)
    add_correction(session, story, "An earlier version misnamed the river.", actor_id=None)
    return story, {"own": own, "hidden": (wire, lapsed, withheld)}


def test_a_partner_gets_its_feed_item_as_ninjs(client: FlaskClient, app, session) -> None:
    story, images = _story_with_photos(app, session)
    publisher = make_publisher(session)
    grant(session, publisher)
    _, key = feed_key(session, publisher)
    _, token = partner(session, publisher)
    session.commit()

    doc = get_ninjs(client, f"{API}/articles/flood-photos", key)
    assert doc == get_ninjs(client, f"{API}/articles/flood-photos", token)
    by_format = client.get(f"{API}/articles/flood-photos?format=ninjs", headers=key)
    assert by_format.mimetype == NINJS
    assert valid_ninjs(by_format.get_json()) == doc

    [item] = json.loads(partner_feed(client, "json", key["Authorization"].split()[-1]))["items"]
    # Exactly the partner feed's item: same id, body (tracking image included), rights.
    assert doc["uri"] == item["id"]
    assert doc["bodies"] == [
        {"role": "main", "contenttype": "text/html", "value": item["content_html"]}
    ]
    assert doc["copyrightnotice"] == item["_rights"]["text"]
    assert doc["rightsinfo"] == {"linkedrights": item["_rights"]["license"]}
    assert _moment(doc["versioncreated"]) == _moment(item["date_modified"])
    assert _moment(doc["firstcreated"]) == _moment(item["date_published"])
    assert doc["headlines"] == [
        {"role": "main", "contenttype": "text/plain", "value": "The river rose overnight"}
    ]
    assert doc["descriptions"][0]["value"] == "Three villages cut off."
    assert doc["by"] == "By Lena Brook and Omar Vale, The Lantern Desk"
    assert doc["located"] == "MILLBROOK"
    assert doc["subjects"] == [{"name": "Rivers", "literal": "rivers", "rel": "section"}]
    assert doc["version"] == str(story.revision)
    assert doc["pubstatus"] == "usable"
    assert doc["type"] == "text"
    assert "embargoed" not in doc
    assert "misnamed the river" in doc["bodies"][0]["value"]
    assert doc["copyrightholder"] == "The Lantern Desk"
    assert "keep the byline" in doc["usageterms"]

    # Only the photo partners may receive, with its rights and every rendition.
    [picture] = doc["associations"]
    own = images["own"]
    assert picture["type"] == "picture"
    assert picture["by"] == "Rui Casal/The Lantern Desk"
    assert picture["copyrightholder"] == "The Lantern Desk"
    assert picture["copyrightnotice"] == "© Rui Casal/The Lantern Desk"
    assert picture["rightsinfo"]["linkedrights"]
    assert picture["usageterms"]
    assert picture["descriptions"][0]["value"] == "Sandbags on the quay."
    names = [r["name"] for r in picture["renditions"]]
    assert names == ["original", *[f"w{r.width}" for r in own.renditions]]
    assert picture["renditions"][0]["href"].endswith(own.storage_key)
    assert picture["renditions"][0]["width"] == own.width
    assert picture["renditions"][0]["sizeinbytes"] == own.byte_size
    text = json.dumps(doc)
    for hidden in images["hidden"]:
        assert hidden.storage_key not in text
        for rendition in hidden.renditions:
            assert rendition.storage_key not in text
    assert "Global Photo Agency" not in text
    assert "County Water Board" not in text


def test_the_list_answers_ninjs_documents_in_the_same_order(
    client: FlaskClient, app, session
) -> None:
    _story_with_photos(app, session)
    make_article(session, slug="second-story")
    make_article(session, slug="not-yet", publish=False)
    publisher = make_publisher(session)
    grant(session, publisher)
    _, key = feed_key(session, publisher)
    session.commit()

    plain = client.get(f"{API}/articles", headers=key).get_json()
    for asked in ({"Accept": NINJS}, {}):
        path = f"{API}/articles" + ("" if asked else "?format=ninjs")
        response = client.get(path, headers={**key, **asked})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert "Accept" in response.headers["Vary"]
        page = response.get_json()
        assert {k: v for k, v in page.items() if k != "items"} == {
            k: v for k, v in plain.items() if k != "items"
        }
        assert [valid_ninjs(d)["slugline"] for d in page["items"]] == [
            a["slug"] for a in plain["items"]
        ]
        assert len(page["items"]) == 2


def test_embargoed_stories_carry_the_embargo_for_entitled_partners_only(
    client: FlaskClient, session
) -> None:
    article = embargoed_story(session, slug="glacier-lake", headline="A hidden lake")
    _pub, entitled = make_feed_partner(session, embargo_entitled=True)
    _pub, plain = make_feed_partner(session)
    session.commit()

    doc = get_ninjs(client, f"{API}/articles/glacier-lake", {"Authorization": f"Bearer {entitled}"})
    assert article.released_at is not None
    assert _moment(doc["embargoed"]) == article.released_at
    assert doc["pubstatus"] == "usable"
    assert "EMBARGOED until" in doc["bodies"][0]["value"]
    assert "do not publish" in doc["ednote"]
    assert [s["rel"] for s in doc["subjects"]] == ["section"]
    listed = client.get(
        f"{API}/articles?format=ninjs", headers={"Authorization": f"Bearer {entitled}"}
    )
    assert [valid_ninjs(d)["embargoed"] for d in listed.get_json()["items"]] == [doc["embargoed"]]

    refused = client.get(
        f"{API}/articles/glacier-lake?format=ninjs", headers={"Authorization": f"Bearer {plain}"}
    )
    assert_error(refused, 404)
    listed = client.get(
        f"{API}/articles?format=ninjs", headers={"Authorization": f"Bearer {plain}"}
    )
    assert listed.get_json()["items"] == []


def test_staff_see_what_every_partner_receives_with_the_state_of_each_story(
    client: FlaskClient, app, session
) -> None:
    _story_with_photos(app, session)
    make_article(session, slug="a-draft", publish=False)
    killed = make_article(session, slug="withdrawn")
    kill_article(session, killed, "The source retracted.")
    _, headers = staff(session)
    session.commit()

    doc = get_ninjs(client, f"{API}/articles/flood-photos", headers)
    assert len(doc["associations"]) == 1, "staff see the photos partners receive"
    assert "/pixel/" not in doc["bodies"][0]["value"], "no partner's tracking image"
    draft = get_ninjs(client, f"{API}/articles/a-draft", headers)
    assert draft["pubstatus"] == "withheld"
    assert "firstcreated" not in draft
    gone = get_ninjs(client, f"{API}/articles/withdrawn", headers)
    assert gone["pubstatus"] == "canceled"
    assert gone["headlines"][0]["value"].startswith("KILL: ")
    assert "The source retracted." in gone["ednote"]
    assert "associations" not in gone

    page = client.get(f"{API}/articles?format=ninjs&per_page=50", headers=headers).get_json()
    statuses = {valid_ninjs(d)["slugline"]: d["pubstatus"] for d in page["items"]}
    assert statuses == {"flood-photos": "usable", "a-draft": "withheld", "withdrawn": "canceled"}


def test_json_stays_the_default_and_a_bad_format_is_refused(client: FlaskClient, session) -> None:
    make_article(session, slug="plain-story")
    _, headers = staff(session)
    session.commit()

    for accept in (None, "*/*", "application/json", f"application/json, {NINJS};q=0.5"):
        asked = {**headers, "Accept": accept} if accept else headers
        response = client.get(f"{API}/articles/plain-story", headers=asked)
        assert response.mimetype == "application/json", accept
        assert response.get_json()["slug"] == "plain-story"
    # The query parameter wins over the header.
    response = client.get(
        f"{API}/articles/plain-story?format=json", headers={**headers, "Accept": NINJS}
    )
    assert response.get_json()["slug"] == "plain-story"
    for path in ("/articles/plain-story", "/articles"):
        assert_error(client.get(f"{API}{path}?format=xml", headers=headers), 422, "format")
        # No credentials: refused before anything is shaped.
        assert_error(client.get(f"{API}{path}?format=ninjs"), 401)
