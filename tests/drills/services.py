"""PostgreSQL, Redis and server processes a fault drill may stop, kill and start again.

The drills never touch the shared services on 5432 and 6379: they start a PostgreSQL cluster
and a redis-server of their own on free ports.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg
import pytest

from tests.live import free_port, redis_server_command

START_SECONDS = 30


def _wait_for_port(port: int, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{what} did not open port {port} in {START_SECONDS}s")


def postgres_bindir() -> Path:
    """Where initdb and pg_ctl are: on PATH, or in Debian's versioned directories."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    installed = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda path: int(Path(path).parts[-3]),
    )
    if not installed:
        pytest.fail(
            "the fault drills need PostgreSQL's server binaries (initdb, pg_ctl) to run a "
            "cluster they may stop: install postgresql",
            pytrace=False,
        )
    return Path(installed[-1]).parent


class PrivatePostgres:
    """A throwaway cluster: no fsync, trust authentication, on 127.0.0.1 and a free port.

    PostgreSQL refuses to run as root, so as root its commands run as the `postgres` user.
    """

    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="sanic-chat-drill-pg-"))
        self.data = self.root / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise AssertionError(f"{program} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.root / "postgres.log")
        self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", log, "-o", options)

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    async def terminate_backends(self, database: str) -> int:
        """End every session on `database` as an administrator would; how many there were."""
        admin = await asyncpg.connect(self.url)
        try:
            return await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
        finally:
            await admin.close()

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server that keeps nothing on disk and comes back on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            redis_server_command(self.port, self.workdir), stdout=subprocess.DEVNULL
        )
        _wait_for_port(self.port, "redis-server")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def kill_server(pid: int, signum: int) -> None:
    """Signal a server's main process and, for SIGKILL, its workers too: a worker whose parent
    is killed would otherwise go on serving."""
    victims = [pid, *_descendants(pid)] if signum == signal.SIGKILL else [pid]
    for victim in victims:
        try:
            os.kill(victim, signum)
        except ProcessLookupError:
            pass


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name, in parentheses, may hold spaces: fields follow the last ')'.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        children = parents.get(queue.pop(), [])
        found += children
        queue += children
    return found
