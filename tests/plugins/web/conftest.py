"""The web plugin as an installed package would be: found through its entry point.

Until the project is reinstalled, the `web` entry point is not in the environment's metadata,
so the tests declare it in a distribution of their own (a `.dist-info` folder on the path),
which is where `importlib.metadata` finds every plugin.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser import browser, page  # noqa: F401
from tests.live import live_server


def web_entry_point(folder: Path) -> Path:
    """A folder holding a distribution that declares `web = sanic_chat_web`."""
    dist_info = folder / "sanic_chat_web_entry-0.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: sanic-chat-web-entry\nVersion: 0\n"
    )
    (dist_info / "entry_points.txt").write_text("[sanic_chat]\nweb = sanic_chat_web\n")
    return folder


def with_web(env: dict[str, str], folder: Path) -> dict[str, str]:
    path = [str(web_entry_point(folder)), os.environ.get("PYTHONPATH", "")]
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, path))}


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory):
    """A live server with the web client, shared by the module's tests."""
    folder = tmp_path_factory.mktemp("web")
    with live_server(with_web(server_env, folder / "entry"), cwd=folder) as running:
        yield running
