"""Fields plugins add to messages: what a send may carry and what a view shows.

Plugins declare them once per app (`chat_register_send_fields`, `chat_register_view_fields`);
each kind of room's payloads are built with them (`payloads.kind_payloads`), so validation and
the OpenAPI document know them. The values of a view's fields are set in batches by
`chat_fill_message_views` (`ViewFiller`), wherever views leave the server.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic.fields import FieldInfo

from ..awaitables import await_all
from ..config import ConfigError
from .model import MessageDraft
from .stored import StoredFacts

if TYPE_CHECKING:
    from sanic import Sanic

    from ..rooms.kind import RoomKind

log = logging.getLogger("sanic_chat.messages")

# Field definitions as pydantic's `create_model` takes them: name -> (annotation, FieldInfo).
FieldDefinitions = dict[str, tuple[Any, FieldInfo]]

_NAME = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
# What the core's payloads already hold (the room's id field is each kind's own, checked too).
CORE_SEND_FIELDS = frozenset({"content", "client_id"})
CORE_VIEW_FIELDS = frozenset(
    {"id", "author", "content", "client_id", "created_at", "edited_at", "deleted"}
)


@dataclass(frozen=True)
class MessageFields:
    """The send and view fields every plugin of one app declared, by snake_case name."""

    send: FieldDefinitions = field(default_factory=dict)
    view: FieldDefinitions = field(default_factory=dict)

    def send_values(self, payload: Any) -> dict[str, Any]:
        """The values of the plugins' send fields in a validated send payload."""
        return {name: getattr(payload, name) for name in self.send}

    def send_defaults(self) -> dict[str, Any]:
        """The send fields' defaults: what a message sent without them carries (a group's
        first message, sent by the core, included)."""
        return {
            name: info.get_default(call_default_factory=True)
            for name, (_, info) in self.send.items()
        }

    def definitions(self, which: str) -> dict[str, tuple[Any, FieldInfo]]:
        """Copies for `create_model`: pydantic may adjust a FieldInfo it is given."""
        return {
            name: (annotation, copy.copy(info))
            for name, (annotation, info) in getattr(self, which).items()
        }


def collect_message_fields(manager: Any, room_id_fields: Iterable[str] = ()) -> MessageFields:
    """Every plugin's send and view fields; a clash or a malformed field stops the start."""
    reserved = frozenset(room_id_fields)
    send = collect_fields(manager, "chat_register_send_fields", CORE_SEND_FIELDS | reserved)
    view = collect_fields(manager, "chat_register_view_fields", CORE_VIEW_FIELDS | reserved)
    return MessageFields(send, view)


def collect_fields(manager: Any, hook_name: str, reserved: frozenset[str]) -> FieldDefinitions:
    """The field definitions every plugin declares through `hook_name`, checked: snake_case
    names, none `reserved` or declared twice, each `(annotation, Field(...))` with a default."""
    collected: FieldDefinitions = {}
    owners: dict[str, str] = {}
    hook = getattr(manager.hook, hook_name)
    for impl in reversed(hook.get_hookimpls()):
        plugin = manager.label(impl.plugin)
        for name, definition in (impl.function() or {}).items():
            where = f"{hook_name} of plugin {plugin!r}: field {name!r}"
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                raise ConfigError(f"{where} must be a snake_case name")
            if name in reserved:
                raise ConfigError(f"{where} is the core's own")
            if name in owners:
                raise ConfigError(f"{where} is declared by plugin {owners[name]!r} too")
            if (
                not isinstance(definition, tuple)
                or len(definition) != 2
                or not isinstance(definition[1], FieldInfo)
            ):
                raise ConfigError(f"{where} must be (annotation, pydantic.Field(...))")
            if definition[1].is_required():
                raise ConfigError(f"{where} needs a default")
            owners[name] = plugin
            collected[name] = definition
    return collected


class ViewFiller:
    """Calls `chat_fill_message_views` on batches of one kind's views, if a plugin answers it.

    With no implementation it costs one look at the hook's implementations per batch.
    """

    def __init__(self, app: Sanic, kind: RoomKind) -> None:
        self._app = app
        self._kind = kind

    async def fill(
        self,
        views: list[dict[str, Any]],
        viewer_id: UUID | None,
        draft: MessageDraft | None = None,
        stored: StoredFacts | None = None,
    ) -> list[dict[str, Any]]:
        """Let plugins set their fields in `views` (in place); returns `views`.

        `stored`: what is known of the views' messages as stored, when the caller read it;
        None knows nothing (every message counts as changed, by any plugin).
        """
        hook = self._app.ctx.plugins.hook.chat_fill_message_views
        if views and hook.get_hookimpls():
            if stored is None:
                stored = StoredFacts.unknown(view["id"] for view in views)
            await await_all(
                hook(
                    app=self._app,
                    kind=self._kind,
                    viewer_id=viewer_id,
                    views=views,
                    draft=draft,
                    changed_ids=stored.changed_ids,
                    sent_fields=stored.sent_fields,
                    amended_by=stored.amended_by,
                )
            )
        return views

    async def fill_after_change(
        self,
        views: list[dict[str, Any]],
        draft: MessageDraft | None = None,
        stored: StoredFacts | None = None,
    ) -> list[dict[str, Any]]:
        """`fill` for the views of a change already committed, sent to every member at once:
        a failing plugin is logged, and the views keep their defaults, as the change stands."""
        try:
            return await self.fill(views, None, draft, stored)
        except Exception:
            log.exception("a chat_fill_message_views hook failed")
            return views
