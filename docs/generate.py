"""Write the documentation's reference sections from the code they describe.

`docs/configuration.md` gets its table of variables from the settings model
(`sanic_chat/config.py`) and `docs/plugins/hooks.md` its hook reference from
`sanic_chat/hookspecs.py`. Each generated section sits between two HTML comments in its page;
the text around them is written by hand.

    python docs/generate.py           rewrite the generated sections
    python docs/generate.py --check   exit 1 if a page differs from what the code says

`tests/test_docs.py` runs the check, so a setting or a hook cannot change without its page.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Variables whose default is not a value a reader could set: generated when left unset.
GENERATED_DEFAULTS = {"JWT_ACCESS_SECRET", "REFRESH_TOKEN_SECRET"}
BOUND_WORDS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}


def settings_table() -> str:
    from sanic_chat.config import Settings

    lines = [
        "| variable | default | accepts | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for field in Settings.model_fields.values():
        cells = [
            f"`{field.alias}`",
            _default(field),
            _accepts(field),
            _cell(field.description or ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _default(field) -> str:
    if field.alias in GENERATED_DEFAULTS:
        return "generated per run"
    if field.default_factory is not None:
        return "empty"
    if field.default is None:
        return "unset"
    if isinstance(field.default, bool):
        return f"`{str(field.default).lower()}`"
    if isinstance(field.default, float) and field.default.is_integer():
        return f"`{int(field.default)}`"
    return f"`{field.default}`"


def _accepts(field) -> str:
    kind = {int: "integer", float: "number", bool: "`true` / `false`", str: "text"}.get(
        field.annotation, "list" if "list" in str(field.annotation) else "text"
    )
    bounds = [
        f"{BOUND_WORDS[name]} {_number(getattr(rule, name))}"
        for rule in field.metadata
        for name in BOUND_WORDS
        if getattr(rule, name, None) is not None
    ]
    return ", ".join([kind, *bounds])


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def hook_reference() -> str:
    from sanic_chat import hookspecs

    source = inspect.getsource(hookspecs)
    sections = []
    for title, body in _sections(source):
        names = re.findall(r"^def (chat_\w+)\(", body, flags=re.MULTILINE)
        if not names:
            continue
        parts = [f"## {title}"]
        for name in names:
            function = getattr(hookspecs, name)
            parts.append(
                "\n\n".join(
                    [
                        f"### `{name}`",
                        f"```python\n{hook_signature(function)}\n```",
                        f"*{_answers(function)}*",
                        inspect.getdoc(function) or "",
                    ]
                )
            )
        sections.append("\n\n".join(parts))
    return "\n\n".join(sections)


def _sections(source: str) -> list[tuple[str, str]]:
    """(banner title, code under it) for each banner comment of hookspecs.py."""
    banner = re.compile(r"^# -+\n# (?P<title>.+)\n# -+\n", flags=re.MULTILINE)
    matches = list(banner.finditer(source))
    return [
        (
            match["title"].split(":")[0].strip(),
            source[match.end() : matches[i + 1].start() if i + 1 < len(matches) else None],
        )
        for i, match in enumerate(matches)
    ]


def hook_signature(function: Callable) -> str:
    """`def chat_x(a: T, b: U) -> R`, as written in hookspecs.py (annotations are strings)."""
    signature = inspect.signature(function)
    arguments = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
    return f"def {function.__name__}({arguments}) -> {signature.return_annotation}"


def _answers(function: Callable) -> str:
    from sanic_chat.hookspecs import NAME

    if getattr(function, f"{NAME}_spec", {}).get("firstresult"):
        return "firstresult: the first answer that is not None wins"
    return "every implementation is called; the caller combines their answers"


# Page, section name, renderer.
SECTIONS: list[tuple[str, str, Callable[[], str]]] = [
    ("configuration.md", "settings", settings_table),
    ("plugins/hooks.md", "hooks", hook_reference),
]


def rendered(page_text: str, section: str, content: str) -> str:
    begin = f"<!-- BEGIN GENERATED: {section} (python docs/generate.py) -->"
    end = f"<!-- END GENERATED: {section} -->"
    before, found, rest = page_text.partition(begin)
    if not found or end not in rest:
        raise ValueError(f"no {begin!r} ... {end!r} block")
    after = rest.partition(end)[2]
    return f"{before}{begin}\n\n{content}\n\n{end}{after}"


def stale_pages() -> list[str]:
    """Pages whose generated sections differ from the code; rewrites nothing."""
    return [
        page
        for page, section, render in SECTIONS
        if (DOCS / page).read_text() != rendered((DOCS / page).read_text(), section, render())
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale pages")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pages()
        for page in stale:
            print(f"docs/{page} is stale: run python docs/generate.py", file=sys.stderr)
        return 1 if stale else 0
    for page, section, render in SECTIONS:
        path = DOCS / page
        path.write_text(rendered(path.read_text(), section, render()))
    return 0


if __name__ == "__main__":
    sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]
    sys.exit(main())
