"""`history`: one room with a million messages; the newest page against one 900,000 deep.

Another room's messages are interleaved with the room's, as in a real table, and the authors
are spread over a users table of thousands (the size at which a join under the page's limit
could turn into a hash join over the rest of the room).

Keyset pagination on the (group_id, id) index should make both cost the same.

Then the same newest page is timed in turn from this server and from a second one on the same
database with the feature plugins (read state, reactions, replies) turned off: what they add
to a page, under the same load on the machine.

Then the room's newest messages get reactions (several emoji each, from several users), and
its newest page is timed in turn with the other room's, which has none: a page's reactions are
read in one query for the whole page, so it should cost little more than a page without any.
"""

from __future__ import annotations

import os
import time
import uuid

import aiohttp
import asyncpg
import orjson

from sanic_chat.messages.ordering import ORDER_LOCK, SEQUENCE
from sanic_chat.messages.statements import page_statement
from sanic_chat_group.room import MEMBERS

from .fanout import create_groups
from .harness import (
    access_token,
    collector_paused,
    create_users,
    fresh_database,
    running_server,
    server_env,
)
from .report import latency_summary, print_table, verdict

TARGET_NEWEST_P50_MS = 5.0
TARGET_DEEP_RATIO = 1.5
TARGET_REACTIONS_RATIO = 1.3
# The emoji the reacted messages get, each from `REACTORS` users.
EMOJI = ("👍", "❤️", "😂", "🎉")
REACTORS = 3
# The plugins that add fields to every message view, compared on and off.
FEATURE_PLUGINS = ("read_state", "reactions", "replies")


def add_arguments(parser) -> None:
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--depth", type=int, default=900_000, help="messages above the deep page")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--users", type=int, default=5_000, help="users, all of them authors")
    parser.add_argument(
        "--reacted", type=int, default=10_000, help="newest messages given reactions"
    )


def quick(options) -> None:
    options.messages, options.depth, options.requests, options.users = 20_000, 18_000, 50, 1_000
    options.reacted = 1_000


async def run(options) -> dict:
    async with fresh_database() as database_url:
        users = await create_users(database_url, max(options.users, 2))
        with running_server(server_env(database_url)) as server:
            group_id, other_id = await create_groups(server.http, users, [[0, 1], [1, 0]])
        loaded_in, deep_before, plan = await _load(database_url, group_id, other_id, options)
        # Started after the load: see bench.harness.running_server.
        with running_server(server_env(database_url)) as server:
            headers = {"Authorization": f"Bearer {access_token(users[0])}"}
            path = f"/api/group/{group_id}/message"
            async with aiohttp.ClientSession(server.http, headers=headers) as http:
                newest = await _time(http, path, {"limit": 50}, options.requests)
                deep = await _time(
                    http, path, {"limit": 50, "before": deep_before}, options.requests
                )
                plain = featured = None
                if not _disabled_here(FEATURE_PLUGINS):
                    plain, featured = await _compare_plugins(
                        database_url, headers, http, path, options.requests
                    )
        # Without the reactions plugin (PLUGINS_DISABLED=reactions) there is nothing to react
        # with: the pages are timed without that part. The reactions are changes of their
        # messages, so the server timed with them starts after them, as after the load.
        reacting = await _react(database_url, group_id, options.reacted)
        if reacting:
            with running_server(server_env(database_url)) as server:
                async with aiohttp.ClientSession(server.http, headers=headers) as http:
                    # The other room's newest page has no reactions; timed in turn with this
                    # one's, so both see the same load on the machine.
                    (bare, reacted), (_, shown) = await _alternate(
                        (http, f"/api/group/{other_id}/message"), (http, path), options.requests
                    )
            # The page shows what was stored, or the timing says nothing.
            assert all(len(m["reactions"]) == len(EMOJI) for m in shown), shown

    ratio = deep["p50_ms"] / newest["p50_ms"] if newest["p50_ms"] else 0.0
    if not reacting:
        bare = reacted = {"p50_ms": None, "p99_ms": None}
    reacted_ratio = reacted["p50_ms"] / bare["p50_ms"] if reacting and bare["p50_ms"] else 0.0
    plugins_ratio = featured["p50_ms"] / plain["p50_ms"] if plain and plain["p50_ms"] else None
    figures = {
        "messages": options.messages,
        "bulk_load_s": round(loaded_in, 1),
        "newest": newest,
        "deep": deep,
        "deep_to_newest_p50": round(ratio, 2),
        "deep_page_plan": plan,
        "newest_before_reactions": bare,
        "newest_with_reactions": reacted,
        "with_to_without_reactions_p50": round(reacted_ratio, 2),
        "newest_feature_plugins_off": plain,
        "newest_feature_plugins_on": featured,
        "plugins_on_to_off_p50": plugins_ratio and round(plugins_ratio, 2),
        "met": newest["p50_ms"] <= TARGET_NEWEST_P50_MS
        and ratio <= TARGET_DEEP_RATIO
        and (not reacting or reacted_ratio <= TARGET_REACTIONS_RATIO),
    }
    reactions_per_message = len(EMOJI) * REACTORS
    if reacting:
        reaction_rows = [
            (
                "other room's newest page, no reaction p50 / p99 ms",
                f"{bare['p50_ms']} / {bare['p99_ms']}",
            ),
            (
                f"newest page, {reactions_per_message} reactions a message, p50 / p99 ms",
                f"{reacted['p50_ms']} / {reacted['p99_ms']}",
            ),
            ("with reactions / without (p50)", round(reacted_ratio, 2)),
        ]
    else:
        reaction_rows = [("pages with reactions", "not timed: the reactions plugin is off")]
    if plain:
        plugin_rows = [
            (
                f"newest page, {', '.join(FEATURE_PLUGINS)} off / on, p50 ms",
                f"{plain['p50_ms']} / {featured['p50_ms']}",
            ),
            ("feature plugins on / off (p50)", round(plugins_ratio, 2)),
        ]
    else:
        plugin_rows = [("feature plugins on / off", "not compared: some are off here")]
    print_table(
        f"history: {options.messages:,} messages in one room, pages of 50",
        [
            ("newest page p50 / p99 ms", f"{newest['p50_ms']} / {newest['p99_ms']}"),
            (f"page {options.depth:,} deep p50 / p99 ms", f"{deep['p50_ms']} / {deep['p99_ms']}"),
            ("deep / newest (p50)", round(ratio, 2)),
            *plugin_rows,
            *reaction_rows,
            ("bulk load s", round(loaded_in, 1)),
            ("deep page plan", plan.splitlines()[0] if plan else "?"),
            (
                f"target newest p50 <= {TARGET_NEWEST_P50_MS} ms, deep <= {TARGET_DEEP_RATIO}x, "
                f"with reactions <= {TARGET_REACTIONS_RATIO}x",
                verdict(figures["met"]),
            ),
        ],
    )
    print("\nquery plan of the deep page:\n" + plan)
    return figures


