"""The web client end to end: real people in a real browser against a live server."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from tests.plugins.web.people import (
    WAIT_MS,
    api_account,
    contents,
    expect_connected,
    expect_contents,
    new_name,
    open_room,
    send,
    sign_in,
    sign_up,
)

SCRIPT = 'hi <script>alert("x")</script> <b>bold</b> &amp;'


async def test_two_people_chat_in_a_conversation_and_a_group(server, people):
    alice, bob = await people.new(), await people.new()
    dialogs: list[str] = []

    async def answer(dialog):
        dialogs.append(dialog.message)
        await dialog.accept()

    for page in (alice, bob):
        page.on("dialog", answer)
    alice_name, bob_name = new_name("alice"), new_name("bob")
    await sign_up(alice, server.http, alice_name)
    await sign_up(bob, server.http, bob_name)

    # A conversation, started by searching a username.
    search = alice.get_by_label("Find a user to message")
    await search.fill(bob_name[:8])
    await search.press("Enter")
    await alice.get_by_role("button", name=f"Message {bob_name}").click()
    await expect(alice.locator("#room-title")).to_have_text(f"@{bob_name}")
    await send(alice, SCRIPT)
    await expect_contents(alice, [SCRIPT])
    await open_room(bob, f"@{alice_name}")  # it arrived live: conversation.create
    await expect_contents(bob, [SCRIPT])  # shown as text: not run, not markup
    assert await bob.locator("#messages script, #messages b").count() == 0
    await send(bob, "first line\nsecond line")
    await expect_contents(alice, [SCRIPT, "first line\nsecond line"])

    # A group, with a member added from its member list.
    await alice.get_by_label("New group").fill("Team")
    await alice.get_by_label("New group").press("Enter")
    await expect(alice.locator("#room-title")).to_have_text("Team")
    await alice.get_by_role("button", name="Members").click()
    await alice.get_by_label("Add a member by username").fill(bob_name.upper())
    await alice.get_by_label("Add a member by username").press("Enter")
    await expect(alice.locator("#member-list li")).to_have_count(2)
    await send(alice, "welcome")
    await expect(bob.locator("#rooms .title").first).to_have_text("Team")  # newest first
    await open_room(bob, "Team")
    await expect_contents(bob, ["welcome"])

    # Typing shows on the other side, until the message arrives.
    composer = bob.get_by_label("Message", exact=True)
    await composer.press_sequentially("thanks")
    await expect(alice.locator("#typing")).to_have_text(f"{bob_name} is typing…")
    await composer.press("Enter")
    await expect_contents(alice, ["welcome", "thanks"])
    await expect(alice.locator("#typing")).to_have_text("")

    # Edit and delete one's own message; the other side follows.
    mine = alice.locator("#messages li", has_text="welcome")
    await mine.get_by_role("button", name="Edit message").click()
    await alice.get_by_label("New text of the message").fill("welcome, bob")
    await alice.get_by_label("New text of the message").press("Enter")
    await expect_contents(bob, ["welcome, bob", "thanks"])
    await expect(bob.locator("#messages li").first).to_contain_text("(edited)")
    # bob may neither edit nor delete alice's message in alice's group.
    alices = bob.locator("#messages > li").first
    await expect(alices.get_by_role("button", name=re.compile("^(Edit|Delete)"))).to_have_count(0)
    await expect(alices.get_by_role("button", name=f"Reply to {alice_name}")).to_be_visible()
    await mine.get_by_role("button", name="Delete message").click()
    await expect_contents(bob, ["message deleted", "thanks"])
    assert dialogs == ["Delete this message?"]  # and no alert from the <script>

    # The owner removes bob: his client drops the group.
    await alice.get_by_role("button", name=f"Remove {bob_name}").click()
    await expect(bob.locator("#rooms .title", has_text="Team")).to_have_count(0)
    await expect(bob.locator("#room")).to_be_hidden()


async def test_a_dropped_connection_misses_nothing_and_shows_nothing_twice(server, people, http):
    alice = await api_account(http, new_name("alice"))
    bob_name = new_name("bob")
    bob_id = (await api_account(http, bob_name))["id"]
    response = await http.post(
        "/api/group", json={"title": "Resume", "users": [bob_id]}, headers=alice["headers"]
    )
    messages = f"/api/group/{response.json()['id']}/message"

    async def say(text: str) -> dict:
        response = await http.post(messages, json={"content": text}, headers=alice["headers"])
        assert response.status_code == 201, response.text
        return response.json()

    bob = await people.new()
    sockets: list[str] = []
    bob.on("websocket", lambda socket: sockets.append(socket.url))
    await sign_in(bob, server.http, bob_name)
    await open_room(bob, "Resume")
    before = await say("before")
    await expect_contents(bob, ["before"])  # bob now holds a cursor
    alice_page = await people.new()
    await sign_in(alice_page, server.http, alice["username"])
    await open_room(alice_page, "Resume")
    await alice_page.get_by_role("button", name="Members").click()
    bob_member = alice_page.locator("#member-list li", has_text=bob_name).locator("span")

    await bob.context.set_offline(True)
    await expect(bob.locator("#connection")).to_have_text("Reconnecting…")
    await expect(bob_member).not_to_have_class(re.compile("online"), timeout=WAIT_MS)
    away = [f"while away {n}" for n in range(5)]
    for text in away:
        await say(text)
    edit = await http.patch(
        f"{messages}/{before['id']}", json={"content": "before, edited"}, headers=alice["headers"]
    )
    assert edit.status_code == 200
    await bob.context.set_offline(False)
    await expect_connected(bob)
    await expect(bob_member).to_have_class(re.compile("online"), timeout=WAIT_MS)
    await say("after")
    everything = ["before, edited", *away, "after"]
    await expect_contents(bob, everything)
    # What was missed came from the resume, from the last cursor bob saw.
    assert "since=" not in sockets[0]
    assert all(re.search(r"[?&]since=\d+", url) for url in sockets[1:]), sockets

    # A third tab of bob's takes the session the others share and sees everything; what it
    # sends reaches the first tab and alice.
    tab = people.watch(await bob.context.new_page())
    await tab.goto(server.http)
    await expect_connected(tab)
    await open_room(tab, "Resume")
    await expect_contents(tab, everything)
    await send(tab, "from the third tab")
    everything.append("from the third tab")
    for page in (tab, bob, alice_page):
        await expect_contents(page, everything)
    assert await contents(bob) == everything


async def test_a_message_arriving_while_the_room_loads_is_shown(server, people, http):
    """A live message that reaches the client while the room's first page is on its way (the
    page was read before the message was stored) is shown, and not twice."""
    alice = await api_account(http, new_name("alice"))
    bob_name = new_name("bob")
    bob_id = (await api_account(http, bob_name))["id"]
    response = await http.post(
        "/api/group", json={"title": "Loading", "users": [bob_id]}, headers=alice["headers"]
    )
    group_id = response.json()["id"]
    messages = f"/api/group/{group_id}/message"
    first = await http.post(messages, json={"content": "first"}, headers=alice["headers"])
    assert first.status_code == 201, first.text

    bob = await people.new()
    await sign_in(bob, server.http, bob_name)
    read, release = asyncio.Event(), asyncio.Event()

    async def hold_the_page(route) -> None:
        page = await route.fetch()  # read by the server now, before the message below
        read.set()
        await release.wait()
        await route.fulfill(response=page)

    await bob.route(re.compile(rf".*{messages}\?limit=.*"), hold_the_page)
    await bob.locator("#rooms button", has_text="Loading").click()
    await asyncio.wait_for(read.wait(), WAIT_MS / 1000)
    sent = await http.post(messages, json={"content": "while loading"}, headers=alice["headers"])
    assert sent.status_code == 201, sent.text
    preview = bob.locator(f'#rooms button[data-room="group:{group_id}"] .preview')
    await expect(preview).to_contain_text("while loading", timeout=WAIT_MS)  # it arrived live
    release.set()
    await expect_contents(bob, ["first", "while loading"])


async def test_history_scrolls_back_in_pages_without_gaps(server, people, http):
    alice = await api_account(http, new_name("alice"))
    response = await http.post("/api/group", json={"title": "History"}, headers=alice["headers"])
    messages = f"/api/group/{response.json()['id']}/message"
    texts = [f"message {n:03}" for n in range(120)]
    for text in texts:
        await http.post(messages, json={"content": text}, headers=alice["headers"])
    page = await people.new()
    await sign_in(page, server.http, alice["username"])
    await open_room(page, "History")
    await expect_contents(page, texts[-50:])
    await page.get_by_role("button", name="Load older messages").click()
    await expect_contents(page, texts[-100:])
    await page.locator("#messages").evaluate("list => { list.scrollTop = 0; }")  # scrolling up
    await expect_contents(page, texts)
    await expect(page.get_by_role("button", name="Load older messages")).to_be_hidden()


async def test_signing_out_signs_out_every_tab(server, people):
    page = await people.new()
    await sign_up(page, server.http, new_name("carol"))
    other = people.watch(await page.context.new_page())
    await other.goto(server.http)
    await expect_connected(other)
    await page.get_by_role("button", name="Sign out").click()
    for tab in (page, other):
        await expect(tab.get_by_role("heading", name="Sign in")).to_be_visible()
    await other.reload()
    await expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
