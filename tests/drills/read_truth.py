"""Read state after a drill: what each member's position and unread count must be, worked out
from the database and the acknowledged marks, and what the service answers.

The position is the newest message the member marked (as acknowledged) or sent in the room; the
count, the room's messages after it written by someone else and not deleted. Every message of a
drill is stored after the read-state counters were installed, so none is before counting began
(docs/read-state.md): a count off by the messages before `counted_from` would show here.
"""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from tests.drills.chatters import Chatter, alive
from tests.drills.rooms import Room
from tests.drills.tally import TABLES
from tests.live import LiveServer

# (username, room) -> (unreadCount, lastReadMessageId)
ReadStates = dict[tuple[str, Room], tuple[int, int | None]]


async def read_truth(database_url: str, chatters: list[Chatter]) -> ReadStates:
    marked: dict[tuple[str, Room], int] = {}
    for chatter in chatters:
        for room, message_id in chatter.marked.items():
            key = chatter.account["username"], room
            marked[key] = max(marked.get(key, 0), message_id)
    users = {chatter.account["username"]: chatter for chatter in chatters if chatter.device == 0}
    truth: ReadStates = {}
    connection = await asyncpg.connect(database_url)
    try:
        for username, chatter in users.items():
            for room in chatter.rooms:
                table, room_column = TABLES[room.kind]
                where = f'"{room_column}" = $1'
                sent = await connection.fetchval(
                    f'SELECT MAX(id) FROM "{table}" WHERE {where} AND author_id = $2',
                    room.id,
                    chatter.account["id"],
                )
                position = max(sent or 0, marked.get((username, room), 0)) or None
                unread = await connection.fetchval(
                    f'SELECT COUNT(*) FROM "{table}" WHERE {where} AND author_id <> $2'
                    " AND deleted_at IS NULL AND id > $3",
                    room.id,
                    chatter.account["id"],
                    position or 0,
                )
                truth[username, room] = unread, position
    finally:
        await connection.close()
    return truth


async def read_served(
    http: httpx.AsyncClient, servers: list[LiveServer], chatters: list[Chatter]
) -> ReadStates:
    """What `GET /api/read-state` answers each user once the drill is over."""
    server = alive(servers)[0]

    async def of(chatter: Chatter) -> ReadStates:
        response = await http.get(
            f"{server.http}/api/read-state", headers=chatter.account["headers"]
        )
        assert response.status_code == 200, response.text
        return {
            (chatter.account["username"], Room.of(room["type"], room)): (
                room["unreadCount"],
                room["lastReadMessageId"],
            )
            for room in response.json()["rooms"]
        }

    served: ReadStates = {}
    for states in await asyncio.gather(*(of(c) for c in chatters if c.device == 0)):
        served.update(states)
    return served
