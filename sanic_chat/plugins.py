"""Finding, blocking and registering plugins.

Plugins are found through the `sanic_chat` entry-point group, built-ins included, so installing
a package that declares one is all it takes to extend the service. `PLUGINS_DISABLED` blocks
plugins by entry-point name; the essential ones cannot be blocked, since every other feature
relies on them.

A plugin names the plugins it needs in a `requires` attribute (`requires = ("user",)`); each of
them must be loaded too, and comes first wherever order matters (its migrations run first).

A plugin that cannot be loaded (it fails to import, misspells a hook, or names a `chat_`
function that is no hook) stops start-up with one line naming it: a `PluginError`.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from .config import ConfigError, Settings

log = logging.getLogger("sanic_chat.plugins")

ESSENTIAL_PLUGINS = frozenset({"auth", "user"})
HOOK_PREFIX = "chat_"
# Hooks whose implementations each see what the one before left (a draft rewritten in turn):
# each is called only once the one before has been awaited, so a sync implementation cannot
# run ahead of an async one registered before it.
CALLED_IN_TURN = frozenset({"chat_check_send_fields", "chat_before_message_stored"})


class PluginError(ConfigError):
    """A plugin cannot be loaded; the message is one line naming the plugin and the reason."""


class ChatPluginManager(pluggy.PluginManager):
    """pluggy's manager, with the two rules pluggy leaves to its users.

    - Hooks whose spec says `firstresult` ("the first non-None answer wins") call their
      implementations one at a time, in pluggy's order, only as far as the caller reads: the
      call returns an iterator of raw answers, which `awaitables.first_answer` awaits one by
      one. pluggy itself would run every sync implementation (a built-in fallback that raises
      would pre-empt a plugin that answers) and stop at the first coroutine, answer or not.
    - `chat_check_send_fields` and `chat_before_message_stored` are called the same lazy way,
      read to its end by
      `awaitables.await_all`, so each implementation starts after the one before finished.
    - A function named `chat_...` that is no hook is refused, marked or not, as pytest does
      with its `pytest_` prefix: a misspelled name would otherwise be silently ignored.
    """

    def _hookexec(
        self,
        hook_name: str,
        methods: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, object],
        firstresult: bool,
    ) -> Any:
        if firstresult or hook_name in CALLED_IN_TURN:
            return (answer for _, answer in self._answers(hook_name, methods, kwargs))
        return super()._hookexec(hook_name, methods, kwargs, firstresult)

    def answers(self, hook: pluggy.HookCaller, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """`(plugin label, raw answer)` of each implementation of `hook`, called as read."""
        return self._answers(hook.name, hook.get_hookimpls(), kwargs)

    def contributions(self, hook: pluggy.HookCaller, **kwargs: Any) -> list[tuple[Any, Any]]:
        """`(plugin, answer)` of each implementation of a start-up hook (`chat_register_*`,
        `chat_configure_app`) that answers something, in pluggy's order. One that raises stops
        the start-up with a `PluginError` naming its plugin, not a traceback through pluggy."""
        answers = []
        for impl in _in_call_order(hook.get_hookimpls()):
            label = self.label(impl.plugin)
            try:
                results = self._inner_hookexec(hook.name, [impl], kwargs, False)
            except Exception as exc:
                raise PluginError(
                    f"plugin {label!r} failed in {hook.name}: {_reason(exc)}"
                ) from exc
            if results and results[0] is not None:
                answers.append((impl.plugin, results[0]))
        return answers

    def _answers(
        self, hook_name: str, methods: Sequence[pluggy.HookImpl], kwargs: Mapping[str, object]
    ) -> Iterator[tuple[str, Any]]:
        for impl in _in_call_order(methods):
            # Through pluggy's own call, so argument selection and tracing stay pluggy's.
            results = self._inner_hookexec(hook_name, [impl], kwargs, False)
            yield self.label(impl.plugin), (results[0] if results else None)

    def label(self, plugin: Any) -> str:
        """The name a plugin goes by in messages: its entry point, module or class."""
        name = self.get_name(plugin)
        return _label(plugin) if name in (None, str(id(plugin))) else name

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> pluggy.HookimplOpts | None:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is not None and opts.get("optionalhook"):
            return opts
        if name.startswith(HOOK_PREFIX) and not self._is_hook(name):
            function = inspect.getattr_static(plugin, name, None)
            if inspect.isroutine(function) or isinstance(function, (classmethod, staticmethod)):
                raise pluggy.PluginValidationError(plugin, f"{name} is not a sanic-chat hook")
        return opts

    def _is_hook(self, name: str) -> bool:
        caller = getattr(self.hook, name, None)
        return caller is not None and caller.has_spec()

    def load_entry_points(self, group: str) -> None:
        """pluggy's `load_setuptools_entrypoints`, naming the plugin that fails to load."""
        for dist in list(importlib.metadata.distributions()):
            for entry_point in dist.entry_points:
                name = entry_point.name
                if entry_point.group != group or self.has_plugin(name) or self.is_blocked(name):
                    continue
                try:
                    plugin = entry_point.load()
                except Exception as exc:
                    raise PluginError(
                        f"plugin {name!r} ({entry_point.value}) failed to import: {_reason(exc)}"
                    ) from exc
                self.register_named(plugin, name)
                self._plugin_distinfo.append((plugin, dist))

    def register_named(self, plugin: Any, name: str | None = None) -> None:
        try:
            self.register(plugin, name=name)
        except Exception as exc:
            label = name or _label(plugin)
            raise PluginError(f"plugin {label!r} cannot be registered: {_reason(exc)}") from exc

    def check_pending(self) -> None:
        try:
            super().check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(
                f"plugin {self.label(exc.plugin)!r} cannot be registered: {_reason(exc)}"
            ) from exc


