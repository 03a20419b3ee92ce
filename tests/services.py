"""A PostgreSQL and a Redis of a test's own, on free ports, for tests that stop and start them.

The shared servers (5432, 6379) serve every other test and are never stopped. PostgreSQL's
binaries are found through `PG_BIN`, `pg_config --bindir` or Debian's /usr/lib/postgresql/*/bin;
as root, initdb and pg_ctl run as the `postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.live import free_port, redis_server_command

START_SECONDS = 30


def _postgres_bin() -> Path:
    candidates = [os.environ.get("PG_BIN", "")]
    if shutil.which("pg_config"):
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(bindir.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    raise AssertionError("this test needs PostgreSQL's binaries (initdb, pg_ctl): set PG_BIN")


def _wait_for_port(port: int, up: bool) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.1)
    raise AssertionError(f"port {port} still {'closed' if up else 'open'}")


class OwnPostgres:
    def __init__(self, workdir: Path) -> None:
        self.bin = _postgres_bin()
        self.port = free_port()
        self.data = workdir / "data"
        self.workdir = workdir
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        # PostgreSQL refuses to run as root: run its tools as the `postgres` user then.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.running = False
        if self._as:
            shutil.chown(workdir, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._as, str(self.bin / tool), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{tool} failed: {result.stdout}{result.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.workdir / "log"),
                  "-w", "start")  # fmt: skip
        _wait_for_port(self.port, up=True)
        self.running = True

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        _wait_for_port(self.port, up=False)
        self.running = False


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A fresh cluster, started; stopped and removed afterwards."""
    # Under /tmp itself: pytest's tmp_path sits below a directory only its owner can enter.
    workdir = Path(tempfile.mkdtemp(prefix="sanic-chat-pg-"))
    try:
        server = OwnPostgres(workdir)
        server.start()
        try:
            yield server
        finally:
            if server.running:
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class OwnRedis:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            redis_server_command(self.port, self.workdir), stdout=subprocess.DEVNULL
        )
        _wait_for_port(self.port, up=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        _wait_for_port(self.port, up=False)


@contextmanager
def own_redis(workdir: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
