"""Sessions in the web client: access tokens are refreshed before they expire, one tab at a
time, on a server whose tokens live four seconds."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.live import live_server
from tests.plugins.web.people import People, expect_connected, new_name, sign_up

LIFETIME = 4
SESSION = "sanic-chat.session"


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-short-tokens")
    env = {**server_env, "JWT_ACCESS_EXPIRES_IN": str(LIFETIME)}
    with live_server(env, cwd=folder) as running:
        yield running


async def test_tabs_refresh_the_shared_session_before_it_expires(server, browser):
    people = People(browser)
    try:
        page = await people.new()
        refused, refreshes = [], []
        page.context.on(
            "response",
            lambda response: refused.append(response.url) if response.status == 401 else None,
        )
        page.context.on(
            "request",
            lambda request: (
                refreshes.append(request.url) if "refresh-token" in request.url else None
            ),
        )
        await sign_up(page, server.http, new_name("dora"))
        other = people.watch(await page.context.new_page())
        await other.goto(server.http)
        await expect_connected(other)
        first = await page.evaluate(f"() => localStorage.getItem({SESSION!r})")

        # Three lifetimes: both tabs want a new token each time, and only one asks for it (a
        # refresh token presented twice would end the session).
        await page.wait_for_timeout(3 * LIFETIME * 1000)
        assert await page.evaluate(f"() => localStorage.getItem({SESSION!r})") != first
        assert 2 <= len(refreshes) <= 4, refreshes
        assert not refused, refused
        for tab in (page, other):
            await expect_connected(tab)
        await other.get_by_label("New group").fill("Still here")
        await other.get_by_label("New group").press("Enter")
        await expect(page.locator("#rooms .title", has_text="Still here")).to_be_visible()
        assert not refused, refused
    finally:
        await people.close()
    assert not people.errors, people.errors
