"""Configuration layers, the production secret rule, and the account commands of the CLI."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.accounts.models import ApiToken, Role, User
from syndicate.accounts.passwords import verify_password
from syndicate.app import create_app
from syndicate.cli import main
from syndicate.config import DEFAULTS, ENV_OVERRIDES, ConfigError, flatten, read_settings
from syndicate.orm import Base
from tests.factories import make_publisher, make_user

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
LONG_PASSWORD = "correct horse battery staple"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No configuration from the surrounding environment; a fresh instance folder."""
    for name in [*ENV_OVERRIDES, "SYNDICATE_CONFIG"]:
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setenv("SYNDICATE_INSTANCE_PATH", str(instance))
    return instance


def write_config(path: Path, text: str) -> Path:
    """Write a TOML file and return its path."""
    path.write_text(text, encoding="utf-8")
    return path


# --- config.example.toml -------------------------------------------------------------------


def test_example_documents_exactly_the_known_settings() -> None:
    with EXAMPLE.open("rb") as stream:
        documented = set(flatten(tomllib.load(stream)))
    undocumented = set(DEFAULTS) - documented
    unknown = documented - set(DEFAULTS)
    assert not undocumented, f"add these settings to config.example.toml: {sorted(undocumented)}"
    assert not unknown, f"config.example.toml names unknown settings: {sorted(unknown)}"


def test_example_shows_the_real_defaults() -> None:
    with EXAMPLE.open("rb") as stream:
        documented = flatten(tomllib.load(stream))
    wrong = {key: value for key, value in documented.items() if DEFAULTS.get(key) != value}
    assert not wrong, f"config.example.toml disagrees with the defaults: {wrong}"


def test_every_documented_key_has_a_comment() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            assert lines[number - 1].lstrip().startswith("#"), f"no comment above: {line}"


