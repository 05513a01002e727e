"""Hostile input at every boundary: path segments, query strings, form fields, JSON bodies.

Each hostile value (NUL, a lone surrogate, invalid UTF-8, digits that ``str.isdigit()``
accepts and ``int()`` refuses or that are not ASCII, integers past 32 and 64 bits, line
breaks) is sent to every path converter of the URL map, to every query parameter a view
reads, to every field of every form the site shows (signed in as staff, or as a partner in
the portal) and to every field of every JSON body the API describes. Nothing may answer 5xx,
and no stored row may hold the raw NUL or a line break in a one-line column. Runs on SQLite,
and on PostgreSQL (which refuses NUL and out-of-range integers outright) when
SYNDICATE_TEST_DATABASE_URL points there.
"""

from __future__ import annotations

import re
import time
import zlib
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask, Request
from sqlalchemy import Enum, String, Text, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, NumberConverter

from licenses.models import LicenseRequest, Publisher
from syndicate.content.models import Article
from syndicate.orm import Base
from syndicate.outbox.delivery import build_email
from syndicate.outbox.models import OutboxMessage
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    application,
    generous_limits,
    staff,
)
from tests.conftest import csrf_token, login
from tests.depth import THOROUGH
from tests.factories import make_article, make_partner
from tests.test_authz_matrix import World, routes
from tests.test_authz_matrix import world as matrix_world  # noqa: F401 - the "world" fixture

# Percent-encoded, so the same bytes go into a path, a query string or a form body: invalid
# UTF-8 and an encoded surrogate arrive as replacement characters, NUL as NUL.
HOSTILE = {
    "nul": "%00",
    "inner-nul": "a%00b",
    "surrogate": "%ED%A0%80",
    "invalid-utf8": "%FF",
    "superscript-two": "%C2%B2",
    "arabic-indic-three": "%D9%A3",
    "thirty-nines": "9" * 30,
    "int32-plus-one": str(2**31),
    "int64-minus-two": str(-(2**63) - 1),
    "crlf": "line%0D%0Abreak",
    "line-separator": "%E2%80%A8",
    "unclosed-bracket-url": "http://%5B::1",
}
# Search boxes (every ``q``) also get full-text query syntax (FTS5 and tsquery operators,
# unbalanced quotes and brackets, a 10 kB string): user text must never reach either syntax.
HOSTILE_SEARCH = {
    "fts-quote": "%22",
    "fts-star": "*",
    "fts-near": "NEAR(",
    "fts-near-words": "NEAR(a%20b,%205)",
    "fts-minus": "-",
    "fts-or-ends": "OR%20harbour%20OR",
    "fts-and-not": "AND%20NOT",
    "fts-column": "headline:%20x",
    "fts-caret": "%5Eharbour",
    "tsquery-ops": "!%20%26%20%7C%20%3C-%3E%20:*",
    "huge": "harbour%20" * 1000,
}
# The same values as JSON: a lone surrogate can only be sent as a \\ud800 escape.
HOSTILE_JSON: dict[str, Any] = {
    "nul": "\x00",
    "inner-nul": "a\x00b",
    "surrogate": "\ud800",
    "superscript-two": "\u00b2",
    "arabic-indic-three": "\u0663",
    "thirty-nines": "9" * 30,
    "int32-plus-one": 2**31,
    "int64-minus-two": -(2**63) - 1,
    "huge": 10**30,
    "crlf": "line\r\nbreak",
    "line-separator": "\u2028",
    "unclosed-bracket-url": "http://[::1",
}

