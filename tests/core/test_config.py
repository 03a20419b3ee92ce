"""Configuration: defaults, `.env`, and one clear line for every bad value."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from sanic_chat.config import ConfigError, ensure_development_secrets, load_settings

REPOSITORY = Path(__file__).resolve().parents[2]
SECRET_VARIABLES = ("JWT_ACCESS_SECRET", "REFRESH_TOKEN_SECRET")

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
    secret = secrets.token_urlsafe(48)
    with pytest.raises(ConfigError, match=r"^invalid REFRESH_TOKEN_SECRET: "):
        load_settings(JWT_ACCESS_SECRET=secret, REFRESH_TOKEN_SECRET=secret)


@pytest.mark.parametrize("variable", SECRET_VARIABLES)
@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("change-me-access-secret-at-least-32-bytes", "placeholder published"),
        ("change-me-refresh-secret-at-least-32-bytes", "placeholder published"),
        (" " * 32, "only whitespace"),
        ("\t \n" * 16, "only whitespace"),
        ("a" * 64, "distinct characters"),
        ("abab" * 16, "distinct characters"),
        ("Tr0ub4dor&" * 4, "repeats a shorter sequence"),
    ],
)
def test_a_guessable_secret_is_refused_in_one_line(monkeypatch, variable, secret, reason):
    monkeypatch.setenv(variable, secret)
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"invalid {variable}: ")
    assert reason in message
    assert "\n" not in message
    assert "secrets.token_urlsafe" in message  # says how to make a good one


@pytest.mark.parametrize("make", [secrets.token_urlsafe, secrets.token_hex])
def test_a_random_secret_is_accepted(make):
    access, refresh = make(32), make(32)
    settings = load_settings(JWT_ACCESS_SECRET=access, REFRESH_TOKEN_SECRET=refresh)
    assert (settings.jwt_access_secret, settings.refresh_token_secret) == (access, refresh)


def _secrets_shown_in(text: str) -> list[str]:
    """Values the text gives the secrets: `NAME=value` lines and `${NAME:-default}` defaults."""
    names = "|".join(SECRET_VARIABLES)
    assigned = re.findall(
        rf"^\s*(?:export\s+)?(?:{names})\s*[=:]\s*[\"']?([^\"'\s$`]+)", text, re.M
    )
    defaults = re.findall(rf"\$\{{(?:{names}):?-([^}}]*)\}}", text)
    return [value for value in assigned + defaults if value]


def test_no_secret_shown_in_the_repository_is_accepted():
    files = [
        REPOSITORY / "docker-compose.yml",
        REPOSITORY / "README.md",
        REPOSITORY / "SECURITY.md",
    ]
    files += list(REPOSITORY.glob("*.env*")) + list(REPOSITORY.glob(".env*"))
    files += sorted((REPOSITORY / "docs").rglob("*.md"))
    shown = [
        value for path in files if path.is_file() for value in _secrets_shown_in(path.read_text())
    ]
    for value in shown:
        with pytest.raises(ConfigError):
            load_settings(JWT_ACCESS_SECRET=value)
    # The one check above would pass on an empty list: prove the scanner reads both forms.
    assert _secrets_shown_in("JWT_ACCESS_SECRET=abc\nx: ${REFRESH_TOKEN_SECRET:-def}") == [
        "abc",
        "def",
    ]


def test_docker_compose_requires_the_secrets_instead_of_defaulting_them():
    compose = (REPOSITORY / "docker-compose.yml").read_text()
    for name in SECRET_VARIABLES:
        # `${NAME:?message}`: `docker compose up` stops and prints the message when it is unset.
        required = re.search(rf"{name}: \"\$\{{{name}:\?([^}}]+)\}}\"", compose)
        assert required, f"{name} must be required in docker-compose.yml"
        assert "secrets.token_urlsafe" in required.group(1)
