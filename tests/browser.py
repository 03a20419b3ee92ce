"""A real browser for end-to-end tests: Debian's Chromium, driven by Playwright.

Playwright cannot download its own browsers here, so it launches the system's
(`apt-get install chromium`). `browser` is shared by the session; `page` is a fresh browser
context (its own cookies and storage: another person) and a page in it, per test.

The async API, on the session's event loop: Playwright's sync API keeps an event loop running
in the main thread while it is open, and every async test after it would then fail to start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    try:
        yield await context.new_page()
    finally:
        await context.close()
