"""Chat users under load, behaving as docs/websocket.md tells a client to.

Each `Chatter` is one device of a user (a few users have a second one, which only reads). It
sends with a fresh `clientId` and resends the same one (over WebSocket or REST, to either
server) until a send is acknowledged; it keeps the last `cursor` it saw and reconnects with
`?since=` whenever its socket closes, whatever the close code; on a `resync` frame it reloads
its rooms through REST. Every message create it is delivered, live or replayed, is counted, so
duplicates show. Every device also marks its rooms read up to the newest message it has seen,
by command and by REST in turn, trying again until a mark is acknowledged, and keeps its
unread badges by the documented rule (`badges.py`). A user's first device also toggles a
reaction to the newest message it has seen now and then, by command and by REST in turn, trying
again until the toggle is acknowledged; every device keeps what it is shown of reactions
(`reactions.py`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import websockets

from tests.drills.badges import Badges
from tests.drills.reactions import EMOJI, ShownReactions
from tests.drills.rooms import Room
from tests.live import LiveServer

ACK_SECONDS = 5
RETRY_SECONDS = 0.3
# After a final resume's `ping` is answered, how long no frame must arrive before it is done.
QUIET_SECONDS = 1.5

MESSAGE_EVENTS = {
    f"{kind}.message.{change}"
    for kind in ("group", "conversation")
    for change in ("create", "edit", "delete")
}
REACTION_EVENTS = {f"{kind}.message.reaction" for kind in ("group", "conversation")}


@dataclass
class Observations:
    """What the service answered, by phase of the drill (before, fault, after, ...)."""

    phase: str = "setup"
    rest: Counter = field(default_factory=Counter)  # (phase, status, problem code)
    marks: Counter = field(default_factory=Counter)  # REST marks: (phase, status, problem code)
    reactions: Counter = field(default_factory=Counter)  # REST toggles: (phase, status, code)
    ws_errors: Counter = field(default_factory=Counter)  # (phase, status, problem code)
    closes: Counter = field(default_factory=Counter)  # (phase, close code)
    health: Counter = field(default_factory=Counter)  # (phase, status)


class Rejected(Exception):
    """The service refused a send for good (a 4xx): the drill's own mistake or a bug."""


def alive(servers: list[LiveServer]) -> list[LiveServer]:
    return [server for server in servers if server.process.poll() is None]


async def watch_health(servers: list[LiveServer], seen: Observations) -> None:
    """Poll every server's `/api/health/ready` twice a second, counting the answers by phase."""
    async with httpx.AsyncClient(timeout=2) as http:
        while True:
            for server in servers:
                try:
                    status = (await http.get(f"{server.http}/api/health/ready")).status_code
                except httpx.HTTPError:
                    status = "no answer"
                seen.health[seen.phase, status] += 1
            await asyncio.sleep(0.5)


