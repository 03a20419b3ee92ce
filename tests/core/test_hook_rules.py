"""The rules every hook call follows: who answers first, in which order, and what is refused."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid

import pytest

from sanic_chat import Forbidden, Unauthorized, hookimpl
from sanic_chat.app import create_app
from sanic_chat.config import load_settings
from sanic_chat.plugins import PluginError, build_plugin_manager
from tests.live import free_port
from tests.settings import TEST_SETTINGS


class Calls:
    """Counts the calls of a plugin's implementation."""

    def __init__(self) -> None:
        self.count = 0


class RefusesEveryone:
    """A fallback that raises on what it cannot read, as the built-in token check does."""

    def __init__(self) -> None:
        self.calls = Calls()

    @hookimpl
    def chat_authenticate(self, request):
        self.calls.count += 1
        raise Unauthorized("not a token of mine", code="bad_token")


class LazyFallback:
    """An implementation that hands back a coroutine: it must not be called, let alone dropped."""

    def __init__(self) -> None:
        self.calls = Calls()

    @hookimpl
    def chat_authenticate(self, request):
        self.calls.count += 1
        return asyncio.sleep(0)


class ApiKeys:
    """Accepts `Authorization: Bearer key:<user id>`, sync or async."""

    def __init__(self, asynchronous: bool) -> None:
        self.asynchronous = asynchronous

    @hookimpl
    def chat_authenticate(self, request):
        user = self._user(request)
        if self.asynchronous:
            return asyncio.sleep(0, result=user)
        return user

    @staticmethod
    def _user(request):
        from uuid import UUID

        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer key:"):
            return None
        return type("KeyUser", (), {"id": UUID(header.removeprefix("Bearer key:"))})()


def app_with(database_url, *plugins):
    return create_app(load_settings(DATABASE_URL=database_url, **TEST_SETTINGS), plugins=plugins)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_the_first_answer_wins_and_later_implementations_are_not_called(
    database_url, register, asynchronous
):
    account = await register("keyed")
    refuses, lazy = RefusesEveryone(), LazyFallback()
    # Registered last, called first: the key plugin, then the lazy one, then the refusing one.
    app = app_with(database_url, refuses, lazy, ApiKeys(asynchronous))
    _, response = await app.asgi_client.get(
        "/api/user/me", headers={"Authorization": f"Bearer key:{account.id}"}
    )
    assert response.status == 200, response.text
    assert response.json["id"] == account.id
    assert (refuses.calls.count, lazy.calls.count) == (0, 0)

    # No answer from the key plugin: the next ones are asked, in order, until one raises.
    _, response = await app.asgi_client.get("/api/user/me", headers=account.headers)
    assert response.status == 401
    assert (lazy.calls.count, refuses.calls.count) == (1, 1)


class Appends:
    def __init__(self, mark: str, asynchronous: bool) -> None:
        self.mark = mark
        self.asynchronous = asynchronous

    def _append(self, draft) -> None:
        draft.content += f" {self.mark}"

    @hookimpl
    def chat_before_message_stored(self, draft):
        if not self.asynchronous:
            return self._append(draft)

        async def later():
            await asyncio.sleep(0.01)
            self._append(draft)

        return later()


class AppendsFirst(Appends):
    @hookimpl(tryfirst=True)
    def chat_before_message_stored(self, draft):
        return super().chat_before_message_stored(draft)


class Vetoes:
    def __init__(self) -> None:
        self.calls = Calls()

    @hookimpl(trylast=True)
    def chat_before_message_stored(self, draft):
        self.calls.count += 1
        if "veto" in draft.content:
            raise Forbidden("vetoed", code="vetoed")


async def test_before_message_stored_runs_in_the_documented_order(database_url, register):
    """tryfirst, then last registered first, then trylast; each after the one before finished,
    whether sync or async."""
    vetoes = Vetoes()
    app = app_with(
        database_url,
        vetoes,
        Appends("sync-registered-first", asynchronous=False),
        Appends("async-registered-last", asynchronous=True),
        AppendsFirst("tryfirst", asynchronous=True),
    )
    client = app.asgi_client
    alice = await register("alice")
    _, response = await client.post("/api/group", json={"title": "g"}, headers=alice.headers)
    group_id = response.json["id"]
    _, response = await client.post(
        f"/api/group/{group_id}/message", json={"content": "hi"}, headers=alice.headers
    )
    assert response.status == 201, response.text
    assert response.json["content"] == "hi tryfirst async-registered-last sync-registered-first"
    assert vetoes.calls.count == 1


