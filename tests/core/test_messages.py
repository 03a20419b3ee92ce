"""Message changes racing each other, and clientIds reused across rooms, on a real server."""

from __future__ import annotations

import asyncio
import uuid
from uuid import UUID

from tests.live import connect, new_group, post_message, register
from tests.problem import assert_problem

ROUNDS = 20


async def test_an_edit_racing_a_delete_never_outlives_it(server, http, db):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    gid = await new_group(http, alice, bob)
    watcher = await connect(server, bob["token"])
    edited = {}
    for n in range(ROUNDS):
        message = await post_message(http, alice, gid, f"secret {n}")
        path = f"/api/group/{gid}/message/{message['id']}"
        *edits, delete = await asyncio.gather(
            *(
                http.patch(path, json={"content": f"edit {n}.{e}"}, headers=alice["headers"])
                for e in range(3)
            ),
            http.delete(path, headers=alice["headers"]),
        )
        assert delete.status_code == 200, delete.text
        assert delete.json()["deleted"] is True
        assert delete.json()["content"] is None
        for edit in edits:
            if edit.status_code != 200:
                assert_problem(edit, 409, "message_deleted")
        edited[message["id"]] = sum(edit.status_code == 200 for edit in edits)

    rows = await db.fetch(
        "SELECT content, deleted_at FROM group_messages WHERE id = ANY($1::bigint[])",
        list(edited),
    )
    assert len(rows) == ROUNDS
    assert all(row["content"] is None and row["deleted_at"] is not None for row in rows)

    # What a member's device saw: for each message, the delete last, and after any edit.
    seen: dict[int, list[tuple[str, int]]] = {}
    deletes = 0
    while deletes < ROUNDS:
        frame = await watcher.next_of("group.message.edit", "group.message.delete")
        action = frame["type"].rsplit(".", 1)[1]
        seen.setdefault(frame["data"]["id"], []).append((action, int(frame["cursor"])))
        deletes += action == "delete"
    await watcher.nothing_of("group.message.edit", "group.message.delete")
    await watcher.ws.close()
    assert seen.keys() == edited.keys()
    for message_id, changes in seen.items():
        assert changes[-1][0] == "delete", changes
        assert [action for action, _ in changes].count("edit") == edited[message_id]
        cursors = [cursor for _, cursor in changes]
        assert cursors == sorted(cursors), changes


async def test_two_deletes_racing_both_get_the_tombstone(server, http, db):
    alice = await register(http, "alice")
    gid = await new_group(http, alice)
    for n in range(5):
        message = await post_message(http, alice, gid, f"twice {n}")
        path = f"/api/group/{gid}/message/{message['id']}"
        responses = await asyncio.gather(
            *(http.delete(path, headers=alice["headers"]) for _ in "ab")
        )
        assert [r.status_code for r in responses] == [200, 200]
        assert all(r.json()["deleted"] and r.json()["content"] is None for r in responses)


async def test_a_client_id_reused_in_another_group_is_409(http, db):
    alice = await register(http, "alice")
    first, second = await new_group(http, alice), await new_group(http, alice)
    client_id = str(uuid.uuid4())
    response = await http.post(
        f"/api/group/{first}/message",
        json={"content": "for the first", "clientId": client_id},
        headers=alice["headers"],
    )
    assert response.status_code == 201
    response = await http.post(
        f"/api/group/{second}/message",
        json={"content": "for the second", "clientId": client_id},
        headers=alice["headers"],
    )
    assert_problem(response, 409, "client_id_reused")
    response = await http.get(f"/api/group/{second}/message", headers=alice["headers"])
    assert response.json()["messages"] == []
    # A retry in the room it was first used in is still a retry.
    response = await http.post(
        f"/api/group/{first}/message",
        json={"content": "for the first", "clientId": client_id},
        headers=alice["headers"],
    )
    assert response.status_code == 200
    assert response.json()["content"] == "for the first"


async def test_a_client_id_reused_in_another_kind_of_room_is_409(http, db):
    """Each kind of room has its own table; a clientId still names one message of its author."""
    alice, bob = await register(http, "alice"), await register(http, "bob")
    gid = await new_group(http, alice, bob)
    response = await http.post(
        "/api/conversation", json={"recipientId": bob["id"]}, headers=alice["headers"]
    )
    cid = response.json()["id"]
    group_path, conversation_path = f"/api/group/{gid}/message", f"/api/conversation/{cid}/message"

    for first, then in ((group_path, conversation_path), (conversation_path, group_path)):
        client_id = str(uuid.uuid4())
        body = {"content": "once", "clientId": client_id}
        assert (await http.post(first, json=body, headers=alice["headers"])).status_code == 201
        response = await http.post(then, json=body, headers=alice["headers"])
        assert_problem(response, 409, "client_id_reused")
        stored = await db.fetchval(
            "SELECT (SELECT count(*) FROM group_messages WHERE client_id = $1)"
            " + (SELECT count(*) FROM conversation_messages WHERE client_id = $1)",
            UUID(client_id),
        )
        assert stored == 1
        assert (await http.post(first, json=body, headers=alice["headers"])).status_code == 200

    # Sent together (stored in one statement), each send still gets its own answer.
    reused = str(uuid.uuid4())
    body = {"content": "first", "clientId": reused}
    assert (await http.post(group_path, json=body, headers=alice["headers"])).status_code == 201
    responses = await asyncio.gather(
        *(
            http.post(
                conversation_path,
                json={"content": f"n{n}", "clientId": str(uuid.uuid4())},
                headers=alice["headers"],
            )
            for n in range(5)
        ),
        http.post(conversation_path, json=body, headers=alice["headers"]),
    )
    assert [r.status_code for r in responses[:5]] == [201] * 5
    assert_problem(responses[5], 409, "client_id_reused")

    # Without a clientId nothing is checked across rooms.
    for path in (group_path, conversation_path):
        response = await http.post(path, json={"content": "plain"}, headers=alice["headers"])
        assert response.status_code == 201
