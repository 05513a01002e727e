"""Helpers for the newswire tests: a real webhook receiver, embargoed stories, feeds."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.content.models import Article
from syndicate.content.services import publish_article, set_embargo
from syndicate.orm import utcnow
from syndicate.syndication.views import feed_cache
from tests.factories import make_article


@dataclass
class Delivery:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        """The body as JSON."""
        data: dict[str, Any] = json.loads(self.body)
        return data


@dataclass
class Receiver:
    """A webhook endpoint on loopback that records requests and answers scripted statuses."""

    url: str
    statuses: list[int] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    processed: dict[str, Delivery] = field(default_factory=dict)

    def unique(self) -> list[Delivery]:
        """Deliveries deduplicated by their idempotency key, as a careful receiver would."""
        return list(self.processed.values())


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 (port 0), in a thread, for the length of a test."""
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                delivery = Delivery({k.lower(): v for k, v in self.headers.items()}, body)
                state.deliveries.append(delivery)
                status = state.statuses.pop(0) if state.statuses else 200
                if 200 <= status < 300:
                    key = delivery.headers.get("idempotency-key", "")
                    state.processed.setdefault(key, delivery)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/notices"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def cold_feed_cache(app: Flask) -> Iterator[None]:
    """Rolled-back data repeats ids and versions: every test starts with an empty cache."""
    feed_cache(app).clear()
    yield
    feed_cache(app).clear()


def embargoed_story(
    session: Session,
    *,
    preview_ago: timedelta = timedelta(hours=1),
    release_in: timedelta = timedelta(hours=2),
    **kw: Any,
) -> Article:
    """A story scheduled ``release_in`` from now, previewable by entitled partners."""
    now = utcnow()
    article = make_article(session, publish=False, **kw)
    publish_article(session, article, release_at=now + release_in, actor_id=None)
    set_embargo(session, article, now - preview_ago, actor_id=None)
    return article


def release_now(session: Session, article: Article, at: datetime | None = None) -> None:
    """Move a scheduled story's release into the past (time passing, without waiting)."""
    article.released_at = at or utcnow() - timedelta(seconds=1)
    session.flush()


def partner_feed(client: FlaskClient, fmt: str, secret: str) -> bytes:
    """A partner feed's bytes, asserting a 200."""
    response = client.get(f"/feeds/partner.{fmt}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.data