def _in_call_order(methods: Sequence[pluggy.HookImpl]) -> Iterator[pluggy.HookImpl]:
    # pluggy keeps implementations trylast first and tryfirst last, and calls them reversed.
    for impl in reversed(list(methods)):
        if not (impl.hookwrapper or impl.wrapper):
            yield impl


def _label(plugin: Any) -> str:
    """A plugin registered in code has no entry-point name: its module or class names it."""
    return getattr(plugin, "__name__", None) or type(plugin).__qualname__


def _reason(exc: BaseException) -> str:
    """One line: pluggy's messages quote the plugin's repr, which says nothing new here."""
    if isinstance(exc, pluggy.PluginValidationError):
        message = str(exc).split(" in plugin ")[0]
    else:
        message = f"{type(exc).__name__}: {exc}"
    return " ".join(message.split())


def build_plugin_manager(
    settings: Settings, extra_plugins: Iterable[Any] = ()
) -> ChatPluginManager:
    """Load the installed plugins (less the disabled ones) and any given in code."""
    blocked_essential = ESSENTIAL_PLUGINS.intersection(settings.plugins_disabled)
    if blocked_essential:
        raise ConfigError(
            f"invalid PLUGINS_DISABLED: {', '.join(sorted(blocked_essential))} cannot be disabled"
        )
    manager = ChatPluginManager(hookspecs.NAME)
    manager.add_hookspecs(hookspecs)
    for name in settings.plugins_disabled:
        manager.set_blocked(name)
    manager.load_entry_points(hookspecs.NAME)
    for plugin in extra_plugins:
        manager.register_named(plugin)
    missing = sorted(name for name in ESSENTIAL_PLUGINS if not manager.has_plugin(name))
    if missing:
        raise ConfigError(
            f"essential plugins not installed: {', '.join(missing)} "
            "(reinstall sanic-chat: `pip install -e .`)"
        )
    # A misspelled hookimpl would otherwise be silently ignored.
    manager.check_pending()
    plugins_in_dependency_order(manager)  # refuses a missing or circular requirement
    if settings.trace_plugins:
        manager.trace.root.setwriter(lambda message: log.info("%s", message.rstrip()))
        manager.enable_tracing()
    return manager


def requirements(plugin: Any) -> tuple[str, ...]:
    """The names of the plugins `plugin` needs (its `requires` attribute)."""
    required = getattr(plugin, "requires", ())
    return (required,) if isinstance(required, str) else tuple(required)


