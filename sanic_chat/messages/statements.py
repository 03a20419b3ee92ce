"""The statements the hot paths run, as text: storing a batch of sends, reading a page, and the
newest message of each room of a room list.

They are measured (docs/performance.md; `bench/send.py`, `bench/history.py`, `bench/unread.py`)
and their plans pinned (`tests/plugins/group/test_history_plans.py`): change them only with new
figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from .ordering import LAST_ID, ORDER_LOCK, SEQUENCE
from .payloads import MAX_PAGE


def send_statement(
    table: str, room_key: str, members_sql: str, other_tables: Sequence[str] = ()
) -> str:
    """The statement that stores a batch of drafts: one row in per draft, one row out per draft.

    Takes arrays of room ids, authors, contents, clientIds, times and send fields (JSON text)
    ($1-$6). Each draft's room members (`members_sql`, with `{room}` for the room) are read
    once and serve both its membership test and its recipients. A draft whose (author,
    clientId) is already stored in one of `other_tables` (the other kinds of message) is
    `reused` and not stored. Positions are taken under the order lock in the drafts' order, for
    the drafts whose sender is a member; the insert skips an (author, clientId) already stored.
    Out come the members (their ids joined by commas: see `MemberSets`), the new id (NULL when
    not stored) and `reused` of each draft.
    """
    members = members_sql.format(room="draft.room")
    # One probe of the (author_id, client_id) index of each other table; none without a clientId.
    reused = " OR ".join(
        f'EXISTS (SELECT 1 FROM "{other}" o'
        "  WHERE o.author_id = draft.author AND o.client_id = draft.client_id)"
        for other in other_tables
    )
    # A retry of a message stored before this statement began (or sent twice in one batch)
    # takes no position: a position with no row is a hole the cursor stream must wait out.
    # One racing this statement still meets ON CONFLICT below.
    retried = (
        f'EXISTS (SELECT 1 FROM "{table}" t'
        "  WHERE t.author_id = draft.author AND t.client_id = draft.client_id)"
        " OR EXISTS (SELECT 1 FROM draft earlier WHERE earlier.n < draft.n"
        "  AND earlier.author = draft.author AND earlier.client_id = draft.client_id)"
    )
    return (
        "WITH draft AS ("
        "  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[],"
        "  $5::timestamptz[], $6::text[]) WITH ORDINALITY"
        "  AS draft(room, author, content, client_id, created_at, sent_fields, n)"
        "), checked AS MATERIALIZED ("
        f"  SELECT draft.*, ARRAY({members}) AS members, ({reused or 'false'}) AS reused,"
        f"  ({retried}) AS retried"
        "  FROM draft"
        "), position AS MATERIALIZED ("
        f"  SELECT nextval('{SEQUENCE}') AS id, admitted.*"
        f"  FROM pg_advisory_xact_lock({ORDER_LOCK}), ("
        "    SELECT * FROM checked"
        "    WHERE author = ANY(members) AND NOT reused AND NOT retried"
        "    ORDER BY n OFFSET 0"
        "  ) AS admitted"
        "), inserted AS ("
        f'  INSERT INTO "{table}"'
        f'  (id, seq, "{room_key}", author_id, content, client_id, created_at, sent_fields)'
        "  SELECT id, id, room, author, content, client_id, created_at, sent_fields::jsonb"
        "  FROM position"
        "  ON CONFLICT (author_id, client_id) DO NOTHING RETURNING id"
        ") "
        "SELECT array_to_string(checked.members, ',') AS members, inserted.id, checked.reused"
        " FROM checked"
        " LEFT JOIN position ON position.n = checked.n"
        " LEFT JOIN inserted ON inserted.id = position.id"
        " ORDER BY checked.n"
    )


def page_statement(
    table: str, room_key: str, users_table: str, members_sql: str, bound: str | None, mark: str
) -> str:
    """The statement for one page of a room's history, read by a member of the room.

    Parameters (`mark` is "$" for PostgreSQL, "?" for SQLite): 1 the room, 2 the reader, 3 how
    many rows, 4 the id the page starts after (`bound` "after", oldest first) or before
    (`bound` "before", newest first; None: the newest page). A reader who is not a member gets
    no rows, as from an empty room: membership is a one-time filter, one index lookup on the
    room's members however many they are.

    The room's rows are written as a range of (room, id) pairs rather than `room = $1`: with the
    room a constant, a generic plan (which a prepared statement gets after a few runs) may walk
    the primary key backwards and filter by room, through every newer message of every other
    room (docs/performance.md). Only the (room, id) index serves the range, in the page's
    order, reading no more than the page.

    The page is limited before its authors are named: a join under the `LIMIT` left the planner
    free to hash the rest of the room when the statistics of the users table tipped it. Each
    author's name is one primary-key lookup per row of the page.
    The inner limit is a constant, the largest page: a generic plan takes `LIMIT $3` for a tenth
    of the rows it expects in the range, and for that many a bitmap scan of the whole range and
    a sort looked cheaper than reading the index in order (docs/performance.md). The outer
    `LIMIT` still stops the scan after the rows asked for.
    """
    members = members_sql.format(room=f"{mark}1")
    pair = f'(m."{room_key}", m.id)'
    above = f"{pair} > ({mark}1, {mark}4)" if bound == "after" else f"{pair} > ({mark}1, 0)"
    below = (
        f"{pair} < ({mark}1, {mark}4)" if bound == "before" else f"{pair} <= ({mark}1, {LAST_ID})"
    )
    rows, order = f"{above} AND {below}", "ASC" if bound == "after" else "DESC"
    return (
        "SELECT p.id, p.room_id, p.author_id,"
        f' (SELECT u.username FROM "{users_table}" u WHERE u.id = p.author_id) AS author_name,'
        " p.content, p.client_id, p.created_at, p.edited_at, p.deleted_at, p.seq,"
        " p.sent_fields, p.amended_by FROM ("
        f'  SELECT m.id, m."{room_key}" AS room_id, m.author_id, m.content, m.client_id,'
        "  m.created_at, m.edited_at, m.deleted_at, m.seq, m.sent_fields, m.amended_by"
        f'  FROM "{table}" m WHERE {rows}'
        f"  AND EXISTS (SELECT 1 FROM ({members}) AS member WHERE member.user_id = {mark}2)"
        f'  ORDER BY m."{room_key}" {order}, m.id {order} LIMIT {MAX_PAGE + 1}'
        f") AS p ORDER BY p.room_id {order}, p.id {order} LIMIT {mark}3"
    )


def latest_statement(
    table: str, room_key: str, room_table: str, users_table: str, rooms: str
) -> str:
    """The newest message of each room `id {rooms}` selects (rooms without one are left out),
    in `page_statement`'s row shape.

    Each room's newest id is one backward step on the (room, id) index, and its row and its
    author's name one primary-key lookup each: the join's condition depends on the room, so no
    plan can read more than that, whatever the statistics.
    """
    return (
        f'SELECT m.id, m."{room_key}" AS room_id, m.author_id,'
        f' (SELECT u.username FROM "{users_table}" u WHERE u.id = m.author_id) AS author_name,'
        " m.content, m.client_id, m.created_at, m.edited_at, m.deleted_at, m.seq,"
        " m.sent_fields, m.amended_by"
        f' FROM "{room_table}" r JOIN "{table}" m'
        f' ON m.id = (SELECT MAX(x.id) FROM "{table}" x WHERE x."{room_key}" = r.id)'
        f" WHERE r.id {rooms}"
    )
