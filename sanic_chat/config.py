"""Typed configuration read from the environment and an optional `.env` file.

Variable names are the seed service's (`PORT`, `DATABASE_URL`, `JWT_ACCESS_SECRET`, ...), so an
existing deployment's environment keeps working. With nothing set the service still starts: an
embedded SQLite file and development secrets generated for this run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

log = logging.getLogger("sanic_chat")

DEFAULT_DATABASE_URL = "sqlite://sanic-chat.sqlite3"
DATABASE_SCHEMES = {"postgres", "postgresql", "sqlite"}
MIN_SECRET_BYTES = 32
GENERATED_SECRETS = ("JWT_ACCESS_SECRET", "REFRESH_TOKEN_SECRET")
# A random secret of 32 characters or more uses far more distinct characters than this (even a
# hexadecimal one uses ~14 of its 16); fewer means a pattern a person typed.
MIN_SECRET_DISTINCT_CHARACTERS = 8
# Placeholders this project has published (docker-compose.yml, README): anyone can sign tokens
# with them. A test reads the repository's files and checks every value they show is refused.
PUBLISHED_SECRETS = frozenset(
    {
        "change-me-access-secret",
        "change-me-refresh-secret",
        "change-me-access-secret-at-least-32-bytes",
        "change-me-refresh-secret-at-least-32-bytes",
        "test-access-secret-0123456789abcdef",
        "test-refresh-secret-0123456789abcdef",
        "a-secret-of-at-least-thirty-two-bytes",
    }
)
HOW_TO_GENERATE = "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"


class ConfigError(Exception):
    """A configuration value is wrong; the message is one line naming the variable."""


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    port: int = Field(3000, alias="PORT", ge=1, le=65535)
    host: str = Field("0.0.0.0", alias="HOST")
    workers: int = Field(1, alias="WORKERS", ge=1, le=256)
    database_url: str = Field(DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    database_pool_max: int = Field(10, alias="DATABASE_POOL_MAX", ge=1, le=1000)
    redis_url: str | None = Field(None, alias="REDIS_URL")

    jwt_access_secret: str = Field("", alias="JWT_ACCESS_SECRET")
    jwt_access_expires_in: int = Field(3600, alias="JWT_ACCESS_EXPIRES_IN", gt=0)
    refresh_token_secret: str = Field("", alias="REFRESH_TOKEN_SECRET")
    jwt_refresh_expires_in: int = Field(604800, alias="JWT_REFRESH_EXPIRES_IN", gt=0)
    cookie_secure: bool = Field(False, alias="COOKIE_SECURE")

    # Argon2id cost. The defaults are argon2-cffi's recommended ones (~200 ms of CPU per hash
    # here); tests lower them, production should not.
    argon2_time_cost: int = Field(3, alias="ARGON2_TIME_COST", ge=1)
    argon2_memory_cost: int = Field(65536, alias="ARGON2_MEMORY_COST", ge=8)

    # Failed sign-ins allowed (README, "Sign-in limits"): per account and client address in
    # the window (tight: one place guessing); per account from every address in the slower,
    # larger account window (a guesser spread over many addresses); per client address over
    # every account in the first window (one place spraying accounts).
    login_max_failures: int = Field(5, alias="LOGIN_MAX_FAILURES", ge=1)
    login_failure_window: int = Field(300, alias="LOGIN_FAILURE_WINDOW", ge=1)
    login_account_max_failures: int = Field(50, alias="LOGIN_ACCOUNT_MAX_FAILURES", ge=1)
    login_account_failure_window: int = Field(3600, alias="LOGIN_ACCOUNT_FAILURE_WINDOW", ge=1)
    login_address_max_failures: int = Field(50, alias="LOGIN_ADDRESS_MAX_FAILURES", ge=1)

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="CORS_ORIGINS")
    plugins_disabled: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="PLUGINS_DISABLED"
    )
    # A resuming client missing more message changes than this is told to reload via REST.
    resume_max_events: int = Field(2000, alias="RESUME_MAX_EVENTS", ge=1, le=100_000)
    trace_plugins: bool = Field(False, alias="TRACE_PLUGINS")

    # What one client may hold (README, "Configuration"). Timeouts are in seconds.
    # To send a request's headers (from the connection opening, for its first request); also
    # bounds the WebSocket's token check.
    handshake_timeout: float = Field(10, alias="HANDSHAKE_TIMEOUT", gt=0, le=3600)
    # How long written bytes may sit unread in a full socket, and a close frame go unanswered.
    write_timeout: float = Field(20, alias="WRITE_TIMEOUT", gt=0, le=3600)
    ws_ping_interval: float = Field(20, alias="WS_PING_INTERVAL", gt=0, le=3600)
    ws_ping_timeout: float = Field(20, alias="WS_PING_TIMEOUT", gt=0, le=3600)
    ws_send_queue_bytes: int = Field(1024 * 1024, alias="WS_SEND_QUEUE_BYTES", ge=64 * 1024)
    # Per worker process: each worker counts its own connections.
    ws_max_connections_per_user: int = Field(20, alias="WS_MAX_CONNECTIONS_PER_USER", ge=1)

    # Operations (docs/operations.md). `/metrics` answers only with this bearer token; unset,
    # it answers 404.
    metrics_token: str | None = Field(None, alias="METRICS_TOKEN", min_length=16)
    # `text` (one readable line per record) or `json` (one JSON object per line).
    log_format: Literal["text", "json"] = Field("text", alias="LOG_FORMAT")
    # A JSON `logging.config.dictConfig` file applied in every process instead of our handler.
    # Read by `logs.configure_logging` from the environment, before settings exist.
    log_config: str | None = Field(None, alias="LOG_CONFIG")
    # On SIGTERM a worker waits this long for WebSocket commands under way, then as long again
    # for in-flight HTTP requests (Sanic's GRACEFUL_SHUTDOWN_TIMEOUT).
    shutdown_timeout: float = Field(10, alias="SHUTDOWN_TIMEOUT", gt=0, le=600)

    _split_lists = field_validator("cors_origins", "plugins_disabled", mode="before")(_comma_list)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in DATABASE_SCHEMES:
            raise ValueError(f"scheme must be one of {sorted(DATABASE_SCHEMES)}, got {scheme!r}")
        return value

    @field_validator("jwt_access_secret", "refresh_token_secret")
    @classmethod
    def _strong(cls, value: str) -> str:
        if value:
            _refuse_weak_secret(value)
        return value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _token_or_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.workers > 1 and not self.redis_url:
            raise ValueError(
                "WORKERS: more than one worker needs REDIS_URL, or events cannot cross them"
            )
        if self.workers > 1 and self.is_sqlite:
            raise ValueError(
                "WORKERS: the embedded SQLite database serves one worker; use PostgreSQL"
            )
        if self.jwt_access_secret and self.jwt_access_secret == self.refresh_token_secret:
            raise ValueError("REFRESH_TOKEN_SECRET: must differ from JWT_ACCESS_SECRET")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def redis_namespace(self) -> str:
        """The prefix of this deployment's Redis keys and channels.

        Cursors and accounts belong to one database: deployments (or test runs) sharing a
        Redis but not a database must not hear each other's events or share counters.
        """
        parts = urlsplit(self.database_url)
        where = f"{parts.hostname or ''}:{parts.port or ''}{parts.path}"
        return "sanic-chat:" + hashlib.sha256(where.encode()).hexdigest()[:16]


def _refuse_weak_secret(value: str) -> None:
    """Raise ValueError if anyone could guess `value`: it signs every token of the service."""
    if value in PUBLISHED_SECRETS:
        raise ValueError(f"is a placeholder published with sanic-chat; {HOW_TO_GENERATE}")
    # RFC 7518 3.2: an HS256 key shorter than the hash is weak (PyJWT warns as well).
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"must be at least {MIN_SECRET_BYTES} bytes; {HOW_TO_GENERATE}")
    if not value.strip():
        raise ValueError(f"is only whitespace; {HOW_TO_GENERATE}")
    distinct = len(set(value))
    if distinct < MIN_SECRET_DISTINCT_CHARACTERS:
        raise ValueError(
            f"uses only {distinct} distinct characters, too easy to guess; {HOW_TO_GENERATE}"
        )
    # `value` occurs inside itself doubled, off its start, only if it repeats a shorter string.
    if value in (value + value)[1:-1]:
        raise ValueError(f"repeats a shorter sequence, too easy to guess; {HOW_TO_GENERATE}")


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise ConfigError with one line naming the first bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if first["loc"]:
            raise ConfigError(f"invalid {first['loc'][0]}: {message}") from None
        # Cross-field checks start their message with the variable they blame.
        raise ConfigError(f"invalid {message}") from None


def ensure_development_secrets() -> list[str]:
    """Generate missing JWT secrets into the environment, so spawned workers share them.

    Returns the names it generated. Tokens signed with them die with the process: fine for a
    first run, never for production, hence the loud warning.
    """
    generated = []
    for name in GENERATED_SECRETS:
        if not os.environ.get(name) and not _dotenv_has(name):
            os.environ[name] = secrets.token_urlsafe(48)
            generated.append(name)
    if generated:
        log.warning(
            "!!! %s not set: generated development secrets for this run only. "
            "Set them for any real deployment. !!!",
            " and ".join(generated),
        )
    return generated


def _dotenv_has(name: str) -> bool:
    try:
        with open(".env", encoding="utf-8") as dotenv:
            return any(line.split("=", 1)[0].strip() == name for line in dotenv)
    except FileNotFoundError:
        return False
