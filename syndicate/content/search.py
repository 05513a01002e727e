"""Full-text search over articles, one interface on PostgreSQL and SQLite.

The index covers what a reader can read: the headline, the dek, the body's visible text
(``articles.body_text``) and ``articles.search_terms`` (the bylines and tag names, kept in
step with the article's authors and tags by a session hook below, on every write path).

* PostgreSQL: ``articles.search_vector``, a generated ``tsvector`` (english configuration,
  so snowball stemming: "harbors" finds "harbor"), GIN-indexed, ranked with ``ts_rank``,
  snippets from ``ts_headline``.
* SQLite: ``articles_fts``, an FTS5 external-content table (porter tokenizer) kept in step
  with ``articles`` by triggers, ranked with ``bm25`` (by the query's rarer words when it has
  any: see :func:`_ranking_query`), snippets from ``snippet()``.

Neither stemmer joins British and American spellings, so each query word ending in
"our"/"or" or "ise"/"ize" also matches its other spelling. The user's text never reaches
either engine's query syntax: it is cut into words (letters and digits only) and each word
is passed as a quoted term (FTS5) or through ``websearch_to_tsquery`` one word at a time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    bindparam,
    cast,
    event,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from syndicate.content.models import Article, Author, article_authors

MAX_WORDS = 8
MAX_WORD_CHARS = 64
MAX_QUERY_CHARS = 200
# On SQLite, a word in more stories than this still has to match but does not order the
# matches (see _ranking_query).
RANKED_WORD_CAP = 2000
# Result counts stop here: counting every match of a common word in a big archive is the
# one cost that would grow with it, and "more than 1000" tells the reader as much.
COUNT_CAP = 1000
# Objects the migration creates outside the models (the schema comparison skips them).
SCHEMA_OBJECTS = frozenset(
    {
        "articles_fts",
        "articles_fts_data",
        "articles_fts_idx",
        "articles_fts_content",
        "articles_fts_docsize",
        "articles_fts_config",
        "search_vector",
        "ix_articles_search_vector",
    }
)
_WORD = re.compile(r"[^\W_]+")
# Unlikely in prose and never stored by the sanitiser: they mark matches until escaping is done.
_START, _STOP = "\x02", "\x03"


def query_words(query: str) -> list[str]:
    """The words of ``query`` that search uses: letters and digits, at most eight of them."""
    words = _WORD.findall(query[:MAX_QUERY_CHARS].lower())
    return list(dict.fromkeys(w[:MAX_WORD_CHARS] for w in words))[:MAX_WORDS]


_ENDINGS = "(s|ed|ing|er|ers|ful|able|ite|ites)?"
# British and American spellings, with the endings the stemmers would strip afterwards.
_SPELLINGS = [
    (re.compile(f"our{_ENDINGS}$"), r"or\1"),
    (re.compile(f"(?<!o)or{_ENDINGS}$"), r"our\1"),
    (re.compile("is(e|es|ed|ing|ation|ations)$"), r"iz\1"),
    (re.compile("iz(e|es|ed|ing|ation|ations)$"), r"is\1"),
]


def spellings(word: str) -> list[str]:
    """``word`` and its other British/American spelling, when it has one.

    "harbours" gives "harbors", "organized" gives "organised". Short words are left alone
    ("four", "hour"), and a made-up other spelling costs nothing: it matches no story.
    """
    found = [word]
    if len(word) >= 5:
        for pattern, replacement in _SPELLINGS:
            other, count = pattern.subn(replacement, word, count=1)
            if count:
                found.append(other)
                if pattern is _SPELLINGS[0][0]:
                    break  # an -our word is not also an -or word
    return found


def search_terms(article: Article) -> str:
    """The bylines and tag names of ``article``, as the index reads them."""
    return " ".join([a.name for a in article.authors] + [t.name for t in article.tags])


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


MIN_PREFIX_CHARS = 3


def _prefixed(words: Sequence[str], prefix: bool) -> int:
    """The index of the word also matched as a prefix (the last one), or -1."""
    return len(words) - 1 if prefix and len(words[-1]) >= MIN_PREFIX_CHARS else -1


def _fts5_groups(words: Sequence[str], prefix: bool = False) -> list[str]:
    """One FTS5 expression per query word (its spellings, and the prefix for the last)."""
    last = _prefixed(words, prefix)
    groups = []
    for n, word in enumerate(words):
        quoted = ['"' + s.replace('"', '""') + '"' for s in spellings(word)]
        if n == last:
            quoted.append(f'"{word}"*')
        groups.append("(" + " OR ".join(quoted) + ")" if len(quoted) > 1 else quoted[0])
    return groups


def _fts5_query(words: Sequence[str], prefix: bool = False) -> str:
    return " AND ".join(_fts5_groups(words, prefix))


def _ranking_query(session: Session, groups: Sequence[str]) -> str:
    """The words bm25 orders the matches by: those in at most :data:`RANKED_WORD_CAP`
    stories, or all of them when none is that rare.

    bm25 weighs each word by how many stories hold it, and FTS5 counts them by reading every
    story that does, on every ranked statement: for a word in half the archive that read
    grows with the archive. Such a word still has to match; it only leaves the order.
    """
    rare = []
    for group in groups:
        found = session.scalar(
            text(
                "SELECT count(*) FROM (SELECT rowid FROM articles_fts "
                "WHERE articles_fts MATCH :group LIMIT :cap)"
            ),
            {"group": group, "cap": RANKED_WORD_CAP + 1},
        )
        if (found or 0) <= RANKED_WORD_CAP:
            rare.append(group)
    return " AND ".join(rare or groups)


def _tsquery(words: Sequence[str], prefix: bool = False) -> ColumnElement[Any]:
    last = _prefixed(words, prefix)
    combined: ColumnElement[Any] | None = None
    for n, word in enumerate(words):
        options = [
            func.websearch_to_tsquery(literal_column("'english'"), s) for s in spellings(word)
        ]
        if n == last:
            # Letters and digits only (query_words), so the quoted lexeme is always valid.
            options.append(func.to_tsquery(literal_column("'simple'"), f"'{word}':*"))
        alternatives: ColumnElement[Any] = options[0]
        for one in options[1:]:
            alternatives = alternatives.op("||")(one)
        combined = alternatives if combined is None else combined.op("&&")(alternatives)
    assert combined is not None
    return combined


@dataclass(frozen=True)
class Match:
    """How to find and rank the articles matching one query, on the session's engine.

    ``join`` (SQLite only) is the FTS5 hit list with its rank, ``hits`` the same without
    it; statements join them on ``Article.id``. ``newest_id`` is the column that orders
    matches latest first at the cost of one page: ``Article.id`` on PostgreSQL, the hit
    list's own rowid on SQLite (FTS5 walks its index in rowid order, and takes a bound on
    it, but knows nothing of ``articles``' indexes).
    """

    condition: ColumnElement[bool]
    rank: ColumnElement[float]
    join: Any = None
    hits: Any = None
    listed: bool = False

    @property
    def newest_id(self) -> Any:
        """The id column for paging matches latest first (see the class)."""
        return self.hits.c.id if self.hits is not None else Article.id

    def apply(self, statement: Select[Any]) -> Select[Any]:
        """``statement`` restricted to the matching articles, with ``rank`` available."""
        if self.join is not None:
            statement = statement.join_from(Article, self.join, self.join.c.id == Article.id)
            return statement
        return statement.where(self.condition)

    def only(self, statement: Select[Any]) -> Select[Any]:
        """``statement`` restricted to the matching articles, without ranking any of them
        (FTS5 computes bm25 for every hit it is asked the rank of)."""
        if self.listed:
            return statement.join_from(Article, self.hits, self.hits.c.id == Article.id)
        return statement.where(self.condition)

    def matching_ids(self, statement: Select[Any]) -> Select[Any]:
        """The ids of the articles that match and that ``statement`` (a
        ``select(Article.id)`` with conditions) selects, as :attr:`newest_id`.

        On SQLite the hit list drives and each hit's article row is looked up by its key,
        so a LIMIT stops after that many hits: ``IN (hits)`` would first collect every hit
        of a common word, and a join lets the planner walk ``articles`` instead.
        """
        if self.hits is None:
            return statement.where(self.condition)
        row: Select[Any] = select(literal_column("1")).where(Article.id == self.hits.c.id)
        if statement.whereclause is not None:
            row = row.where(statement.whereclause)
        return select(self.hits.c.id).where(row.exists())


def match(session: Session, query: str, *, prefix: bool = False) -> Match | None:
    """The condition and rank (higher is better) for ``query``; None when it has no words.

    With ``prefix`` (the console's search box) the last word also matches as the start of
    a word, so "ferr" finds "ferries".
    """
    words = query_words(query)
    if not words:
        return None
    if _is_postgres(session):
        tsq = _tsquery(words, prefix)
        vector: ColumnElement[Any] = literal_column("articles.search_vector")
        # ts_rank is a float4: as a double it makes the same round trip through a page link's
        # anchor query as the comparison in the next page's statement.
        rank = cast(func.ts_rank(vector, tsq), Float(precision=53))
        return Match(condition=vector.op("@@")(tsq), rank=rank)
    # The rank column of articles_fts is bm25 with the weights the migration sets (headline
    # over bylines and tags over dek over body); bm25 is lower for better matches.
    groups = _fts5_groups(words, prefix)
    fts_query = " AND ".join(groups)
    ids: Select[Any] = (
        select(literal_column("rowid").label("id"))
        .select_from(text("articles_fts"))
        .where(text("articles_fts MATCH :fts_ids").bindparams(fts_ids=fts_query))
    )
    ranking = _ranking_query(session, groups) if len(groups) > 1 else fts_query
    conditions: list[Any] = [text("articles_fts MATCH :fts_query").bindparams(fts_query=ranking)]
    if ranking != fts_query:
        return _rare_and_common(session, ids, conditions)
    hits = (
        select(literal_column("rowid").label("id"), literal_column("rank").label("rank"))
        .select_from(text("articles_fts"))
        .where(*conditions)
        .subquery("fts_hits")
    )
    return Match(
        condition=Article.id.in_(ids),
        rank=(-hits.c.rank).cast(Float),
        join=hits,
        hits=ids.subquery("fts_ids"),
    )


def _rare_and_common(session: Session, ids: Select[Any], conditions: list[Any]) -> Match:
    """The match of a query with rare and common words on SQLite (``conditions`` ranks by
    the rare ones).

    The stories that hold every word are at most as many as hold the rarest one
    (:data:`RANKED_WORD_CAP`), so they are read once, here, and every later statement
    takes them as a list. FTS5 finds them by stepping through the rare word's stories
    and seeking each one in the common words' long lists, a cost that grows with the
    archive; left as a subquery, it was paid again by the count, the page and the ranking.
    The list drives each statement it is joined to (an ``IN`` list beside the visibility
    conditions would let SQLite scan their index instead).
    """
    matched = json.dumps(list(session.scalars(ids)))
    listed = (
        select(literal_column("value").label("id"))
        .select_from(func.json_each(bindparam("fts_matched", matched)))
        .subquery("fts_ids")
    )
    # The "+" keeps the list a filter: offered to FTS5 as a constraint, it would run the
    # ranked query (and bm25's setup) once per id.
    hits = (
        select(literal_column("rowid").label("id"), literal_column("rank").label("rank"))
        .select_from(text("articles_fts"))
        .where(*conditions, literal_column("+rowid").in_(select(listed.c.id)))
        .subquery("fts_hits")
    )
    return Match(
        condition=Article.id.in_(select(listed.c.id)),
        rank=(-hits.c.rank).cast(Float),
        join=hits,
        hits=listed,
        listed=True,
    )


def snippets(session: Session, query: str, ids: Iterable[int]) -> dict[int, Markup]:
    """HTML-safe snippets of the body around the matches of ``query``, for the given ids.

    The engine marks the matches with control characters; the text is escaped first and
    only then are the marks turned into ``<mark>`` elements.
    """
    id_list = list(ids)
    words = query_words(query)
    if not id_list or not words:
        return {}
    if _is_postgres(session):
        options = f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, MaxFragments=2"
        stmt = select(
            Article.id,
            func.ts_headline(
                literal_column("'english'"), Article.body_text, _tsquery(words), options
            ),
        ).where(Article.id.in_(id_list))
        rows = session.execute(stmt).all()
    else:
        rows = _fts5_snippets(session, _fts5_query(words), id_list)
    return {row[0]: marked(row[1] or "") for row in rows}


# The body's column as articles_fts indexes it (the migration's tokenizer).
_SNIPPET_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_snippets USING fts5(body_text, "
    "tokenize='porter unicode61 remove_diacritics 2')"
)


def _fts5_snippets(session: Session, fts_query: str, ids: list[int]) -> Sequence[Any]:
    """``snippet()`` of the given stories' bodies, from a scratch FTS5 table of just them.

    snippet() reads one story's own text and matches, so the scratch table gives the same
    snippets as articles_fts would; asking articles_fts means evaluating the query there
    again, which for a rare word beside common ones costs a seek in each common word's
    list per story holding the rare word, a cost that grows with the archive. The table is
    the connection's own (``temp``), so no other session sees or waits for it.
    """
    connection = session.connection()
    connection.exec_driver_sql(_SNIPPET_TABLE)
    connection.exec_driver_sql("DELETE FROM temp.search_snippets")
    connection.execute(
        text(
            "INSERT INTO temp.search_snippets(rowid, body_text) "
            "SELECT id, body_text FROM articles WHERE id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": ids},
    )
    return connection.execute(
        text(
            "SELECT rowid, snippet(search_snippets, 0, :start, :stop, '…', 24) "
            "FROM temp.search_snippets WHERE search_snippets MATCH :q"
        ),
        {"start": _START, "stop": _STOP, "q": fts_query},
    ).all()


def marked(raw: str) -> Markup:
    """Escape ``raw``, then turn the engine's match marks into ``<mark>`` elements."""
    out: list[str] = []
    inside = False
    for part in re.split(f"([{_START}{_STOP}])", raw):
        if part == _START:
            if not inside:
                out.append("<mark>")
                inside = True
        elif part == _STOP:
            if inside:
                out.append("</mark>")
                inside = False
        else:
            out.append(str(escape(part)))
    if inside:
        out.append("</mark>")
    # Every text part went through escape() above; only our own <mark> tags are raw.
    return Markup("".join(out))  # noqa: S704


def capped_count(session: Session, statement: Select[Any], cap: int) -> int:
    """How many rows ``statement`` (a select of one id column) returns, counting no further
    than ``cap``."""
    limited = statement.order_by(None).limit(cap).subquery()
    return session.scalar(select(func.count()).select_from(limited)) or 0


def _refresh_terms(session: Session, _context: Any) -> None:
    """Keep ``search_terms`` in step with each changed article's authors and tags.

    Written by its own UPDATE after the flush, so neither the article's version (the
    optimistic lock of an editor's form) nor its change time moves for it.
    """
    articles = [
        obj
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Article) and obj not in session.deleted
    ]
    renamed = [
        obj.id
        for obj in session.dirty
        if isinstance(obj, Author) and session.is_modified(obj, include_collections=False)
    ]
    if renamed:
        stmt = select(Article).join(article_authors).where(article_authors.c.author_id.in_(renamed))
        articles.extend(session.scalars(stmt))
    changes = []
    for article in dict.fromkeys(articles):
        terms = search_terms(article)
        if article.search_terms != terms:
            changes.append({"row_id": article.id, "terms": terms})
            set_committed_value(article, "search_terms", terms)
    if changes:
        session.connection().execute(
            update(Article)
            .where(Article.id == bindparam("row_id"))
            .values(search_terms=bindparam("terms")),
            changes,
        )


event.listen(Session, "after_flush", _refresh_terms)