class Chatter:
    def __init__(
        self,
        account: dict[str, Any],
        rooms: list[Room],
        servers: list[LiveServer],
        first_server: int,
        http: httpx.AsyncClient,
        seen: Observations,
        device: int = 0,
    ) -> None:
        self.account = account
        self.device = device  # 0: the user's first device, the one that sends
        self.rooms = rooms
        self.servers = servers
        self._turn = first_server
        self.http = http
        self.seen = seen
        self.cursor: str | None = None
        self.deliveries: Counter = Counter()  # (room kind, message id) of each create received
        self.reloaded: set[tuple[str, int]] = set()  # what REST reloads after a resync showed
        self.acknowledged: dict[str, tuple[str, int]] = {}  # clientId -> (room kind, id)
        self.unacknowledged = 0
        self.rejected: list[dict[str, Any]] = []
        self.resyncs = 0
        self.reconnects = 0
        self.badges = Badges(account["id"])
        self.badges_at_quiet: dict[Room, tuple[int, int | None]] = {}
        self.read_updates = 0
        self.newest_seen: dict[Room, int] = {}  # the newest message delivered, by room
        self.marked: dict[Room, int] = {}  # the newest message a mark was acknowledged for
        self.in_doubt: dict[Room, int] = {}  # a newer mark sent but not acknowledged
        self.marks_acknowledged = 0
        self.marks_unanswered = 0  # no answer or a 5xx: tried again
        self.marks_refused: list[dict[str, Any]] = []
        self.frames = 0  # every frame received: the service is quiet when this stops moving
        self.shown = ShownReactions()
        self.reactions_at_quiet: dict = {}
        self.mine: set[tuple[Room, int, str]] = set()  # own reactions, as acknowledged
        self.toggles_acknowledged = 0
        self.toggles_unanswered = 0  # no answer or a 5xx: tried again
        self.toggles_refused: list[dict[str, Any]] = []
        # Users start at different points of the four-send cycle of `talk`, so REST sends and
        # conversation sends are spread over time rather than all in one round.
        self._sends = itertools.count(first_server)
        self._refs = itertools.count()
        self._ws: Any = None
        self._connected = asyncio.Event()
        self._answers: dict[int, asyncio.Future] = {}
        self._reloads: set[asyncio.Task] = set()
        self._connection: asyncio.Task | None = None

    # -- connection ---------------------------------------------------------------------------

    def _next_server(self) -> LiveServer:
        """Take turns among the servers still running (a load balancer's round robin)."""
        candidates = alive(self.servers) or self.servers
        self._turn += 1
        return candidates[self._turn % len(candidates)]

    def _url(self, server: LiveServer) -> str:
        params = {"token": self.account["token"]}
        if self.cursor is not None:
            params["since"] = self.cursor
        return str(httpx.URL(server.ws, params=params))

    async def _open(self) -> Any:
        """A socket past its `ready` frame, on whichever server takes it."""
        while True:
            ws = None
            try:
                ws = await websockets.connect(
                    self._url(self._next_server()), max_size=2**22, open_timeout=ACK_SECONDS
                )
                ready = json.loads(await asyncio.wait_for(ws.recv(), ACK_SECONDS))
                assert ready["type"] == "ready", ready
                self.badges.start(ready["data"]["readState"])
                return ws
            except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as exc:
                if isinstance(exc, websockets.ConnectionClosed):
                    self.seen.closes[self.seen.phase, exc.rcvd.code if exc.rcvd else 1006] += 1
                if ws is not None:
                    ws.transport.abort()  # opened but never ready: drop it, try again
                await asyncio.sleep(RETRY_SECONDS)

    def connect(self) -> None:
        self._connection = asyncio.create_task(self._stay_connected())

    async def wait_connected(self) -> None:
        await self._connected.wait()

    async def _stay_connected(self) -> None:
        while True:
            ws = await self._open()
            self._ws = ws
            self._connected.set()
            try:
                async for raw in ws:
                    self._on_frame(json.loads(raw))
            except websockets.ConnectionClosed:
                pass
            finally:
                self._connected.clear()
                self._ws = None
                for answer in self._answers.values():
                    if not answer.done():
                        answer.set_result(None)  # the socket closed before the answer came
            self.seen.closes[self.seen.phase, ws.close_code or 1006] += 1
            self.reconnects += 1

    async def disconnect(self) -> None:
        ws = self._ws
        if self._connection is not None:
            self._connection.cancel()
            await asyncio.gather(self._connection, return_exceptions=True)
        if ws is not None:
            await ws.close()

    def _on_frame(self, frame: dict[str, Any]) -> None:
        self.frames += 1
        kind = frame["type"]
        if kind in MESSAGE_EVENTS or kind in REACTION_EVENTS:
            if frame.get("cursor") is not None:
                self.cursor = frame["cursor"]  # "keep the last one you saw"
            room_kind, data = kind.split(".")[0], frame["data"]
            if kind in REACTION_EVENTS:
                self.shown.on_reaction(room_kind, data)
            else:
                self.shown.on_message(room_kind, data)
            if kind.endswith(".create"):
                room = Room.of(room_kind, data)
                self.deliveries[room_kind, data["id"]] += 1
                self.newest_seen[room] = max(self.newest_seen.get(room, 0), data["id"])
                self.badges.on_create(room, frame.get("cursor"), data)
        elif kind.endswith(".read.update"):
            self.read_updates += 1
            self.badges.on_read_update(Room.of(kind.split(".")[0], frame["data"]), frame["data"])
        elif kind == "resync":
            self.resyncs += 1
            reload = asyncio.create_task(self._reload())
            self._reloads.add(reload)
            reload.add_done_callback(self._reloads.discard)
        elif kind in ("ack", "error"):
            answer = self._answers.get(frame.get("ref"))
            if answer is not None and not answer.done():
                answer.set_result(frame)

    async def _reload(self) -> None:
        """What a client does after `resync`: read its rooms' whole history through REST."""
        began = self.shown.reloading()
        for room in self.rooms:
            before = None
            while True:
                params = {"limit": 100, **({"before": before} if before is not None else {})}
                try:
                    response = await self.http.get(
                        f"{self._next_server().http}/api/{room.kind}/{room.id}/message",
                        params=params,
                        headers=self.account["headers"],
                    )
                except httpx.HTTPError:
                    await asyncio.sleep(RETRY_SECONDS)
                    continue
                if response.status_code != 200:
                    await asyncio.sleep(RETRY_SECONDS)
                    continue
                page = response.json()
                self.reloaded.update((room.kind, m["id"]) for m in page["messages"])
                self.shown.on_page(room.kind, page["messages"], began)
                before = page["nextCursor"]
                if before is None:
                    break

    # -- sending ------------------------------------------------------------------------------

    async def send(self, room: Room, content: str, over_rest: bool = False) -> None:
        """Send one message and resend the same clientId until it is acknowledged."""
        client_id = str(uuid.uuid4())
        while True:
            if over_rest:
                message = await self._post(
                    f"/api/{room.kind}/{room.id}/message",
                    {"content": content, "clientId": client_id},
                    self.seen.rest,
                )
            else:
                data = {f"{room.kind}Id": room.id, "content": content, "clientId": client_id}
                message = await self._command(f"{room.kind}.message.send", data)
            if message is not None:
                assert message["clientId"] == client_id, message
                self.acknowledged[client_id] = (room.kind, message["id"])
                return
            await asyncio.sleep(RETRY_SECONDS)

    async def _command(self, command: str, data: dict[str, Any]) -> dict | None:
        """The ack's data; None when there was no answer or a 5xx, to be tried again."""
        await self._connected.wait()
        ws, ref = self._ws, next(self._refs)
        answer = self._answers[ref] = asyncio.get_running_loop().create_future()
        try:
            await ws.send(json.dumps({"type": command, "ref": ref, "data": data}))
            frame = await asyncio.wait_for(answer, ACK_SECONDS)
        except (websockets.ConnectionClosed, asyncio.TimeoutError):
            return None
        finally:
            self._answers.pop(ref, None)
        if frame is None:
            return None
        if frame["type"] == "ack":
            return frame["data"]
        problem = frame["error"]
        self.seen.ws_errors[self.seen.phase, problem["status"], problem.get("code")] += 1
        if problem["status"] >= 500:
            return None
        raise Rejected(problem)

    async def _post(self, path: str, body: dict[str, Any], answers: Counter) -> dict | None:
        return await self._request("POST", path, answers, body)

    async def _request(
        self, method: str, path: str, answers: Counter, body: dict[str, Any] | None = None
    ) -> dict | None:
        """The answer's body, counting it in `answers` by phase; None as `_command`."""
        try:
            response = await self.http.request(
                method,
                f"{self._next_server().http}{path}",
                json=body,
                headers=self.account["headers"],
                timeout=ACK_SECONDS,
            )
        except httpx.HTTPError:
            answers[self.seen.phase, "no answer", None] += 1
            return None
        problem = response.json() if response.status_code >= 400 else {}
        answers[self.seen.phase, response.status_code, problem.get("code")] += 1
        if response.status_code in (200, 201):
            return response.json()
        if response.status_code >= 500:
            return None
        raise Rejected(problem)

    async def talk(self, stop: asyncio.Event, every: float) -> None:
        """Send every `every` seconds until `stop`, finishing the send under way; one in four
        over REST, and one in four to the second room if it has one."""
        await asyncio.sleep(every * random.random())  # spread the clients' sends
        while not stop.is_set():
            started = time.monotonic()
            serial = next(self._sends)
            room = self.rooms[serial % 4 == 1 and len(self.rooms) > 1]
            try:
                await self.send(room, f"{self.account['username']} #{serial}", serial % 4 == 2)
            except asyncio.CancelledError:
                self.unacknowledged += 1  # given up on by the drill, still unanswered
                raise
            except Rejected as refused:
                self.rejected.append(refused.args[0])
            await asyncio.sleep(max(0.0, every - (time.monotonic() - started)))

    # -- reacting -----------------------------------------------------------------------------

    async def react(self, stop: asyncio.Event, every: float) -> None:
        """Every `every` seconds until `stop`, add one of `EMOJI` to the newest message seen in
        one of the rooms, or take back one of this user's reactions, finishing the toggle
        under way."""
        await asyncio.sleep(every * random.random())
        turns = itertools.count(self.device)
        while not stop.is_set():
            over_rest = next(turns) % 2 == 1
            room = random.choice(self.rooms)
            newest = self.newest_seen.get(room)
            if self.mine and random.random() < 0.4:
                await self._toggle(*random.choice(sorted(self.mine, key=str)), over_rest)
            elif newest is not None:
                await self._toggle(room, newest, random.choice(EMOJI), over_rest)
            await asyncio.sleep(every)

    async def _toggle(self, room: Room, message_id: int, emoji: str, over_rest: bool) -> None:
        """Add the reaction if this user has not, else take it back; again until answered."""
        mine = (room, message_id, emoji)
        adding = mine not in self.mine
        while True:
            try:
                if over_rest:
                    path = f"/api/{room.kind}/{room.id}/message/{message_id}/reactions/"
                    method = "PUT" if adding else "DELETE"
                    answer = await self._request(
                        method, path + quote(emoji, safe=""), self.seen.reactions
                    )
                else:
                    data = {f"{room.kind}Id": room.id, "messageId": message_id, "emoji": emoji}
                    command = "reaction.add" if adding else "reaction.remove"
                    answer = await self._command(command, data)
            except Rejected as refused:
                self.toggles_refused.append(refused.args[0])
                return
            if answer is not None:
                break
            self.toggles_unanswered += 1
            await asyncio.sleep(RETRY_SECONDS)
        self.toggles_acknowledged += 1
        # The answer is the message's reactions with `me`: whether this user's is among them.
        if any(r["emoji"] == emoji and r["me"] for r in answer["reactions"]):
            self.mine.add(mine)
        else:
            self.mine.discard(mine)

    # -- marking read ---------------------------------------------------------------------------

    async def mark_reads(self, stop: asyncio.Event, every: float) -> None:
        """Every `every` seconds, mark each room read up to the newest message seen in it, by
        command and by REST in turn. A mark that gets no answer may or may not have moved the
        position, so once `stop` is set this goes on only until none is left in doubt."""
        await asyncio.sleep(every * random.random())
        turns = itertools.count(self.device)
        while not stop.is_set() or self.in_doubt:
            for room in self.rooms:
                newest = self.newest_seen.get(room, 0)
                wanted = not stop.is_set() or room in self.in_doubt
                if wanted and newest > self.marked.get(room, 0):
                    await self._mark(room, newest, next(turns) % 2 == 1)
            await asyncio.sleep(every)

    async def _mark(self, room: Room, message_id: int, over_rest: bool) -> None:
        self.in_doubt[room] = max(self.in_doubt.get(room, 0), message_id)
        try:
            if over_rest:
                body = {"messageId": message_id}
                path = f"/api/{room.kind}/{room.id}/read"
                state = await self._post(path, body, self.seen.marks)
            else:
                data = {f"{room.kind}Id": room.id, "messageId": message_id}
                state = await self._command(f"{room.kind}.read.mark", data)
        except Rejected as refused:
            self.marks_refused.append(refused.args[0])
            del self.in_doubt[room]  # refused for good: moved nothing, and a bug to report
            return
        if state is None:
            self.marks_unanswered += 1
            return  # tried again on the next round, with the newest message seen by then
        self.marks_acknowledged += 1
        self.marked[room] = max(self.marked.get(room, 0), message_id)
        if self.in_doubt[room] <= self.marked[room]:
            del self.in_doubt[room]

    # -- the end ------------------------------------------------------------------------------

    async def final_resume(self) -> None:
        """Reconnect once more from the last cursor and read until the server falls quiet."""
        await self.disconnect()
        while True:
            ws = await self._open()
            ref = next(self._refs)
            answer = self._answers[ref] = asyncio.get_running_loop().create_future()
            try:
                await ws.send(json.dumps({"type": "ping", "ref": ref, "data": {}}))
                answered = False
                while True:
                    try:
                        raw = await asyncio.wait_for(ws.recv(), QUIET_SECONDS)
                    except asyncio.TimeoutError:
                        if answered:
                            break
                        continue
                    self._on_frame(json.loads(raw))
                    answered = answer.done()
                await ws.close()
                break
            except websockets.ConnectionClosed as exc:
                self.seen.closes[self.seen.phase, exc.rcvd.code if exc.rcvd else 1006] += 1
                self.reconnects += 1
            finally:
                self._answers.pop(ref, None)
        while self._reloads:
            await asyncio.gather(*self._reloads)

    def missed(self, stored: set[tuple[str, int]]) -> list[tuple[str, int]]:
        return sorted(stored - set(self.deliveries) - self.reloaded)

    def duplicated(self) -> list[tuple[str, int]]:
        """Each message delivered more than once, as often as it came again."""
        return sorted(k for k, count in self.deliveries.items() for _ in range(count - 1))
