"""Group changes racing each other on a real server: each answers by the usual rules, and a
group is never left owned by a non-member, nor with members once it is deleted."""

from __future__ import annotations

import asyncio
from uuid import UUID

import httpx

from tests.live import new_group, register
from tests.problem import assert_problem

ROUNDS = 15


def add(http, owner, group_id, member):
    return http.post(
        f"/api/group/{group_id}/recipient",
        json={"recipientId": member["id"]},
        headers=owner["headers"],
    )


def remove(http, owner, group_id, member):
    return http.request(
        "DELETE",
        f"/api/group/{group_id}/recipient",
        json={"recipientId": member["id"]},
        headers=owner["headers"],
    )


def transfer(http, owner, group_id, new_owner):
    return http.patch(
        f"/api/group/{group_id}/owner",
        json={"newOwnerId": new_owner["id"]},
        headers=owner["headers"],
    )


def leave(http, member, group_id):
    return http.delete(f"/api/group/{group_id}/leave", headers=member["headers"])


async def owned_by_a_member(db, group_id: str) -> bool:
    return await db.fetchval(
        "SELECT EXISTS (SELECT 1 FROM groups g JOIN group_members m"
        " ON m.group_id = g.id AND m.user_id = g.owner_id WHERE g.id = $1)",
        UUID(group_id),
    )


async def test_parallel_adds_of_one_member_add_it_once(http, db):
    owner = await register(http, "owner")
    for _ in range(ROUNDS):
        newcomer = await register(http, "new")
        gid = await new_group(http, owner)
        responses = await asyncio.gather(*(add(http, owner, gid, newcomer) for _ in range(4)))
        assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
        for response in responses:
            if response.status_code == 409:
                assert_problem(response, 409, "already_member")
        count = await db.fetchval(
            "SELECT count(*) FROM group_members WHERE group_id = $1 AND user_id = $2",
            UUID(gid),
            UUID(newcomer["id"]),
        )
        assert count == 1


async def test_an_add_racing_the_last_member_leaving(http, db):
    owner, newcomer = await register(http, "owner"), await register(http, "new")
    for _ in range(ROUNDS):
        gid = await new_group(http, owner)
        left, added = await asyncio.gather(leave(http, owner, gid), add(http, owner, gid, newcomer))
        if left.status_code == 200:  # the group went first: the add finds nothing
            assert_problem(added, 404, "group_not_found")
            assert left.json()["group"] is None
            members = "SELECT count(*) FROM group_members WHERE group_id = $1"
            assert await db.fetchval(members, UUID(gid)) == 0
            assert await db.fetchval("SELECT count(*) FROM groups WHERE id = $1", UUID(gid)) == 0
        else:  # the add went first: the owner is no longer alone and must hand over
            assert added.status_code == 201, added.text
            assert_problem(left, 409, "owner_must_transfer")
            assert await owned_by_a_member(db, gid)


async def test_a_transfer_racing_the_new_owners_leave(http, db):
    owner = await register(http, "owner")
    for _ in range(ROUNDS):
        heir = await register(http, "heir")
        gid = await new_group(http, owner, heir)
        handed, left = await asyncio.gather(
            transfer(http, owner, gid, heir), leave(http, heir, gid)
        )
        if handed.status_code == 200:  # the heir owned the group before they could leave
            assert handed.json()["owner"]["id"] == heir["id"]
            assert_problem(left, 409, "owner_must_transfer")
            reader = heir
        else:  # the heir was gone before the transfer looked
            assert_problem(handed, 422, "not_a_member")
            assert left.status_code == 200, left.text
            reader = owner
        assert await owned_by_a_member(db, gid)
        response = await http.get(f"/api/group/{gid}", headers=reader["headers"])
        assert response.status_code == 200, response.text
        assert response.json()["owner"]["id"] in {u["id"] for u in response.json()["users"]}


async def test_a_transfer_racing_the_removal_of_its_heir(http, db):
    owner = await register(http, "owner")
    for _ in range(ROUNDS):
        heir = await register(http, "heir")
        gid = await new_group(http, owner, heir)
        handed, removed = await asyncio.gather(
            transfer(http, owner, gid, heir), remove(http, owner, gid, heir)
        )
        if handed.status_code == 200:  # no longer the owner when the removal looked
            assert_problem(removed, 403, "not_owner")
        else:
            assert_problem(handed, 422, "not_a_member")
            assert removed.status_code == 200, removed.text
        assert await owned_by_a_member(db, gid)


async def test_reads_during_ownership_changes_always_name_a_member_as_owner(http, db):
    """A transfer then the old owner's leave, while others read the group."""
    owner, heir = await register(http, "owner"), await register(http, "heir")
    reader = await register(http, "reader")
    gid = await new_group(http, owner, heir, reader)
    current, other = owner, heir

    async def reads() -> list[httpx.Response]:
        return [await http.get(f"/api/group/{gid}", headers=reader["headers"]) for _ in range(10)]

    for _ in range(5):
        # The old owner steps out and back in, so the next round can hand ownership back.
        async def change(current=current, other=other):
            assert (await transfer(http, current, gid, other)).status_code == 200
            assert (await leave(http, current, gid)).status_code == 200
            assert (await add(http, other, gid, current)).status_code == 201

        _, seen = await asyncio.gather(change(), reads())
        for response in seen:
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["owner"]["id"] in {u["id"] for u in body["users"]}
        current, other = other, current
    assert await owned_by_a_member(db, gid)
