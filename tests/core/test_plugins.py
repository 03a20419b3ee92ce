"""Plugins: an outside package found by its entry point, with its own migration; blocking,
requirements and start-up checks."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import asyncpg
import pytest

from sanic_chat.app import create_app
from sanic_chat.config import ConfigError, load_settings
from sanic_chat.events import Event
from sanic_chat.plugins import PluginError, build_plugin_manager
from tests.database import database_prefix, migrated_database
from tests.settings import TEST_SETTINGS

PLUGIN = '''
"""An outside plugin: bookmarks on messages, with its own model, route and event hook."""
from sanic import Blueprint
from sanic.response import json

from sanic_chat import authenticated, hookimpl

requires = ("user",)
SEEN_EVENTS = []


@hookimpl
def chat_register_models():
    return ["chat_bookmarks.models"]


@hookimpl
def chat_register_blueprints():
    bp = Blueprint("bookmarks", url_prefix="/api/bookmarks")

    @bp.post("/")
    @authenticated
    async def add(request):
        from .models import Bookmark

        mark = await Bookmark.create(user_id=request.ctx.user.id, note=request.json["note"])
        return json({"id": mark.id, "note": mark.note}, status=201)

    @bp.get("/")
    @authenticated
    async def mine(request):
        from .models import Bookmark

        notes = await Bookmark.filter(user_id=request.ctx.user.id).values_list("note", flat=True)
        return json({"notes": list(notes)})

    return [bp]


@hookimpl
def chat_event_published(event):
    SEEN_EVENTS.append(event.name)
'''

MODELS = """
from tortoise import fields
from tortoise.models import Model


class Bookmark(Model):
    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("user.User", related_name=False)
    note = fields.CharField(max_length=200)

    class Meta:
        table = "bookmarks"
"""


def install_outside_plugin(root, name: str = "chat_bookmarks", source: str = PLUGIN) -> None:
    """Lay out `name` as an installed distribution declaring a `sanic_chat` entry point."""
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(source))
    (package / "models.py").write_text(textwrap.dedent(MODELS))
    info = root / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[sanic_chat]\nbookmarks = {name}\n")


@pytest.fixture
def outside_plugin(tmp_path, monkeypatch):
    install_outside_plugin(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for module in [m for m in sys.modules if m.startswith("chat_bookmarks")]:
        del sys.modules[module]


def sanic_chat(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sanic_chat", *args],
        env={**os.environ, **{k: str(v) for k, v in TEST_SETTINGS.items()}, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def path_with(root) -> str:
    return os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))


@pytest.fixture
async def bookmarks_database(outside_plugin, postgres_server, database_url):
    """A fresh database upgraded with the plugin's own migration, which its author's command
    wrote into the plugin's package."""
    env = {"PYTHONPATH": path_with(outside_plugin)}
    written = sanic_chat(
        "db",
        "migrate",
        "bookmarks",
        "--name",
        "init",
        env={**env, "DATABASE_URL": database_url},
        cwd=outside_plugin,
    )
    assert written.returncode == 0, written.stderr
    (migration,) = (outside_plugin / "chat_bookmarks" / "migrations").glob("0_*_init.py")
    assert written.stdout.strip() == f"wrote: {migration.name}"
    assert 'CREATE TABLE IF NOT EXISTS "bookmarks"' in migration.read_text()
    async with migrated_database(postgres_server, database_prefix(), env) as url:
        yield url


async def test_an_installed_package_is_a_plugin(outside_plugin, bookmarks_database):
    app = create_app(load_settings(DATABASE_URL=bookmarks_database, **TEST_SETTINGS))
    assert app.ctx.plugins.has_plugin("bookmarks")
    client = app.asgi_client
    name = f"bm_{uuid.uuid4().hex[:8]}"
    await client.post(
        "/api/auth/register",
        json={"email": f"{name}@example.test", "username": name, "password": "long password"},
    )
    _, response = await client.post(
        "/api/auth/login", json={"username": name, "password": "long password"}
    )
    headers = {"Authorization": f"Bearer {response.json['accessToken']}"}

    _, response = await client.post("/api/bookmarks", json={"note": "read later"}, headers=headers)
    assert response.status == 201
    _, response = await client.get("/api/bookmarks", headers=headers)
    assert response.json == {"notes": ["read later"]}
    _, response = await client.get("/api/bookmarks")
    assert response.status == 401  # the core's guard works for outside routes too

    import chat_bookmarks

    await app.ctx.events.publish(Event("group.create", {}, frozenset()))
    assert chat_bookmarks.SEEN_EVENTS == ["group.create"]