async def _load(database_url: str, group_id: str, other_id: str, options) -> tuple[float, int, str]:
    """Bulk-load the room through the real sequence, with every tenth message going to another
    room, so that a page is not simply the table's newest rows and the plan has to filter or
    use the (group_id, id) index, and the authors taken in turn from every user. Return the
    load time, the id that has `depth` of the room's messages above it, and the plan of the
    deep page query."""
    connection = await asyncpg.connect(database_url)
    try:
        reader = await connection.fetchval(
            "SELECT user_id FROM group_members WHERE group_id = $1 LIMIT 1", uuid.UUID(group_id)
        )
        started = time.perf_counter()
        await connection.execute(
            # Sent with no send field (`sent_fields` {}), as the server stores such a message.
            "INSERT INTO group_messages"
            " (id, seq, group_id, author_id, content, created_at, sent_fields) "
            "SELECT n, n, CASE WHEN n % 10 = 0 THEN $3::uuid ELSE $1::uuid END, "
            "authors.ids[1 + n % array_length(authors.ids, 1)], 'bulk message ' || n, now(), '{}' "
            "FROM (SELECT array_agg(id) AS ids FROM users) AS authors, ("
            "  SELECT nextval('chat_message_seq') AS n FROM generate_series(1, $2)) AS ids",
            uuid.UUID(group_id),
            options.messages * 10 // 9,
            uuid.UUID(other_id),
        )
        loaded_in = time.perf_counter() - started
        # Settle the table as a long-lived one is (hint bits set, statistics fresh, dirty pages
        # written), so the timed pages do not race the background work a bulk load leaves.
        await connection.execute("VACUUM (ANALYZE) group_messages, users")
        try:
            await connection.execute("CHECKPOINT")
        except asyncpg.InsufficientPrivilegeError:
            pass  # not a superuser (nor pg_checkpoint): the timings may wobble more
        deep_before = await connection.fetchval(
            "SELECT id FROM group_messages WHERE group_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1",
            uuid.UUID(group_id),
            options.depth,
        )
        # The server's own statement for the page (a reader who is a member, 50 rows + 1).
        statement = page_statement(
            "group_messages", "group_id", "users", MEMBERS.sql(), bound="before", mark="$"
        )
        rows = await connection.fetch(
            f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {statement}",
            uuid.UUID(group_id),
            reader,
            51,
            deep_before,
        )
    finally:
        await connection.close()
    return loaded_in, deep_before, "\n".join(row[0] for row in rows)