def test_an_unmarked_chat_function_with_an_unknown_name_is_refused():
    class Typo:
        def chat_redy_data(self, user_id):  # meant chat_ready_data, and forgot @hookimpl
            return {}

    with pytest.raises(PluginError) as refused:
        build_plugin_manager(load_settings(), [Typo()])
    message = str(refused.value)
    assert message == (
        "plugin 'test_an_unmarked_chat_function_with_an_unknown_name_is_refused.<locals>.Typo' "
        "cannot be registered: chat_redy_data is not a sanic-chat hook"
    )
    assert "\n" not in message


def test_unprefixed_helpers_and_marked_hooks_are_accepted():
    class Fine:
        def helper(self):
            return None

        @hookimpl
        def chat_ready_data(self, user_id):
            return {}

    manager = build_plugin_manager(load_settings(), [Fine()])
    assert len(manager.hook.chat_ready_data.get_hookimpls()) >= 2


class Clash:
    @hookimpl
    def chat_ready_data(self, user_id):
        return {"user": {"id": "not the user plugin's"}}


@pytest.fixture
def event_loop_policy_kept():
    """Sanic's sync test client installs uvloop's policy for the whole process; later tests
    that start asyncio subprocesses need the default one back."""
    policy = asyncio.get_event_loop_policy()
    yield
    asyncio.set_event_loop_policy(policy)


def test_two_plugins_writing_one_ready_field_are_refused(
    database_url, caplog, event_loop_policy_kept
):
    app = app_with(database_url, Clash())
    client = app.test_client
    name = f"clash_{uuid.uuid4().hex[:8]}"
    client.post(
        "/api/auth/register",
        json={"email": f"{name}@example.test", "username": name, "password": "long password"},
    )
    _, response = client.post(
        "/api/auth/login", json={"username": name, "password": "long password"}
    )
    token = response.json["accessToken"]
    frames = []

    async def handshake(ws):
        frames.append(await ws.recv())

    # sanic-testing reports the server's close as an error of the request.
    with pytest.raises(ValueError, match="code=1011, reason='internal error'"):
        client.websocket(f"/ws?token={token}", mimic=handshake)
    assert frames == []  # no `ready` with one plugin's field silently overwritten
    assert "ready field 'user' is written by both 'Clash' and 'user'" in caplog.text


BROKEN = {
    "import": ("import no_such_module_here\n", r"failed to import: ModuleNotFoundError"),
    "misspelled": (
        "from sanic_chat import hookimpl\n\n@hookimpl\ndef chat_redy_data(user_id):\n"
        "    return {}\n",
        r"cannot be registered: chat_redy_data is not a sanic-chat hook",
    ),
    "registration": (
        "from sanic_chat import hookimpl\n\n@hookimpl\ndef chat_ready_data(user_id, colour):\n"
        "    return {}\n",
        r"cannot be registered: Plugin 'broken' for hook 'chat_ready_data' hookimpl definition",
    ),
}


@pytest.mark.parametrize("command", [["plugins"], ["serve", "--no-migrate"]])
@pytest.mark.parametrize("failure", sorted(BROKEN))
def test_a_plugin_that_fails_to_load_stops_start_up_with_one_line(
    failure, command, tmp_path, server_env
):
    source, reason = BROKEN[failure]
    last = last_words_with_plugin(source, command, tmp_path, server_env)
    assert re.search(reason, last), last


def test_a_plugin_failing_in_a_start_up_hook_stops_serve_with_one_line(tmp_path, server_env):
    source = (
        "from sanic_chat import hookimpl\n\n@hookimpl\ndef chat_register_commands():\n"
        "    raise RuntimeError('no config file')\n"
    )
    last = last_words_with_plugin(source, ["serve", "--no-migrate"], tmp_path, server_env)
    assert last.endswith("failed in chat_register_commands: RuntimeError: no config file"), last


def last_words_with_plugin(source, command, tmp_path, server_env) -> str:
    """Run `sanic-chat <command>` with plugin 'broken' installed; it must stop with exit code
    2 and no traceback: return the last line it printed."""
    (tmp_path / "chat_broken").mkdir()
    (tmp_path / "chat_broken" / "__init__.py").write_text(source)
    info = tmp_path / "chat_broken-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: chat_broken\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[sanic_chat]\nbroken = chat_broken\n")
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, **server_env, "PYTHONPATH": path}
    if command[0] == "serve":
        command = [*command, "--host", "127.0.0.1", "--port", str(free_port())]
    run = subprocess.run(
        [sys.executable, "-m", "sanic_chat", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("sanic-chat: plugin 'broken' "), run.stderr
    return last
