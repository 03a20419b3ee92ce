"""Unread counts, reactions and replies in the web client: two people, a live server with the
read-state, reactions and replies plugins (built in, on by default)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.plugins.web.people import (
    WAIT_MS,
    api_account,
    expect_connected,
    expect_contents,
    new_name,
    open_room,
    send,
    sign_in,
)

# What the browser says when the tab goes out of sight or comes back.
VISIBILITY = """(state) => {
    Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
    document.dispatchEvent(new Event("visibilitychange"));
}"""


async def say(http, account: dict, path: str, text: str) -> dict:
    response = await http.post(
        f"{path}/message", json={"content": text}, headers=account["headers"]
    )
    assert response.status_code == 201, response.text
    return response.json()


def badge(page: Page, label: str):
    return page.locator("#rooms button", has_text=label).locator(".badge")


def message(page: Page, text: str):
    return page.locator("#messages > li", has_text=text)


async def test_unread_counts_clear_when_read_on_every_tab_and_receipts_show(server, people, http):
    alice = await api_account(http, new_name("alice"))
    bob = await api_account(http, new_name("bob"))
    answer = await http.post(
        "/api/conversation", json={"recipientId": bob["id"]}, headers=alice["headers"]
    )
    conversation = f"/api/conversation/{answer.json()['id']}"
    await say(http, alice, conversation, "are you in today?")
    await say(http, alice, conversation, "the demo is at ten")

    bob_page = await people.new()
    await sign_in(bob_page, server.http, bob["username"])
    await expect(badge(bob_page, alice["username"])).to_have_text("2 unread")
    other_tab = people.watch(await bob_page.context.new_page())
    await other_tab.goto(server.http)
    await expect_connected(other_tab)
    await expect(badge(other_tab, alice["username"])).to_have_text("2 unread")

    alice_page = await people.new()
    await sign_in(alice_page, server.http, alice["username"])
    await open_room(alice_page, f"@{bob['username']}")
    await send(alice_page, "bring the slides")
    for page in (bob_page, other_tab):  # counted live
        await expect(badge(page, alice["username"])).to_have_text("3 unread")
    await expect(alice_page.locator("#messages .seen")).to_have_count(0)

    # bob reads in one tab: the count goes on both, and alice sees how far he read.
    await open_room(bob_page, f"@{alice['username']}")
    await expect(badge(other_tab, alice["username"])).to_have_count(0, timeout=WAIT_MS)
    await expect(badge(bob_page, alice["username"])).to_have_count(0)
    await expect(message(alice_page, "bring the slides").locator(".seen")).to_have_text("Seen")
    await expect(alice_page.locator("#messages .seen")).to_have_count(1)

    # A message arriving in the open room is read at once; bob's own never counts.
    await send(alice_page, "see you there")
    await expect_contents(
        bob_page, ["are you in today?", "the demo is at ten", "bring the slides", "see you there"]
    )
    await expect(message(alice_page, "see you there").locator(".seen")).to_have_text("Seen")
    await send(bob_page, "on my way")
    await expect(other_tab.locator("#rooms .preview").first).to_have_text("You: on my way")
    await expect(badge(other_tab, alice["username"])).to_have_count(0)
    await other_tab.reload()
    await expect_connected(other_tab)
    await expect(other_tab.locator("#rooms .preview").first).to_have_text("You: on my way")
    await expect(badge(other_tab, alice["username"])).to_have_count(0)

    # A tab out of sight reads nothing, though its room is open, until it is seen again.
    await bob_page.evaluate(VISIBILITY, "hidden")
    await send(alice_page, "one more thing")
    await expect(message(bob_page, "one more thing")).to_be_visible()
    await expect(badge(other_tab, alice["username"])).to_have_text("1 unread")
    await bob_page.wait_for_timeout(1000)  # time enough for a mark it should not send
    await expect(badge(other_tab, alice["username"])).to_have_text("1 unread")
    await expect(bob_page).to_have_title("(1) sanic-chat")
    await bob_page.evaluate(VISIBILITY, "visible")
    await expect(badge(other_tab, alice["username"])).to_have_count(0)
    await expect(bob_page).to_have_title("sanic-chat")
    await expect(message(alice_page, "one more thing").locator(".seen")).to_have_text("Seen")

    # A room that arrives live is counted too.
    group = await http.post(
        "/api/group", json={"title": "Demo day", "users": [bob["id"]]}, headers=alice["headers"]
    )
    await expect(other_tab.locator("#rooms .title", has_text="Demo day")).to_be_visible()
    await say(http, alice, f"/api/group/{group.json()['id']}", "room 4 is booked")
    await expect(badge(other_tab, "Demo day")).to_have_text("1 unread")


async def test_reactions_toggle_from_the_keyboard_and_update_live(server, people, http):
    alice = await api_account(http, new_name("alice"))
    bob = await api_account(http, new_name("bob"))
    group = await http.post(
        "/api/group", json={"title": "Lunch", "users": [bob["id"]]}, headers=alice["headers"]
    )
    await say(http, bob, f"/api/group/{group.json()['id']}", "pizza on friday?")
    pages = {}
    for person in (alice, bob):
        pages[person["username"]] = page = await people.new()
        await sign_in(page, server.http, person["username"])
        await open_room(page, "Lunch")
    alice_page, bob_page = pages[alice["username"]], pages[bob["username"]]

    # alice picks 👍 with the keyboard only.
    toggle = message(alice_page, "pizza").get_by_role("button", name="Add a reaction")
    await toggle.focus()
    await alice_page.keyboard.press("Enter")
    picker = message(alice_page, "pizza").get_by_role("group", name="Pick a reaction")
    await expect(picker.get_by_role("button")).to_have_count(6)
    await alice_page.keyboard.press("Tab")
    await expect(picker.get_by_role("button", name="React with 👍")).to_be_focused()
    await alice_page.keyboard.press("Escape")  # closes, and the focus goes back to the toggle
    await expect(picker).to_have_count(0)
    await expect(toggle).to_be_focused()
    await alice_page.keyboard.press("Enter")
    await alice_page.keyboard.press("Tab")
    await alice_page.keyboard.press("Enter")
    await expect(picker).to_have_count(0)
    await expect(toggle).to_be_focused()

    thumbs = "👍 1 reaction"
    alice_chip = message(alice_page, "pizza").locator(".chip", has_text="👍")
    bob_chip = message(bob_page, "pizza").locator(".chip", has_text="👍")
    await expect(alice_chip).to_have_accessible_name(f"{thumbs}, including yours")
    await expect(alice_chip).to_have_attribute("aria-pressed", "true")
    await expect(bob_chip).to_have_accessible_name(thumbs)  # live, and not bob's
    await expect(bob_chip).to_have_attribute("aria-pressed", "false")

    await bob_chip.click()  # bob adds his
    await expect(bob_chip).to_have_accessible_name("👍 2 reactions, including yours")
    await expect(alice_chip).to_have_accessible_name("👍 2 reactions, including yours")
    await alice_chip.click()  # alice takes hers back
    await expect(alice_chip).to_have_accessible_name(thumbs)
    await expect(alice_chip).to_have_attribute("aria-pressed", "false")
    await expect(bob_chip).to_have_accessible_name(f"{thumbs}, including yours")

    # After a reload the server says whose they are.
    await alice_page.reload()
    await expect_connected(alice_page)
    await open_room(alice_page, "Lunch")
    await expect(alice_chip).to_have_accessible_name(thumbs)
    await expect(alice_chip).to_have_attribute("aria-pressed", "false")


async def test_replies_quote_their_parent_and_count_on_it(server, people, http):
    alice = await api_account(http, new_name("alice"))
    bob = await api_account(http, new_name("bob"))
    group = await http.post(
        "/api/group", json={"title": "Plans", "users": [bob["id"]]}, headers=alice["headers"]
    )
    await say(http, bob, f"/api/group/{group.json()['id']}", "<b>lunch</b> at noon?")
    pages = {}
    for person in (alice, bob):
        pages[person["username"]] = page = await people.new()
        page.on("dialog", lambda dialog: dialog.accept())
        await sign_in(page, server.http, person["username"])
        await open_room(page, "Plans")
    alice_page, bob_page = pages[alice["username"]], pages[bob["username"]]
    composer = alice_page.get_by_label("Message", exact=True)
    reply_bar = alice_page.locator("#reply-bar")

    parent = message(alice_page, "lunch")
    await parent.get_by_role("button", name=f"Reply to {bob['username']}").click()
    await expect(reply_bar).to_have_text(
        f"Replying to {bob['username']}: <b>lunch</b> at noon? Cancel (Esc)"
    )
    await expect(composer).to_be_focused()
    await composer.press("Escape")
    await expect(reply_bar).to_be_hidden()
    await parent.get_by_role("button", name=f"Reply to {bob['username']}").click()
    await send(alice_page, "yes, the usual place")

    for page in (alice_page, bob_page):
        reply = message(page, "the usual place")
        quote = reply.locator(".quote")
        await expect(quote).to_have_text(f"{bob['username']}<b>lunch</b> at noon?")
        await expect(message(page, "at noon?").first.locator(".reply-count")).to_have_text(
            "1 reply"
        )
    assert await bob_page.locator("#messages b").count() == 0
    await expect(reply_bar).to_be_hidden()

    # The quote leads to its parent; once that is deleted the reply says so.
    await message(bob_page, "the usual place").locator(".quote").click()
    await expect(message(bob_page, "at noon?").first).to_be_focused()
    await message(bob_page, "at noon?").first.get_by_role("button", name="Delete message").click()
    for page in (alice_page, bob_page):
        await expect(message(page, "the usual place").locator(".quote")).to_have_text(
            f"{bob['username']}deleted message", timeout=WAIT_MS
        )
