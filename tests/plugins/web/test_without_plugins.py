"""The web client on a server without the read-state, reactions and replies plugins: it chats
as before and offers none of their controls."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.live import live_server
from tests.plugins.web.people import (
    People,
    api_account,
    expect_contents,
    new_name,
    open_room,
    send,
    sign_in,
)

FEATURES = "#rooms .badge, #messages .reactions, #messages .quote, #messages .reply-count, .seen"


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-without-plugins")
    env = {**server_env, "PLUGINS_DISABLED": "read_state,reactions,replies"}
    with live_server(env, cwd=folder) as running:
        yield running


async def test_the_client_works_without_their_plugins_and_shows_none_of_their_controls(
    server, browser, http
):
    people = People(browser)
    try:
        alice = await api_account(http, new_name("alice"))
        bob = await api_account(http, new_name("bob"))
        answer = await http.post(
            "/api/conversation", json={"recipientId": bob["id"]}, headers=alice["headers"]
        )
        path = f"/api/conversation/{answer.json()['id']}/message"
        sent = await http.post(path, json={"content": "hello"}, headers=alice["headers"])
        assert "reactions" not in sent.json() and "replyTo" not in sent.json()

        page = await people.new()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        await sign_in(page, server.http, bob["username"])
        await expect(page.locator("#rooms .preview")).to_have_text([f"{alice['username']}: hello"])
        await open_room(page, f"@{alice['username']}")
        await send(page, "hi alice")
        await expect_contents(page, ["hello", "hi alice"])
        await http.post(path, json={"content": "how are you?"}, headers=alice["headers"])
        await expect_contents(page, ["hello", "hi alice", "how are you?"])
        assert await page.locator(FEATURES).count() == 0
        assert await page.get_by_role("button", name="Reply to", exact=False).count() == 0
        assert await page.locator("#reply-bar").is_hidden()
        # Nothing asked of routes that are not there (a read mark would be a 404).
        api = [url for url in requests if "/api/" in url]
        assert not [url for url in api if url.endswith("/read") or "/reactions/" in url], api
    finally:
        await people.close()
    assert not people.errors, people.errors
