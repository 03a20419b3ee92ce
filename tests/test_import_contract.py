"""Plugins import the core through its public API, and other plugins only when they require them.

The import contract itself lives in pyproject.toml (`[tool.importlinter]`); these tests run it,
and make sure it covers every built-in package, so a new plugin cannot slip past it.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGES = [
    Path(path).name for path in PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
]
PLUGINS = {
    name: package for name, package in PYPROJECT["project"]["entry-points"]["sanic_chat"].items()
}


def test_the_contract_covers_every_installed_package():
    assert sorted(PYPROJECT["tool"]["importlinter"]["root_packages"]) == sorted(PACKAGES)


def test_built_in_plugins_keep_the_import_contract():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_a_plugin_imports_only_the_plugins_it_requires(name):
    package = PLUGINS[name]
    others = {other: plugin for plugin, other in PLUGINS.items() if other != package}
    graph = grimp.build_graph(package, *others)
    modules = {package} | graph.find_descendants(package)
    imported = {
        others[target.split(".")[0]]
        for source in modules
        for target in graph.find_modules_directly_imported_by(source)
        if target.split(".")[0] in others
    }
    required = set(getattr(importlib.import_module(package), "requires", ()))
    assert imported <= required, (
        f"{name} imports {sorted(imported - required)} without requiring it"
    )