# The query parameters each GET endpoint reads. The discovery test below records what the
# views actually read, so a new parameter fails until it is listed here.
QUERY_PARAMS: dict[str, set[str]] = {
    "public.home": {"page", "before", "after"},
    "public.section": {"page", "before", "after"},
    "public.author": {"page", "before", "after"},
    "public.search": {"q", "page", "before", "after"},
    "public.tag": {"page", "before", "after"},
    "public.apply": {"article"},
    "public.republish": {"article"},
    "comments.comment_form": {"reply_to"},
    "comments.held": {"sent"},
    "accounts.login": {"next"},
    "staff.article_list": {"status", "q", "page", "before", "after"},
    "staff.article_edit": {"image_q"},
    "staff.audit_log": {"actor", "action", "object_type", "object_id", "page", "before", "after"},
    "staff.comment_queue": {"status", "page", "before", "after"},
    "staff.image_list": {"creator", "organization", "page", "q", "rights", "before", "after"},
    "staff.licence_list_page": {"kind", "page", "publisher", "status", "view", "before", "after"},
    "staff.license_request_list": {"eligible", "page", "q", "scope", "status", "before", "after"},
    "staff.pickups_dashboard": {"days"},
    "staff.pickups_csv": {"days"},
    "staff.pickups_fetches_csv": {"days"},
    "staff.pickups_copies_csv": {"days"},
    "staff.pickups_chart_svg": {"days", "size"},
    "staff.publisher_list": {"page", "q", "status", "before", "after"},
    "staff.reauth": {"next"},
    "staff.user_list": {"page", "q", "role", "state", "before", "after"},
    "staff.outbox_list": {"channel", "page", "status", "before", "after"},
    "staff.notice_list": {"page", "before", "after"},
    "portal.desk": {"q", "section", "tag", "from", "to", "after", "before"},
    "portal.licences": {"page", "before", "after"},
    "portal.notices": {"page", "before", "after"},
    "portal.pickups_page": {"days"},
    "portal.pickups_csv": {"days"},
    "portal.pickups_copies_csv": {"days"},
    "portal.pickups_chart_svg": {"days", "size"},
    "portal.request_new": {"article"},
    "syndication.partner_rss": {"key", "tag"},
    "syndication.partner_atom": {"key", "tag"},
    "syndication.partner_json": {"key", "tag"},
    "api.list_articles": {"format", "page", "per_page", "section", "status"},
    "api.get_article": {"format"},
    "api.list_feed_keys": {"page", "per_page", "publisher"},
    "api.list_license_requests": {"eligible", "page", "per_page", "status"},
    "api.list_licences": {"page", "per_page", "publisher", "status"},
    "api.list_notices": {"acknowledged", "article", "kind", "page", "per_page", "publisher"},
    "api.list_tokens": {"page", "per_page", "user"},
    "api.list_comments": {"page", "per_page", "status"},
    "api.get_pickups": {"days"},
}
# Parameters read only once another is present (a search's page needs a query).
QUERY_CONTEXT = {"public.search": "q=story&"}

PLACEHOLDER_ID = 987654321
PLACEHOLDER_TEXT = "hostileplaceholder"
FIGURES: dict[str, int] = dict.fromkeys(
    ("paths", "queries", "forms", "fields", "form_cases", "json"), 0
)


# At the quick depth (``make test``) each parameter and field gets every third hostile
# value, a different third from one parameter to the next, so every value still meets many
# routes; the thorough depth (CI) sends every value everywhere.
SHARE = 1 if THOROUGH else 3


def _share(values: dict[str, Any], where: str) -> list[tuple[str, Any]]:
    """The (label, value) pairs of ``values`` sent to the parameter ``where`` names."""
    items = list(values.items())
    return items[zlib.crc32(where.encode()) % SHARE :: SHARE]


def _client_for(world: World, path: str) -> str:
    if path.startswith("/portal"):
        return "partner_a"
    if path.startswith("/api/"):
        return "api"
    return "staff"


def _send(
    world: World, who: str, method: str, path: str, body: bytes | None = None, json: Any = None
) -> Any:
    if who == "api":
        bare = world.clients["anonymous"].application.test_client()
        headers = {"Authorization": f"Bearer {world.tokens['staff']}"}
        if method in {"POST", "PATCH", "PUT"}:
            return bare.open(
                path, method=method, json={} if json is None else json, headers=headers
            )
        return bare.open(path, method=method, headers=headers)
    client = world.clients[who]
    if method == "GET":
        return client.get(path)
    if body is None:
        body = f"csrf_token={quote(world.csrf[who])}".encode()
    return client.open(
        path, method=method, data=body, content_type="application/x-www-form-urlencoded"
    )


def _assert_no_server_error(response: Any, where: str, problems: list[str]) -> None:
    if response.status_code >= 500:
        problems.append(f"{where} -> {response.status_code}")
    response.close()


