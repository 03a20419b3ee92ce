"""Every hook is documented, prefixed and tested on its own (tests/test_docs.py checks the
hook reference shows each one as it is)."""

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


def test_every_hook_has_its_own_test():
    sources = "\n".join(path.read_text() for path in TESTS.rglob("test_*.py"))
    untested = [
        name for name, _ in hook_specs() if not re.search(rf"def test_hook_{name}\(", sources)
    ]
    assert not untested, f"hooks without a test_hook_<name>: {untested}"
