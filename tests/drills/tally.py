"""A drill's figures: what was acknowledged, what the database holds, what each client got."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import asyncpg

from tests.drills.chatters import Chatter, Observations
from tests.drills.reactions import Counts, MessageKey, reactions_off
from tests.drills.rooms import Room

if TYPE_CHECKING:
    from tests.drills.read_truth import ReadStates

# The rooms' message tables and the column naming the room, by room kind.
TABLES = {
    "group": ("group_messages", "group_id"),
    "conversation": ("conversation_messages", "conversation_id"),
}


@dataclass
class Stored:
    ids: dict[Room, set[tuple[str, int]]] = field(default_factory=dict)
    by_client_id: Counter = field(default_factory=Counter)  # (author, clientId)
    by_content: Counter = field(default_factory=Counter)  # (author, content): each sent once
    client_ids: dict[str, tuple[str, int]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(len(ids) for ids in self.ids.values())


async def read_stored(database_url: str, rooms: list[Room]) -> Stored:
    stored = Stored()
    connection = await asyncpg.connect(database_url)
    try:
        for room in rooms:
            table, room_column = TABLES[room.kind]
            rows = await connection.fetch(
                f'SELECT id, author_id, client_id, content FROM "{table}"'
                f' WHERE "{room_column}" = $1',
                room.id,
            )
            stored.ids[room] = {(room.kind, row["id"]) for row in rows}
            for row in rows:
                stored.by_client_id[row["author_id"], row["client_id"]] += 1
                stored.by_content[row["author_id"], row["content"]] += 1
                stored.client_ids[str(row["client_id"])] = (room.kind, row["id"])
    finally:
        await connection.close()
    return stored


@dataclass
class Report:
    name: str
    stored: Stored
    chatters: list[Chatter]
    seen: Observations
    truth: ReadStates  # from the database and the acknowledged marks
    served: ReadStates  # from `GET /api/read-state`
    reactions: dict[MessageKey, Counts]  # from the database

    def _acknowledged(self) -> dict[str, tuple[str, int]]:
        return {k: v for chatter in self.chatters for k, v in chatter.acknowledged.items()}

    def totals(self) -> dict[str, int]:
        acknowledged = self._acknowledged()
        stored = self.stored
        return {
            "acknowledged sends": len(acknowledged),
            "stored rows": stored.rows,
            "duplicated rows (author+clientId)": sum(
                n - 1 for n in stored.by_client_id.values() if n > 1
            ),
            "duplicated rows (author+content)": sum(
                n - 1 for n in stored.by_content.values() if n > 1
            ),
            "acknowledged, not stored": sum(
                1 for k, v in acknowledged.items() if stored.client_ids.get(k) != v
            ),
            "stored, never acknowledged": len(stored.client_ids.keys() - acknowledged.keys()),
            "sends given up unacknowledged": sum(c.unacknowledged for c in self.chatters),
            "sends refused (4xx)": sum(len(c.rejected) for c in self.chatters),
        }

    def _badges_off(self, chatter: Chatter, badges: dict) -> list[str]:
        """The rooms where a device's badge (count, position) is not what the server says, or
        where it has none."""
        name = chatter.account["username"]
        rooms = badges.keys() | {room for user, room in self.served if user == name}
        return [
            f"{room.kind}: {badges.get(room)} != {self.served.get((name, room))}"
            for room in sorted(rooms, key=str)
            if badges.get(room) != self.served.get((name, room))
        ]

    def _states_off(self) -> list[tuple[str, Room]]:
        """The (user, room) pairs whose read state the server does not have as it should."""
        keys = self.truth.keys() | self.served.keys()
        return sorted((k for k in keys if self.truth.get(k) != self.served.get(k)), key=str)

    def read_totals(self) -> dict[str, int]:
        """Marks and read-state figures; every one after the first four is a failure."""
        return {
            "marks acknowledged": sum(c.marks_acknowledged for c in self.chatters),
            "marks unanswered (no answer, 5xx)": sum(c.marks_unanswered for c in self.chatters),
            "read.update events received": sum(c.read_updates for c in self.chatters),
            "read.update after newer messages": sum(c.badges.overtaken for c in self.chatters),
            "marks refused (4xx)": sum(len(c.marks_refused) for c in self.chatters),
            "marks left in doubt (no answer)": sum(len(c.in_doubt) for c in self.chatters),
            "read states: server != database": len(self._states_off()),
            "badges != server, at quiet": sum(
                len(self._badges_off(c, c.badges_at_quiet)) for c in self.chatters
            ),
            "badges != server, after resume": sum(
                len(self._badges_off(c, c.badges.counts())) for c in self.chatters
            ),
        }

    def _reactions_off(self, chatter: Chatter, shown: dict) -> list[str]:
        return reactions_off(shown, self.reactions, self._expected(chatter))

    def reaction_totals(self) -> dict[str, int]:
        """Reaction figures; every one after the first three is a failure."""
        return {
            "reaction toggles acknowledged": sum(c.toggles_acknowledged for c in self.chatters),
            "reaction toggles unanswered": sum(c.toggles_unanswered for c in self.chatters),
            "messages with reactions": len(self.reactions),
            "reaction toggles refused (4xx)": sum(len(c.toggles_refused) for c in self.chatters),
            "reactions shown != database, at quiet": sum(
                len(self._reactions_off(c, c.reactions_at_quiet)) for c in self.chatters
            ),
            "reactions shown != database, resumed": sum(
                len(self._reactions_off(c, c.shown.snapshot())) for c in self.chatters
            ),
        }

    def _expected(self, chatter: Chatter) -> set[tuple[str, int]]:
        return set().union(*(self.stored.ids[room] for room in chatter.rooms))

    def failures(self) -> list[str]:
        failures = [f"{name}: {count}" for name, count in list(self.totals().items())[2:] if count]
        failures += [
            f"{name}: {count}" for name, count in list(self.read_totals().items())[4:] if count
        ]
        failures += [
            f"{name}: {count}" for name, count in list(self.reaction_totals().items())[3:] if count
        ]
        failures += [
            f"{user} in {room.kind}: server (count, position)"
            f" {self.served.get((user, room))}, database {self.truth.get((user, room))}"
            for user, room in self._states_off()
        ]
        for chatter in self.chatters:
            missed, duplicated = chatter.missed(self._expected(chatter)), chatter.duplicated()
            if missed or duplicated:
                failures.append(
                    f"{chatter.account['username']} (last cursor {chatter.cursor}):"
                    f" {len(missed)} missed {missed[:5]},"
                    f" {len(duplicated)} duplicated {duplicated[:5]}"
                )
            for when, badges, shown in (
                ("at quiet", chatter.badges_at_quiet, chatter.reactions_at_quiet),
                ("after resume", chatter.badges.counts(), chatter.shown.snapshot()),
            ):
                device = f"{chatter.account['username']} device {chatter.device}"
                off = self._badges_off(chatter, badges)
                if off:
                    failures.append(f"{device} badges {when} (count, position): {'; '.join(off)}")
                off = self._reactions_off(chatter, shown)
                if off:
                    failures.append(f"{device} reactions {when}: {'; '.join(off[:5])}")
        errors = [
            *self.seen.rest,
            *self.seen.marks,
            *self.seen.reactions,
            *self.seen.ws_errors,
            *self.seen.health,
        ]
        if any(500 in key for key in errors):
            failures.append("the service answered 500")
        return failures

    def table(self) -> str:
        lines = [f"== fault drill: {self.name}"]
        totals = {**self.totals(), **self.read_totals(), **self.reaction_totals()}
        lines += [f"  {name:<36}{count:>8}" for name, count in totals.items()]
        lines.append(
            f"  {'client':<24}{'rooms':>6}{'expected':>10}{'missed':>8}"
            f"{'dup':>6}{'resyncs':>9}{'reconnects':>12}{'marks':>7}{'updates':>9}"
        )
        for chatter in self.chatters:
            expected = self._expected(chatter)
            device = f"{chatter.account['username']}{' #2' if chatter.device else ''}"
            lines.append(
                f"  {device:<24}{len(chatter.rooms):>6}{len(expected):>10}"
                f"{len(chatter.missed(expected)):>8}{len(chatter.duplicated()):>6}"
                f"{chatter.resyncs:>9}{chatter.reconnects:>12}"
                f"{chatter.marks_acknowledged:>7}{chatter.read_updates:>9}"
            )
        for title, counts in (
            ("/api/health/ready", self.seen.health),
            ("REST sends", self.seen.rest),
            ("REST marks", self.seen.marks),
            ("REST reaction toggles", self.seen.reactions),
            ("WebSocket error frames", self.seen.ws_errors),
            ("WebSocket closes", self.seen.closes),
        ):
            lines.append(f"  {title} by phase:")
            phases: dict[str, list[str]] = {}
            for (phase, *what), count in counts.items():
                label = " ".join(str(part) for part in what if part is not None)
                phases.setdefault(phase, []).append(f"{label} x{count}")
            lines += [
                f"    {phase:<8}{', '.join(sorted(parts))}" for phase, parts in phases.items()
            ]
        return "\n".join(lines)
