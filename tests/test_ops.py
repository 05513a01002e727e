"""Operating the service: /healthz, /readyz, the worker's heartbeat, and the Prometheus
metrics with their access control (in one process; tests/test_serve_metrics.py runs real
gunicorn workers)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syndicate.app import create_app
from syndicate.migrate import alembic_config, upgrade
from syndicate.ops import metrics
from syndicate.ops.heartbeat import last_heartbeat, record_heartbeat
from syndicate.orm import utcnow
from syndicate.outbox.models import MessageStatus, OutboxMessage
from syndicate.syndication.cache import store_for
from tests.factories import make_article, make_section

TOKEN = "metrics-token-for-the-scraper"
TOKEN_SHA256 = hashlib.sha256(TOKEN.encode()).hexdigest()


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


Figures = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def value(figures: Figures, name: str, **labels: str) -> float:
    """One sample's value, 0 when absent."""
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


def gained(before: Figures, after: Figures, name: str, **labels: str) -> float:
    """How much one sample rose from one scrape to the next."""
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
def open_metrics(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Metrics readable from the test client's address."""
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_ADDRESSES", ["127.0.0.1/32"])


def scrape(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """GET the metrics; they must be readable."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.data
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


# --- probes ---------------------------------------------------------------------------------


@pytest.fixture
def unreachable_app(tmp_path: Path) -> Iterator[Flask]:
    """The application with a database that cannot be opened."""
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'missing-folder' / 'nothing.db'}",
            "SITE_BASE_URL": "http://localhost",
        }
    )
    yield application
    application.extensions["syndicate.db"].dispose()


def test_healthz_answers_without_a_database(unreachable_app: Flask) -> None:
    client = unreachable_app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {
        "status": "not ready",
        "checks": {"database": "failing", "migrations": "unknown", "worker": "unknown"},
    }


def test_metrics_still_answer_when_the_database_does_not(unreachable_app: Flask) -> None:
    unreachable_app.config["METRICS_ALLOWED_ADDRESSES"] = ["127.0.0.1/32"]
    client = unreachable_app.test_client()
    assert client.get("/healthz").status_code == 200
    figures = scrape(client)
    assert value(figures, "syndicate_database_up") == 0
    assert (
        value(
            figures,
            "syndicate_http_requests_total",
            route="ops.healthz",
            method="GET",
            status="200",
        )
        >= 1
    )


def test_readyz_needs_a_recent_worker_heartbeat(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    assert last_heartbeat(session) is None
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "worker": "never",
    }
    stale = utcnow() - timedelta(seconds=int(app.config["HEALTH_WORKER_MAX_AGE_SECONDS"]) + 5)
    record_heartbeat(session, stale)
    session.commit()
    assert client.get("/readyz").get_json()["checks"]["worker"] == "stale"
    record_heartbeat(session)
    session.commit()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "worker": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"
    beat = last_heartbeat(session)
    assert beat is not None
    assert beat.rounds == 2


def test_the_worker_beats_every_round(runner: FlaskCliRunner, session: Session) -> None:
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    first = last_heartbeat(session)
    assert first is not None
    assert utcnow() - first.at < timedelta(seconds=30)
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    second = last_heartbeat(session)
    assert second is not None
    assert second.rounds == first.rounds + 1


def test_readyz_sees_a_schema_behind_the_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    scripts = ScriptDirectory.from_config(alembic_config(url))
    [head] = scripts.get_heads()
    previous = scripts.get_revision(head).down_revision
    assert isinstance(previous, str)
    upgrade(url, previous)
    application = create_app(
        {"TESTING": True, "SECRET_KEY": "k" * 20, "DATABASE_URL": url, "SITE_BASE_URL": "http://x"}
    )
    try:
        response = application.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"]["migrations"] == "behind"
    finally:
        application.extensions["syndicate.db"].dispose()


# --- access to the metrics --------------------------------------------------------------


def test_metrics_are_refused_by_default(client: FlaskClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 403
    assert b"syndicate_" not in response.data


def test_metrics_are_refused_to_an_address_outside_the_allowed_networks(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_ADDRESSES", ["10.0.0.0/8", "::1/128"])
    for address in ("127.0.0.1", "192.0.2.10", "11.0.0.1"):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 403, address
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert response.status_code == 200
    assert b"syndicate_http_requests_total" in response.data


def test_metrics_take_the_bearer_token_whose_hash_is_configured(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "METRICS_TOKEN_SHA256", TOKEN_SHA256)
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    for header in (
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        "Bearer ",
        TOKEN,
        f"Bearer {TOKEN_SHA256}",
    ):
        response = client.get("/metrics", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert b"syndicate_" not in response.data
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert b"syndicate_http_requests_total" in response.data


def test_the_metrics_path_is_configurable(database_url: str) -> None:
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "DATABASE_URL": database_url,
            "SITE_BASE_URL": "http://localhost",
            "METRICS_PATH": "/internal/prometheus",
            "METRICS_TOKEN_SHA256": TOKEN_SHA256,
        }
    )
    try:
        client = application.test_client()
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert client.get("/internal/prometheus", headers=bearer).status_code == 200
        assert client.get("/metrics", headers=bearer).status_code == 404
    finally:
        application.extensions["syndicate.db"].dispose()


# --- what the metrics say ---------------------------------------------------------------


@pytest.mark.usefixtures("open_metrics")
def test_requests_are_counted_by_route_not_by_path(client: FlaskClient, session: Session) -> None:
    sections = [make_section(session, slug=f"metrics-desk-{n}") for n in range(3)]
    session.commit()
    before = scrape(client)
    for section in sections:
        assert client.get(f"/sections/{section.slug}").status_code == 200
    assert client.get("/no/such/page-7f3a").status_code == 404
    assert client.get("/sections/no-such-section-7f3a").status_code == 404
    assert client.post("/healthz").status_code == 405
    body = client.get("/metrics").get_data(as_text=True)
    after = samples(body)

    delta = partial(gained, before, after)
    total = "syndicate_http_requests_total"
    assert delta(total, route="public.section", method="GET", status="200") == 3
    assert delta(total, route="public.section", method="GET", status="404") == 1
    assert delta(total, route="(unmatched)", method="GET", status="404") == 1
    assert delta(total, route="(unmatched)", method="POST", status="405") == 1
    assert delta("syndicate_http_request_duration_seconds_count", route="public.section") == 4
    # Paths never become labels: the number of series stays bounded.
    assert "metrics-desk" not in body
    assert "7f3a" not in body


@pytest.mark.usefixtures("open_metrics")
def test_pages_answered_from_memory_are_counted_under_their_endpoint(
    client: FlaskClient, app: Flask, session: Session
) -> None:
    """The page cache answers in front of the metrics middleware and counts those answers
    itself, as Flask's would have been counted."""
    story = make_article(session, headline="Harbour lights repaired")
    session.commit()
    path = f"/articles/{story.slug}"
    pages = app.extensions["syndicate.pagecache"]
    first = client.get(path)
    assert first.status_code == 200
    before, hits = scrape(client), pages.hits
    assert client.get(path).status_code == 200
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.head(path).status_code == 200
    assert pages.hits == hits + 3
    after = scrape(client)

    rose = partial(gained, before, after)
    total = "syndicate_http_requests_total"
    assert rose(total, route="public.article", method="GET", status="200") == 1
    assert rose(total, route="public.article", method="GET", status="304") == 1
    assert rose(total, route="public.article", method="HEAD", status="200") == 1
    assert rose("syndicate_http_request_duration_seconds_count", route="public.article") == 3
    assert rose("syndicate_http_request_duration_seconds_sum", route="public.article") > 0


@pytest.mark.usefixtures("open_metrics")
def test_a_failure_answering_a_page_from_memory_is_counted_as_a_500(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = make_article(session, headline="Library hours extended")
    session.commit()
    path = f"/articles/{story.slug}"
    assert client.get(path).status_code == 200
    before = scrape(client)

    def broken(*_args: Any) -> Any:
        raise RuntimeError("answer failed")

    monkeypatch.setattr("syndicate.web.pagecache.answer", broken)
    with pytest.raises(RuntimeError, match="answer failed"):
        client.get(path)
    after = scrape(client)
    labels = {"route": "public.article", "method": "GET", "status": "500"}
    total = "syndicate_http_requests_total"
    assert gained(before, after, total, **labels) == 1


@pytest.mark.usefixtures("open_metrics")
def test_feed_fetches_and_cache_hits_are_counted(client: FlaskClient, session: Session) -> None:
    make_article(session)
    session.commit()
    before = scrape(client)
    first = client.get("/feeds/public.atom")
    assert first.status_code == 200
    assert client.get("/feeds/public.atom").status_code == 200
    again = client.get("/feeds/public.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    after = scrape(client)
    fetches = "syndicate_feed_fetches_total"
    assert gained(before, after, fetches, feed="public.feed_atom", status="200") == 2
    assert gained(before, after, fetches, feed="public.feed_atom", status="304") == 1
    hits = "syndicate_cache_hits_total"
    kinds = {dict(labels)["cache"] for name, labels in after if name == hits}
    # The repeat and the revalidation were answered from memory.
    assert sum(gained(before, after, hits, cache=kind) for kind in kinds) >= 2
    ratios = {
        dict(labels)["cache"]: v
        for (name, labels), v in after.items()
        if name == "syndicate_cache_hit_ratio"
    }
    assert ratios
    assert all(0 < ratio <= 1 for ratio in ratios.values())


@pytest.mark.usefixtures("open_metrics")
def test_a_scrape_leaves_out_a_workers_file_still_being_created(
    client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """prometheus_client creates a worker's file empty and sizes it a moment later: a scrape
    that finds it in between still answers, with every other worker's counts."""
    labels = {"route": "public.home", "method": "GET", "status": "200"}
    written = MmapedDict(str(tmp_path / "counter_101.db"))
    key = mmap_key(
        "syndicate_http_requests",
        "syndicate_http_requests_total",
        list(labels),
        list(labels.values()),
        "HTTP requests answered, by route (endpoint), method and status.",
    )
    written.write_value(key, 7.0, 0.0)
    written.close()
    (tmp_path / "counter_102.db").touch()  # another worker's, not sized yet
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    figures = scrape(client)
    assert value(figures, "syndicate_http_requests_total", **labels) == 7.0


def test_a_flush_alone_copies_the_cache_counts_into_the_counters(app: Flask) -> None:
    """A worker that only answers from memory (no request reaches Flask) still publishes
    its cache hits and misses: the tally's flush copies them, as its timer runs it."""
    store = store_for(app)
    key = ("page", "flush-only")

    def counted(name: str) -> float:
        return metrics.LOCAL.get_sample_value(name, {"cache": "page"}) or 0.0

    metrics.flush()
    hits, misses = counted("syndicate_cache_hits_total"), counted("syndicate_cache_misses_total")
    assert store.get(key, 1, None) is None
    assert store.put(key, 1, "kept", 10)
    assert store.get(key, 1, None) == "kept"
    assert store.get(key, 1, None) == "kept"
    metrics.flush()
    assert counted("syndicate_cache_hits_total") - hits == 2
    assert counted("syndicate_cache_misses_total") - misses == 1


@pytest.mark.usefixtures("open_metrics")
def test_outbox_depth_dead_letters_and_heartbeat_are_read_from_the_database(
    client: FlaskClient, session: Session
) -> None:
    for n, status in enumerate(
        [MessageStatus.PENDING] * 3 + [MessageStatus.DEAD] * 2 + [MessageStatus.SENT]
    ):
        session.add(
            OutboxMessage(
                topic="test",
                recipient=f"r{n}@example.org",
                idempotency_key=f"metrics-{n}",
                status=status,
            )
        )
    beat = utcnow() - timedelta(seconds=30)
    record_heartbeat(session, beat)
    session.commit()

    def count(status: MessageStatus) -> int:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == status)
            )
            or 0
        )

    figures = scrape(client)
    assert value(figures, "syndicate_database_up") == 1
    assert value(figures, "syndicate_outbox_depth") == count(MessageStatus.PENDING) >= 3
    assert value(figures, "syndicate_outbox_dead_letters") == count(MessageStatus.DEAD) >= 2
    assert value(figures, "syndicate_worker_heartbeat_timestamp_seconds") == pytest.approx(
        beat.timestamp()
    )
    assert 30 <= value(figures, "syndicate_worker_heartbeat_age_seconds") < 90
    assert value(figures, "syndicate_worker_rounds_total") == 1
