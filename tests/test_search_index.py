"""Full-text search (FTS5 on SQLite, tsvector on PostgreSQL) and keyset paging of the lists.

Runs on both engines: stemming and spelling variants, bylines and tags, the public
visibility filter in the same query, HTML-safe snippets, pages that neither repeat nor skip
a story while new ones are published, the per-client limit, and hostile query text.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.accounts.models import Role
from syndicate.content.models import Article, BodyFormat
from syndicate.content.services import ArticleFields, set_embargo, unpublish_article, update_article
from syndicate.orm import utcnow
from tests.conftest import login
from tests.factories import kill_article, make_article, make_author, make_section, make_user

OLDER = re.compile(r'rel="next" href="([^"]+)"')
NEWER = re.compile(r'rel="prev" href="([^"]+)"')


@pytest.fixture(autouse=True)
def fresh_pages(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small pages, and every request rendered (not served from the page cache)."""
    monkeypatch.setitem(app.config, "SITE_PAGE_SIZE", 3)
    cache = app.extensions.get("syndicate.pagecache")
    if cache is not None and hasattr(cache, "enabled"):
        monkeypatch.setattr(cache, "enabled", False)


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True).replace("&#34;", '"').replace("&amp;", "&")


def found(client: FlaskClient, query: str, path: str = "/search") -> list[str]:
    """Slugs of the stories on the first results page of ``query``."""
    response = client.get(path, query_string={"q": query})
    assert response.status_code == 200, response.status_code
    return re.findall(r'href="/articles/([^"]+)"', response.get_data(as_text=True))


def test_plurals_stems_and_spellings_match(client: FlaskClient, session: Session) -> None:
    make_article(
        session,
        slug="harbour-walls",
        headline="Harbour walls repaired",
        body_source="Crews organised the repairs of both harbors before the storms.",
    )
    make_article(session, slug="unrelated-field", headline="A field of barley")
    session.commit()
    for query in ("harbour", "harbor", "harbours", "wall", "repairing", "storm"):
        assert found(client, query) == ["harbour-walls"], query
    # Neither stemmer joins British and American spellings; the query adds the other one.
    assert found(client, "organized repair") == ["harbour-walls"]
    make_article(session, slug="lamps", headline="Lamps", body_source="Harbour lamps, colourful.")
    session.commit()
    for query in ("harbors lamp", "harbor lamps", "colorful"):
        assert found(client, query) == ["lamps"], query
    assert found(client, "harbor barley") == []


def test_bylines_and_tags_are_searched_and_kept_in_step(
    client: FlaskClient, session: Session
) -> None:
    author = make_author(session, name="Oriana Quillfeather")
    story = make_article(
        session, slug="lamp-keepers", authors=[author], tags=["Lighthouses"], headline="Keepers"
    )
    session.commit()
    assert found(client, "quillfeather") == ["lamp-keepers"]
    assert found(client, "lighthouse") == ["lamp-keepers"]

    fields = ArticleFields(
        slug=story.slug,
        headline=story.headline,
        section_id=story.section_id,
        author_ids=[author.id],
        tags=["Foghorns"],
    )
    update_article(session, story, fields, actor_id=None, expected_version=story.version)
    author.name = "Oriana Brightwater"
    session.commit()
    assert found(client, "foghorn") == ["lamp-keepers"]
    assert found(client, "lighthouses") == []
    assert found(client, "brightwater") == ["lamp-keepers"]
    assert found(client, "quillfeather") == []


