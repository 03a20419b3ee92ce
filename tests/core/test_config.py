"""Configuration: defaults, `.env`, and one clear line for every bad value."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sanic_chat.config import ConfigError, ensure_development_secrets, load_settings

VARIABLES = (
    "PORT",
    "DATABASE_URL",
    "JWT_ACCESS_SECRET",
    "REFRESH_TOKEN_SECRET",
    "JWT_ACCESS_EXPIRES_IN",
    "REDIS_URL",
    "WORKERS",
    "CORS_ORIGINS",
    "PLUGINS_DISABLED",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in VARIABLES:
        # set-then-delete makes monkeypatch restore the original, even what the test adds
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "70000"),
        ("DATABASE_URL", "mysql://db/chat"),
        ("JWT_ACCESS_EXPIRES_IN", "-1"),
        ("REDIS_URL", "http://cache"),
        ("JWT_ACCESS_SECRET", "too-short"),
        ("WORKERS", "0"),
    ],
)
def test_bad_values_fail_with_one_line_naming_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"invalid {variable}:")
    assert "\n" not in message


def test_the_cli_prints_one_line_and_exits_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sanic_chat", "plugins"],
        env={**os.environ, "PORT": "not-a-port"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "sanic-chat: invalid PORT: Input should be a valid integer, unable to parse string as an "
        "integer"
    ]


def test_nothing_set_means_embedded_sqlite_and_generated_secrets():
    settings = load_settings()
    assert settings.is_sqlite
    assert settings.port == 3000
    assert settings.jwt_access_expires_in == 3600
    assert settings.jwt_refresh_expires_in == 604800
    generated = ensure_development_secrets()
    assert generated == ["JWT_ACCESS_SECRET", "REFRESH_TOKEN_SECRET"]
    settings = load_settings()
    assert len(settings.jwt_access_secret) >= 32
    assert settings.jwt_access_secret != settings.refresh_token_secret
    assert ensure_development_secrets() == []  # set once, inherited by workers


def test_dotenv_and_lists(tmp_path):
    (tmp_path / ".env").write_text(
        "PORT=4100\nCORS_ORIGINS=https://a.example, https://b.example\n"
        "PLUGINS_DISABLED=conversation\nDATABASE_URL=postgres://u@h:5432/chat\n"
    )
    settings = load_settings()
    assert settings.port == 4100
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.plugins_disabled == ["conversation"]
    assert not settings.is_sqlite


def test_cross_field_rules():
    with pytest.raises(ConfigError, match=r"^invalid WORKERS: "):
        load_settings(WORKERS=2)
    with pytest.raises(ConfigError, match=r"^invalid WORKERS: .*SQLite"):
        load_settings(WORKERS=2, REDIS_URL="redis://localhost:6379/0")
    postgres = "postgresql://postgres@127.0.0.1:5432/chat"
    redis = "redis://localhost:6379/0"
    assert load_settings(WORKERS=2, REDIS_URL=redis, DATABASE_URL=postgres).workers == 2
    secret = "s" * 40
    with pytest.raises(ConfigError, match=r"^invalid REFRESH_TOKEN_SECRET: "):
        load_settings(JWT_ACCESS_SECRET=secret, REFRESH_TOKEN_SECRET=secret)
