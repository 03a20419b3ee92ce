"""The main screens at a desktop and a phone width: nothing wider than the screen, every
control named. Their screenshots are the docs' (`docs/screenshots/`): run with
`UPDATE_SCREENSHOTS=1` to write them there, else they go to the test's temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.plugins.web.people import (
    People,
    api_account,
    expect_contents,
    new_name,
    open_room,
    send,
    sign_in,
)

DOCS = Path(__file__).parents[3] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 320, "height": 640}

# Every control the person can reach has a name a screen reader can say.
UNNAMED_CONTROLS = """() => [...document.querySelectorAll("input, textarea, button, select")]
    .filter((node) => node.offsetParent !== null)
    .filter((node) => !(node.labels?.length || node.getAttribute("aria-label")
                        || (node.tagName === "BUTTON" && node.textContent.trim())))
    .map((node) => node.outerHTML)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def shots(tmp_path) -> Path:
    return DOCS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path


async def check(page: Page, shots: Path, name: str) -> None:
    assert await page.evaluate(UNNAMED_CONTROLS) == [], name
    assert await page.evaluate(OVERFLOW) <= 0, f"{name} is wider than the screen"
    await page.screenshot(path=shots / f"{name}.png")


async def test_main_screens(server, browser, http, shots):
    people = People(browser)
    try:
        alice = await api_account(http, new_name("alice"))
        bob = await api_account(http, new_name("bob"))
        group = await http.post(
            "/api/group",
            json={"title": "Design review", "users": [bob["id"]]},
            headers=alice["headers"],
        )
        lines = [
            (bob, "Morning! The new layout is up on staging."),
            (alice, "Looks good. Does it hold up on a small phone?"),
            (bob, "Checked at 320 px: the room list folds away\nand the composer stays usable."),
        ]
        messages = f"/api/group/{group.json()['id']}/message"
        sent = []
        for author, text in lines:
            # The last line answers alice's question.
            reply = {"replyTo": sent[-1]["id"]} if len(sent) == 2 else {}
            answer = await http.post(
                messages, json={"content": text, **reply}, headers=author["headers"]
            )
            sent.append(answer.json())
        thumbs = f"{messages}/{sent[0]['id']}/reactions/%F0%9F%91%8D"
        assert (await http.put(thumbs, headers=alice["headers"])).status_code == 201
        release = await http.post(
            "/api/group",
            json={"title": "Release 0.2", "users": [bob["id"]]},
            headers=alice["headers"],
        )
        await http.post(
            f"/api/group/{release.json()['id']}/message",
            json={"content": "The changelog draft is ready."},
            headers=bob["headers"],
        )

        page = await people.new(viewport=DESKTOP)
        await page.goto(server.http)
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        await check(page, shots, "sign-in")

        await sign_in(page, server.http, alice["username"])
        await open_room(page, "Design review")
        await page.get_by_role("button", name="Members").click()
        await send(page, "Shipping it <b>today</b>.")
        await expect_contents(page, [text for _, text in lines] + ["Shipping it <b>today</b>."])
        await expect(page.locator("#rooms .badge")).to_have_text(["1 unread"])  # Release 0.2
        await expect(page.locator("#messages .quote")).to_have_count(1)
        await page.get_by_role("button", name="Add a reaction").first.click()
        await check(page, shots, "chat-desktop")

        phone = await people.new(viewport=PHONE, is_mobile=True, has_touch=True)
        await sign_in(phone, server.http, bob["username"])
        await expect(phone.locator("#rooms .badge").first).to_be_visible()
        await check(phone, shots, "rooms-phone")
        await open_room(phone, "Design review")
        await expect(phone.locator("#messages .content")).to_have_count(4)
        # Answering alice's last message, with the reaction picker open: still 320 px wide.
        last = phone.locator("#messages > li").last
        await last.get_by_role("button", name="Add a reaction").click()
        await last.get_by_role("button", name=f"Reply to {alice['username']}").click()
        await expect(phone.locator("#reply-bar")).to_be_visible()
        await check(phone, shots, "chat-phone")
        await phone.get_by_role("button", name="Rooms").click()
        await expect(phone.locator("#rooms")).to_be_visible()
    finally:
        await people.close()
    assert not people.errors, people.errors
