"""First impressions and daily use: the public address follows the port served, "keep me
signed in" keeps you signed in, and small things read right (closed threads, agency photos,
the page for a missing address)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.accounts.models import User
from syndicate.app import create_app
from syndicate.config import ENV_OVERRIDES, ConfigError, read_settings
from syndicate.content.rights import RightsClass
from syndicate.media import MediaStore
from tests.conftest import TEST_PASSWORD, csrf_token, login
from tests.factories import make_article, make_image, make_user

SESSION = "syndicate_session"
REMEMBER = "syndicate_remember"
CONSOLE_PAGES = ["/staff/", "/staff/articles", "/staff/images", "/staff/audit"]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No configuration and no PORT from the surrounding environment; a fresh instance."""
    for name in [*ENV_OVERRIDES, "SYNDICATE_CONFIG", "SYNDICATE_BASE_URL", "PORT"]:
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setenv("SYNDICATE_INSTANCE_PATH", str(instance))
    return instance


# ---- the public address ---------------------------------------------------------------------


def test_development_address_follows_the_port_served(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert read_settings(instance=clean_env)["SITE_BASE_URL"] == "http://127.0.0.1:5000"
    monkeypatch.setenv("PORT", "8000")
    assert read_settings(instance=clean_env)["SITE_BASE_URL"] == "http://127.0.0.1:8000"


def test_syndicate_base_url_sets_the_address_over_the_file_and_the_port(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[site]\nbase_url = "https://file.example.org"\n', encoding="utf-8")
    monkeypatch.setenv("SYNDICATE_CONFIG", str(config))
    monkeypatch.setenv("PORT", "8000")
    assert read_settings(instance=clean_env)["SITE_BASE_URL"] == "https://file.example.org"
    monkeypatch.setenv("SYNDICATE_BASE_URL", "https://news.example.org/")
    assert read_settings(instance=clean_env)["SITE_BASE_URL"] == "https://news.example.org"


def test_production_refuses_to_start_without_an_address(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNDICATE_ENV", "production")
    monkeypatch.setenv("SYNDICATE_SECRET_KEY", "a-production-secret-of-decent-length-0123")
    monkeypatch.setenv("PORT", "8000")
    with pytest.raises(ConfigError, match="SYNDICATE_BASE_URL"):
        create_app()
    monkeypatch.setenv("SYNDICATE_BASE_URL", "https://news.example.org")
    assert create_app().config["SITE_BASE_URL"] == "https://news.example.org"


# ---- keep me signed in ----------------------------------------------------------------------


@pytest.fixture
def editor(session: Session) -> User:
    user = make_user(session, email="day.editor@example.org")
    session.commit()
    return user


def test_a_remembered_sign_in_lasts_after_the_browser_session_ends(
    client: FlaskClient, editor: User
) -> None:
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={
            "email": editor.email,
            "password": TEST_PASSWORD,
            "remember": "y",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    client.delete_cookie(SESSION)  # what closing the browser does
    for path in CONSOLE_PAGES:
        response = client.get(path)
        assert response.status_code == 200, f"{path} → {response.headers.get('Location')}"
        assert client.get_cookie(REMEMBER) is not None, f"{path} dropped the remember cookie"
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/staff/")})
    assert response.status_code == 302
    assert client.get_cookie(REMEMBER) is None
    client.delete_cookie(SESSION)
    assert client.get("/staff/").status_code == 302


# ---- small things ---------------------------------------------------------------------------


def test_a_closed_thread_without_comments_does_not_invite_any(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session, comments_open=False)
    session.commit()
    page = client.get(f"/articles/{story.slug}").get_data(as_text=True)
    assert "Comments are closed." in page
    assert "No thoughts yet" not in page


def test_an_agency_photo_is_never_shown_as_allowed_for_partners(
    app, client: FlaskClient, session: Session, editor: User
) -> None:
    image = make_image(
        session,
        MediaStore(app.config["MEDIA_DIR"]),
        rights_class=RightsClass.AGENCY,
        organization="Wire Agency",
        partner_allowed=True,
    )
    session.commit()
    assert login(client, editor.email).status_code == 302
    page = client.get(f"/staff/images/{image.id}").get_data(as_text=True)
    assert "Never (agency photo)" in page
    box = page.split('name="partner_allowed"', 1)
    assert len(box) == 2, "the form has no partner permission box"
    tag = page[page.rfind("<input", 0, len(box[0])) : len(box[0]) + box[1].find(">")]
    assert "checked" not in tag, tag


def test_the_missing_page_speaks_the_house_style(client: FlaskClient) -> None:
    response = client.get("/no-such-page-anywhere")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "We could not find that page" in page
    assert "There is no page at this address" in page
    assert "requested URL" not in page
    assert "check your spelling" not in page
    assert 'href="/search"' in page