async def _react(database_url: str, group_id: str, count: int) -> bool:
    """Give each of the room's newest `count` messages every emoji in `EMOJI`, each from
    `REACTORS` users, as the reactions plugin stores them: each reacted message takes a new
    cursor, as an amendment does (and in the same order of commits, under the order lock).
    False when the plugin is off (its table was never created)."""
    connection = await asyncpg.connect(database_url)
    try:
        if await connection.fetchval("SELECT to_regclass('message_reactions')") is None:
            return False
        async with connection.transaction():
            reacted = await connection.fetch(
                "SELECT id FROM group_messages WHERE group_id = $1 ORDER BY id DESC LIMIT $2",
                uuid.UUID(group_id),
                count,
            )
            ids = [row["id"] for row in reacted]
            await connection.execute(
                "INSERT INTO message_reactions (message_id, emoji, user_id, created_at)"
                " SELECT m.id, e.emoji, u.id, now()"
                " FROM unnest($1::bigint[]) AS m(id), unnest($2::text[]) AS e(emoji),"
                " (SELECT id FROM users ORDER BY id LIMIT $3) AS u",
                ids,
                list(EMOJI),
                REACTORS,
            )
            # Each message's summary, as the plugin writes it with every change.
            await connection.execute(
                "INSERT INTO message_reaction_summaries (message_id, counts)"
                " SELECT message_id, jsonb_agg(jsonb_build_array(emoji, n) ORDER BY first)"
                " FROM (SELECT message_id, emoji, COUNT(*) AS n, MIN(id) AS first"
                "  FROM message_reactions WHERE message_id = ANY($1) GROUP BY 1, 2) AS e"
                " GROUP BY message_id",
                ids,
            )
            await connection.execute("SELECT pg_advisory_xact_lock($1)", ORDER_LOCK)
            # As `MessageStore.amend(..., by="reactions")` leaves them.
            await connection.execute(
                f"UPDATE group_messages SET seq = nextval('{SEQUENCE}'),"
                " amended_by = '[\"reactions\"]' WHERE id = ANY($1)",
                ids,
            )
        # Each update left a dead version of its row behind in the room's index, which every
        # read of the page would step over until autovacuum came by: time the steady state.
        await connection.execute(
            "VACUUM (ANALYZE) message_reactions, message_reaction_summaries, group_messages"
        )
    finally:
        await connection.close()
    return True


def _disabled_here(plugins: tuple[str, ...]) -> bool:
    disabled = {name.strip() for name in os.environ.get("PLUGINS_DISABLED", "").split(",")}
    return bool(disabled & set(plugins))


async def _compare_plugins(database_url, headers, http, path, count) -> tuple[dict, dict]:
    """The same page from a second server on the same database, with the feature plugins off,
    timed in turn with this one's."""
    env = server_env(database_url, PLUGINS_DISABLED=",".join(FEATURE_PLUGINS))
    with running_server(env) as plain_server:
        async with aiohttp.ClientSession(plain_server.http, headers=headers) as plain_http:
            timings, (without, with_them) = await _alternate(
                (plain_http, path), (http, path), count
            )
    assert "reactions" not in without[0] and "reactions" in with_them[0], "plugins not as asked"
    return timings


async def _alternate(first, second, count: int) -> tuple[tuple[dict, dict], tuple[list, list]]:
    """Two newest pages, each an (HTTP session, path), timed request by request in turn: their
    latency summaries, and the messages each showed last, for the caller to check."""
    params = {"limit": 50}
    pages = (first, second)
    latencies: list[list[float]] = [[], []]
    last: list[list[dict]] = [[], []]
    for _ in range(10):  # warm-up
        for http, path in pages:
            async with http.get(path, params=params) as response:
                await response.read()
    with collector_paused():
        for _ in range(count):
            for number, (http, path) in enumerate(pages):
                started = time.perf_counter()
                async with http.get(path, params=params) as response:
                    raw = await response.read()
                latencies[number].append(time.perf_counter() - started)
                last[number] = _page_of(response.status, raw)
    summaries = (latency_summary(latencies[0]), latency_summary(latencies[1]))
    return summaries, (last[0], last[1])


async def _time(http, path: str, params: dict, count: int) -> dict:
    for _ in range(10):  # warm-up
        async with http.get(path, params=params) as response:
            await response.read()
    latencies = []
    with collector_paused():
        for _ in range(count):
            started = time.perf_counter()
            async with http.get(path, params=params) as response:
                raw = await response.read()
            latencies.append(time.perf_counter() - started)
            _page_of(response.status, raw)
    return latency_summary(latencies)


def _page_of(status: int, raw: bytes) -> list[dict]:
    """The messages of a page, checked. Decoded after the clock stops: a page with more to
    show (reactions) is not charged the load generator's time to parse it."""
    assert status == 200, status
    messages = orjson.loads(raw)["messages"]
    assert len(messages) == 50, len(messages)
    return messages
