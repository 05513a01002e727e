"""The configuration is validated: a typo or a wrong type stops start-up, and says where."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from syndicate.config import DEFAULTS, ENV_OVERRIDES, ConfigError, read_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No configuration from the surrounding environment; a fresh instance folder."""
    for name in [*ENV_OVERRIDES, "SYNDICATE_CONFIG"]:
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setenv("SYNDICATE_INSTANCE_PATH", str(instance))
    return instance


def refusal(monkeypatch: pytest.MonkeyPatch, path: Path, text: str, instance: Path) -> str:
    """The message with which the configuration ``text`` (written to ``path``) is refused."""
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SYNDICATE_CONFIG", str(path))
    with pytest.raises(ConfigError) as caught:
        read_settings(instance=instance)
    return str(caught.value)


def test_an_unknown_key_names_the_file_the_section_the_key_and_the_nearest(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "desk.toml"
    message = refusal(monkeypatch, path, "[cache]\nversion_trust_sm = 80\n", clean_env)
    assert str(path) in message
    assert "[cache]" in message
    assert "version_trust_sm" in message
    assert 'did you mean "version_trust_ms"' in message


def test_a_wrong_type_names_the_key_and_the_value(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "desk.toml"
    for text, key, section in (
        ('[site]\npage_size = "20"\n', "page_size", "[site]"),
        ("[feeds]\nfast_path = 1\n", "fast_path", "[feeds]"),
        ('[uploads]\nrendition_widths = [480, "wide"]\n', "rendition_widths", "[uploads]"),
        ('[session_cookie]\nsamesite = "lax-ish"\n', "samesite", "[session_cookie]"),
        ("trusted_proxies = true\n", "trusted_proxies", "top level"),
        ('env = "prod"\n', "env", "top level"),
        ('site = "The Harbour Ledger"\n', "[site]", "table"),
    ):
        message = refusal(monkeypatch, path, text, clean_env)
        assert str(path) in message, text
        assert key in message, (text, message)
        assert section in message, (text, message)


def test_unknown_sections_and_misplaced_keys_point_to_the_right_place(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "desk.toml"
    message = refusal(monkeypatch, path, '[sight]\nname = "x"\n', clean_env)
    assert "unknown section [sight]" in message
    assert "did you mean [site]" in message
    message = refusal(monkeypatch, path, 'tagline = "x"\n', clean_env)
    assert 'did you mean "tagline" in section [site]' in message
    message = refusal(monkeypatch, path, 'sekret_key = "x"\n', clean_env)
    assert 'did you mean "secret_key"' in message
    message = refusal(monkeypatch, path, "[mail]\nfrm = 'desk@example.org'\n", clean_env)
    assert 'did you mean "from"' in message


def test_a_wrong_environment_value_names_the_variable(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNDICATE_ENV", "prod")
    with pytest.raises(ConfigError, match="SYNDICATE_ENV") as caught:
        read_settings(instance=clean_env)
    assert "production" in str(caught.value)


def test_valid_values_still_load_and_the_environment_still_wins(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "desk.toml"
    path.write_text(
        'env = "development"\n[site]\nbase_url = "https://file.example.org"\npage_size = 7\n'
        '[mail]\nfrom = "Desk <desk@example.org>"\n[ratelimit]\nkey_prefix = "desk"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SYNDICATE_CONFIG", str(path))
    monkeypatch.setenv("SYNDICATE_BASE_URL", "https://news.example.org")
    settings = read_settings(instance=clean_env)
    assert settings["SITE_PAGE_SIZE"] == 7
    assert settings["SITE_BASE_URL"] == "https://news.example.org"
    assert settings["MAIL_FROM"] == "Desk <desk@example.org>"
    assert settings["RATELIMIT_KEY_PREFIX"] == "desk"
    assert set(settings) == set(DEFAULTS)


def test_an_unknown_key_stops_the_command_line_with_the_message(tmp_path: Path) -> None:
    path = tmp_path / "desk.toml"
    path.write_text("[cache]\nversion_trust_sm = 80\n", encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ENV_OVERRIDES},
        "SYNDICATE_CONFIG": str(path),
        "SYNDICATE_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    result = subprocess.run(
        [sys.executable, "-c", "from syndicate.cli import main; main()", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert f'{path}: unknown key "version_trust_sm" in section [cache]' in result.stderr
    assert 'did you mean "version_trust_ms"' in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "instance" / "syndicate.db").exists()


def test_the_example_fits_the_model_exactly() -> None:
    """Every key of config.example.toml is valid with the model's type and default, and
    every key of the model is documented there."""
    from syndicate.settings import Settings, paths, validated

    with EXAMPLE.open("rb") as stream:
        example = tomllib.load(stream)
    assert validated(example, origin=str(EXAMPLE)) == Settings()
    documented = {
        (section, key) if isinstance(values, dict) else (section,)
        for section, values in example.items()
        for key in (values if isinstance(values, dict) else [None])
    }
    assert documented == set(paths().values())
