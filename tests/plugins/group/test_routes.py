"""Group routes on the real database: rules, permissions, history pages, events."""

from __future__ import annotations

import asyncio
import uuid
from uuid import UUID

import httpx
import pytest

from tests.live import live_server, new_group
from tests.live import register as live_register
from tests.problem import assert_problem


@pytest.fixture(scope="module")
def live(server_env, tmp_path_factory):
    """A real server, for what needs concurrent requests."""
    with live_server(server_env, cwd=tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
def events(app):
    """Every event the app publishes during the test, in order."""
    published = []
    app.ctx.events.subscribe(published.append)
    return published


async def make_group(client, owner, *members, title="team", message=None):
    body = {"title": title, "users": [m.id for m in members]}
    if message is not None:
        body["message"] = message
    _, response = await client.post("/api/group", json=body, headers=owner.headers)
    assert response.status == 201, response.text
    return response.json


async def send(client, account, group_id, content="hello", client_id=None):
    body = {"content": content}
    if client_id is not None:
        body["clientId"] = client_id
    _, response = await client.post(
        f"/api/group/{group_id}/message", json=body, headers=account.headers
    )
    return response


def ids(*accounts) -> frozenset[UUID]:
    return frozenset(UUID(a.id) for a in accounts)


# ---- create, list, get


async def test_create_with_members_and_first_message(client, register, events):
    owner, bob, carol = await register("owner"), await register("bob"), await register("carol")
    group = await make_group(client, owner, bob, carol, title="  Launch  ", message="welcome")
    assert group["title"] == "Launch"
    assert group["owner"]["id"] == owner.id
    assert {u["id"] for u in group["users"]} == {owner.id, bob.id, carol.id}
    assert "email" not in group["owner"]

    names = [e.name for e in events]
    assert names == ["group.create", "group.message.create"]
    assert events[0].recipients == ids(owner, bob, carol)
    assert events[1].data["content"] == "welcome"
    assert events[1].cursor == events[1].data["id"]

    _, response = await client.get(f"/api/group/{group['id']}/message", headers=bob.headers)
    assert [m["content"] for m in response.json["messages"]] == ["welcome"]


async def test_create_rejects_unknown_members_and_bad_bodies(client, register):
    owner = await register("owner")
    _, response = await client.post(
        "/api/group", json={"title": "x", "users": [str(uuid.uuid4())]}, headers=owner.headers
    )
    assert assert_problem(response, 422, "unknown_users")["errors"][0]["field"] == "body.users"
    for body in (
        {},
        {"title": "   "},
        {"title": "x" * 101},
        {"title": "x", "users": ["nope"]},
        {"title": "x", "message": ""},
    ):
        _, response = await client.post("/api/group", json=body, headers=owner.headers)
        assert_problem(response, 422, "validation_failed")
    _, response = await client.post("/api/group", json={"title": "x"})
    assert_problem(response, 401)


async def test_list_is_newest_activity_first_with_last_message_and_count(client, register):
    me, other = await register("me"), await register("other")
    older = await make_group(client, me, other, title="older")
    newer = await make_group(client, me, title="newer")
    await send(client, other, older["id"], "bump")  # older now has the newest activity

    _, response = await client.get("/api/group", headers=me.headers)
    groups = response.json["groups"]
    assert [g["title"] for g in groups] == ["older", "newer"]
    assert groups[0]["lastMessage"]["content"] == "bump"
    assert groups[0]["memberCount"] == 2
    assert groups[1]["lastMessage"] is None
    assert groups[1]["memberCount"] == 1
    assert groups[1]["id"] == newer["id"]

    _, response = await client.get("/api/group", headers=other.headers)
    assert [g["title"] for g in response.json["groups"]] == ["older"]


async def test_non_members_get_404_everywhere(client, register):
    owner, stranger = await register("owner"), await register("stranger")
    group = await make_group(client, owner)
    gid = group["id"]
    attempts = [
        ("get", f"/api/group/{gid}", None),
        ("patch", f"/api/group/{gid}", {"title": "mine"}),
        ("patch", f"/api/group/{gid}/owner", {"newOwnerId": stranger.id}),
        ("delete", f"/api/group/{gid}/leave", None),
        ("post", f"/api/group/{gid}/recipient", {"recipientId": stranger.id}),
        ("delete", f"/api/group/{gid}/recipient", {"recipientId": owner.id}),
        ("post", f"/api/group/{gid}/message", {"content": "hi"}),
        ("get", f"/api/group/{gid}/message", None),
        ("patch", f"/api/group/{gid}/message/1", {"content": "x"}),
        ("delete", f"/api/group/{gid}/message/1", None),
    ]
    for method, path, body in attempts:
        kwargs = {"headers": stranger.headers}
        if body is not None:
            kwargs["json"] = body
        _, response = await client.request(method, path, **kwargs)
        assert_problem(response, 404, "group_not_found")

    # Once the group has messages, its history stays just as hidden.
    await send(client, owner, gid, "private")
    _, response = await client.get(f"/api/group/{gid}/message", headers=stranger.headers)
    assert_problem(response, 404, "group_not_found")


async def test_malformed_ids_are_422(client, register):
    owner = await register("owner")
    _, response = await client.get("/api/group/not-a-uuid", headers=owner.headers)
    assert assert_problem(response, 422)["errors"][0]["field"] == "path.id"
    group = await make_group(client, owner)
    _, response = await client.patch(
        f"/api/group/{group['id']}/message/abc", json={"content": "x"}, headers=owner.headers
    )
    assert assert_problem(response, 422)["errors"][0]["field"] == "path.messageId"
    # Digits that are not ASCII ("²".isdigit() is true) and ids beyond a bigint: 422, not 500.
    for message_id in ("%C2%B2", "\u00b2", str(2**63)):
        _, response = await client.patch(
            f"/api/group/{group['id']}/message/{message_id}",
            json={"content": "x"},
            headers=owner.headers,
        )
        assert assert_problem(response, 422)["errors"][0]["field"] == "path.messageId"
    # The largest id the document allows is a well-formed one: no such message.
    _, response = await client.delete(
        f"/api/group/{group['id']}/message/{2**63 - 1}", headers=owner.headers
    )
    assert_problem(response, 404, "message_not_found")


# ---- owner rights


async def test_only_the_owner_updates_and_manages_members(client, register, events):
    owner, member, newcomer = await register("owner"), await register("m"), await register("n")
    group = await make_group(client, owner, member)
    gid = group["id"]
    for method, path, body in [
        ("patch", f"/api/group/{gid}", {"title": "hijack"}),
        ("patch", f"/api/group/{gid}/owner", {"newOwnerId": member.id}),
        ("post", f"/api/group/{gid}/recipient", {"recipientId": newcomer.id}),
        ("delete", f"/api/group/{gid}/recipient", {"recipientId": owner.id}),
    ]:
        _, response = await client.request(method, path, json=body, headers=member.headers)
        assert_problem(response, 403, "not_owner")

    events.clear()
    _, response = await client.patch(
        f"/api/group/{gid}", json={"title": "renamed"}, headers=owner.headers
    )
    assert response.status == 200
    assert response.json["title"] == "renamed"
    assert [e.name for e in events] == ["group.update"]
    assert events[0].recipients == ids(owner, member)


async def test_add_and_remove_members(client, register, events):
    owner, member, newcomer = await register("owner"), await register("m"), await register("n")
    group = await make_group(client, owner, member)
    gid = group["id"]
    events.clear()

    _, response = await client.post(
        f"/api/group/{gid}/recipient", json={"recipientId": newcomer.id}, headers=owner.headers
    )
    assert response.status == 201
    assert response.json["user"]["id"] == newcomer.id
    assert events[-1].name == "group.user.add"
    assert events[-1].recipients == ids(owner, member, newcomer)

    _, response = await client.post(
        f"/api/group/{gid}/recipient", json={"recipientId": newcomer.id}, headers=owner.headers
    )
    assert_problem(response, 409, "already_member")
    _, response = await client.post(
        f"/api/group/{gid}/recipient",
        json={"recipientId": str(uuid.uuid4())},
        headers=owner.headers,
    )
    assert_problem(response, 422, "unknown_users")

    _, response = await client.request(
        "delete",
        f"/api/group/{gid}/recipient",
        json={"recipientId": member.id},
        headers=owner.headers,
    )
    assert response.status == 200
    assert events[-1].name == "group.user.remove"
    # The removed member's devices learn of it too.
    assert events[-1].recipients == ids(owner, member, newcomer)
    _, response = await client.get(f"/api/group/{gid}", headers=member.headers)
    assert_problem(response, 404)

    _, response = await client.request(
        "delete",
        f"/api/group/{gid}/recipient",
        json={"recipientId": member.id},
        headers=owner.headers,
    )
    assert_problem(response, 404, "member_not_found")
    _, response = await client.request(
        "delete",
        f"/api/group/{gid}/recipient",
        json={"recipientId": owner.id},
        headers=owner.headers,
    )
    assert_problem(response, 409, "owner_cannot_be_removed")


async def test_transfer_ownership_and_leave(client, register, events):
    owner, member = await register("owner"), await register("m")
    outsider = await register("out")
    group = await make_group(client, owner, member)
    gid = group["id"]

    _, response = await client.delete(f"/api/group/{gid}/leave", headers=owner.headers)
    assert_problem(response, 409, "owner_must_transfer")

    _, response = await client.patch(
        f"/api/group/{gid}/owner", json={"newOwnerId": outsider.id}, headers=owner.headers
    )
    assert_problem(response, 422, "not_a_member")

    events.clear()
    _, response = await client.patch(
        f"/api/group/{gid}/owner", json={"newOwnerId": member.id}, headers=owner.headers
    )
    assert response.status == 200
    assert response.json["owner"]["id"] == member.id
    assert [e.name for e in events] == ["group.owner.update"]

    _, response = await client.delete(f"/api/group/{gid}/leave", headers=owner.headers)
    assert response.status == 200
    assert events[-1].name == "group.user.leave"
    assert events[-1].recipients == ids(owner, member)
    _, response = await client.get(f"/api/group/{gid}", headers=member.headers)
    assert [u["id"] for u in response.json["users"]] == [member.id]


async def test_last_member_leaving_deletes_the_group(client, register, db):
    owner = await register("owner")
    group = await make_group(client, owner, message="only me")
    _, response = await client.delete(f"/api/group/{group['id']}/leave", headers=owner.headers)
    assert response.status == 200
    assert response.json["group"] is None
    assert await db.fetchval("SELECT count(*) FROM groups WHERE id = $1", UUID(group["id"])) == 0
    assert (
        await db.fetchval(
            "SELECT count(*) FROM group_messages WHERE group_id = $1", UUID(group["id"])
        )
        == 0
    )


# ---- messages


async def test_edit_by_author_only_and_delete_by_author_or_owner(client, register, events):
    owner, alice, bob = await register("owner"), await register("alice"), await register("bob")
    group = await make_group(client, owner, alice, bob)
    gid = group["id"]
    message = (await send(client, alice, gid, "first draft")).json
    mid = message["id"]

    _, response = await client.patch(
        f"/api/group/{gid}/message/{mid}", json={"content": "hacked"}, headers=owner.headers
    )
    assert_problem(response, 403, "not_author")
    events.clear()
    _, response = await client.patch(
        f"/api/group/{gid}/message/{mid}", json={"content": " final "}, headers=alice.headers
    )
    assert response.status == 200
    assert response.json["content"] == "final"
    assert response.json["editedAt"] is not None
    assert events[-1].name == "group.message.edit"
    assert events[-1].cursor > mid

    _, response = await client.delete(f"/api/group/{gid}/message/{mid}", headers=bob.headers)
    assert_problem(response, 403, "not_author")
    _, response = await client.delete(f"/api/group/{gid}/message/{mid}", headers=owner.headers)
    assert response.status == 200
    tombstone = response.json
    assert tombstone["deleted"] is True
    assert tombstone["content"] is None
    assert tombstone["author"]["id"] == alice.id
    assert events[-1].name == "group.message.delete"

    _, response = await client.get(f"/api/group/{gid}/message", headers=bob.headers)
    assert response.json["messages"][0] == tombstone
    _, response = await client.patch(
        f"/api/group/{gid}/message/{mid}", json={"content": "again"}, headers=alice.headers
    )
    assert_problem(response, 409, "message_deleted")
    _, response = await client.delete(f"/api/group/{gid}/message/999999999", headers=owner.headers)
    assert_problem(response, 404, "message_not_found")


async def test_content_is_validated(client, register):
    owner = await register("owner")
    group = await make_group(client, owner)
    # The limit holds on what is sent, as documented, even when trimming would bring it under.
    padded = " " * 10 + "x" * 3995
    for content in ("", "   ", "x" * 4001, padded, "nul \x00 inside"):
        response = await send(client, owner, group["id"], content)
        assert assert_problem(response, 422)["errors"][0]["field"] == "body.content"
    assert (await send(client, owner, group["id"], "x" * 4000)).status == 201


async def test_unknown_fields_are_ignored_whatever_they_hold(client, register):
    """A NUL is refused in the fields the service reads, not in fields it ignores."""
    owner = await register("owner")
    group = await make_group(client, owner)
    _, response = await client.post(
        f"/api/group/{group['id']}/message",
        json={"content": "hello", "extra": {"note": "nul \x00 inside"}},
        headers=owner.headers,
    )
    assert response.status == 201, response.text
    assert response.json["content"] == "hello"


async def test_a_deleted_users_token_sends_nothing(client, register, db):
    owner, member = await register("owner"), await register("member")
    group = await make_group(client, owner, member)
    await db.execute("DELETE FROM users WHERE id = $1", UUID(member.id))
    response = await send(client, member, group["id"], "from beyond")
    assert_problem(response, 404, "group_not_found")
    assert (await send(client, owner, group["id"], "still here")).status == 201


async def test_client_id_makes_retries_idempotent(client, register, events, db):
    owner = await register("owner")
    group = await make_group(client, owner)
    client_id = str(uuid.uuid4())
    first = await send(client, owner, group["id"], "once", client_id)
    assert first.status == 201
    events.clear()
    retry = await send(client, owner, group["id"], "once", client_id)
    assert retry.status == 200
    assert retry.json == first.json
    assert events == []


async def test_concurrent_retries_store_one_message(live, db):
    """Five racing retries: the unique constraint, not a lookup, keeps it to one row."""
    async with httpx.AsyncClient(base_url=live.http) as http:
        owner = await live_register(http, "owner")
        response = await http.post("/api/group", json={"title": "race"}, headers=owner["headers"])
        gid = response.json()["id"]
        racing_id = str(uuid.uuid4())
        responses = await asyncio.gather(
            *(
                http.post(
                    f"/api/group/{gid}/message",
                    json={"content": "race", "clientId": racing_id},
                    headers=owner["headers"],
                )
                for _ in range(5)
            )
        )
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    count = "SELECT count(*) FROM group_messages WHERE client_id = $1"
    assert await db.fetchval(count, UUID(racing_id)) == 1


async def test_concurrent_sends_to_several_rooms_each_get_their_own_answer(live, db):
    """Sends racing into one worker are stored together; each still gets its own outcome."""
    async with httpx.AsyncClient(base_url=live.http) as http:
        alice, bob = await live_register(http, "alice"), await live_register(http, "bob")
        outsider = await live_register(http, "outsider")
        ours, bobs = await new_group(http, alice, bob), await new_group(http, bob)
        twice = str(uuid.uuid4())

        def send(account, gid, content, client_id=None):
            body = {"content": content, **({"clientId": client_id} if client_id else {})}
            return http.post(f"/api/group/{gid}/message", json=body, headers=account["headers"])

        responses = await asyncio.gather(
            *(send(alice, ours, f"a{n}") for n in range(6)),
            *(send(bob, bobs, f"b{n}") for n in range(6)),
            send(outsider, ours, "let me in"),
            send(bob, ours, "once", twice),
            send(bob, ours, "once", twice),
        )
    stored, intruder, retried = responses[:12], responses[12], responses[13:]
    assert [r.status_code for r in stored] == [201] * 12
    assert [r.json()["groupId"] for r in stored] == [ours] * 6 + [bobs] * 6
    assert [r.json()["content"] for r in stored] == [f"a{n}" for n in range(6)] + [
        f"b{n}" for n in range(6)
    ]
    assert_problem(intruder, 404, "group_not_found")
    assert sorted(r.status_code for r in retried) == [200, 201]
    assert retried[0].json()["id"] == retried[1].json()["id"]
    ids = [r.json()["id"] for r in stored] + [retried[0].json()["id"]]
    assert len(set(ids)) == 13
    rows = await db.fetch(
        "SELECT group_id, content FROM group_messages WHERE id = ANY($1::bigint[])", ids
    )
    assert len(rows) == 13
    assert await db.fetchval("SELECT count(*) FROM group_messages WHERE content = 'let me in'") == 0


async def test_history_pages(client, register):
    owner = await register("owner")
    group = await make_group(client, owner)
    gid = group["id"]
    path = f"/api/group/{gid}/message"

    _, response = await client.get(path, headers=owner.headers)
    assert response.json == {"messages": [], "nextCursor": None}

    sent = [(await send(client, owner, gid, f"m{n}")).json["id"] for n in range(5)]

    _, response = await client.get(path, params={"limit": 5}, headers=owner.headers)
    assert [m["id"] for m in response.json["messages"]] == sent[::-1]
    assert response.json["nextCursor"] is None  # exactly one page: nothing older

    _, response = await client.get(path, params={"limit": 2}, headers=owner.headers)
    assert [m["id"] for m in response.json["messages"]] == [sent[4], sent[3]]
    cursor = response.json["nextCursor"]
    assert cursor == sent[3]
    _, response = await client.get(
        path, params={"limit": 2, "before": cursor}, headers=owner.headers
    )
    assert [m["id"] for m in response.json["messages"]] == [sent[2], sent[1]]
    _, response = await client.get(path, params={"before": sent[0]}, headers=owner.headers)
    assert response.json == {"messages": [], "nextCursor": None}

    _, response = await client.get(
        path, params={"after": sent[1], "limit": 2}, headers=owner.headers
    )
    assert [m["id"] for m in response.json["messages"]] == [sent[3], sent[2]]

    for params in ({"limit": 0}, {"limit": 101}, {"before": "x"}, {"before": 1, "after": 2}):
        _, response = await client.get(path, params=params, headers=owner.headers)
        assert_problem(response, 422)


async def test_concurrent_sends_get_one_consistent_order(live, db):
    async with httpx.AsyncClient(base_url=live.http) as http:
        owner, member = await live_register(http, "owner"), await live_register(http, "member")
        response = await http.post(
            "/api/group", json={"title": "busy", "users": [member["id"]]}, headers=owner["headers"]
        )
        gid = response.json()["id"]
        responses = await asyncio.gather(
            *(
                http.post(
                    f"/api/group/{gid}/message",
                    json={"content": f"c{n}"},
                    headers=(owner if n % 2 else member)["headers"],
                )
                for n in range(20)
            )
        )
        assert all(r.status_code == 201 for r in responses)
        response = await http.get(
            f"/api/group/{gid}/message", params={"limit": 100}, headers=owner["headers"]
        )
    history = [m["id"] for m in response.json()["messages"]]
    assert len(history) == 20
    assert history == sorted(history, reverse=True)
    assert len(set(history)) == 20
    # A new message's cursor is its id: one total order, the same in every room.
    rows = await db.fetch("SELECT id, seq FROM group_messages WHERE group_id = $1", UUID(gid))
    assert all(row["id"] == row["seq"] for row in rows)


async def test_message_hooks_rewrite_veto_and_observe(settings, register):
    from sanic_chat import Forbidden, hookimpl
    from sanic_chat.app import create_app

    stored, drafts = [], []

    class Moderation:
        @hookimpl
        def chat_before_message_stored(self, draft):
            drafts.append(draft.author_id)
            if "forbidden" in draft.content:
                raise Forbidden("Not here.", code="moderated")
            draft.content = draft.content.replace("darn", "d**n")

        @hookimpl
        async def chat_message_stored(self, message, room):
            stored.append((message.content, room.title))

    app = create_app(settings, plugins=[Moderation()])
    client = app.asgi_client
    owner = await _account(client)
    _, response = await client.post("/api/group", json={"title": "mod"}, headers=owner)
    gid = response.json["id"]
    _, response = await client.post(
        f"/api/group/{gid}/message", json={"content": "oh darn"}, headers=owner
    )
    assert response.json["content"] == "oh d**n"
    assert stored == [("oh d**n", "mod")]
    _, response = await client.post(
        f"/api/group/{gid}/message", json={"content": "forbidden words"}, headers=owner
    )
    assert_problem(response, 403, "moderated")
    assert len(stored) == 1
    # A non-member is told there is no such group; plugins never see the draft.
    outsider = await _account(client)
    _, response = await client.post(
        f"/api/group/{gid}/message", json={"content": "let me in"}, headers=outsider
    )
    assert_problem(response, 404, "group_not_found")
    assert len(drafts) == 2


async def _account(client) -> dict[str, str]:
    name = f"hook_{uuid.uuid4().hex[:10]}"
    body = {"email": f"{name}@example.test", "username": name, "password": "long enough pw"}
    await client.post("/api/auth/register", json=body)
    _, response = await client.post(
        "/api/auth/login", json={"username": name, "password": "long enough pw"}
    )
    return {"Authorization": f"Bearer {response.json['accessToken']}"}


async def test_content_that_draws_nothing_is_refused_on_send_and_edit(client, register):
    owner = await register("owner")
    group = await make_group(client, owner)
    sent = await send(client, owner, group["id"], "visible")
    assert sent.status == 201
    edit_uri = f"/api/group/{group['id']}/message/{sent.json['id']}"
    invisible = [
        "\u200b",  # zero-width space
        "\u200c\u200d",  # zero-width non-joiner and joiner
        "\u2060\ufeff",  # word joiner, byte-order mark
        " \u200b\t\u3000\u200b\n",  # mixed with whitespace
        "\u3164\u2800",  # Hangul filler, Braille blank: letters that render blank
        "\u0301",  # a combining accent with nothing to sit on
    ]
    for content in invisible:
        problem = assert_problem(await send(client, owner, group["id"], content), 422)
        assert problem["errors"][0]["field"] == "body.content", content
        _, response = await client.patch(edit_uri, json={"content": content}, headers=owner.headers)
        assert assert_problem(response, 422)["errors"][0]["field"] == "body.content", content
    for content in ("\u200bhi\u200b", "👍", "👨\u200d👩\u200d👧", "é", "\u05d0"):
        assert (await send(client, owner, group["id"], content)).status == 201, content
