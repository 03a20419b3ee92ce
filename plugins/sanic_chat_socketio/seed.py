"""sanic-chat's events as the seed's Socket.IO events: names and payload shapes.

The seed (the NestJS service sanic-chat replaces) names its events `onGroupCreate`,
`onConverMessageCreate`, ... and sends `Group`, `Conversation` and `{group|conversation,
message}` objects. Each native event maps to one seed event, except membership changes, where
the seed tells the user concerned one thing (`onGroupUserAdd`) and the other members another
(`onGroupReceivedNewUser`). Native events the seed has no name for (typing, presence, ...) are
not sent. Payloads keep the native fields the seed also has and add the seed's names for the
others; what the native event does not carry (a group's last message on a rename) is left out
rather than invented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

Payload = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SeedEvent:
    name: str
    payload: Payload
    recipients: frozenset[UUID]


def translate(name: str, data: Payload, recipients: frozenset[UUID]) -> list[SeedEvent]:
    """The seed events for native event `name`, each with who receives it."""
    mapping = _MAPPINGS.get(name)
    return mapping(data, recipients) if mapping else []


def _group(detail: Payload) -> Payload:
    """The seed's `Group`: the native detail has its fields (`id, title, createdAt, users,
    owner`); the last message, which group events do not carry, is left out."""
    return detail


def _message_in(room: str, action: str) -> Callable[[Payload], Payload]:
    def payload(message: Payload) -> Payload:
        container: Payload = {"id": message[f"{room}Id"]}
        if action == "create":
            # The message just sent is the room's newest, as the seed reports it.
            container["lastMessageSent"] = message
            container["lastMessageSentAt"] = message["createdAt"]
        return {room: container, "message": message}

    return payload


def _to_all(seed_name: str, build: Callable[[Payload], Payload]):
    def mapping(data: Payload, recipients: frozenset[UUID]) -> list[SeedEvent]:
        return [SeedEvent(seed_name, build(data), recipients)]

    return mapping


def _conversation(view: Payload) -> Payload:
    """A native conversation (as one participant sees it) as the seed's `Conversation`.

    sanic-chat does not record who opened a conversation. The seed told only the recipient,
    whose view has the other participant as `creator` and themselves as `recipient`; every
    viewer gets that view, so a client that shows "new conversation from <creator>" reads right
    where the seed's clients ever looked.
    """
    other = view["recipient"]
    me = next((user for user in view["users"] if user["id"] != other["id"]), other)
    last = view.get("lastMessage")
    return {
        **view,
        "creator": other,
        "recipient": me,
        "lastMessageSent": last,
        "lastMessageSentAt": view["lastActivityAt"],
    }


def _membership(to_the_user: str, to_the_others: str):
    """Add or remove: the user concerned and the other members hear different names."""

    def mapping(change: Payload, recipients: frozenset[UUID]) -> list[SeedEvent]:
        group = _group(change["group"])
        user = UUID(change["user"]["id"])
        events = [SeedEvent(to_the_others, group, recipients - {user})]
        if user in recipients:
            events.append(SeedEvent(to_the_user, group, frozenset({user})))
        return events

    return mapping


def _left(change: Payload, recipients: frozenset[UUID]) -> list[SeedEvent]:
    # The last member leaving deletes the group: the seed's clients still need its id.
    group = change["group"] or {"id": change["groupId"], "users": []}
    return [SeedEvent("onGroupParticipantLeft", _group(group), recipients)]


def _message_events(room: str, names: dict[str, str]):
    return {
        f"{room}.message.{action}": _to_all(seed_name, _message_in(room, action))
        for action, seed_name in names.items()
    }


_MAPPINGS: dict[str, Callable[[Payload, frozenset[UUID]], list[SeedEvent]]] = {
    "conversation.create": _to_all("onConversationCreate", _conversation),
    **_message_events(
        "conversation",
        {"create": "onConverMessageCreate", "edit": "onMessageEdit", "delete": "onMessageDelete"},
    ),
    "group.create": _to_all("onGroupCreate", _group),
    "group.update": _to_all("onGroupUpdate", _group),
    "group.owner.update": _to_all("onGroupUpdateOwner", _group),
    "group.user.add": _membership("onGroupUserAdd", "onGroupReceivedNewUser"),
    "group.user.remove": _membership("onGroupUserRemoved", "onGroupReceivedRemoved"),
    "group.user.leave": _left,
    **_message_events(
        "group",
        {
            "create": "onGroupMessageCreate",
            "edit": "onGroupMessageEdit",
            "delete": "onGroupMessageDelete",
        },
    ),
}
