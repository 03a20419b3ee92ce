"""The web client's tests: a live server with the `web` plugin (a built-in, found through its
entry point like every plugin) and a real browser."""

from __future__ import annotations

import pytest

from tests.browser import browser, page  # noqa: F401
from tests.live import live_server
from tests.plugins.web.people import People


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory):
    """A live server with the web client, shared by the module's tests."""
    with live_server(server_env, cwd=tmp_path_factory.mktemp("web")) as running:
        yield running


@pytest.fixture
async def people(browser):  # noqa: F811 (the fixture imported above)
    """Browser contexts for the test's people; no page may have thrown an error."""
    crowd = People(browser)
    yield crowd
    await crowd.close()
    assert not crowd.errors, crowd.errors
