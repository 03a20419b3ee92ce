"""`transaction()` when BEGIN fails: nothing may stay behind in the task or the pool.

Run in a process of its own: Tortoise's set-up is global, and this test shrinks the pool to
one connection so that a connection kept from the pool would show as a hang.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, subprocess, sys, time
    from tortoise import Tortoise, connections
    from tortoise.backends.base.client import TransactionalDBClient
    from sanic_chat.transactions import transaction

    async def main(url):
        await Tortoise.init(
            db_url=url.replace("postgresql://", "postgres://") + "?minsize=1&maxsize=1",
            modules={"auth": ["sanic_chat_auth.models"], "user": ["sanic_chat_user.models"]},
        )
        client = connections.get("default")
        pid = (await client.execute_query_dict("SELECT pg_backend_pid() AS pid"))[0]["pid"]
        # Terminated without yielding to the event loop, so the pool has not read the
        # backend's farewell yet when the transaction takes the connection.
        kill = f"SELECT pg_terminate_backend({pid})"
        subprocess.run(["psql", url, "-qAtc", kill], check=True, capture_output=True)
        time.sleep(0.5)
        try:
            async with transaction():
                raise AssertionError("BEGIN on a terminated backend succeeded")
        except AssertionError:
            raise
        except Exception as exc:
            print("begin failed:", type(exc).__name__)
        assert not isinstance(connections.get("default"), TransactionalDBClient)
        # The one pooled connection came back (a new one, the old was dead): this answers.
        answer = await asyncio.wait_for(client.execute_query_dict("SELECT 1 AS one"), 10)
        assert answer == [{"one": 1}]
        async with transaction() as connection:
            await connection.execute_query("SELECT 1")
        print("ok")
        await Tortoise.close_connections()

    asyncio.run(main(sys.argv[1]))
    """
)


def test_a_failed_begin_leaves_no_transaction_and_no_connection_behind(database_url):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, database_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [line for line in result.stdout.splitlines() if line]
    assert result.stdout.splitlines()[-1] == "ok", result.stdout
    assert "begin failed:" in result.stdout