def _path_with(rule: Rule, params: dict[str, Any], name: str, encoded: str) -> str:
    """The rule's path with ``name`` replaced by the raw (already encoded) hostile value."""
    converter = rule._converters[name]
    placeholder: Any = PLACEHOLDER_TEXT
    if isinstance(converter, NumberConverter):
        placeholder = PLACEHOLDER_ID
    elif isinstance(converter, AnyConverter):
        placeholder = params[name]
    values = {arg: params[arg] for arg in rule.arguments}
    values[name] = placeholder
    _domain, path = rule.build(values, append_unknown=False) or ("", "")
    return path.replace(str(placeholder), encoded, 1)


@pytest.fixture
def ready(app: Flask, matrix_world: World, monkeypatch: pytest.MonkeyPatch) -> World:  # noqa: F811
    """The authorisation matrix's world, with every rate limit lifted."""
    for key in ("RATELIMIT_API", "RATELIMIT_APPLY", "RATELIMIT_COMMENTS", "RATELIMIT_LOGIN"):
        monkeypatch.setitem(app.config, key, "1000000 per minute")
    return matrix_world


def _walk_every_path_segment(
    app: Flask, ready: World, session: Session, problems: list[str]
) -> None:
    for rule, method in routes(app):
        if rule.endpoint == "static":
            continue
        for name in rule.arguments:
            for label, encoded in _share(HOSTILE, f"{method} {rule.rule} {name}"):
                path = _path_with(rule, ready.params, name, encoded)
                who = _client_for(ready, path)
                response = _send(ready, who, method, path)
                FIGURES["paths"] += 1
                _assert_no_server_error(response, f"{method} {rule.rule} {name}={label}", problems)
                if response.status_code == 200 and label in {"nul", "inner-nul", "crlf"}:
                    problems.append(f"{method} {rule.rule} {name}={label} answered 200")


class _RecordingArgs(ImmutableMultiDict):  # type: ignore[type-arg]
    """Query parameters that remember which names a view asked for."""

    asked: ClassVar[set[str]] = set()

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:
        """Record, then answer as usual."""
        self.asked.add(key)
        return super().get(key, default, type)

    def __getitem__(self, key: Any) -> Any:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)

    def getlist(self, key: Any, type: Any = None) -> Any:
        """Record, then answer as usual."""
        self.asked.add(key)
        return super().getlist(key, type)


def _get_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule, method in routes(app)
        if method == "GET" and rule.endpoint not in {"static", "media.file"}
    ]


def _unlisted_query_parameters(app: Flask, ready: World) -> list[str]:
    """The query parameters views read (recorded while each GET page is shown) that
    :data:`QUERY_PARAMS` does not list."""

    class RecordingRequest(Request):
        parameter_storage_class = _RecordingArgs

    saved = app.request_class
    app.request_class = RecordingRequest
    missing: list[str] = []
    for rule in _get_rules(app):
        _RecordingArgs.asked = set()
        values = {arg: ready.params[arg] for arg in rule.arguments}
        _domain, path = rule.build(values, append_unknown=False) or ("", "")
        response = _send(ready, _client_for(ready, path), "GET", path)
        response.close()
        unlisted = _RecordingArgs.asked - QUERY_PARAMS.get(rule.endpoint, set())
        if unlisted:
            missing.append(f"{rule.endpoint}: {sorted(unlisted)}")
    app.request_class = saved
    return missing


def _walk_every_query_parameter(
    app: Flask, ready: World, session: Session, problems: list[str]
) -> None:
    article = session.scalars(select(Article).where(Article.slug == ready.params["slug"])).one()
    slugs = {
        "public.section": {"slug": article.section.slug},
        "public.author": {"slug": article.authors[0].slug},
        "public.tag": {"slug": article.tags[0].slug},
    }
    by_endpoint = {rule.endpoint: rule for rule in _get_rules(app)}
    for endpoint, names in sorted(QUERY_PARAMS.items()):
        rule = by_endpoint.get(endpoint)
        if rule is None:
            problems.append(f"QUERY_PARAMS names {endpoint}, which is no GET route")
            continue
        values = {arg: ready.params[arg] for arg in rule.arguments}
        # Section, author and tag pages need a real one to read their page number.
        values.update(slugs.get(endpoint, {}))
        _domain, path = rule.build(values, append_unknown=False) or ("", "")
        for name in sorted(names):
            values_for = {**HOSTILE, **(HOSTILE_SEARCH if name == "q" else {})}
            # The context gives other parameters a search to page through; never a second q.
            context = QUERY_CONTEXT.get(endpoint, "") if name != "q" else ""
            for label, encoded in _share(values_for, f"{endpoint} {name}"):
                target = f"{path}?{context}{name}={encoded}"
                response = _send(ready, _client_for(ready, path), "GET", target)
                FIGURES["queries"] += 1
                _assert_no_server_error(response, f"GET {target} ({label})", problems)