def test_hidden_stories_are_never_found(client: FlaskClient, session: Session) -> None:
    now = utcnow()
    make_article(session, slug="open-zephyrine", headline="Zephyrine open story")
    make_article(session, slug="draft-zephyrine", headline="Zephyrine draft", publish=False)
    make_article(
        session,
        slug="later-zephyrine",
        headline="Zephyrine scheduled",
        released_at=now + timedelta(days=2),
    )
    embargoed = make_article(
        session,
        slug="embargo-zephyrine",
        headline="Zephyrine embargoed",
        released_at=now + timedelta(days=2),
    )
    set_embargo(session, embargoed, now - timedelta(hours=1), actor_id=None, now=now)
    kill_article(session, make_article(session, slug="killed-zephyrine", headline="Zephyrine k"))
    unpublish_article(
        session, make_article(session, slug="pulled-zephyrine", headline="Zephyrine p"), None
    )
    session.commit()
    response = client.get("/search", query_string={"q": "zephyrine"})
    html = response.get_data(as_text=True)
    assert re.findall(r'href="/articles/([^"]+)"', html) == ["open-zephyrine"]
    assert "One story matches" in html
    for hidden in ("draft", "later", "embargo", "killed", "pulled"):
        assert f"{hidden}-zephyrine" not in html


def test_snippets_escape_the_text_then_mark_the_matches(
    client: FlaskClient, session: Session
) -> None:
    make_article(
        session,
        slug="angle-brackets",
        headline="Quay notes",
        body_format=BodyFormat.HTML,
        body_source="<p>Rule: 5 &lt; 6 &amp; &lt;b&gt;kelp&lt;/b&gt; grows by the quayside "
        "&lt;script&gt;alert(1)&lt;/script&gt; every spring.</p>",
    )
    session.commit()
    html = client.get("/search", query_string={"q": "kelp"}).get_data(as_text=True)
    snippet = re.search(r'<p class="story-row__snippet">(.*?)</p>', html, re.S)
    assert snippet, "a snippet is shown"
    text = snippet.group(1)
    assert "<mark>kelp</mark>" in text
    assert "5 &lt; 6 &amp;" in text
    # SQLite quotes the text as it is; PostgreSQL's ts_headline drops what looks like tags.
    assert "&lt;b&gt;<mark>kelp</mark>&lt;/b&gt;" in text or "<b>" not in text
    assert "<script" not in html
    assert "<b>" not in text


def test_marking_never_lets_markup_through() -> None:
    from syndicate.content.search import marked

    assert str(marked("a <b>\x02c&d\x03 e")) == "a &lt;b&gt;<mark>c&amp;d</mark> e"
    assert str(marked("\x03x\x02y")) == "x<mark>y</mark>"


def _walk(client: FlaskClient, first: str, publish: object) -> list[str]:
    """Follow "older" links from ``first``, calling ``publish`` after the first page."""
    seen: list[str] = []
    url: str | None = first
    pages = 0
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'href="/articles/([^"]+)"', html.split("<main", 1)[-1])
        if pages == 0:
            publish()  # type: ignore[operator]
        pages += 1
        link = OLDER.search(html)
        url = link.group(1).replace("&amp;", "&") if link else None
    return seen


def test_section_pages_neither_repeat_nor_skip_when_a_story_is_published(
    client: FlaskClient, session: Session
) -> None:
    section = make_section(session, slug="tides", name="Tides")
    start = utcnow() - timedelta(days=30)
    slugs = [f"tide-{n}" for n in range(8)]
    for n, slug in enumerate(slugs):
        make_article(session, slug=slug, section=section, released_at=start + timedelta(days=n))
    session.commit()

    def publish() -> None:
        make_article(session, slug="tide-new", section=section)
        session.commit()

    seen = _walk(client, "/sections/tides", publish)
    assert seen == slugs[::-1], "newest first, each story once"
    # Back towards the newest: the "newer" link of the last page shows the page before it.
    last = client.get("/sections/tides?before=" + str(_id(session, "tide-2"))).get_data(
        as_text=True
    )
    newer = NEWER.search(last)
    assert newer
    back = client.get(newer.group(1)).get_data(as_text=True)
    assert re.findall(r'href="/articles/(tide-\d)"', back) == ["tide-4", "tide-3", "tide-2"]


def _id(session: Session, slug: str) -> int:
    return session.scalars(select(Article.id).where(Article.slug == slug)).one()


