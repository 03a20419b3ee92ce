"""The documentation says what the code does: generated sections are current, every event and
error code is documented, the README's links lead somewhere, and the examples run."""

from __future__ import annotations

import ast
import importlib.util
import io
import os
import re
import subprocess
import sys
import tokenize
import types
from pathlib import Path

import pytest

from tests.test_hookspecs import hook_specs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README_MAX_LINES = 200
EXAMPLE_SECONDS = 60


def _load_generator() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


# Generated reference sections --------------------------------------------------------------


def test_generated_sections_match_the_code():
    assert generate.stale_pages() == [], "run: python docs/generate.py"


def test_the_generator_reports_a_stale_page():
    page = (DOCS / "configuration.md").read_text()
    drifted = page.replace("| `PORT` |", "| `PORT_NUMBER` |")
    assert drifted != page
    assert generate.rendered(drifted, "settings", generate.settings_table()) == page


def test_every_setting_is_documented_on_the_configuration_page():
    from sanic_chat.config import Settings

    page = (DOCS / "configuration.md").read_text()
    for field in Settings.model_fields.values():
        assert field.description, f"{field.alias} needs a description (it is its documentation)"
        assert f"| `{field.alias}` |" in page, field.alias


def test_the_hook_reference_shows_every_hook_with_its_signature():
    page = (DOCS / "plugins" / "hooks.md").read_text()
    missing = [
        name
        for name, f in hook_specs()
        if f"```python\n{generate.hook_signature(f)}\n```" not in page
    ]
    assert not missing, f"docs/plugins/hooks.md lacks (or misstates): {missing}"
    listed = set(re.findall(r"^### `(chat_\w+)`$", page, flags=re.MULTILINE))
    assert listed == {name for name, _ in hook_specs()}, (
        "the reference lists a hook that is no more"
    )


# Hand-written pages the code keeps honest --------------------------------------------------


def _string_literals(*roots: str) -> set[str]:
    found = set()
    for root in roots:
        for path in (ROOT / root).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(node.value)
    return found


def test_every_event_and_command_is_on_the_websocket_page():
    wire_name = re.compile(r"(group|conversation)(\.[a-z]+)+|typing|presence|resync|rooms\.stale")
    names = {s for s in _string_literals("sanic_chat", "plugins") if wire_name.fullmatch(s)}
    # Message events are named from the room kind and the action (sanic_chat/changes.py).
    names |= {
        f"{room}.message.{action}"
        for room in ("group", "conversation")
        for action in ("create", "edit", "delete")
    }
    assert len(names) > 15
    page = (DOCS / "websocket.md").read_text()
    undocumented = sorted(name for name in names if f"`{name}`" not in page)
    assert not undocumented, f"docs/websocket.md does not describe: {undocumented}"


def test_every_error_code_is_on_the_errors_page():
    from sanic_chat import errors

    sources = "\n".join(
        path.read_text()
        for root in ("sanic_chat", "plugins")
        for path in (ROOT / root).rglob("*.py")
    )
    codes = set(re.findall(r"\bcode\s*=\s*\"([a-z_]+)\"", sources))  # raised with a code
    classes = [errors.ChatError]
    while classes:  # each error class's own code, subclasses of subclasses included
        cls = classes.pop()
        codes.add(cls.code)
        classes += cls.__subclasses__()
    codes |= set(errors._SANIC_CODES.values())  # Sanic's own exceptions
    assert {"validation_failed", "client_id_reused", "payload_too_large"} <= codes
    page = (DOCS / "errors.md").read_text()
    undocumented = sorted(code for code in codes if f"`{code}`" not in page)
    assert not undocumented, f"docs/errors.md does not list: {undocumented}"


def test_the_readme_is_a_front_door_whose_links_lead_somewhere():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < README_MAX_LINES
    links = re.findall(r"\]\(((?:docs/|SECURITY)[^)#]*)(?:#[^)]*)?\)", readme)
    assert len(links) >= 8
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert not missing, f"README links to files that do not exist: {missing}"


# Figures that go stale live in the performance page, not in the code -----------------------

