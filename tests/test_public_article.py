"""The article page: figures, credits, the composite credit line, corrections, attribution."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.content.models import Article, ImageRole
from syndicate.content.rights import RightsClass
from syndicate.content.services import add_correction
from tests.factories import (
    add_image,
    make_article,
    make_author,
    make_image,
    make_section,
    media_store_for,
    png_bytes,
)

FIGURE = re.compile(r'<figure class="figure figure--(lead|inline)">(.*?)</figure>', re.S)
BODY = "\n\n".join(f"Paragraph number {n} of the story." for n in range(1, 9))


def government_and_partner_article(session: Session, app: Flask) -> Article:
    """A story with a public-domain government handout as lead and a partner's photo inline."""
    store = media_store_for(app)
    handout = make_image(
        session,
        store,
        rights_class=RightsClass.PUBLIC_DOMAIN,
        creator="",
        organization="Federal Wildlife Service",
        alt_text="A heron in floodwater",
        caption="A heron wades through the flooded reserve.",
        data=png_bytes(1200, 800, (30, 90, 130)),
    )
    partner = make_image(
        session,
        store,
        rights_class=RightsClass.PARTNER,
        creator="Jane Example",
        organization="Harbor Gazette",
        alt_text="Boats in the harbor",
        caption="Boats moored in Port Allery.",
        data=png_bytes(900, 600, (130, 60, 30)),
    )
    story = make_article(
        session,
        section=make_section(session, name="Environment", slug="environment-x"),
        authors=[
            make_author(session, name="Marta Quill", slug="marta-quill-x"),
            make_author(session, name="Tobias Fenn", slug="tobias-fenn-x"),
        ],
        headline="Wetland recovers after the flood",
        dek="Herons are back.",
        dateline="RIVERTON",
        body_source=BODY,
        tags=["Floods"],
    )
    add_image(session, story, handout, ImageRole.LEAD)
    add_image(session, story, partner, ImageRole.INLINE)
    return story