def plugins_in_dependency_order(manager: ChatPluginManager) -> list[tuple[str, Any]]:
    """`(name, plugin)` of every loaded plugin, each after the plugins it requires.

    Otherwise in name order, so the order is the same on every machine.
    """
    loaded = {name: plugin for name, plugin in manager.list_name_plugin() if plugin is not None}
    blocked = set(blocked_plugins(manager))
    ordered: list[tuple[str, Any]] = []
    placed: set[str] = set()

    def place(name: str, chain: tuple[str, ...]) -> None:
        if name in placed:
            return
        if name in chain:
            cycle = " -> ".join((*chain[chain.index(name) :], name))
            raise PluginError(f"plugin {name!r} cannot be loaded: circular requirement {cycle}")
        for required in requirements(loaded[name]):
            if required not in loaded:
                why = "PLUGINS_DISABLED blocks it" if required in blocked else "not installed"
                label = manager.label(loaded[name])
                raise PluginError(
                    f"plugin {label!r} cannot be loaded: it requires plugin {required!r} ({why})"
                )
            place(required, (*chain, name))
        placed.add(name)
        ordered.append((name, loaded[name]))

    for name in sorted(loaded):
        place(name, ())
    return ordered


# The core's own Tortoise app and aerich folder: aerich's table and the message sequence.
CORE_APP = "sanic_chat"
CORE_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
AERICH_MODELS = "aerich.models"
# Where a plugin keeps its aerich migrations: this folder beside its `__init__.py`.
MIGRATIONS_FOLDER = "migrations"


@dataclass(frozen=True)
class PluginSchema:
    """What one plugin (or the core) owns in the database.

    `app` is the plugin's name: its Tortoise app label (foreign keys to its models read
    `"<app>.Model"`) and its aerich app (the rows of the `aerich` table that track its
    migrations). `migrations` is its aerich folder, None for a plugin defined in code.
    """

    app: str
    models: tuple[str, ...]
    migrations: Path | None

    def tables(self) -> list[str]:
        return [model._meta.db_table for model in self.model_classes()]

    def model_classes(self) -> list[type]:
        from tortoise.models import Model

        classes = []
        for module_name in self.models:
            module = importlib.import_module(module_name)
            for obj in vars(module).values():
                if (
                    inspect.isclass(obj)
                    and issubclass(obj, Model)
                    and obj.__module__ == module_name
                    and not obj._meta.abstract
                ):
                    classes.append(obj)
        return classes


def core_schema() -> PluginSchema:
    return PluginSchema(CORE_APP, (AERICH_MODELS,), CORE_MIGRATIONS)


def collect_schemas(manager: ChatPluginManager) -> list[PluginSchema]:
    """The core's schema, then each plugin's with models, each after the plugins it requires."""
    modules: dict[Any, list[str]] = {}
    for plugin, answer in manager.contributions(manager.hook.chat_register_models):
        modules.setdefault(plugin, []).extend(answer)
    schemas = [core_schema()]
    for name, plugin in plugins_in_dependency_order(manager):
        if plugin not in modules:
            continue
        if "." in name or name == CORE_APP:
            raise PluginError(
                f"plugin {name!r} cannot be loaded: a plugin with models needs a name without "
                f"dots, other than {CORE_APP!r} (it labels its Tortoise app)"
            )
        schemas.append(PluginSchema(name, tuple(modules[plugin]), migrations_folder(plugin)))
    _refuse_shared_tables(schemas)
    return schemas


def migrations_folder(plugin: Any) -> Path | None:
    """`migrations/` beside a package plugin's `__init__.py`, whether it exists yet or not."""
    file = getattr(plugin, "__file__", None)
    if not file or Path(file).name != "__init__.py":
        return None
    return Path(file).resolve().parent / MIGRATIONS_FOLDER


def _refuse_shared_tables(schemas: list[PluginSchema]) -> None:
    # Two plugins writing one table would each think they own it, and migrate it their way.
    owners: dict[str, str] = {}
    for schema in schemas:
        for table in schema.tables():
            if table in owners and owners[table] != schema.app:
                raise PluginError(
                    f"plugins {owners[table]!r} and {schema.app!r} both declare table {table!r}"
                )
            owners[table] = schema.app


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
        module = _label(plugin)
        infos.append(PluginInfo(name, module, dist_name, version, hooks))
    return sorted(infos, key=lambda info: info.name)


def blocked_plugins(manager: pluggy.PluginManager) -> list[str]:
    return sorted(name for name, plugin in manager.list_name_plugin() if plugin is None)