def test_search_pages_neither_repeat_nor_skip(client: FlaskClient, session: Session) -> None:
    slugs = [f"marram-{n}" for n in range(7)]
    for slug in slugs:
        make_article(session, slug=slug, headline="Marram grass", body_source="Marram dunes.")
    session.commit()

    def publish() -> None:
        make_article(session, slug="marram-new", headline="Marram grass", body_source="Marram.")
        session.commit()

    seen = _walk(client, "/search?q=marram", publish)
    assert sorted(seen) == sorted(slugs)
    assert len(seen) == len(slugs)


def test_old_numbered_links_redirect(client: FlaskClient, session: Session) -> None:
    section = make_section(session, slug="reefs", name="Reefs")
    for n in range(5):
        make_article(session, slug=f"reef-{n}", section=section, headline="Reef survey")
    session.commit()
    first = client.get("/sections/reefs?page=1")
    assert first.status_code == 301
    assert first.headers["Location"].endswith("/sections/reefs")
    assert client.get("/sections/reefs?page=2").status_code == 302
    assert client.get("/sections/reefs?page=9").status_code == 404
    assert client.get("/search?q=reef&page=2").status_code == 302
    assert client.get("/search?q=reef&page=3").status_code == 404
    assert client.get("/sections/reefs?before=999999999").status_code == 404
    # Back to the newest page: its address is the bare one again.
    second = client.get(client.get("/sections/reefs?page=2").headers["Location"])
    newer = NEWER.search(second.get_data(as_text=True))
    assert newer
    back = client.get(newer.group(1))
    assert back.status_code == 302
    assert back.headers["Location"].endswith("/sections/reefs")