def _assert_nothing_stored(session: Session) -> None:
    """No text column of any table holds a NUL; no one-line column a hostile line break."""
    session.expire_all()
    found: list[str] = []
    # PostgreSQL cannot hold a NUL in text at all (nor be asked about one).
    nul_possible = session.get_bind().dialect.name == "sqlite"
    for table in Base.metadata.sorted_tables if nul_possible else ():
        for column in table.columns:
            if not isinstance(column.type, String | Text) or isinstance(column.type, Enum):
                continue
            # Compared in Python: SQLite's LIKE stops reading a pattern at a NUL.
            values = session.scalars(select(column).where(column.is_not(None)))
            if any("\x00" in value for value in values):
                found.append(f"{table.name}.{column.name} holds NUL")
    for column in (
        Publisher.name,
        LicenseRequest.organization,
        Article.headline,
        OutboxMessage.subject,
    ):
        for mark in ("line\r\nbreak", "\u2028"):
            if session.execute(select(column).where(column.contains(mark)).limit(1)).first():
                found.append(f"{column} holds a line break")
    assert not found, found


def _filler(name: str, kind: str) -> str:
    """A plausible answer for an empty field, so a form gets as far as storing what it can."""
    if kind in {"hidden", "password", "checkbox", "radio", "date", "datetime-local"}:
        return ""
    if "email" in name:
        return "walk@example.org"
    if "website" in name or "url" in name:
        return "https://walk.example/"
    if "audience" in name:
        return "40000"
    if kind == "number":
        return "1"
    return "Walk"