async def test_its_tables_outlive_it_and_the_cli_shows_their_migrations(
    outside_plugin, bookmarks_database, tmp_path
):
    with_plugin = {"PYTHONPATH": path_with(outside_plugin), "DATABASE_URL": bookmarks_database}
    listing = sanic_chat("plugins", env=with_plugin, cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    at = lines.index(next(line for line in lines if line.startswith("bookmarks ")))
    (migration,) = (outside_plugin / "chat_bookmarks" / "migrations").glob("0_*.py")
    assert lines[at + 2].split() == ["tables:", "bookmarks"]
    assert lines[at + 3].split() == ["migrations:", migration.name, "applied"]

    # Disabled, then uninstalled: its table and its rows stay, and nothing is pending.
    disabled = {**with_plugin, "PLUGINS_DISABLED": "bookmarks"}
    for env in (disabled, {"DATABASE_URL": bookmarks_database}):
        upgraded = sanic_chat("db", "upgrade", env=env, cwd=tmp_path)
        assert upgraded.returncode == 0, upgraded.stderr
        assert upgraded.stdout.strip() == "applied: nothing, the schema is current"
    connection = await asyncpg.connect(bookmarks_database)
    try:
        assert await connection.fetchval("SELECT to_regclass('bookmarks')::text") == "bookmarks"
    finally:
        await connection.close()


def test_the_cli_lists_it_and_plugins_disabled_blocks_it(outside_plugin, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(outside_plugin)}
    listing = subprocess.run(
        [sys.executable, "-m", "sanic_chat", "plugins"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert listing.returncode == 0, listing.stderr
    assert "bookmarks" in listing.stdout
    assert "chat_bookmarks 0.1" in listing.stdout
    for built_in in ("auth", "user", "group", "conversation"):
        assert built_in in listing.stdout

    blocked = subprocess.run(
        [sys.executable, "-m", "sanic_chat", "plugins"],
        env={**env, "PLUGINS_DISABLED": "bookmarks,conversation"},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert "bookmarks        disabled by PLUGINS_DISABLED" in blocked.stdout
    manager = build_plugin_manager(load_settings(PLUGINS_DISABLED="bookmarks,conversation"))
    assert not manager.has_plugin("bookmarks")
    assert manager.has_plugin("group")


def test_disabling_a_default_plugin_removes_its_routes(database_url):
    settings = load_settings(DATABASE_URL=database_url, PLUGINS_DISABLED="group", **TEST_SETTINGS)
    app = create_app(settings)
    paths = {route.path for route in app.router.routes}
    assert not any(path.startswith("api/group") for path in paths)
    assert any(path.startswith("api/conversation") for path in paths)
    assert "group.message.send" not in app.ctx.commands


def test_essential_plugins_cannot_be_disabled():
    with pytest.raises(ConfigError, match=r"^invalid PLUGINS_DISABLED: auth cannot be disabled"):
        build_plugin_manager(load_settings(PLUGINS_DISABLED="auth"))


def test_a_misspelled_hook_is_refused_at_start():
    class Misspelled:
        from sanic_chat import hookimpl

        @hookimpl
        def chat_register_modles(self):
            return []

    with pytest.raises(
        PluginError,
        match=r"^plugin 'test_a_misspelled_hook_is_refused_at_start.<locals>.Misspelled' cannot be "
        r"registered: chat_register_modles is not a sanic-chat hook$",
    ):
        build_plugin_manager(load_settings(), [Misspelled()])


def test_two_plugins_declaring_one_table_are_refused(tmp_path, monkeypatch, database_url):
    package = tmp_path / "clashing_plugin"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from sanic_chat import hookimpl\n\n"
        "@hookimpl\ndef chat_register_models():\n    return ['clashing_plugin.models']\n"
    )
    (package / "models.py").write_text(
        "from tortoise import fields\nfrom tortoise.models import Model\n\n"
        "class Clash(Model):\n    id = fields.IntField(primary_key=True)\n\n"
        "    class Meta:\n        table = 'groups'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import clashing_plugin

    settings = load_settings(DATABASE_URL=database_url, **TEST_SETTINGS)
    with pytest.raises(
        PluginError, match=r"^plugins 'clashing_plugin' and 'group' both declare table 'groups'$"
    ):
        create_app(settings, plugins=[clashing_plugin])


def test_two_plugins_claiming_one_command_are_refused(database_url):
    from sanic_chat import hookimpl

    class Impostor:
        @hookimpl
        def chat_register_commands(self):
            async def handler(context, data):
                return {}

            return {"group.message.send": handler}

    settings = load_settings(DATABASE_URL=database_url, **TEST_SETTINGS)
    with pytest.raises(
        PluginError,
        match=r"^plugin '.*Impostor' cannot be loaded: WebSocket command 'group.message.send' is "
        r"registered twice \(also by .+\)$",
    ):
        create_app(settings, plugins=[Impostor()])


class Needs:
    """A plugin defined in code that requires others."""

    def __init__(self, *required: str) -> None:
        self.requires = required


def test_a_plugin_requiring_one_not_installed_is_refused():
    with pytest.raises(
        PluginError,
        match=r"^plugin '.*Needs' cannot be loaded: it requires plugin 'nowhere' "
        r"\(not installed\)$",
    ):
        build_plugin_manager(load_settings(), [Needs("user", "nowhere")])


def test_a_plugin_requiring_a_disabled_one_is_refused():
    settings = load_settings(PLUGINS_DISABLED="group")
    with pytest.raises(
        PluginError, match=r"requires plugin 'group' \(PLUGINS_DISABLED blocks it\)"
    ):
        build_plugin_manager(settings, [Needs("group")])


def test_requirements_order_the_plugins_and_refuse_a_cycle():
    from sanic_chat.plugins import plugins_in_dependency_order

    manager = build_plugin_manager(load_settings())
    names = [name for name, _ in plugins_in_dependency_order(manager)]
    for dependent in ("auth", "group", "conversation"):
        assert names.index("user") < names.index(dependent)

    first, second = Needs("second"), Needs("first")
    manager = build_plugin_manager(load_settings())
    manager.register(first, name="first")
    manager.register(second, name="second")
    with pytest.raises(PluginError, match=r"circular requirement first -> second -> first$"):
        plugins_in_dependency_order(manager)


def test_upgrade_refuses_a_plugin_with_models_and_no_migrations(outside_plugin, database_url):
    env = {"PYTHONPATH": path_with(outside_plugin), "DATABASE_URL": database_url}
    upgraded = sanic_chat("db", "upgrade", env=env, cwd=outside_plugin)
    assert upgraded.returncode == 2
    assert upgraded.stderr.strip() == (
        "sanic-chat: plugin 'bookmarks' has models but no migrations: generate them with "
        "`sanic-chat db migrate bookmarks`"
    )


async def test_on_the_embedded_sqlite_the_plugin_gets_its_table(outside_plugin, tmp_path):
    settings = load_settings(DATABASE_URL=f"sqlite://{tmp_path}/chat.sqlite3", **TEST_SETTINGS)
    client = create_app(settings).asgi_client
    body = {"email": "sqlite@example.test", "username": "sqlite_user", "password": "long password"}
    _, response = await client.post("/api/auth/register", json=body)
    assert response.status == 201, response.text
    _, response = await client.post(
        "/api/auth/login", json={"username": "sqlite_user", "password": "long password"}
    )
    headers = {"Authorization": f"Bearer {response.json['accessToken']}"}
    _, response = await client.post("/api/bookmarks", json={"note": "local"}, headers=headers)
    assert response.status == 201, response.text