def test_search_is_rate_limited_per_client(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_SEARCH", "3 per 7 minutes")
    codes = [client.get("/search", query_string={"q": f"word{n}"}).status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/search").status_code == 200, "the bare form is not counted"
    other = client.get("/search?q=word", environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert other.status_code == 200, "another client has its own allowance"


HOSTILE_QUERIES = [
    '"',
    '"unbalanced',
    "*",
    "harb*",
    "NEAR(",
    "NEAR(a b, 5)",
    "-",
    "-harbour",
    "OR",
    "OR harbour OR",
    "AND NOT",
    "headline: x",
    "^harbour",
    "! & | <-> :* ()",
    "a\x00b",
    "\x00",
    "harbour " * 2000,
    "x" * 10_000,
    "'; DROP TABLE articles; --",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_never_fail(client: FlaskClient, session: Session, query: str) -> None:
    make_article(session, headline="Harbour lights")
    session.commit()
    response = client.get("/search", query_string={"q": query})
    # A NUL is refused at the boundary (400) before any view runs; the rest are searched.
    assert response.status_code == (400 if "\x00" in query else 200)


def test_query_words_are_bounded() -> None:
    from syndicate.content.search import query_words, spellings

    assert query_words('NEAR( "a" * -OR b\x00c') == ["near", "a", "or", "b", "c"]
    assert len(query_words("w " * 5000)) == 1
    assert len(query_words(" ".join(f"w{n}" for n in range(50)))) == 8
    assert spellings("colour") == ["colour", "color"]
    assert spellings("four") == ["four"]


def test_staff_search_uses_the_index_and_sees_drafts(client: FlaskClient, session: Session) -> None:
    author = make_author(session, name="Ptolemy Saltmarsh")
    make_article(session, slug="draft-by-ptolemy", authors=[author], publish=False)
    for n in range(4):
        make_article(session, slug=f"other-{n}")
    user = make_user(session, role=Role.STAFF)
    session.commit()
    login(client, user.email)
    listed = client.get("/staff/articles", query_string={"q": "saltmarsh"}).get_data(as_text=True)
    assert re.findall(r'<code class="muted small">([^<]+)</code>', listed) == ["draft-by-ptolemy"]
    for query in HOSTILE_QUERIES[:14]:
        assert client.get("/staff/articles", query_string={"q": query}).status_code == 200
    # The full list pages by keyset too.
    html = client.get("/staff/articles").get_data(as_text=True)
    older = OLDER.search(html)
    assert older
    assert "before=" in older.group(1)
    assert client.get(older.group(1).replace("&amp;", "&")).status_code == 200


def test_a_query_too_broad_to_rank_lists_newest_first(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syndicate.public import queries

    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 4)
    start = utcnow() - timedelta(days=10)
    for n in range(6):
        make_article(
            session,
            slug=f"kittiwake-{n}",
            headline="Kittiwake kittiwake colony" if n == 0 else "Gull colony",
            body_source="A kittiwake nested here.",
            released_at=start + timedelta(days=n),
        )
    session.commit()
    html = client.get("/search?q=kittiwake").get_data(as_text=True)
    assert "More than 4 stories match" in html
    assert "newest first" in html

    def nothing() -> None:
        return None

    seen = _walk(client, "/search?q=kittiwake", nothing)
    assert seen == [f"kittiwake-{n}" for n in range(5, -1, -1)]


def test_a_query_too_broad_to_rank_lists_the_latest_filed_first(
    app: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the count cap the order is the order of filing (by id), which the full-text
    index can walk a page at a time: a story filed later but released earlier comes first.
    Stories the public may not read are never listed, and the pages neither repeat nor skip
    in either direction."""
    from syndicate.public import queries

    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 2)
    monkeypatch.setitem(app.config, "SITE_PAGE_SIZE", 2)
    now = utcnow()
    for slug, days_ago in (("first", 1), ("second", 9), ("third", 5), ("fourth", 3)):
        make_article(
            session,
            slug=f"puffin-filed-{slug}",
            headline="Puffin count",
            released_at=now - timedelta(days=days_ago),
        )
    make_article(session, slug="puffin-draft", headline="Puffin count", publish=False)
    make_article(
        session, slug="puffin-scheduled", headline="Puffin", released_at=now + timedelta(days=1)
    )
    kill_article(
        session,
        make_article(
            session, slug="puffin-killed", headline="Puffin", released_at=now - timedelta(days=2)
        ),
    )
    session.commit()

    def nothing() -> None:
        return None

    seen = _walk(client, "/search?q=puffin", nothing)
    order = ["puffin-filed-fourth", "puffin-filed-third", "puffin-filed-second"]
    assert seen == [*order, "puffin-filed-first"]
    second_page = client.get(f"/search?q=puffin&before={_id(session, order[1])}")
    newer = NEWER.search(second_page.get_data(as_text=True))
    assert newer
    back = client.get(newer.group(1).replace("&amp;", "&"))
    assert back.status_code == 302  # the first page's address is the bare one


def test_a_common_word_left_out_of_the_order_still_has_to_match(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a word in many stories does not order the matches (scoring it reads every
    story that holds it); every word still has to match, on both databases."""
    from syndicate.content import search
    from syndicate.public import queries

    # "gannet" is in four stories, over the cap; "cliff" in three, at it.
    monkeypatch.setattr(search, "RANKED_WORD_CAP", 3)
    make_article(session, slug="gannet-flock", headline="Gannet flock")
    make_article(session, slug="gannet-and-cliff", headline="Gannet on the cliff")
    make_article(session, slug="gannet-cliff-cliff", headline="Cliff cliff gannet", dek="Cliff.")
    make_article(session, slug="gannet-alone", headline="Gannet colony")
    make_article(session, slug="cliff-alone", headline="Cliff path")
    session.commit()
    page, _snippets, ranked = queries.search_slice(session, utcnow(), "gannet cliff", None, 10)
    assert ranked
    assert sorted(a.slug for a in page.items) == ["gannet-and-cliff", "gannet-cliff-cliff"]


def _gannet_colony(session: Session) -> None:
    """ "gannet" in five stories, over a cap of 3; "puffinry" in two of them, with gannet."""
    for n in range(3):
        make_article(session, slug=f"gannet-{n}", headline="Gannet flock")
    make_article(
        session,
        slug="gannet-puffinry",
        headline="Gannet watch",
        body_source="Every gannet on the stack sat beside the puffinry at dawn.",
    )
    make_article(session, slug="gannet-puffinry-draft", headline="Gannet puffinry", publish=False)
    make_article(session, slug="puffinry-alone", headline="Puffinry path")


def test_a_rare_word_beside_a_common_one_is_matched_once_per_search(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the stories holding a rare word and a common one are found once per search
    and the count, the ranked page and the snippets reuse them: each time FTS5 matches both
    it seeks every story of the rare word in the common word's list, which grows with the
    archive. The results are the same on both databases."""
    from sqlalchemy import event

    from syndicate.content import search
    from syndicate.public import queries

    monkeypatch.setattr(search, "RANKED_WORD_CAP", 3)
    _gannet_colony(session)
    session.commit()
    both: list[str] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        values = parameters.values() if isinstance(parameters, dict) else parameters
        if "articles_fts" in statement and any(
            isinstance(v, str) and "gannet" in v and "puffinry" in v for v in values
        ):
            both.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        page, snippets, ranked = queries.search_slice(
            session, utcnow(), "puffinry gannet", None, 10
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert ranked
    assert [a.slug for a in page.items] == ["gannet-puffinry"]
    assert page.total == 1
    snippet = str(snippets[page.items[0].id])
    assert "<mark>gannet</mark>" in snippet
    assert "<mark>puffinry</mark>" in snippet
    if engine.dialect.name == "sqlite":
        assert len(both) == 1, both


def test_console_search_with_a_rare_and_a_common_word_keeps_its_status_filter(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syndicate.content import search

    monkeypatch.setattr(search, "RANKED_WORD_CAP", 3)
    _gannet_colony(session)
    user = make_user(session, role=Role.STAFF)
    session.commit()
    login(client, user.email)

    def listed(**args: str) -> list[str]:
        response = client.get("/staff/articles", query_string=args)
        assert response.status_code == 200
        return re.findall(
            r'<code class="muted small">([^<]+)</code>', response.get_data(as_text=True)
        )

    assert sorted(listed(q="puffinry gannet")) == ["gannet-puffinry", "gannet-puffinry-draft"]
    assert listed(q="puffinry gannet", status="draft") == ["gannet-puffinry-draft"]
    assert listed(q="puffinry gannet", status="published") == ["gannet-puffinry"]
    assert listed(q="puffinry gannet", status="killed") == []


def test_the_console_article_list_counts_no_further_than_the_cap(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting every article is a scan that grows with the archive: the list stops at the
    lists' cap and says so."""
    from syndicate.content import keyset

    monkeypatch.setattr(keyset, "COUNT_CAP", 2)
    for n in range(3):
        make_article(session, slug=f"capped-{n}")
    user = make_user(session, role=Role.STAFF)
    session.commit()
    login(client, user.email)
    html = client.get("/staff/articles").get_data(as_text=True)
    assert "More than 2 articles" in html


def test_the_migration_indexes_existing_stories_and_downgrades(tmp_path: Path) -> None:
    """Stories saved before the index exists are found once it is built; the downgrade keeps
    their author and tag links (no table rebuild on SQLite)."""
    from alembic import command

    from syndicate.content.models import Author, Section
    from syndicate.content.services import create_article, publish_article
    from syndicate.database import Database
    from syndicate.migrate import alembic_config, upgrade
    from syndicate.public import queries
    from tests.conftest import real_commit_database

    with real_commit_database(tmp_path) as url:
        database = Database(url)
        with database.transaction() as session:
            section = Section(slug="piers", name="Piers")
            author = Author(slug="w-tern", name="Wilhelmina Tern")
            session.add_all([section, author])
            session.flush()
            fields = ArticleFields(
                slug="old-story",
                headline="Harbour lamps",
                section_id=section.id,
                author_ids=[author.id],
                tags=["Cormorants"],
                body_source="The ferries sailed.",
            )
            publish_article(session, create_article(session, fields, None), actor_id=None)
        database.dispose()
        command.downgrade(alembic_config(url), "0009")
        upgrade(url)
        database = Database(url)
        with database.transaction() as session:
            for query in ("tern", "cormorant", "harbor", "ferry"):
                page, _snippets, _ranked = queries.search_slice(session, utcnow(), query, None, 10)
                assert [a.slug for a in page.items] == ["old-story"], query
        database.dispose()