# Durations, rates, ratios ("1.2\N{MULTIPLICATION SIGN}") and percentages written with a number.
MEASURED_FIGURE = re.compile(
    r"\d[\d,.]*\s?(?:ms|µs|us|ns)\b"
    r"|\d[\d,.]*k?\s?(?:/s\b|per second)"
    r"|\d[\d.]*\s?\N{MULTIPLICATION SIGN}"
    r"|\d+(?:\.\d+)?\s?%",
    flags=re.IGNORECASE,
)


def _docstrings_and_comments(path: Path) -> list[tuple[int, str]]:
    source = path.read_text()
    texts = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                texts.append((node.body[0].lineno, docstring))
    return texts


def test_no_measured_figures_in_docstrings_or_comments():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {match.group(0)}"
        for root in ("sanic_chat", "plugins", "bench")
        for path in sorted((ROOT / root).rglob("*.py"))
        for line, text in _docstrings_and_comments(path)
        for match in MEASURED_FIGURE.finditer(text)
    ]
    assert not found, f"move these figures to docs/performance.md: {found}"
    # The pattern catches what it is meant to catch.
    assert MEASURED_FIGURE.search("costs ~50 µs a message") and MEASURED_FIGURE.search("4,000/s")


# Tested examples ---------------------------------------------------------------------------

EXAMPLE = re.compile(
    r"^<!-- tested(?:: (?P<kind>\w+))? -->\n```(?P<language>\w+)\n(?P<code>.*?)^```$",
    flags=re.MULTILINE | re.DOTALL,
)


def examples(kind: str | None = None) -> list[tuple[str, str, str]]:
    """(page:line, language, code) of every fenced block marked `<!-- tested -->`."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text()
        for match in EXAMPLE.finditer(text):
            if match["kind"] == kind:
                line = text.count("\n", 0, match.start()) + 1
                where = f"{page.relative_to(DOCS)}:{line}"
                found.append((where, match["language"], match["code"]))
    return found


def test_examples_are_found():
    assert {where.split(":")[0] for where, _, _ in examples()} >= {
        "getting-started.md",
        "configuration.md",
        "cli.md",
        "websocket.md",
        "errors.md",
    }
    assert {language for _, language, _ in examples()} == {"python", "bash"}


@pytest.mark.parametrize(
    ("where", "language", "code"), examples(), ids=[where for where, _, _ in examples()]
)
def test_example_runs(where, language, code, server, tmp_path):
    """Run the block as a reader would, against a live server standing in for localhost:3000."""
    code = code.replace("localhost:3000", f"127.0.0.1:{server.port}")
    command = [sys.executable, "-c", code] if language == "python" else ["bash", "-euo", "pipefail"]
    env = {
        **os.environ,
        # The `sanic-chat` command beside this interpreter, importing this checkout.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "plugins")]),
    }
    result = subprocess.run(
        command,
        input=code if language == "bash" else None,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=EXAMPLE_SECONDS,
    )
    assert result.returncode == 0, f"{where}\n{result.stdout}\n{result.stderr}"


# The plugin example, loaded as a plugin ----------------------------------------------------


def _plugin_from_docs() -> types.ModuleType:
    [(where, _, code)] = examples("plugin")
    module = types.ModuleType("chat_wordfilter")
    exec(compile(code, where, "exec"), module.__dict__)
    return module


@pytest.fixture
def plugins() -> list[object]:
    return [_plugin_from_docs()]


async def test_the_plugin_example_filters_messages_and_serves_its_route(client, register):
    alice = await register("alice")
    _, response = await client.post("/api/group", json={"title": "t"}, headers=alice.headers)
    assert response.status == 201, response.text
    messages = f"/api/group/{response.json['id']}/message"

    _, response = await client.post(messages, json={"content": "darn it"}, headers=alice.headers)
    assert response.status == 201, response.text
    assert response.json["content"] == "d**n it"

    _, response = await client.post(messages, json={"content": "buy SPAM"}, headers=alice.headers)
    assert (response.status, response.json["code"]) == (403, "blocked_word")

    _, response = await client.get("/api/wordfilter/", headers=alice.headers)
    assert response.json == {"blocked": ["spam"], "replaced": {"darn": "d**n"}}
    _, response = await client.get("/api/wordfilter/")
    assert response.status == 401
