"""The mapping of native events to the seed's, where the live flows do not reach."""

from __future__ import annotations

import uuid

from sanic_chat_socketio.seed import SeedEvent, translate


def test_the_last_member_leaving_still_names_the_group():
    leaver = uuid.uuid4()
    change = {"group": None, "groupId": "g1", "user": {"id": str(leaver), "username": "x"}}
    assert translate("group.user.leave", change, frozenset({leaver})) == [
        SeedEvent("onGroupParticipantLeft", {"id": "g1", "users": []}, frozenset({leaver}))
    ]


def test_the_removed_member_and_the_others_hear_different_events():
    removed, other = uuid.uuid4(), uuid.uuid4()
    group = {"id": "g1", "users": []}
    change = {"group": group, "groupId": "g1", "user": {"id": str(removed)}}
    events = translate("group.user.remove", change, frozenset({removed, other}))
    assert events == [
        SeedEvent("onGroupReceivedRemoved", group, frozenset({other})),
        SeedEvent("onGroupUserRemoved", group, frozenset({removed})),
    ]


def test_events_the_seed_has_no_name_for_are_not_sent():
    for name in ("typing", "presence", "rooms.stale", "group.reaction.add"):
        assert translate(name, {}, frozenset({uuid.uuid4()})) == []
