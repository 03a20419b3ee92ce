"""Where the tests put their data: `TEST_DB_PREFIX` names the run's databases."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from tests.database import DEFAULT_PREFIX, database_prefix

ROOT = Path(__file__).resolve().parent.parent


async def test_the_run_uses_a_database_named_after_the_prefix(db: asyncpg.Pool) -> None:
    name = await db.fetchval("SELECT current_database()")
    assert re.fullmatch(rf"{re.escape(database_prefix())}_[0-9a-f]{{12}}", name)


def test_prefix_defaults_and_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_DB_PREFIX", raising=False)
    assert database_prefix() == DEFAULT_PREFIX == "sanic_chat_test"
    monkeypatch.setenv("TEST_DB_PREFIX", "ci_job_42")
    assert database_prefix() == "ci_job_42"


@pytest.mark.parametrize("prefix", ['x"; DROP DATABASE postgres; --', "Chat", "9lives", "a" * 51])
def test_prefix_that_is_not_a_plain_name_is_refused(
    monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    monkeypatch.setenv("TEST_DB_PREFIX", prefix)
    with pytest.raises(ValueError, match="TEST_DB_PREFIX"):
        database_prefix()


def test_a_run_with_a_bad_prefix_stops_at_once_saying_why() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{Path(__file__).name}::test_the_run_uses_a_database_named_after_the_prefix",
        ],
        cwd=Path(__file__).parent,
        env={**os.environ, "TEST_DB_PREFIX": "Bad-Name", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 4, run.stdout + run.stderr
    assert "TEST_DB_PREFIX='Bad-Name'" in run.stdout + run.stderr
