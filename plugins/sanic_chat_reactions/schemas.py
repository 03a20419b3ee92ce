"""Reaction payloads: the emoji, what a message's reactions look like, commands and events."""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Literal
from uuid import UUID

import emoji as unicode_emoji
from pydantic import AfterValidator, Field, create_model

from sanic_chat.plugin import LAST_ID, CamelModel

# A custom reaction's name between colons (`:party-parrot:`): clients map it to an image.
SHORTCODE = re.compile(r":[a-z0-9_+-]{1,32}:")
# Past this no string is one emoji (the longest sequences are about a dozen code points); the
# check stops here before the emoji table is consulted.
MAX_EMOJI_CHARS = 64
_FULLY_QUALIFIED = unicode_emoji.STATUS["fully_qualified"]


def canonical_emoji(value: str) -> str:
    """`value` if it is one reaction, in the one spelling stored; ValueError otherwise.

    One emoji is one of Unicode's emoji sequences (a skin tone, a flag, a family joined by
    zero-width joiners: one grapheme each). Written without its variation selector (`❤`
    rather than `❤️`) it is the same emoji, so it is stored fully qualified: one user reacting
    with both spellings has one reaction.
    """
    if SHORTCODE.fullmatch(value):
        return value
    if len(value) <= MAX_EMOJI_CHARS and unicode_emoji.is_emoji(value):
        if unicode_emoji.EMOJI_DATA[value]["status"] == _FULLY_QUALIFIED:
            return value
        qualified = unicode_emoji.emojize(unicode_emoji.demojize(value))
        return qualified if unicode_emoji.is_emoji(qualified) else value
    raise ValueError(
        "must be one emoji, or a :shortcode: of 1-32 characters from a-z, 0-9, _, + and -"
    )


EMOJI_DOC = (
    "One emoji (`👍`, `👍🏽`, `🇫🇷`), stored fully qualified (`❤` is `❤️`), or a custom "
    "`:shortcode:` of 1-32 characters from `a-z0-9_+-`."
)
Emoji = Annotated[
    str,
    Field(max_length=MAX_EMOJI_CHARS, description=EMOJI_DOC),
    AfterValidator(canonical_emoji),
]
MessageId = Annotated[int, Field(ge=1, le=LAST_ID, description="The message's id.")]


class EmojiPath(CamelModel):
    emoji: Emoji


class ReactionCount(CamelModel):
    """One emoji on a message: how many reacted with it and whether you did."""

    emoji: str = Field(json_schema_extra={"example": "👍"})
    count: int = Field(ge=1, json_schema_extra={"example": 2})
    me: bool | None = Field(
        None,
        json_schema_extra={"example": True},
        description="Whether you reacted with it. Present where the message is shown to you "
        "alone (history, REST answers and acks, resume); absent from live frames sent once to "
        "every member, where you know your own reactions from the `reaction` events' `userId`.",
    )


REACTIONS_DOC = "Ordered by first use; a deleted message has none."


VIEW_FIELDS = {
    "reactions": (
        list[ReactionCount],
        Field(default_factory=list, description=f"Reactions to the message. {REACTIONS_DOC}"),
    )
}


class MessageReactions(CamelModel):
    """A message's reactions after an add or a remove, as the reacting user sees them."""

    message_id: int
    reactions: list[ReactionCount] = Field(description=REACTIONS_DOC)


@cache
def reaction_command(schema_prefix: str, id_field: str) -> type[CamelModel]:
    """The data of `reaction.add` / `reaction.remove` for a kind of room (`groupId`, ...)."""
    return create_model(
        f"React{schema_prefix}Message",
        __base__=CamelModel,
        message_id=(MessageId, ...),
        emoji=(Emoji, ...),
        **{id_field: (UUID, ...)},
    )


class ReactionEvent(CamelModel):
    message_id: int
    user_id: UUID = Field(description="Who added or removed it.")
    emoji: str
    action: Literal["add", "remove"]
    reactions: list[ReactionCount] = Field(description=f"{REACTIONS_DOC} Without `me`.")


@cache
def reaction_event(schema_prefix: str, id_field: str) -> type[CamelModel]:
    """The data of `<kind>.message.reaction`, sent once to every member."""
    return create_model(
        f"{schema_prefix}MessageReaction",
        __base__=ReactionEvent,
        **{id_field: (UUID, ...)},
    )
