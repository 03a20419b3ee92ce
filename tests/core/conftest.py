"""A live server shared by the tests of one module, and an HTTP client to it."""

from __future__ import annotations

import httpx
import pytest

from tests.live import live_server


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory):
    with live_server(server_env, cwd=tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
async def http(server):
    async with httpx.AsyncClient(base_url=server.http) as client:
        yield client
