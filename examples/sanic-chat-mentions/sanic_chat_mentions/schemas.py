from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    def dump(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)


class MentionOut(Camel):
    id: int
    author_id: UUID
    room_kind: str
    message_id: int
    created_at: datetime
    read: bool


class MentionList(Camel):
    mentions: list[MentionOut]


class ReadMention(Camel):
    id: int = Field(ge=1)
