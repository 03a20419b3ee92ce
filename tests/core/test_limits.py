"""What one client can hold on a real server: its memory, its connections, its handshake.

The clients here are raw sockets speaking just enough WebSocket (through the `websockets`
library's sans-I/O protocol) to behave as a real client cannot be made to: never read, never
answer a ping, send headers one byte at a time. The server's bounds are lowered so each test
takes seconds.
"""

from __future__ import annotations

import asyncio
import json
import re
import select
import socket
import time
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.client import ClientProtocol
from websockets.frames import Close
from websockets.uri import parse_uri

from tests.live import LiveServer, connect, live_server, new_group, register

WRITE_TIMEOUT = 2
HANDSHAKE_TIMEOUT = 2
MAX_CONNECTIONS = 3
LIMITS = {
    "WRITE_TIMEOUT": str(WRITE_TIMEOUT),
    "HANDSHAKE_TIMEOUT": str(HANDSHAKE_TIMEOUT),
    "WS_MAX_CONNECTIONS_PER_USER": str(MAX_CONNECTIONS),
}
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory):
    env = {**server_env, **LIMITS}
    with live_server(env, cwd=tmp_path_factory.mktemp("limits")) as running:
        yield running


class RawClient:
    """A WebSocket client on a plain socket that does only what the test tells it to."""

    def __init__(self, server: LiveServer, token: str, receive_buffer: int | None = None):
        self.protocol = ClientProtocol(parse_uri(f"{server.ws}?token={token}"), max_size=None)
        self.sock = socket.socket()
        if receive_buffer is not None:  # before connecting, so the window starts small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.connect(("127.0.0.1", server.port))
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        # Read the handshake's answer and nothing more.
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head
        self.protocol.receive_data(head)
        self.sock.setblocking(False)

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            self.sock.sendall(data)

    async def send_without_reading(self, text: str, deadline: float) -> float:
        """Send `text` over and over, never reading; return the seconds until the server cut
        the connection off."""
        loop = asyncio.get_running_loop()
        self.protocol.send_text(text.encode())
        frame = b"".join(self.protocol.data_to_send())
        started = time.monotonic()
        while time.monotonic() < deadline:
            try:
                await asyncio.wait_for(loop.sock_sendall(self.sock, frame), 1)
            except asyncio.TimeoutError:
                continue  # the server stopped reading us: wait for what it does next
            except OSError:
                return time.monotonic() - started
        raise AssertionError("the server kept a client that does not read")

    def hung_up(self) -> bool:
        """Whether the server closed or reset the connection, without reading a byte."""
        events = select.POLLHUP | select.POLLERR | select.POLLRDHUP
        poller = select.poll()
        poller.register(self.sock, events)
        return bool(poller.poll(0))

    def read_until_closed(self, timeout: float) -> Close | None:
        """Read (never answering pings) until the server closes; return its close frame."""
        self.sock.settimeout(timeout)
        while True:
            data = self.sock.recv(65536)
            if not data:
                self.protocol.receive_eof()
                return self.protocol.close_rcvd
            self.protocol.receive_data(data)
            self.protocol.data_to_send()  # pongs and close answers the client never sends

    def close(self) -> None:
        self.sock.close()


def worker_pid(server: LiveServer) -> int:
    return int(re.search(r"Starting worker \[(\d+)\]", server.log()).group(1))


def rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024


def established_from(pid: int, ports: set[int]) -> int:
    """How many of the worker's TCP connections go to one of the clients' `ports`."""
    count = 0
    inodes = {
        link.readlink().name[len("socket:[") : -1]
        for link in Path(f"/proc/{pid}/fd").iterdir()
        if link.readlink().name.startswith("socket:[")
    }
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_port = int(fields[2].split(":")[1], 16)
        if fields[9] in inodes and remote_port in ports and fields[3] == "01":
            count += 1
    return count


async def test_clients_that_do_not_read_are_cut_off_and_their_memory_returned(server, http):
    """Each command's answer echoes its 60 KB `ref`: without bounds a client that sends them
    and never reads held the answers in the worker's memory, forever."""
    pid = worker_pid(server)
    accounts = [await register(http, f"nonreader{i}") for i in range(6)]
    # Warm the worker up with the same traffic from a client that reads.
    reader = await connect(server, accounts[0]["token"])
    for ref in range(20):
        answer = await reader.command("ping", {}, "x" * 60_000 + str(ref))
        assert answer["type"] == "ack"
    await reader.ws.close()
    await asyncio.sleep(0.5)
    baseline = rss(pid)

    clients = [RawClient(server, account["token"], receive_buffer=4096) for account in accounts]
    command = json.dumps({"type": "ping", "ref": "x" * 60_000, "data": {}})
    deadline = time.monotonic() + 10 * WRITE_TIMEOUT + 20
    try:
        held_for = await asyncio.gather(
            *(client.send_without_reading(command, deadline) for client in clients)
        )
        for client in clients:
            assert client.hung_up()
    finally:
        ports = {client.sock.getsockname()[1] for client in clients}
        for client in clients:
            client.close()
    # Answers are held back once the queue holds 1 MiB, so the socket fills quickly; then the
    # writes stay unanswered for WRITE_TIMEOUT and the connection is aborted.
    assert max(held_for) < 5 * WRITE_TIMEOUT + 10, held_for
    for _ in range(50):
        if not established_from(pid, ports):
            break
        await asyncio.sleep(0.1)
    assert not established_from(pid, ports)
    await asyncio.sleep(0.5)
    assert rss(pid) - baseline < 50 * MiB, (baseline, rss(pid))

    # The worker serves on as before.
    again = await connect(server, accounts[0]["token"])
    assert (await again.command("ping", {}, 1))["type"] == "ack"
    await again.ws.close()