class _Forms(HTMLParser):
    """The POST forms of a page: action, and each field's name and default value."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect forms and their fields."""
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._fields = {}
            self.forms.append((a.get("action", ""), self._fields))
        if self._fields is not None and tag == "option" and self._select:
            # A select's value is its first option unless one is selected.
            if "selected" in a or not self._fields[self._select]:
                self._fields[self._select] = a.get("value", "")
            return
        if self._fields is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input" and a.get("type") not in {"submit", "button", "file", "image"}:
            if a.get("type") not in {"checkbox", "radio"} or "checked" in a:
                self._fields[name] = a.get("value", "") or _filler(name, a.get("type", ""))
        elif tag == "textarea":
            self._fields[name] = ""
            self._textarea = name
        elif tag == "select":
            self._fields[name] = ""
            self._select = name
        elif tag == "button" and a.get("value"):
            self._fields[name] = a["value"]

    def handle_data(self, data: str) -> None:
        """A text area's text is its value."""
        if self._fields is not None and self._textarea:
            self._fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        """Close what was open."""
        if tag == "form":
            self._fields = None
        elif tag == "textarea":
            if self._fields is not None and self._textarea and not self._fields[self._textarea]:
                self._fields[self._textarea] = "A walk.\nTwo lines."
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Self-closed inputs count the same."""
        self.handle_starttag(tag, attrs)


def _page_forms(app: Flask, world: World) -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    """Every POST form shown on a GET page, by (action, client), with its default values."""
    found: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
    for rule in _get_rules(app):
        if rule.rule.startswith(("/api/", "/feeds/")):
            continue
        values = {arg: world.params[arg] for arg in rule.arguments}
        _domain, path = rule.build(values, append_unknown=False) or ("", "")
        who = _client_for(world, path)
        response = _send(world, who, "GET", path)
        if response.status_code != 200 or response.mimetype != "text/html":
            response.close()
            continue
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        response.close()
        for action, fields in parser.forms:
            target = urlsplit(action).path or path
            if "csrf_token" not in fields:
                continue
            found.setdefault((target, who), (path, fields))
    return found


# Every form field gets the values that differ once a form has decoded them (an encoded
# surrogate and invalid UTF-8 both arrive as U+FFFD), to keep the walk quick.
FORM_VALUES = (
    "nul",
    "surrogate",
    "superscript-two",
    "thirty-nines",
    "int32-plus-one",
    "crlf",
    "line-separator",
    "unclosed-bracket-url",
)
# Forms shown only when there is something to act on, with their default values.
EXTRA_FORMS = {("/portal/notices/acknowledge", "partner_a"): {"notice_id": "1", "back": "home"}}
# Signing out would end the session the rest of the walk needs.
SKIPPED_FORMS = {"/logout"}


def _poster(target: str, who: str) -> str:
    """Public forms are posted signed out, as their visitors do."""
    if who == "staff" and not target.startswith(("/staff", "/account")):
        return "anonymous"
    return who


def _walk_every_form_field(app: Flask, ready: World, session: Session, problems: list[str]) -> None:
    forms = {key: fields for key, (_page, fields) in _page_forms(app, ready).items()} | EXTRA_FORMS
    assert len(forms) >= 25, sorted(forms)
    for (target, who), defaults in sorted(forms.items()):
        if target in SKIPPED_FORMS:
            continue
        poster = _poster(target, who)
        FIGURES["forms"] += 1
        for name in sorted(set(defaults) - {"csrf_token"}):
            FIGURES["fields"] += 1
            others = {k: v for k, v in defaults.items() if k not in {name, "csrf_token"}}
            others["csrf_token"] = ready.csrf[poster]
            plain = "&".join(f"{quote(k)}={quote(v)}" for k, v in others.items())
            for label, _ in _share(dict.fromkeys(FORM_VALUES), f"{target} {name}"):
                body = f"{plain}&{quote(name)}={HOSTILE[label]}".encode()
                response = _send(ready, poster, "POST", target, body=body)
                FIGURES["form_cases"] += 1
                _assert_no_server_error(response, f"POST {target} {name}={label}", problems)


# A valid body per request schema, so each hostile field is the only thing wrong.
def _base_bodies(world: World, session: Session) -> dict[str, dict[str, Any]]:
    article = session.scalars(select(Article).where(Article.slug == world.params["slug"])).one()
    story = {
        "headline": "A hostile walk",
        "body": "Text.",
        "section": article.section.slug,
        "authors": [article.authors[0].slug],
    }
    return {
        "LicenseRequestInput": application(),
        "ApprovalInput": {},
        "RejectionInput": {"reason": "Not this time."},
        "ArticleInput": story,
        "ArticlePatch": {"version": article.version, "dek": "Changed."},
        "PublishInput": {"version": article.version},
        "VersionInput": {"version": article.version},
        "FeedKeyInput": {"label": "walk", "publisher": "matrix-outlet-a"},
        "RevokeInput": {"reason": "Walk."},
        # A stale version: whatever the walk sends, the story is never changed.
        "EmbargoInput": {"preview_at": None, "version": 0},
        "CorrectionInput": {"note": "Walk.", "version": 0},
        "KillInput": {"reason": "Walk.", "version": 0},
        "ModerationInput": {"action": "approve"},
        "WebhookInput": {"url": "https://cms.example.org/hook"},
    }


def _field_paths(schema: dict[str, Any], components: dict[str, Any]) -> list[tuple[str, ...]]:
    """Every leaf field of a body schema as a path (``"[]"`` stands for a list's item)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if schema.get("type") == "array":
        return [("[]", *rest) for rest in _field_paths(schema.get("items", {}), components)]
    properties = schema.get("properties")
    if not properties:
        return [()]
    return [
        (name, *rest)
        for name, inner in properties.items()
        for rest in _field_paths(inner, components)
    ]


def _with(body: Any, path: tuple[str, ...], value: Any) -> Any:
    """A copy of ``body`` with ``value`` at ``path`` (lists get one item)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "[]":
        first = body[0] if isinstance(body, list) and body else {}
        return [_with(first, rest, value)]
    copy = dict(body) if isinstance(body, dict) else {}
    copy[head] = _with(copy.get(head), rest, value)
    return copy


def _walk_every_json_field(app: Flask, ready: World, session: Session, problems: list[str]) -> None:
    document = ready.clients["anonymous"].get("/api/v1/openapi.json").get_json()
    components = document["components"]["schemas"]
    bases = _base_bodies(ready, session)
    for template, item in sorted(document["paths"].items()):
        for method, operation in sorted(item.items()):
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
            base = bases[schema["$ref"].rsplit("/", 1)[1]]
            path = "/api/v1" + re.sub(r"{(\w+)}", lambda m: str(ready.params[m.group(1)]), template)
            for field_path in _field_paths(schema, components):
                for label, value in _share(HOSTILE_JSON, f"{method} {template} {field_path}"):
                    body = _with(base, field_path, value)
                    response = _send(ready, "api", method.upper(), path, json=body)
                    FIGURES["json"] += 1
                    where = f"{method.upper()} {path} {'.'.join(field_path)}={label}"
                    _assert_no_server_error(response, where, problems)


def test_no_hostile_value_gets_a_server_error_or_is_stored(
    app: Flask, ready: World, session: Session
) -> None:
    unlisted = _unlisted_query_parameters(app, ready)
    assert not unlisted, "add these to QUERY_PARAMS:\n" + "\n".join(unlisted)
    problems: list[str] = []
    seconds: dict[str, float] = {}
    for walk in (
        _walk_every_path_segment,
        _walk_every_query_parameter,
        _walk_every_json_field,
        _walk_every_form_field,
    ):
        started = time.perf_counter()
        walk(app, ready, session, problems)
        seconds[walk.__name__.removeprefix("_walk_every_")] = time.perf_counter() - started
    assert not problems, "\n".join(problems)
    _assert_nothing_stored(session)
    total = sum(FIGURES[k] for k in ("paths", "queries", "form_cases", "json"))
    assert FIGURES["paths"] * SHARE > 300
    assert FIGURES["queries"] * SHARE > 300
    assert FIGURES["json"] * SHARE > 500
    assert FIGURES["forms"] >= 25
    print(
        f"\nhostile input: {total} (route, parameter, value) cases, none answered 5xx:"
        f" {FIGURES['paths']} path segments, {FIGURES['queries']} query values,"
        f" {FIGURES['form_cases']} form values ({FIGURES['fields']} fields of"
        f" {FIGURES['forms']} forms), {FIGURES['json']} JSON values; seconds: "
        + ", ".join(f"{name} {value:.1f}" for name, value in seconds.items())
    )


# The reported cases, each of which once answered 500 (the NUL ones on PostgreSQL only).
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/articles/%00", 404),
        ("/sections/a%00b", 404),
        ("/authors/a%00b", 404),
        ("/search?q=a%00b", 400),
        ("/republish?article=%00", 400),
        ("/?page=%C2%B2", 404),
        ("/search?q=story&page=%C2%B2", 404),
        ("/api/v1/articles?page=%C2%B2", 422),
        ("/api/v1/articles?page=99999999999999999999999", 422),
        ("/api/v1/articles?section=a%00b", 422),
        ("/articles/line%0D%0Abreak", 404),
    ],
)
def test_the_reported_addresses_are_refused_in_the_contract(
    client: Any, session: Session, path: str, status: int
) -> None:
    make_article(session, slug="a-story")
    _user, headers = staff(session)
    session.commit()
    response = client.get(path, headers=headers if path.startswith("/api/") else {})
    assert response.status_code == status, path
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "invalid"
    else:
        assert "<html" in response.get_data(as_text=True).lower()


def test_a_nul_in_the_sign_in_email_is_the_forms_own_error(client: Any) -> None:
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "email": "a\x00@example.org", "password": "x"}
    )
    assert response.status_code < 500
    assert "control characters" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("organization", "Outlet\x00", "control characters"),
        ("organization", "Outlet\r\nBcc: x@example.org", "Keep this on one line"),
        ("organization", "Outlet\u2028Two", "Keep this on one line"),
        ("contact_name", "Ines\tMarr", "control characters"),
        ("message", "Hello\x00", "control characters"),
    ],
)
def test_the_application_form_names_the_field_at_fault(
    client: Any, session: Session, field: str, value: str, message: str
) -> None:
    token = csrf_token(client, "/republish/apply")
    data = {
        "csrf_token": token,
        "organization": "Valley Outlet",
        "website": "https://valley.example",
        "contact_name": "Ines Marr",
        "contact_email": "ines@valley.example",
        "outlet_type": "newspaper",
        "monthly_audience": "40000",
        "scope_kind": "all",
        "intended_use": "Print and web.\nBoth.",
        "message": "",
        field: value,
    }
    response = client.post("/republish/apply", data=data)
    assert response.status_code in {200, 400, 422}, response.status_code
    assert message in response.get_data(as_text=True)
    assert (
        session.scalar(
            select(LicenseRequest).where(LicenseRequest.website == "https://valley.example")
        )
        is None
    )


def test_a_multi_line_field_keeps_its_line_breaks(client: Any, session: Session) -> None:
    token = csrf_token(client, "/republish/apply")
    data = {
        "csrf_token": token,
        "organization": "Valley Outlet",
        "website": "https://valley-two.example",
        "contact_name": "Ines Marr",
        "contact_email": "ines@valley-two.example",
        "outlet_type": "newspaper",
        "monthly_audience": "40000",
        "scope_kind": "all",
        "intended_use": "Print.\r\n\tAnd web.",
        "message": "",
    }
    response = client.post("/republish/apply", data=data)
    assert response.status_code in {302, 303}, response.get_data(as_text=True)


def test_the_api_refuses_line_breaks_in_one_line_fields_and_huge_ids(
    client: Any, session: Session
) -> None:
    _user, headers = staff(session)
    article = make_article(session, slug="api-story")
    session.commit()
    base = {
        "headline": "A headline",
        "section": article.section.slug,
        "authors": [article.authors[0].slug],
        "body": "Para one.\n\nPara two.",
    }
    response = client.post(
        "/api/v1/articles", json={**base, "headline": "Two\r\nlines"}, headers=headers
    )
    assert response.status_code == 422
    assert "headline" in response.get_json()["error"]["fields"]
    response = client.post(
        "/api/v1/articles",
        json={**base, "images": [{"image_id": 2**31, "role": "inline"}]},
        headers=headers,
    )
    assert response.status_code == 422
    assert "images[0].image_id" in response.get_json()["error"]["fields"]
    response = client.post(
        "/api/v1/license-requests", json=application(organization="Outlet\u2029Two")
    )
    assert response.status_code == 422
    assert "organization" in response.get_json()["error"]["fields"]
    # A body's paragraphs are not refused.
    assert client.post("/api/v1/articles", json=base, headers=headers).status_code == 201


def test_a_webhook_address_that_does_not_parse_is_the_forms_error(
    client: Any, session: Session
) -> None:
    user = make_partner(session)
    session.commit()
    login(client, user.email)
    token = csrf_token(client, "/portal/webhook")
    response = client.post("/portal/webhook", data={"csrf_token": token, "url": "http://[::1"})
    assert response.status_code in {200, 400, 422}
    assert "could not be read" in response.get_data(as_text=True)


def test_odd_digits_in_numbers_the_views_read(client: Any, session: Session) -> None:
    article = make_article(session, slug="digits-story")
    partner = make_partner(session)
    session.commit()
    response = client.get(f"/articles/{article.slug}/comments?reply_to=%C2%B2")
    assert response.status_code < 500
    login(client, partner.email)
    for path in ("/portal/pickups?days=%C2%B2", "/portal/pickups?days=%D9%A3"):
        assert client.get(path).status_code == 200, path
    token = csrf_token(client, "/portal/webhook")
    for raw in ("%C2%B2", "99999999999"):
        response = client.post(
            "/portal/notices/acknowledge",
            data=f"csrf_token={token}&notice_id={raw}",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 404, raw


def test_a_stored_subject_with_line_breaks_still_makes_an_email() -> None:
    message = OutboxMessage(
        channel="email",
        topic="test",
        recipient="staff@example.org",
        subject="New licensing request from Outlet\r\nBcc: x@example.org\u2028Two",
        body="Body.",
        payload={},
        idempotency_key="k" * 32,
    )
    email = build_email(message, "desk@example.org")
    assert email["Subject"] == "New licensing request from Outlet Bcc: x@example.org Two"
    assert "Bcc" not in email.keys()  # noqa: SIM118 - headers, not a dict
