"""Every hook is documented, prefixed, and exercised by some test."""

from __future__ import annotations

import inspect
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


def test_every_hook_is_exercised_by_a_test():
    sources = "\n".join(
        path.read_text() for path in TESTS.rglob("test_*.py") if path.name != Path(__file__).name
    )
    untested = [name for name, _ in hook_specs() if name not in sources]
    assert not untested, f"hooks without a test: {untested}"


def test_every_hook_is_in_the_readme():
    readme = (TESTS.parent / "README.md").read_text()
    missing = [name for name, _ in hook_specs() if name not in readme]
    assert not missing, missing
