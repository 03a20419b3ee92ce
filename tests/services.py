"""A PostgreSQL cluster and a redis-server of a test's own, on free ports, that it may stop,
kill and start again on the same port.

The shared servers (5432, 6379) serve every other test and are never stopped. PostgreSQL's
binaries are found through `PG_BIN`, `pg_ctl` on PATH, `pg_config --bindir` or Debian's
/usr/lib/postgresql/*/bin; as root, initdb and pg_ctl run as the `postgres` user, since
PostgreSQL refuses to run as root.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest

from tests.live import free_port

START_SECONDS = 30


def wait_for_port(port: int, up: bool = True) -> None:
    """Until something listens on 127.0.0.1:`port` (or, with up=False, nothing does)."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise AssertionError(f"port {port} still {'closed' if up else 'open'} after {START_SECONDS}s")


def postgres_bindir() -> Path:
    """Where initdb and pg_ctl are."""
    candidates = [os.environ.get("PG_BIN", "")]
    if shutil.which("pg_ctl"):
        candidates.append(str(Path(shutil.which("pg_ctl")).parent))
    if shutil.which("pg_config"):
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(bindir.stdout.strip())
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parts[-2])
    )[::-1]
    for candidate in candidates:
        if candidate and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    pytest.fail(
        "this test needs PostgreSQL's server binaries (initdb, pg_ctl) to run a cluster it may "
        "stop: install postgresql or set PG_BIN",
        pytrace=False,
    )


class PrivatePostgres:
    """A throwaway cluster: no fsync, trust authentication, on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        self.port = free_port()
        # Under /tmp itself: pytest's tmp_path sits below a directory only its owner can enter,
        # and the cluster may have to run as the `postgres` user.
        self.root = Path(tempfile.mkdtemp(prefix="sanic-chat-pg-"))
        self.data = self.root / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.running = False
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as_postgres, str(self.bindir / program), *args]
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
        wait_for_port(self.port)
        self.running = True

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))
        wait_for_port(self.port, up=False)
        self.running = False

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
        if self.running:
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running_postgres() -> Iterator[PrivatePostgres]:
    """A fresh cluster, started; stopped and removed afterwards."""
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


class PrivateRedis:
    """A redis-server that keeps nothing on disk and comes back on the same port.

    `process` is the running server, for tests that signal it (SIGSTOP to make it hang).
    """

    def __init__(self, workdir: Path) -> None:
        if shutil.which("redis-server") is None:
            pytest.fail("this test needs the redis-server binary", pytrace=False)
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        """Shut it down, as an operator would."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """kill -9: gone at once, nothing said to its clients."""
        self._end(signal.SIGKILL)

    def _end(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signum)
            self.process.wait(timeout=10)
        self.process = None
        wait_for_port(self.port, up=False)


@contextmanager
def running_redis(workdir: Path) -> Iterator[PrivateRedis]:
    """A redis-server, started; stopped afterwards."""
    server = PrivateRedis(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
