"""People using the web client in a browser: signing up, opening rooms, sending, reading."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.settings import PASSWORD

WAIT_MS = 10_000


def new_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


async def sign_up(page: Page, base_url: str, username: str) -> None:
    """Register through the page's form; it signs in and connects."""
    await page.goto(base_url)
    await page.get_by_label("Email", exact=True).fill(f"{username}@example.test")
    await page.locator("#register-username").fill(username)
    await page.locator("#register-password").fill(PASSWORD)
    await page.get_by_role("button", name="Register and sign in").click()
    await expect_connected(page)


async def sign_in(page: Page, base_url: str, username: str) -> None:
    await page.goto(base_url)
    await page.get_by_label("Username or email").fill(username)
    await page.locator("#login-password").fill(PASSWORD)
    await page.locator("#login-password").press("Enter")
    await expect_connected(page)


async def expect_connected(page: Page) -> None:
    await expect(page.locator("#connection")).to_have_text("Connected", timeout=WAIT_MS)


async def open_room(page: Page, label: str) -> None:
    await page.locator("#rooms button", has_text=label).click()
    await expect(page.locator("#room-title")).to_have_text(label, timeout=WAIT_MS)


async def send(page: Page, text: str) -> None:
    """Type a message (a new line is Shift+Enter), send it with Enter, and wait until it is no
    longer "sending…": until then the service may store another message before it, and a test
    that goes on would race its own send."""
    composer = page.get_by_label("Message", exact=True)
    for number, line in enumerate(text.split("\n")):
        if number:
            await composer.press("Shift+Enter")
            await composer.press_sequentially(line)
        else:
            await composer.fill(line)
    await composer.press("Enter")
    await expect(page.locator("#messages .message.pending")).to_have_count(0, timeout=WAIT_MS)


async def contents(page: Page) -> list[str]:
    return await page.locator("#messages .content").all_inner_texts()


async def expect_contents(page: Page, expected: list[str]) -> None:
    """The open room shows exactly these messages, in this order (none twice, none missing)."""
    await expect(page.locator("#messages .content")).to_have_text(expected, timeout=WAIT_MS)


async def api_account(http: httpx.AsyncClient, username: str) -> dict:
    """Register and sign in over REST: `{id, username, headers}`."""
    body = {"email": f"{username}@example.test", "username": username, "password": PASSWORD}
    assert (await http.post("/api/auth/register", json=body)).status_code == 201
    login = await http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    answer = login.json()
    return {
        "id": answer["user"]["id"],
        "username": username,
        "headers": {"Authorization": f"Bearer {answer['accessToken']}"},
    }


class People:
    """Browser contexts, one per person (own cookies and storage), closed at the end."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    async def new(self, **options) -> Page:
        context = await self.browser.new_context(**options)
        self.contexts.append(context)
        return self.watch(await context.new_page())

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()
