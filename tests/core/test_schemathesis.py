"""The OpenAPI document against the running service, checked by Schemathesis.

A live server gets real users, groups, conversations and messages first; Schemathesis then
runs every phase (examples, coverage, fuzzing, stateful) with every check, drawing path ids
from those real resources most of the time so that requests get past the 404s and reach what
each route does. Any 5xx, any response the document does not describe, any valid request
refused or invalid one accepted fails the test, with Schemathesis's report as the message.

The budget is bounded (examples per operation and a time limit) so the run costs a couple of
minutes of CI; `SCHEMATHESIS_MAX_TIME` and `SCHEMATHESIS_MAX_EXAMPLES` raise it for a deeper
run by hand.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.live import live_server, register

MAX_TIME = int(os.environ.get("SCHEMATHESIS_MAX_TIME", "120"))
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))

CONFIG = """\
base-url = "{base_url}"
# One at a time: scenarios share the real groups, so a parallel one could remove the member
# another has just added.
workers = 1
max-time = {max_time}
request-timeout = 10
# A failure is reported once; the run goes on to test the other operations.
continue-on-failure = true

[auth.openapi.bearer]
bearer = "{token}"

[generation]
max-examples = {max_examples}
database = "none"

[checks]
max-response-time = {{ enabled = false }}

[phases.stateful]
max-steps = 12
# Follow the document's own links only: inferred ones pair requests by path alone (adding one
# member, then removing another, reads as "created, then not found").
inference = {{ algorithms = [] }}

# Real ids, most of the time; the rest are generated (unknown ids, malformed ones).
[dictionaries]
groups = {{ values = {groups} }}
conversations = {{ values = {conversations} }}
messages = {{ values = {messages} }}
users = {{ values = {users} }}
emoji = {{ values = ["👍", "❤️", "🇫🇷", ":party-parrot:"] }}

[parameters]
"path.group_id" = {{ dictionary = "groups", probability = 0.8 }}
"path.conversation_id" = {{ dictionary = "conversations", probability = 0.8 }}
"path.message_id" = {{ dictionary = "messages", probability = 0.8 }}
"path.emoji" = {{ dictionary = "emoji", probability = 0.8 }}
# A user id in a body is always a real one: an unknown user is refused with 422, which the
# schema (any UUID) cannot tell from a valid request.
"body.newOwnerId" = {{ dictionary = "users" }}
"body.users[*]" = {{ dictionary = "users" }}

"body.recipientId" = {{ dictionary = "users" }}

# The WebSocket handshake is not an HTTP operation (tests/core/test_realtime.py covers it).
[[operations]]
include-path = "/ws"
enabled = false

# A user named in a body must exist (and, for a new owner, be a member): otherwise 422, which
# the schema (any UUID) cannot tell from a valid request. The coverage phase sends such ids.
[[operations]]
include-path-regex = "^/api/group(/[^/]+/(owner|recipient))?$"
include-method = ["POST", "PATCH", "DELETE"]
checks.positive_data_acceptance.expected-statuses = [
  "2xx", "401", "403", "404", "409", "422", "429",
]

# A reaction is one emoji (a Unicode emoji sequence) or a `:shortcode:`, which no pattern in
# the document can say: any other string is refused with 422.
[[operations]]
include-path-regex = "/reactions/"
checks.positive_data_acceptance.expected-statuses = [
  "2xx", "401", "403", "404", "409", "422", "429",
]

# A reply's `replyTo` must name a message of the room: otherwise 422, which the schema (any
# message id) cannot tell from a valid request.
[[operations]]
include-path-regex = "/message$"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = [
  "2xx", "401", "403", "404", "409", "422", "429",
]

# `before` and `after` exclude each other, which OpenAPI 3.0 cannot say about query
# parameters (their descriptions do): a request with both is refused with 422.
[[operations]]
include-path-regex = "/message$"
include-method = "GET"
checks.positive_data_acceptance.expected-statuses = [
  "2xx", "401", "403", "404", "409", "422", "429",
]
"""


async def _world(http: httpx.AsyncClient) -> dict[str, Any]:
    """Users, groups with members, conversations and messages, as ids for Schemathesis."""
    me = await register(http, "st_owner")
    others = [await register(http, "st_member") for _ in range(3)]
    groups, conversations, messages = [], [], []
    for title in ("first", "second", "third"):
        response = await http.post(
            "/api/group",
            json={"title": title, "users": [other["id"] for other in others[:2]]},
            headers=me["headers"],
        )
        assert response.status_code == 201, response.text
        groups.append(response.json()["id"])
    for other in others:
        response = await http.post(
            "/api/conversation", json={"recipientId": other["id"]}, headers=me["headers"]
        )
        assert response.status_code == 201, response.text
        conversations.append(response.json()["id"])
    # Messages by you and by someone else in every room (the ones you may only read).
    rooms = [("group", group, others[0]) for group in groups]
    rooms += [("conversation", c, other) for c, other in zip(conversations, others, strict=True)]
    for room, room_id, other in rooms:
        for author in (me, other):
            response = await http.post(
                f"/api/{room}/{room_id}/message",
                json={"content": "hello"},
                headers=author["headers"],
            )
            assert response.status_code == 201, response.text
            messages.append(response.json()["id"])
    return {
        "token": me["token"],
        "users": [other["id"] for other in others],
        "groups": groups,
        "conversations": conversations,
        "messages": messages,
    }


async def test_the_service_conforms_to_its_openapi_document(server_env, tmp_path: Path):
    with live_server(server_env, cwd=tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
            world = await _world(http)
        config = tmp_path / "schemathesis.toml"
        config.write_text(
            CONFIG.format(
                base_url=server.http,
                max_time=MAX_TIME,
                max_examples=MAX_EXAMPLES,
                token=world["token"],
                **{key: json.dumps(value) for key, value in world.items() if key != "token"},
            )
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config),
            "run",
            f"{server.http}/api/docs/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--no-color",
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), MAX_TIME + 120)
        report = output.decode(errors="replace")
        (tmp_path / "schemathesis.log").write_text(report)
        # Failures quote whole requests; their first lines say enough.
        short = "\n".join(line[:300] for line in report.splitlines())
        print(short[-8000:])
        assert process.returncode == 0, short[-30000:]
