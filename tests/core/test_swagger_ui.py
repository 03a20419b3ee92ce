"""The Swagger UI served by the service, used in a real browser as a person would."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

# Swagger UI renders the document in the browser; a slow shared machine needs some slack.
UI_SECONDS = 30_000


@pytest.fixture
async def alice(http) -> dict[str, Any]:
    """The account of the document's examples, registered (once per run) from the register
    example, and a group of hers with three messages."""
    spec = (await http.get("/api/docs/openapi.json")).json()
    register_example = spec["paths"]["/api/auth/register"]["post"]["requestBody"]["content"]
    registered = await http.post(
        "/api/auth/register", json=register_example["application/json"]["example"]
    )
    assert registered.status_code in (201, 409), registered.text
    login_example = spec["paths"]["/api/auth/login"]["post"]["requestBody"]["content"]
    login = await http.post("/api/auth/login", json=login_example["application/json"]["example"])
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    group = await http.post("/api/group", json={"title": "Swagger walk"}, headers=headers)
    assert group.status_code == 201, group.text
    for content in ("first", "second", "third"):
        sent = await http.post(
            f"/api/group/{group.json()['id']}/message", json={"content": content}, headers=headers
        )
        assert sent.status_code == 201, sent.text
    return {"username": login.json()["user"]["username"], "group_id": group.json()["id"]}


def operation(page: Page, method: str, path: str) -> Locator:
    return page.locator(f".opblock-{method}").filter(
        has=page.locator(f".opblock-summary-path[data-path='{path}']")
    )


async def open_for_trying(block: Locator) -> None:
    await block.locator(".opblock-summary").click()
    await block.locator("button.try-out__btn").click()


async def execute(block: Locator) -> tuple[str, Any, str]:
    """Press Execute; the status, parsed body and request URL Swagger UI shows."""
    await block.locator("button.execute").click()
    live = block.locator(".live-responses-table tr.response")
    status_cell = live.locator(".response-col_status")
    await expect(status_cell).to_have_text(re.compile(r"\d{3}"), timeout=UI_SECONDS)
    status = (await status_cell.inner_text()).strip()
    body = await live.locator(".response-col_description pre").first.inner_text()
    url = await block.locator(".request-url pre").inner_text()
    return status, json.loads(body), url


async def test_sign_in_search_and_history_from_swagger_ui(page: Page, server, alice):
    page.set_default_timeout(UI_SECONDS)
    await page.goto(f"{server.http}/api/docs")
    await expect(page).to_have_title("sanic-chat API")
    tags = page.locator(".opblock-tag-section h3")
    await expect(tags.first).to_contain_text("auth", timeout=UI_SECONDS)

    # Sign in with the prefilled example body, exactly as the page offers it.
    login = operation(page, "post", "/api/auth/login")
    await open_for_trying(login)
    status, body, _ = await execute(login)
    assert status == "200", body
    assert body["user"]["username"] == alice["username"]

    # Authorize with the token the page just showed.
    await page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".dialog-ux")
    await dialog.locator("input").fill(body["accessToken"])
    await dialog.locator("button.authorize").click()
    await dialog.locator("button.btn-done").click()

    # A user search: a typed text box and a number box, no JSON to write.
    search = operation(page, "get", "/api/user/search")
    await open_for_trying(search)
    await search.locator("tr[data-param-name='username'] input").fill("ALI")
    status, body, url = await execute(search)
    assert status == "200", body
    assert body["users"][0]["username"] == alice["username"]
    assert url.endswith("/api/user/search?username=ALI&limit=20"), url

    # A page of a group's history: the two newest messages, then the cursor to the rest.
    history = operation(page, "get", "/api/group/{group_id}/message")
    await open_for_trying(history)
    await history.locator("tr[data-param-name='group_id'] input").fill(alice["group_id"])
    await history.locator("tr[data-param-name='limit'] input").fill("2")
    status, body, url = await execute(history)
    assert status == "200", body
    assert [message["content"] for message in body["messages"]] == ["third", "second"]
    assert body["nextCursor"] == body["messages"][-1]["id"]
    assert url.endswith(f"/api/group/{alice['group_id']}/message?limit=2"), url