async def test_a_member_that_does_not_read_its_events_is_cut_off(server, http):
    """Sending nothing at all: the events of a busy room fill its socket, then its queue."""
    sender, idle = await register(http, "sender"), await register(http, "idle")
    group_id = await new_group(http, sender, idle)
    client = RawClient(server, idle["token"], receive_buffer=4096)
    talker = await connect(server, sender["token"])
    content = "x" * 4000
    try:
        sent = 0
        deadline = time.monotonic() + 60
        while not client.hung_up() and time.monotonic() < deadline:
            for ref in range(sent, sent + 50):
                data = {"groupId": group_id, "content": content}
                await talker.ws.send(
                    json.dumps({"type": "group.message.send", "ref": ref, "data": data})
                )
            sent += 50
            # Everyone else is served meanwhile: every answer comes back.
            answers = 0
            while answers < 50:
                frame = await talker.frame(timeout=10)
                answers += frame["type"] == "ack"
        assert client.hung_up(), f"still connected after {sent} messages"
    finally:
        client.close()
        await talker.ws.close()


async def test_connections_per_user_are_capped(server, http):
    alice = await register(http, "alice")
    clients = [await connect(server, alice["token"]) for _ in range(MAX_CONNECTIONS)]
    url = f"{server.ws}?token={alice['token']}"
    async with websockets.connect(url) as extra:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await extra.recv()
    assert closed.value.rcvd.code == 4409
    assert f"at most {MAX_CONNECTIONS}" in closed.value.rcvd.reason
    # Another user is not affected, and a connection that leaves makes room.
    bob = await register(http, "bob")
    await (await connect(server, bob["token"])).ws.close()
    await clients.pop().ws.close()
    await asyncio.sleep(0.2)
    clients.append(await connect(server, alice["token"]))
    for client in clients:
        await client.ws.close()


def test_headers_sent_a_byte_at_a_time_are_cut_off(server):
    """Sanic restarted its request timer on every byte: a byte every 0.5 s held it forever."""
    header_line = b"X-Padding: " + b"a" * 200 + b"\r\n"
    dribble = f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n".encode() + header_line * 20
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(0.5)
        started = time.monotonic()
        answer = b""
        for byte in dribble:  # minutes of bytes: the headers never end
            if time.monotonic() - started > HANDSHAKE_TIMEOUT + 10:
                break
            try:
                sock.sendall(bytes([byte]))
                chunk = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:  # reset: the server closed
                break
            answer += chunk
            if not chunk:
                break
        elapsed = time.monotonic() - started
    assert HANDSHAKE_TIMEOUT - 0.5 < elapsed < HANDSHAKE_TIMEOUT + 5, elapsed
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer


def test_a_connection_that_sends_nothing_is_closed(server):
    """Sanic let a new connection stay silent for its keep-alive timeout, two minutes."""
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(HANDSHAKE_TIMEOUT + 10)
        started = time.monotonic()
        try:
            assert sock.recv(4096) == b""
        except ConnectionResetError:
            pass
        elapsed = time.monotonic() - started
    assert HANDSHAKE_TIMEOUT - 0.5 < elapsed < HANDSHAKE_TIMEOUT + 5, elapsed


async def test_a_peer_that_does_not_answer_pings_is_dropped(server_env, tmp_path_factory):
    env = {**server_env, "WS_PING_INTERVAL": "1", "WS_PING_TIMEOUT": "1"}
    with live_server(env, cwd=tmp_path_factory.mktemp("pings")) as pinging:
        async with httpx.AsyncClient(base_url=pinging.http) as http:
            alice = await register(http, "alice")
        client = RawClient(pinging, alice["token"])
        started = time.monotonic()
        try:
            close = await asyncio.to_thread(client.read_until_closed, 15)
        finally:
            client.close()
        assert time.monotonic() - started < 10
        assert close is not None and close.code == 1011
