"""Every hook is documented, prefixed, tested on its own, and listed in the README as it is."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from sanic_chat import hookspecs

TESTS = Path(__file__).resolve().parent


def hook_specs():
    return [
        (name, function)
        for name, function in vars(hookspecs).items()
        if inspect.isfunction(function) and hasattr(function, "sanic_chat_spec")
    ]


def test_hooks_are_prefixed_and_documented():
    specs = hook_specs()
    assert len(specs) >= 12
    for name, function in specs:
        assert name.startswith("chat_"), name
        doc = inspect.getdoc(function) or ""
        assert len(doc.splitlines()) >= 3, f"{name} needs a summary and when/what it returns"


def signature(function) -> str:
    """`chat_x(a: T, b: U) -> R`, as written in hookspecs.py (annotations are strings there)."""
    parameters = inspect.signature(function).parameters.values()
    arguments = ", ".join(f"{p.name}: {p.annotation}" for p in parameters)
    return f"{function.__name__}({arguments}) -> {inspect.signature(function).return_annotation}"


def test_every_hook_has_its_own_test():
    sources = "\n".join(path.read_text() for path in TESTS.rglob("test_*.py"))
    untested = [
        name for name, _ in hook_specs() if not re.search(rf"def test_hook_{name}\(", sources)
    ]
    assert not untested, f"hooks without a test_hook_<name>: {untested}"


def test_the_readme_lists_every_hook_with_its_signature():
    # A `|` inside a table cell is written `\\|` in Markdown.
    readme = (TESTS.parent / "README.md").read_text().replace("\\|", "|")
    missing = [signature(f) for _, f in hook_specs() if f"`{signature(f)}`" not in readme]
    assert not missing, f"README hook table lacks (or misstates): {missing}"
    listed = set(re.findall(r"^\| `(chat_\w+)\(", readme, flags=re.MULTILINE))
    assert listed == {name for name, _ in hook_specs()}, "README lists a hook that is no more"
