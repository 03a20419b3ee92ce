"""The fields replies add to messages, and what `replyTo` shows of the message answered."""

from __future__ import annotations

from pydantic import Field

from sanic_chat.plugin import LAST_ID, CamelModel

SNIPPET_CHARS = 100


class ReplyTo(CamelModel):
    """The message a reply answers, as the reply shows it."""

    id: int = Field(description="The message answered.")
    author_name: str = Field(description="Its author's username.")
    snippet: str | None = Field(
        max_length=SNIPPET_CHARS,
        description=f"Its first {SNIPPET_CHARS} characters; null once it is deleted.",
    )


SEND_FIELDS = {
    "reply_to": (
        int | None,
        Field(
            None,
            ge=1,
            le=LAST_ID,
            description="Send as a reply to this message of the same room (not a deleted one).",
        ),
    )
}

VIEW_FIELDS = {
    "reply_to": (
        ReplyTo | None,
        Field(None, description="The message this one answers; null when it answers none."),
    ),
    "reply_count": (
        int,
        Field(0, ge=0, description="Replies to this message, deleted ones not counted."),
    ),
}
