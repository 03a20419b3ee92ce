"""Finding, blocking and registering plugins.

Plugins are found through the `sanic_chat` entry-point group, built-ins included, so installing
a package that declares one is all it takes to extend the service. `PLUGINS_DISABLED` blocks
plugins by entry-point name; the essential ones cannot be blocked, since every other feature
relies on them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pluggy

from . import hookspecs
from .config import ConfigError, Settings

log = logging.getLogger("sanic_chat.plugins")

ESSENTIAL_PLUGINS = frozenset({"auth", "user"})


def build_plugin_manager(
    settings: Settings, extra_plugins: Iterable[Any] = ()
) -> pluggy.PluginManager:
    """Load the installed plugins (less the disabled ones) and any given in code."""
    blocked_essential = ESSENTIAL_PLUGINS.intersection(settings.plugins_disabled)
    if blocked_essential:
        raise ConfigError(
            f"invalid PLUGINS_DISABLED: {', '.join(sorted(blocked_essential))} cannot be disabled"
        )
    manager = pluggy.PluginManager(hookspecs.NAME)
    manager.add_hookspecs(hookspecs)
    for name in settings.plugins_disabled:
        manager.set_blocked(name)
    manager.load_setuptools_entrypoints(hookspecs.NAME)
    for plugin in extra_plugins:
        manager.register(plugin)
    missing = sorted(name for name in ESSENTIAL_PLUGINS if not manager.has_plugin(name))
    if missing:
        raise ConfigError(
            f"essential plugins not installed: {', '.join(missing)} "
            "(reinstall sanic-chat: `pip install -e .`)"
        )
    # A misspelled hookimpl would otherwise be silently ignored.
    manager.check_pending()
    if settings.trace_plugins:
        manager.trace.root.setwriter(lambda message: log.info("%s", message.rstrip()))
        manager.enable_tracing()
    return manager


@dataclass(frozen=True)
class PluginInfo:
    name: str
    module: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...]


def describe_plugins(manager: pluggy.PluginManager) -> list[PluginInfo]:
    """What is loaded, for `sanic-chat plugins` and the docs."""
    distributions = {
        plugin: (dist.project_name, dist.version) for plugin, dist in manager.list_plugin_distinfo()
    }
    infos = []
    for name, plugin in manager.list_name_plugin():
        if plugin is None:  # blocked
            continue
        dist_name, version = distributions.get(plugin, (None, None))
        hooks = tuple(sorted(caller.name for caller in manager.get_hookcallers(plugin) or ()))
        module = getattr(plugin, "__name__", type(plugin).__name__)
        infos.append(PluginInfo(name, module, dist_name, version, hooks))
    return sorted(infos, key=lambda info: info.name)


def blocked_plugins(manager: pluggy.PluginManager) -> list[str]:
    return sorted(name for name, plugin in manager.list_name_plugin() if plugin is None)