def test_figures_carry_caption_credit_and_one_composite_line(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = government_and_partner_article(session, app)
    session.commit()

    response = client.get(f"/articles/{story.slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    figures = FIGURE.findall(html)
    assert [role for role, _ in figures] == ["lead", "inline"]
    lead, inline = figures[0][1], figures[1][1]
    assert (
        '<figcaption><span class="figure__caption">A heron wades through the flooded '
        'reserve.</span> <span class="figure__credit">Federal Wildlife Service/Public domain'
        "</span></figcaption>"
    ) in lead
    assert (
        '<span class="figure__caption">Boats moored in Port Allery.</span> '
        '<span class="figure__credit">Jane Example/Harbor Gazette</span>'
    ) in inline
    composite = re.findall(r'<p class="image-credits">(.*?)</p>', html)
    assert composite == [
        "Images courtesy of Federal Wildlife Service/Public domain and Jane Example/Harbor Gazette"
    ]
    # The composite line comes after the body.
    assert html.index('class="image-credits"') > html.index("Paragraph number 8")


def test_figure_images_are_responsive(client: FlaskClient, session: Session, app: Flask) -> None:
    story = government_and_partner_article(session, app)
    session.commit()
    html = client.get(f"/articles/{story.slug}").get_data(as_text=True)
    (_lead_role, lead), (_inline_role, inline) = FIGURE.findall(html)
    lead_img = re.search(r"<img [^>]*>", lead)
    inline_img = re.search(r"<img [^>]*>", inline)
    assert lead_img
    assert inline_img
    for tag in (lead_img.group(0), inline_img.group(0)):
        assert re.search(r'src="/media/images/[^"]+"', tag)
        assert re.search(r'sizes="[^"]+"', tag)
        srcset = re.search(r'srcset="([^"]+)"', tag)
        assert srcset
        candidates = [c.strip().split(" ") for c in srcset.group(1).split(",")]
        assert all(url.startswith("/media/images/") and w.endswith("w") for url, w in candidates)
    lead_srcset = re.search(r'srcset="([^"]+)"', lead_img.group(0))
    assert lead_srcset
    assert "/media/" in lead_srcset.group(1)
    # Renditions plus the original, narrowest first.
    assert lead_srcset.group(1).endswith(" 1200w")
    assert " 32w" in lead_srcset.group(1)
    assert 'width="1200" height="800"' in lead_img.group(0)
    assert 'alt="A heron in floodwater"' in lead_img.group(0)
    assert 'loading="lazy"' not in lead_img.group(0)
    assert 'loading="lazy"' in inline_img.group(0)


def test_inline_figures_sit_between_paragraphs(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = government_and_partner_article(session, app)
    session.commit()
    html = client.get(f"/articles/{story.slug}").get_data(as_text=True)
    inline_at = html.index('class="figure figure--inline"')
    assert html.index("Paragraph number 1 ") < inline_at < html.index("Paragraph number 8 ")


def test_article_header_byline_dates_section_and_tags(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = government_and_partner_article(session, app)
    session.commit()
    html = client.get(f"/articles/{story.slug}").get_data(as_text=True)
    assert html.count("<h1") == 1
    assert '<h1 class="story__headline">Wetland recovers after the flood</h1>' in html
    assert "Herons are back." in html
    assert (
        'By <a href="/authors/marta-quill-x">Marta Quill</a> and '
        '<a href="/authors/tobias-fenn-x">Tobias Fenn</a>'
    ) in html
    assert "RIVERTON" in html
    assert story.released_at is not None
    assert f'<time datetime="{story.released_at.isoformat()}">' in html
    assert 'href="/sections/environment-x"' in html
    assert ">Floods</a>" in html
    assert '<link rel="canonical" href="http://localhost/articles/' in html


def test_three_authors_are_joined_with_commas_and_and(
    client: FlaskClient, session: Session
) -> None:
    authors = [make_author(session, name=n) for n in ("Ann One", "Bo Two", "Cy Three")]
    story = make_article(session, authors=authors)
    session.commit()
    html = client.get(f"/articles/{story.slug}").get_data(as_text=True)
    assert re.search(
        r"By <a [^>]*>Ann One</a>, <a [^>]*>Bo Two</a> and <a [^>]*>Cy Three</a>", html
    )


def test_attribution_box_and_republish_link(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session)
    session.commit()
    html = client.get(f"/articles/{story.slug}").get_data(as_text=True)
    box = re.search(r'<aside class="attribution".*?</aside>', html, re.S)
    assert box
    expected = app.config["SITE_ATTRIBUTION"].format(
        licensing_email=app.config["SITE_LICENSING_EMAIL"]
    )
    assert expected in box.group(0)
    assert f'href="/republish?article={story.slug}"' in box.group(0)
    assert "Republish this story" in box.group(0)


def test_corrections_appear_near_the_top_with_their_dates(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session, body_source="The body text.")
    correction = add_correction(session, story, "The wetland is 300 acres, not 3,000.", None)
    session.commit()
    html = client.get(f"/articles/{story.slug}").get_data(as_text=True)
    aside = re.search(r'<aside class="corrections".*?</aside>', html, re.S)
    assert aside
    assert "The wetland is 300 acres, not 3,000." in aside.group(0)
    assert f'datetime="{correction.created_at.isoformat()}"' in aside.group(0)
    assert html.index('class="corrections"') < html.index("The body text.")
    assert "Updated" in html


def test_article_without_images_has_no_figure_or_credit_line(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session)
    session.commit()
    html = client.get(f"/articles/{story.slug}").get_data(as_text=True)
    assert "<figure" not in html
    assert 'class="image-credits"' not in html
    assert 'class="corrections"' not in html


def test_the_same_source_is_credited_once(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    store = media_store_for(app)
    story = make_article(session, body_source=BODY)
    for _ in range(3):
        add_image(session, story, make_image(session, store, creator="Ada Lens"))
    session.commit()
    html = client.get(f"/articles/{story.slug}").get_data(as_text=True)
    assert html.count('<span class="figure__credit">Ada Lens/The Lantern Desk</span>') == 3
    assert '<p class="image-credits">Images courtesy of Ada Lens/The Lantern Desk</p>' in html


def test_headline_dek_and_captions_are_escaped(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(
        session,
        headline="<script>alert('h')</script> Smith & Sons",
        dek='Dek with <img src=x onerror="alert(1)">',
    )
    add_image(
        session,
        story,
        make_image(
            session, media_store_for(app), caption="<b>bold</b> caption", creator="<i>Eve</i>"
        ),
    )
    session.commit()
    html = client.get(f"/articles/{story.slug}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;h&#39;)&lt;/script&gt; Smith &amp; Sons" in html
    assert "<img src=x" not in html
    assert "Dek with &lt;img src=x" in html
    assert "&lt;b&gt;bold&lt;/b&gt; caption" in html
    assert "&lt;i&gt;Eve&lt;/i&gt;/The Lantern Desk" in html
    # The listing pages escape too.
    home = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in home
    assert "Smith &amp; Sons" in home


def test_body_html_is_rendered_sanitised(client: FlaskClient, session: Session) -> None:
    story = make_article(
        session,
        body_source="Safe **bold** text.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))",
    )
    session.commit()
    html = client.get(f"/articles/{story.slug}").get_data(as_text=True)
    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript:' not in html
