"""The counters' triggers are put back by the next start whenever a message table lost them."""

from __future__ import annotations


async def test_a_start_reinstalls_the_triggers_a_rebuilt_table_lost(db, client, register):
    alice, bob = await register("alice"), await register("bob")  # the app has started once
    # What dropping and creating the table again does (a migration rebuilding it): the
    # triggers go with the table, their function of the same version stays.
    await db.execute(
        "DROP TRIGGER read_state_on_insert ON group_messages;"
        "DROP TRIGGER read_state_on_delete ON group_messages"
    )
    try:
        # The test client starts the app again for each request.
        _, created = await client.post(
            "/api/group", json={"title": "rebuilt", "users": [bob.id]}, headers=alice.headers
        )
        room = f"/api/group/{created.json['id']}"
        sent = []
        for n in range(3):
            _, message = await client.post(
                f"{room}/message", json={"content": f"m{n}"}, headers=alice.headers
            )
            sent.append(message.json)
        await client.delete(f"{room}/message/{sent[0]['id']}", headers=alice.headers)

        _, groups = await client.get("/api/group", headers=bob.headers)
        (group,) = groups.json["groups"]
        assert (group["unreadCount"], group["lastReadMessageId"]) == (2, None)
    finally:
        # Were the triggers still missing, the next start would install them afresh rather
        # than leave the tests after this one counting nothing.
        await db.execute("DROP FUNCTION IF EXISTS read_state_count_group_messages CASCADE")
