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
# Placeholders this project has published (docker-compose.yml, README, docs): anyone can sign
# tokens with them. A test reads the repository's files and checks every value they show is
# refused.
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

    # Each description is the variable's documentation: docs/configuration.md is generated from
    # them (docs/generate.py), and a test keeps the page and the model in step.
    port: int = Field(3000, alias="PORT", ge=1, le=65535, description="HTTP and WebSocket port.")
    host: str = Field("0.0.0.0", alias="HOST", description="Address to bind.")
    workers: int = Field(
        1,
        alias="WORKERS",
        ge=1,
        le=256,
        description="Worker processes. More than one needs `REDIS_URL` and PostgreSQL.",
    )
    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        alias="DATABASE_URL",
        description="`postgresql://user:pass@host:5432/db` (or `postgres://`) in production; "
        "`sqlite://path` for the embedded default.",
    )
    database_pool_max: int = Field(
        10,
        alias="DATABASE_POOL_MAX",
        ge=1,
        le=1000,
        description="PostgreSQL connections per worker.",
    )
    redis_url: str | None = Field(
        None,
        alias="REDIS_URL",
        description="Redis (`redis://`, `rediss://` or `unix://`) for fan-out across workers "
        "and hosts, presence, and sign-in limits shared by every worker.",
    )

    jwt_access_secret: str = Field(
        "",
        alias="JWT_ACCESS_SECRET",
        description="HS256 secret of access tokens: at least 32 bytes of random. A placeholder "
        "published with the project, whitespace, a repeated pattern or fewer than 8 distinct "
        "characters is refused at start. Generated per run when unset (development only).",
    )
    jwt_access_expires_in: int = Field(
        3600, alias="JWT_ACCESS_EXPIRES_IN", gt=0, description="Access token lifetime, seconds."
    )
    refresh_token_secret: str = Field(
        "",
        alias="REFRESH_TOKEN_SECRET",
        description="HS256 secret of refresh tokens: the same rules, and not the access secret. "
        "Generated per run when unset (development only).",
    )
    jwt_refresh_expires_in: int = Field(
        604800, alias="JWT_REFRESH_EXPIRES_IN", gt=0, description="Refresh token lifetime, seconds."
    )
    cookie_secure: bool = Field(
        False,
        alias="COOKIE_SECURE",
        description="Mark the refresh-token cookie `Secure`; set `true` behind TLS.",
    )

    # Argon2id cost: the defaults are argon2-cffi's recommended ones.
    argon2_time_cost: int = Field(
        3,
        alias="ARGON2_TIME_COST",
        ge=1,
        description="Argon2id passes per password hash. Lower only in tests.",
    )
    argon2_memory_cost: int = Field(
        65536,
        alias="ARGON2_MEMORY_COST",
        ge=8,
        description="Argon2id memory per password hash, KiB. Lower only in tests.",
    )

    # Failed sign-ins allowed (docs/configuration.md, "Sign-in limits"): per account and client
    # address in the window (tight: one place guessing); per account from every address in the
    # slower, larger account window (a guesser spread over many addresses); per client address
    # over every account in the first window (one place spraying accounts).
    login_max_failures: int = Field(
        5,
        alias="LOGIN_MAX_FAILURES",
        ge=1,
        description="Failed sign-ins per account and client address in `LOGIN_FAILURE_WINDOW` "
        "before `429`.",
    )
    login_failure_window: int = Field(
        300,
        alias="LOGIN_FAILURE_WINDOW",
        ge=1,
        description="Window of the per-address limits, seconds.",
    )
    login_account_max_failures: int = Field(
        50,
        alias="LOGIN_ACCOUNT_MAX_FAILURES",
        ge=1,
        description="Failed sign-ins per account from all addresses together, in "
        "`LOGIN_ACCOUNT_FAILURE_WINDOW`.",
    )
    login_account_failure_window: int = Field(
        3600,
        alias="LOGIN_ACCOUNT_FAILURE_WINDOW",
        ge=1,
        description="Window of the per-account limit, seconds.",
    )
    login_address_max_failures: int = Field(
        50,
        alias="LOGIN_ADDRESS_MAX_FAILURES",
        ge=1,
        description="Failed sign-ins per client address over all accounts, in "
        "`LOGIN_FAILURE_WINDOW`.",
    )

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        alias="CORS_ORIGINS",
        description="Comma-separated allowed origins, or `*`. Empty: no CORS.",
    )
    plugins_disabled: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        alias="PLUGINS_DISABLED",
        description="Comma-separated plugin names not to load (`auth` and `user` are essential).",
    )
    read_receipts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["conversation"],
        alias="READ_RECEIPTS",
        description="Comma-separated kinds of room whose members are told how far the others "
        "have read (`<kind>.receipt.update`, read-state plugin); empty: none.",
    )
    resume_max_events: int = Field(
        2000,
        alias="RESUME_MAX_EVENTS",
        ge=1,
        le=100_000,
        description="Most missed message changes a `?since=` resume replays; past that the "
        "client gets a `resync` frame and reloads through REST.",
    )
    trace_plugins: bool = Field(
        False, alias="TRACE_PLUGINS", description="Log every plugin hook call."
    )

    # What one client may hold. Timeouts are in seconds.
    handshake_timeout: float = Field(
        10,
        alias="HANDSHAKE_TIMEOUT",
        gt=0,
        le=3600,
        description="Seconds a client has to send a request's headers (WebSocket upgrades "
        "included), counted from the connection opening for its first request and from the "
        "first byte for later ones; also bounds a WebSocket's token check.",
    )
    write_timeout: float = Field(
        20,
        alias="WRITE_TIMEOUT",
        gt=0,
        le=3600,
        description="Seconds a client may leave the server's writes unread (its socket full) "
        "before its connection is aborted; also how long a closed WebSocket has to answer the "
        "close.",
    )
    ws_ping_interval: float = Field(
        20,
        alias="WS_PING_INTERVAL",
        gt=0,
        le=3600,
        description="Seconds between WebSocket keep-alive pings.",
    )
    ws_ping_timeout: float = Field(
        20,
        alias="WS_PING_TIMEOUT",
        gt=0,
        le=3600,
        description="Seconds a WebSocket peer has to answer a ping before it is dropped.",
    )
    ws_send_queue_bytes: int = Field(
        1024 * 1024,
        alias="WS_SEND_QUEUE_BYTES",
        ge=64 * 1024,
        description="Most bytes (and at most 1,024 frames) queued for one WebSocket; past that "
        "it is closed with `4429`, and its commands are not read while answers wait.",
    )
    ws_max_connections_per_user: int = Field(
        20,
        alias="WS_MAX_CONNECTIONS_PER_USER",
        ge=1,
        description="Open WebSockets per user **per worker process**; the next one is closed "
        "with `4409`.",
    )

    # Operations (docs/operations.md).
    metrics_token: str | None = Field(
        None,
        alias="METRICS_TOKEN",
        min_length=16,
        description="Bearer token `/metrics` answers to (at least 16 characters); unset, "
        "`/metrics` answers 404.",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        alias="LOG_FORMAT",
        description="`text` (one readable line per record) or `json` (one JSON object per line).",
    )
    # Read by `logs.configure_logging` from the environment, before settings exist.
    log_config: str | None = Field(
        None,
        alias="LOG_CONFIG",
        description="A JSON `logging.config.dictConfig` file applied in every process instead "
        "of the service's own handler.",
    )
    shutdown_timeout: float = Field(
        10,
        alias="SHUTDOWN_TIMEOUT",
        gt=0,
        le=600,
        description="Seconds a stopping worker waits for WebSocket commands under way, then as "
        "long again for in-flight HTTP requests.",
    )

    _split_lists = field_validator(
        "cors_origins", "plugins_disabled", "read_receipts", mode="before"
    )(_comma_list)

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
