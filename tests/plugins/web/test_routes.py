"""The web plugin's page and files, in process: headers, packaging rules, the plugin switch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sanic_chat.app import create_app
from sanic_chat.config import load_settings
from sanic_chat_web.routes import PAGE_POLICY, STATIC
from tests.settings import TEST_SETTINGS

SCRIPTS = sorted((STATIC / "js").glob("*.js"))


@pytest.fixture
def web_client(database_url):
    """A client of an app that found the web plugin through its entry point."""

    def make(**settings):
        app = create_app(load_settings(DATABASE_URL=database_url, **TEST_SETTINGS, **settings))
        return app.asgi_client

    return make


async def test_the_page_is_served_at_the_root_with_a_strict_policy(web_client):
    _, response = await web_client().get("/")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/web/js/main.js">' in response.text
    policy = response.headers["content-security-policy"]
    assert policy == PAGE_POLICY
    assert "unsafe" not in policy and "data:" not in policy and "*" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-cache"


async def test_every_file_the_page_names_is_served(web_client):
    client = web_client()
    _, page = await client.get("/")
    names = re.findall(r'(?:src|href)="(/web/[^"]+)"', page.text)
    for script in SCRIPTS:
        imported = re.findall(r'from "\./([^"]+)"', script.read_text())
        names += [f"/web/js/{name}" for name in imported]
    assert "/web/js/main.js" in names and "/web/style.css" in names
    for name in set(names):
        _, response = await client.get(name)
        assert response.status == 200, name
    _, script = await client.get("/web/js/main.js")
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert script.headers["cache-control"] == "no-cache"
    _, again = await client.get(
        "/web/js/main.js", headers={"If-Modified-Since": script.headers["last-modified"]}
    )
    assert again.status == 304


def test_nothing_is_loaded_from_elsewhere_and_no_text_becomes_markup():
    files = [*STATIC.rglob("*.html"), *STATIC.rglob("*.css"), *SCRIPTS]
    for path in files:
        text = path.read_text()
        assert not re.search(r"https?://|@import|url\(", text), path
        assert "style=" not in text, path  # the policy forbids inline styles
    for path in SCRIPTS:
        text = path.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, f"{path.name} uses {sink}"


async def test_the_page_stays_out_of_the_api_document(web_client):
    _, response = await web_client().get("/api/docs/openapi.json")
    paths = response.json["paths"]
    assert paths and not any(path == "/" or path.startswith("/web") for path in paths)


async def test_plugins_disabled_removes_the_client(web_client):
    client = web_client(PLUGINS_DISABLED="web")
    _, page = await client.get("/")
    assert page.status == 404
    _, script = await client.get("/web/js/main.js")
    assert script.status == 404
    _, health = await client.get("/api/health")
    assert health.status == 200


def test_the_package_ships_the_client():
    pyproject = (Path(__file__).parents[3] / "pyproject.toml").read_text()
    assert 'web = "sanic_chat_web"' in pyproject
    assert '"plugins/sanic_chat_web"' in pyproject