def test_example_loads_through_syndicate_config(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNDICATE_CONFIG", str(EXAMPLE))
    settings = read_settings(instance=clean_env)
    assert set(settings) == set(DEFAULTS)
    assert settings["SITE_NAME"] == DEFAULTS["SITE_NAME"]
    assert settings["UPLOADS_RENDITION_WIDTHS"] == [480, 960, 1600]
    # Empty values fall back to the instance folder.
    assert settings["DATABASE_URL"] == f"sqlite:///{clean_env / 'syndicate.db'}"
    assert settings["MEDIA_DIR"] == str(clean_env / "media")
    assert settings["MAIL_DIRECTORY"] == str(clean_env / "mail")


def test_example_boots_the_application(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNDICATE_CONFIG", str(EXAMPLE))
    app = create_app()
    assert app.config["SITE_TAGLINE"] == DEFAULTS["SITE_TAGLINE"]
    # Development without a secret: one is generated into the instance folder and kept.
    key_file = clean_env / "secret_key"
    assert key_file.is_file()
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(app.config["SECRET_KEY"]) >= 32
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]


# --- layers ----------------------------------------------------------------------------------


def test_file_values_win_over_defaults(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "site.toml",
        '[site]\nname = "The Harbour Ledger"\npage_size = 7\n[uploads]\nmax_bytes = 1024\n',
    )
    monkeypatch.setenv("SYNDICATE_CONFIG", str(config))
    settings = read_settings(instance=clean_env)
    assert settings["SITE_NAME"] == "The Harbour Ledger"
    assert settings["SITE_PAGE_SIZE"] == 7
    assert settings["UPLOADS_MAX_BYTES"] == 1024
    assert settings["SITE_TAGLINE"] == DEFAULTS["SITE_TAGLINE"]


def test_environment_wins_over_the_file(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "site.toml",
        'env = "development"\nsecret_key = "from-the-file"\n'
        'database_url = "sqlite:////srv/from-the-file.db"\nmedia_dir = "/srv/file-media"\n',
    )
    monkeypatch.setenv("SYNDICATE_CONFIG", str(config))
    monkeypatch.setenv("SYNDICATE_DATABASE_URL", "postgresql://db.internal/syndicate")
    monkeypatch.setenv("SYNDICATE_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("SYNDICATE_ENV", "production")
    monkeypatch.setenv("SYNDICATE_MEDIA_DIR", "/srv/env-media")
    settings = read_settings(instance=clean_env)
    assert settings["DATABASE_URL"] == "postgresql://db.internal/syndicate"
    assert settings["SECRET_KEY"] == "from-the-environment"
    assert settings["ENV"] == "production"
    assert settings["MEDIA_DIR"] == "/srv/env-media"


def test_explicit_overrides_win_over_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNDICATE_DATABASE_URL", "postgresql://db.internal/syndicate")
    settings = read_settings({"DATABASE_URL": "sqlite:///override.db"}, instance=clean_env)
    assert settings["DATABASE_URL"] == "sqlite:///override.db"


def test_missing_config_file_is_refused(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SYNDICATE_CONFIG", str(tmp_path / "nowhere.toml"))
    with pytest.raises(ConfigError, match="not a file"):
        read_settings(instance=clean_env)


def test_malformed_config_file_is_refused_with_its_name(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "broken.toml", "[site\nname = 'unterminated\n")
    monkeypatch.setenv("SYNDICATE_CONFIG", str(config))
    with pytest.raises(ConfigError, match=r"broken\.toml"):
        read_settings(instance=clean_env)


# --- the production secret -------------------------------------------------------------------


def test_production_without_a_secret_refuses_to_start(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNDICATE_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()
    assert not (clean_env / "secret_key").exists(), "production must not invent a secret"


def test_production_with_a_secret_starts(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNDICATE_ENV", "production")
    monkeypatch.setenv("SYNDICATE_SECRET_KEY", "a-production-secret-of-decent-length-0123")
    monkeypatch.setenv("SYNDICATE_BASE_URL", "https://news.example.org")
    app = create_app()
    assert app.config["SECRET_KEY"] == "a-production-secret-of-decent-length-0123"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert not (clean_env / "secret_key").exists()


def test_serve_refuses_production_without_a_secret_with_a_clear_message(clean_env: Path) -> None:
    env = {**os.environ, "SYNDICATE_ENV": "production"}
    result = subprocess.run(
        [sys.executable, "-c", "from syndicate.cli import main; main()", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Serving on" not in result.stderr


# --- users create ----------------------------------------------------------------------------


def test_users_create_staff_with_password_from_stdin(
    runner: FlaskCliRunner, session: Session
) -> None:
    result = runner.invoke(
        main,
        args=["users", "create", "Editor@Example.org", "--role", "staff", "--password-stdin"],
        input=LONG_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "editor@example.org"))
    assert user is not None
    assert user.role is Role.STAFF
    assert user.password_hash is not None
    assert LONG_PASSWORD not in user.password_hash
    assert verify_password(user.password_hash, LONG_PASSWORD)


def test_users_create_partner_needs_a_publisher(runner: FlaskCliRunner, session: Session) -> None:
    result = runner.invoke(main, args=["users", "create", "p@outlet.example", "--role", "partner"])
    assert result.exit_code == 1
    assert "--publisher" in result.output
    assert session.scalar(select(User).where(User.email == "p@outlet.example")) is None


def test_users_create_partner_with_unknown_publisher_is_refused(
    runner: FlaskCliRunner, session: Session
) -> None:
    result = runner.invoke(
        main,
        args=["users", "create", "p@outlet.example", "--role", "partner", "--publisher", "nope"],
    )
    assert result.exit_code == 1
    assert "no publisher" in result.output
    assert session.scalar(select(User).where(User.email == "p@outlet.example")) is None


def test_users_create_partner_with_publisher(runner: FlaskCliRunner, session: Session) -> None:
    publisher = make_publisher(session, slug="valley-courier")
    session.commit()
    result = runner.invoke(
        main,
        args=[
            "users", "create", "desk@valley.example", "--role", "partner",
            "--publisher", "valley-courier",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "desk@valley.example"))
    assert user is not None
    assert user.role is Role.PARTNER
    assert user.publisher_id == publisher.id
    assert user.password_hash is None


def test_users_create_refuses_a_duplicate_address(runner: FlaskCliRunner, session: Session) -> None:
    make_user(session, email="taken@example.org")
    session.commit()
    result = runner.invoke(main, args=["users", "create", "TAKEN@example.org", "--role", "staff"])
    assert result.exit_code == 1
    assert "already exists" in result.output
    count = session.scalars(select(User).where(User.email == "taken@example.org")).all()
    assert len(count) == 1


def test_users_create_refuses_a_short_password(runner: FlaskCliRunner, session: Session) -> None:
    result = runner.invoke(
        main,
        args=["users", "create", "short@example.org", "--role", "staff", "--password-stdin"],
        input="tiny\n",
    )
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert session.scalar(select(User).where(User.email == "short@example.org")) is None


def test_users_create_refuses_an_empty_password(runner: FlaskCliRunner, session: Session) -> None:
    result = runner.invoke(
        main,
        args=["users", "create", "empty@example.org", "--role", "staff", "--password-stdin"],
        input="\n",
    )
    assert result.exit_code == 1
    assert "no password" in result.output
    assert session.scalar(select(User).where(User.email == "empty@example.org")) is None


def test_users_create_refuses_a_bad_address(runner: FlaskCliRunner) -> None:
    result = runner.invoke(main, args=["users", "create", "not-an-address", "--role", "staff"])
    assert result.exit_code == 1
    assert "not a valid e-mail address" in result.output


def test_users_create_refuses_an_unknown_role(runner: FlaskCliRunner) -> None:
    result = runner.invoke(main, args=["users", "create", "x@example.org", "--role", "admin"])
    assert result.exit_code == 2
    assert "admin" in result.output


# --- tokens create ---------------------------------------------------------------------------


def _all_rows_as_text(session: Session) -> str:
    """Every value of every table, as one string to search."""
    chunks: list[str] = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).all():
            chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


def test_tokens_create_prints_only_the_token_and_stores_only_a_hash(
    runner: FlaskCliRunner, session: Session
) -> None:
    user = make_user(session, email="api@example.org")
    session.commit()
    result = runner.invoke(main, args=["tokens", "create", "api@example.org"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, f"stdout must hold the token alone: {result.stdout!r}"
    secret = lines[0]
    assert secret.startswith("synd_api_")
    assert len(secret) >= len("synd_api_") + 43  # 256 bits in URL-safe base64

    token = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token is not None
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = _all_rows_as_text(session)
    assert secret not in stored
    assert secret.removeprefix("synd_api_") not in stored


def test_tokens_create_for_an_unknown_user_is_refused(
    runner: FlaskCliRunner, session: Session
) -> None:
    result = runner.invoke(main, args=["tokens", "create", "ghost@example.org"])
    assert result.exit_code == 1
    assert "no user" in result.output
    assert session.scalars(select(ApiToken)).all() == []


def test_tokens_create_for_a_disabled_user_is_refused(
    runner: FlaskCliRunner, session: Session
) -> None:
    user = make_user(session, email="gone@example.org")
    user.is_enabled = False
    session.commit()
    result = runner.invoke(main, args=["tokens", "create", "gone@example.org"])
    assert result.exit_code == 1
    assert "disabled" in result.output
    assert session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all() == []
