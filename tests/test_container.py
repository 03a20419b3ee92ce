"""The Dockerfile, .dockerignore and docker-compose.yml, checked without a Docker engine.

The stages, the layer order that keeps dependency installs cached, the user and the health check
are read with dockerfile-parse; the build context is worked out from .dockerignore with Docker's
rules (patterns match a path or any folder above it, `**` spans folders, the last match wins).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("sanic_chat", "plugins")


def _stages() -> dict[str, list[dict]]:
    """Instructions of each build stage, by stage name."""
    stages: dict[str, list[dict]] = {}
    current: list[dict] = []
    for instruction in DockerfileParser(str(ROOT / "Dockerfile")).structure:
        if instruction["instruction"] == "FROM":
            current = stages.setdefault(instruction["value"].split()[-1], [])
        if instruction["instruction"] != "COMMENT":
            current.append(instruction)
    return stages


def _index(instructions: list[dict], kind: str, text: str) -> int:
    for position, instruction in enumerate(instructions):
        if instruction["instruction"] == kind and text in instruction["value"]:
            return position
    raise AssertionError(f"no {kind} containing {text!r}")


def test_builder_installs_dependencies_before_the_sources_arrive() -> None:
    builder = _stages()["builder"]
    dependencies = _index(builder, "RUN", "-r requirements.txt")
    assert _index(builder, "COPY", "pyproject.toml") < dependencies
    assert "build-essential" in builder[_index(builder, "RUN", "apt-get install")]["value"]
    for source in SOURCES:
        assert _index(builder, "COPY", source) > dependencies, source
    assert _index(builder, "RUN", "--no-deps --wheel-dir /wheels/app") > dependencies


def test_runtime_is_slim_and_installs_only_wheels_from_the_builder() -> None:
    runtime = _stages()["runtime"]
    assert runtime[0]["value"].startswith("python:3.12-slim ")
    assert not [i for i in runtime if i["instruction"] in ("COPY", "ADD")]
    runs = " ".join(i["value"] for i in runtime if i["instruction"] == "RUN")
    assert "apt-get" not in runs and "build-essential" not in runs
    dependencies = _index(runtime, "RUN", "from=builder,source=/wheels/deps")
    application = _index(runtime, "RUN", "from=builder,source=/wheels/app")
    assert dependencies < application
    assert "--no-index" in runtime[dependencies]["value"]


def test_runtime_runs_as_a_non_root_user_with_a_health_check() -> None:
    runtime = _stages()["runtime"]
    users = [i["value"] for i in runtime if i["instruction"] == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert _index(runtime, "RUN", f"useradd --create-home --uid 10001 {users[-1]}") < _index(
        runtime, "USER", users[-1]
    )
    # Liveness: a database outage must not mark the container for a restart.
    probe = runtime[_index(runtime, "HEALTHCHECK", "CMD")]["value"]
    assert "/api/health'" in probe and "/ready" not in probe
    assert runtime[-1]["instruction"] == "CMD"


def test_compose_routes_by_readiness_and_waits_out_the_drain() -> None:
    app = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["app"]
    assert "/api/health/ready" in " ".join(app["healthcheck"]["test"])
    # docs/operations.md: a worker is gone within 2 x SHUTDOWN_TIMEOUT (10 s) + 7 s.
    assert int(app["stop_grace_period"].removesuffix("s")) > 2 * 10 + 7
    assert _index(_stages()["runtime"], "STOPSIGNAL", "SIGTERM") >= 0


def _pattern(rule: str) -> re.Pattern[str]:
    parts = []
    for token in re.split(r"(\*\*/|\*\*|\*|\?|\[[^]]*\])", rule.strip("/")):
        if token == "**/":
            parts.append("(?:.*/)?")
        elif token == "**":
            parts.append(".*")
        elif token == "*":
            parts.append("[^/]*")
        elif token == "?":
            parts.append("[^/]")
        elif token.startswith("["):
            parts.append(token)
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts))


def _in_context(path: str) -> bool:
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    folders = path.split("/")
    candidates = ["/".join(folders[: n + 1]) for n in range(len(folders))]
    included = True
    for rule in rules:
        negated = rule.startswith("!")
        pattern = _pattern(rule.lstrip("!"))
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            included = negated
    return included


def test_build_context_holds_what_the_dockerfile_copies_and_nothing_else() -> None:
    copied = [
        source
        for instructions in _stages().values()
        for i in instructions
        if i["instruction"] == "COPY"
        for source in i["value"].split()[:-1]
    ]
    assert copied
    for source in copied:
        assert _in_context(source), source
    for kept in (
        "sanic_chat/app.py",
        "plugins/sanic_chat_auth/__init__.py",
        "sanic_chat/migrations/0_20261129080000_init.py",
        "plugins/sanic_chat_group/migrations/0_20261129080000_init.py",
    ):
        assert _in_context(kept), kept
    for left_out in (
        ".git/HEAD",
        ".venv/bin/python",
        ".tox/py312/bin/python",
        ".env",
        "chat.sqlite3",
        "sanic_chat/chat.sqlite3-wal",
        "sanic_chat/__pycache__/app.cpython-312.pyc",
        "plugins/sanic_chat_auth/__pycache__/routes.cpython-312.pyc",
        "tests/conftest.py",
        "bench/harness.py",
        "run/bench.json",
        ".pytest_cache/v/cache/nodeids",
        "Dockerfile",
    ):
        assert not _in_context(left_out), left_out
