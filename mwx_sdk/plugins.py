"""Plugin discovery and the component registries.

Discovery lives in one function, :func:`load_plugins`, run once and lazily by every public
accessor (``list_experts``, ``get_planner``, ``make_env`` ...). It reads the ``mwx`` entry-point
group, where the bundled plugins of ``mwx-sdk`` are declared exactly like third-party ones.

Rules:
- a plugin that fails to import, whose hook raises (or calls ``sys.exit``), or that registers
  something of the wrong type gives one warning naming the distribution, the entry point and
  the cause; the other plugins still load. ``MWX_STRICT_PLUGINS=1`` turns those warnings into
  errors, and loading is then all or nothing: a failed load leaves empty registries, and the
  next attempt raises again.
- ``MWX_PLUGINS=a,b`` loads only the named third-party plugins (by entry-point or distribution
  name); bundled plugins always load.
- a duplicate component name is refused, naming both providers; so is a plugin command whose
  name is already taken (built-in commands always win).
- options given to a component built by name are checked against its constructor (and the
  config dataclass behind ``**kwargs``) before it is called: an unknown or mistyped option
  raises :class:`ComponentOptionError` naming the component and the option.
- hook implementations that match no hook (a misspelling) are reported.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import importlib.metadata as md
import inspect
import numbers
import os
import threading
import types
import typing
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import hookspecs
from .hookspecs import PROJECT

BUNDLED_DISTRIBUTION = "mwx-sdk"
ENTRY_POINT_GROUP = "mwx"

KINDS = ("expert", "router", "planner", "vlm_backend")
_HOOK_BY_KIND = {
    "expert": "register_experts",
    "router": "register_routers",
    "planner": "register_planners",
    "vlm_backend": "register_vlm_backends",
}


class PluginError(RuntimeError):
    """A plugin could not be loaded or registered something invalid."""


class PluginWarning(UserWarning):
    """Warning category for plugin problems (errors under ``MWX_STRICT_PLUGINS=1``)."""


class UnknownComponentError(KeyError):
    """Asked for a component name that no plugin registered."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class ComponentOptionError(TypeError, ValueError):
    """A component built by name was given an unknown option or a value it refuses.

    A ``TypeError`` (what a wrong keyword argument raises) and a ``ValueError`` (what a refused
    value raises), so callers that caught either before still do.
    """


class EnvMismatchError(ValueError):
    """An environment the composed experts cannot drive (e.g. a gymnasium task that is not an H1 task)."""


@dataclass(frozen=True)
class Entry:
    """One registered component.

    Args:
        name: registry name.
        kind: ``"expert"``, ``"router"``, ``"planner"``, ``"vlm_backend"``, ``"env"`` or ``"task"``.
        plugin: entry-point name of the providing plugin.
        distribution: distribution that ships the plugin.
        version: that distribution's version.
        description: one line.
        obj: the registered class (for envs, the gymnasium entry point; for tasks, the
            :class:`~mwx_sdk.task.Task`).
        defaults: keyword arguments merged under the user's config when building.
        bundled: whether the plugin ships with mwx-sdk.
    """

    name: str
    kind: str
    plugin: str
    distribution: str
    version: str
    description: str
    obj: Any = field(repr=False, compare=False)
    defaults: dict = field(default_factory=dict, repr=False, compare=False)
    bundled: bool = False

    @property
    def provider(self) -> str:
        return f"{self.distribution} {self.version} (entry point {self.plugin!r})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "plugin": self.plugin,
            "distribution": self.distribution,
            "version": self.version,
            "description": self.description,
            "bundled": self.bundled,
        }


@dataclass
class PluginInfo:
    """A discovered plugin (one entry point) and what became of it."""

    name: str
    distribution: str
    version: str
    value: str
    bundled: bool
    loaded: bool = False
    error: str | None = None
    components: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _first_line(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0].strip() if doc.strip() else ""


def _interface_for(kind: str) -> type:
    from . import interfaces

    return {
        "expert": interfaces.Expert,
        "router": interfaces.Router,
        "planner": interfaces.Planner,
        "vlm_backend": interfaces.VLMBackend,
    }[kind]


def _strict() -> bool:
    return os.environ.get("MWX_STRICT_PLUGINS", "").strip().lower() in {"1", "true", "yes", "on"}


def _allowlist() -> set[str] | None:
    raw = os.environ.get("MWX_PLUGINS")
    if raw is None or not raw.strip():
        return None
    return {p.strip() for p in raw.split(",") if p.strip()}


class PluginHost:
    """A plugin manager plus the registries it fills.

    The process-wide host is created lazily by :func:`host`; tests build their own with
    explicit ``entry_points`` so each test sees a fresh manager.

    Args:
        entry_points: entry points to load; defaults to the installed ``mwx`` group.
        strict: raise :class:`PluginError` instead of warning; defaults to ``MWX_STRICT_PLUGINS``.
        allow: third-party plugin names to load; defaults to ``MWX_PLUGINS``.
    """

    def __init__(
        self,
        entry_points: Iterable[md.EntryPoint] | None = None,
        *,
        strict: bool | None = None,
        allow: set[str] | None = None,
    ) -> None:
        self._entry_points = list(entry_points) if entry_points is not None else None
        self.strict = _strict() if strict is None else strict
        self.allow = _allowlist() if allow is None else allow
        self._lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        """Forget every plugin and registration (a fresh manager, empty registries)."""
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.registry: dict[str, dict[str, Entry]] = {k: {} for k in (*KINDS, "env", "task")}
        self.problems: list[str] = []
        self._imported = False
        self._loaded = False
        self._modules: list[tuple[PluginInfo, Any]] = []
        self._seen: set[tuple[str, str]] = set()
        self._gym_synced = False

    # -- reporting -------------------------------------------------------------------------
    def _problem(self, info: PluginInfo | None, message: str) -> None:
        if info is not None:
            text = (
                f"mwx plugin {info.name!r} from distribution {info.distribution!r} "
                f"(entry point {info.name} = {info.value}): {message}"
            )
            info.error = message if info.error is None else f"{info.error}; {message}"
        else:
            text = f"mwx plugins: {message}"
        self.problems.append(text)
        if self.strict:
            raise PluginError(f"{text} (MWX_STRICT_PLUGINS is set: fix or uninstall the plugin, or unset it)")
        warnings.warn(text, PluginWarning, stacklevel=3)

    # -- discovery -------------------------------------------------------------------------
    def _iter_entry_points(self) -> list[md.EntryPoint]:
        if self._entry_points is not None:
            return self._entry_points
        return list(md.entry_points(group=ENTRY_POINT_GROUP))

    def load(self) -> PluginHost:
        """Discover, import and run every plugin once. Safe to call repeatedly."""
        with self._lock:
            if self._loaded:
                return self
            try:
                self.import_plugins()
                # set before the hooks run, so a hook that asks for a registry does not recurse
                self._loaded = True
                for info, module in self._modules:
                    for kind, hook in _HOOK_BY_KIND.items():
                        self._call(info, module, hook, self._component_register(info, kind))
                    self._call(info, module, "register_envs", self._env_register(info))
                    self._call(info, module, "register_tasks", self._task_register(info))
            except BaseException:
                # all or nothing: a half-filled registry would let a retry run without the
                # failed plugin and without the error that refused it
                self._clear()
                raise
        return self

    def import_plugins(self, bundled: bool = True) -> PluginHost:
        """First half of :meth:`load`: import the plugin modules and validate their hooks.

        Args:
            bundled: also import mwx-sdk's own plugins. The command line passes ``False`` to
                collect third-party ``register_commands`` quickly (bundled commands are built
                into ``mwx_cli``); everything else is imported on first use of a registry.
        """
        with self._lock:
            if self._imported:
                return self
            eps = sorted(self._iter_entry_points(), key=_bundled_first)
            reserved = {ep.name for ep in eps if _is_bundled(ep)}
            try:
                for ep in eps:
                    if (ep.name, ep.value) in self._seen or (not bundled and _is_bundled(ep)):
                        continue
                    self._seen.add((ep.name, ep.value))
                    self._load_one(ep, reserved)
            except BaseException:
                self._clear()  # all or nothing, as in load()
                raise
            if bundled:
                self._imported = True
                # bundled plugins register first, whatever order the imports happened in
                self._modules.sort(key=lambda im: (not im[0].bundled, im[0].name))
        return self

    def _load_one(self, ep: md.EntryPoint, reserved: set[str] = frozenset()) -> None:
        dist = getattr(ep, "dist", None)
        dist_name = dist.metadata["Name"] if dist is not None else "<unknown>"
        version = dist.version if dist is not None else "0"
        bundled = _canon(dist_name) == _canon(BUNDLED_DISTRIBUTION)
        info = PluginInfo(ep.name, dist_name, version, ep.value, bundled)
        if ep.name in self.plugins or (not bundled and ep.name in reserved):
            other = self.plugins.get(ep.name) or PluginInfo(ep.name, BUNDLED_DISTRIBUTION, "", "", True)
            self._problem(
                info,
                f"plugin name {ep.name!r} is already used by distribution {other.distribution!r}; "
                "rename one of the entry points",
            )
            return
        self.plugins[ep.name] = info
        if not bundled and self.allow is not None and not ({ep.name, dist_name} & self.allow):
            info.error = "skipped: not listed in MWX_PLUGINS"
            return
        try:
            module = ep.load()
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken plugin must not take mwx down
            self._problem(info, f"failed to import: {'it called ' if isinstance(exc, SystemExit) else ''}{_cause(exc)}")
            return
        unknown = self._unknown_hookimpls(module)
        if unknown:
            self._problem(
                info,
                "defines hook implementation(s) that match no mwx hook: "
                + ", ".join(f"{u!r}{_suggest(u, _hook_names())}" for u in unknown),
            )
        try:
            self.pm.register(module, name=ep.name)
        except Exception as exc:  # noqa: BLE001 - pluggy validation errors (bad arguments in a hookimpl)
            self._problem(info, f"invalid hook implementation: {type(exc).__name__}: {exc}")
            return
        info.loaded = True
        self._modules.append((info, module))

    def _unknown_hookimpls(self, module: Any) -> list[str]:
        marker = f"{PROJECT}_impl"
        known = _hook_names()
        return sorted(
            name
            for name in dir(module)
            if hasattr(getattr(module, name, None), marker) and name not in known
        )

    def _call(self, info: PluginInfo, module: Any, hook: str, register: Callable) -> None:
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if impl.plugin is not module:
                continue
            try:
                impl.function(register)
            except PluginError:
                raise
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - plugin code: report it, load the rest
                verb = "called" if isinstance(exc, SystemExit) else "raised"
                self._problem(info, f"hook {hook} {verb} {_cause(exc)}")

    def _component_register(self, info: PluginInfo, kind: str) -> Callable:
        base = _interface_for(kind)

        def register(
            obj: Any,
            name: str | None = None,
            description: str | None = None,
            defaults: dict | None = None,
        ) -> None:
            if not (inspect.isclass(obj) and issubclass(obj, base)):
                got = obj.__name__ if inspect.isclass(obj) else type(obj).__name__
                self._problem(
                    info,
                    f"registered {got!r} as a {kind.replace('_', ' ')}, but it is not a "
                    f"subclass of mwx_sdk.interfaces.{base.__name__}",
                )
                return
            cname = name or getattr(obj, "name", None) or _spec_name(obj)
            if not cname or not isinstance(cname, str):
                self._problem(info, f"registered {obj.__name__!r} without a name; pass name=...")
                return
            desc = description or _spec_description(obj) or _first_line(obj)
            self._add(
                info,
                Entry(
                    name=cname,
                    kind=kind,
                    plugin=info.name,
                    distribution=info.distribution,
                    version=info.version,
                    description=desc.strip().splitlines()[0] if desc else "",
                    obj=obj,
                    defaults=dict(defaults or {}),
                    bundled=info.bundled,
                ),
            )

        return register

    def _env_register(self, info: PluginInfo) -> Callable:
        def register(
            env_id: str, entry_point: Any, description: str | None = None, **gym_kwargs: Any
        ) -> None:
            if not isinstance(env_id, str) or not (isinstance(entry_point, str) or callable(entry_point)):
                self._problem(
                    info,
                    f"register_envs got env id {env_id!r} with entry point {entry_point!r}; "
                    "expected a string id and a 'module:Class' string or a callable",
                )
                return
            entry = Entry(
                name=env_id,
                kind="env",
                plugin=info.name,
                distribution=info.distribution,
                version=info.version,
                description=description or "",
                obj=entry_point,
                defaults=dict(gym_kwargs),
                bundled=info.bundled,
            )
            # gymnasium itself is imported only when an env is made (keeps `mwx --help` fast)
            self._add(info, entry)

        return register

    def _task_register(self, info: PluginInfo) -> Callable:
        def register(task: Any) -> None:
            from mwx_sdk.task import Task

            if not isinstance(task, Task):
                self._problem(
                    info, f"register_tasks got {task!r}; expected a mwx_sdk.task.Task (see examples/mwx-task-example)"
                )
                return
            entry = Entry(name=task.name, kind="task", plugin=info.name, distribution=info.distribution,
                          version=info.version, description=task.description, obj=task, bundled=info.bundled)
            env_entry = Entry(name=task.env_id, kind="env", plugin=info.name, distribution=info.distribution,
                              version=info.version, description=task.description, obj=task.env,
                              defaults={"max_episode_steps": task.max_episode_steps}, bundled=info.bundled)
            if task.env_id in self.registry["env"]:
                first = self.registry["env"][task.env_id]
                self._problem(info, f"task {task.name!r}: env id {task.env_id!r} is already registered by "
                                    f"{first.provider}; the task was refused")
                return
            if self._add(info, entry):
                self._add(info, env_entry)

        return register

    def _add(self, info: PluginInfo, entry: Entry) -> bool:
        table = self.registry[entry.kind]
        if entry.name in table:
            first = table[entry.name]
            self._problem(
                info,
                f"{entry.kind.replace('_', ' ')} name {entry.name!r} is already registered by "
                f"{first.provider}; the one from {entry.provider} was refused",
            )
            return False
        table[entry.name] = entry
        info.components.append(f"{entry.kind}:{entry.name}")
        return True

    def sync_gym(self) -> None:
        """Register every plugin-provided env id with gymnasium (idempotent, once per host)."""
        self.load()
        if self._gym_synced:
            return
        for entry in self.registry["env"].values():
            _gym_register(entry.name, entry.obj, entry.defaults)
        self._gym_synced = True

    def install_commands(self, app: Any, bundled: bool = False) -> None:
        """Run the plugins' ``register_commands`` hooks on the CLI ``app``.

        Args:
            app: the root ``typer.Typer``.
            bundled: also import mwx-sdk's own plugins first (its commands are built into
                ``mwx_cli``, so the command line leaves them out to start fast).
        """
        self.import_plugins(bundled=bundled)
        builtin = {name: None for name in _cli_names(app.registered_commands, app.registered_groups)}
        owners: dict[str, str | None] = dict(builtin)  # command name -> plugin that added it
        for info, module in list(self._modules):
            commands, groups = list(app.registered_commands), list(app.registered_groups)
            callback = app.registered_callback
            try:
                self._call(info, module, "register_commands", app)
            finally:
                refused = self._keep_commands(app, info, owners, commands, groups, callback)
            if refused:
                self._problem(info, "register_commands " + "; ".join(refused))

    @staticmethod
    def _keep_commands(
        app: Any, info: PluginInfo, owners: dict[str, str | None], commands: list, groups: list, callback: Any
    ) -> list[str]:
        """Undo what one plugin's ``register_commands`` may not do; return what was refused.

        A plugin adds commands; it may not replace or remove commands that exist already
        (built-in ones or another plugin's) nor the root callback (``--version``).
        """
        refused: list[str] = []
        replaced: list[str] = []

        def kept(before: list, after: list, as_group: bool) -> list:
            added = []
            for item in after:
                if any(item is b for b in before):
                    continue
                names = _cli_names([], [item]) if as_group else _cli_names([item], [])
                taken = sorted(n for n in names if n in owners)
                if taken:
                    for n in taken:
                        who = "built in" if owners[n] is None else f"from plugin {owners[n]!r}"
                        replaced.append(f"{n!r} ({who})")
                    continue
                owners.update(dict.fromkeys(names, info.name))
                added.append(item)
            if any(not any(b is a for a in after) for b in before):
                refused.append("removed existing commands; they were put back")
            return added

        new_commands = kept(commands, list(app.registered_commands), as_group=False)
        new_groups = kept(groups, list(app.registered_groups), as_group=True)
        if replaced:
            refused.insert(0, f"tried to replace the command(s) {', '.join(replaced)}, which keep their meaning; "
                              "give the plugin's commands other names")
        app.registered_commands[:] = commands + new_commands
        app.registered_groups[:] = groups + new_groups
        if app.registered_callback is not callback:
            app.registered_callback = callback
            refused.append("tried to replace the root callback of `mwx`; it was refused")
        return refused

    def check_pending(self) -> None:
        """Report hook implementations that match no hook specification."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self._problem(None, str(exc))

    # -- registries ------------------------------------------------------------------------
    def entries(self, kind: str) -> list[Entry]:
        self.load()
        if kind == "task":  # registration order: the bundled tasks first, the papers' tasks leading
            return list(self.registry[kind].values())
        return sorted(self.registry[kind].values(), key=lambda e: e.name)

    def entry(self, kind: str, name: str) -> Entry:
        self.load()
        table = self.registry[kind]
        if name not in table:
            known = sorted(table)
            hint = _suggest(name, known)
            raise UnknownComponentError(
                f"no {kind.replace('_', ' ')} named {name!r}{hint}. Known: {', '.join(known) or 'none'}. "
                "Run `mwx plugins` to see what is installed."
            )
        return table[name]

    def build(self, kind: str, name: str, **cfg: Any) -> Any:
        """Build the component ``name`` of ``kind`` with options ``cfg`` over its registered defaults.

        Raises:
            UnknownComponentError: no such component.
            ComponentOptionError: an option the component does not take, a value of the wrong
                type, or a value its constructor refuses (the message names component and option).
        """
        entry = self.entry(kind, name)
        what = f"{kind.replace('_', ' ')} {name!r}"
        check_options(entry.obj, cfg, what)
        params = {**entry.defaults, **cfg}
        try:
            return entry.obj(**params)
        except ComponentOptionError:
            raise
        except (TypeError, ValueError) as exc:
            if not cfg and isinstance(exc, ValueError):
                raise  # nothing of the user's to blame: keep the component's own error
            raise ComponentOptionError(f"cannot build {what} with {params}: {exc}") from exc


def _canon(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _is_bundled(ep: md.EntryPoint) -> bool:
    dist = getattr(ep, "dist", None)
    name = dist.metadata["Name"] if dist is not None else ""
    return _canon(name) == _canon(BUNDLED_DISTRIBUTION)


def _bundled_first(ep: md.EntryPoint) -> tuple[int, str]:
    return (0 if _is_bundled(ep) else 1, ep.name)


def _hook_names() -> set[str]:
    return {n for n in dir(hookspecs) if n.startswith("register_")}


def _suggest(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _cause(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


def _cli_names(commands: Iterable[Any], groups: Iterable[Any]) -> set[str]:
    """The command names that typer ``CommandInfo`` and ``TyperInfo`` records put on the command line."""
    from typer.main import get_command_name, solve_typer_info_defaults

    names: set[str] = set()
    for c in commands:
        callback = getattr(c, "callback", None)
        name = c.name or (get_command_name(callback.__name__) if callback is not None else None)
        if name:
            names.add(name)
    for g in groups:
        name = solve_typer_info_defaults(g).name
        if isinstance(name, str) and name:
            names.add(name)
        elif getattr(g, "typer_instance", None) is not None:  # added without a name: its commands merge in
            sub = g.typer_instance
            names |= _cli_names(sub.registered_commands, sub.registered_groups)
    return names


# -- component options ---------------------------------------------------------------------

def component_options(cls: Any) -> dict[str, Any] | None:
    """The keyword options a component class takes, name -> annotation; ``None`` when open-ended.

    Read from the constructor's signature; a ``**kwargs`` constructor is followed to what it
    feeds: the config dataclass it builds (a class attribute ``config_class``, else a
    dataclass whose name ends in ``Config`` that the constructor or its helper methods name),
    or, through ``super().__init__``, the parent's constructor.
    """
    options: dict[str, Any] = {}
    for klass in getattr(cls, "__mro__", ()):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        if klass is object:
            return options
        try:
            sig = inspect.signature(init)
        except (TypeError, ValueError):  # a builtin or C constructor: nothing to read
            return None
        hints = _hints(init)
        open_ended = False
        for p in list(sig.parameters.values())[1:]:
            if p.kind is p.VAR_KEYWORD:
                open_ended = True
            elif p.kind is not p.VAR_POSITIONAL:
                options.setdefault(p.name, hints.get(p.name, Any))
        if not open_ended:
            return options
        config = klass.__dict__.get("config_class") or _config_dataclass(klass, init)
        if config is not None:
            config_hints = _hints(config)
            for f in dataclasses.fields(config):
                if f.init:
                    options.setdefault(f.name, config_hints.get(f.name, Any))
            return options
        if "super" not in _code_names(init):
            return None
    return options


def _hints(obj: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(obj)
    except (NameError, TypeError, AttributeError, SyntaxError):  # e.g. a TYPE_CHECKING-only import
        return {}


def _code_names(fn: Any) -> set[str]:
    code = getattr(inspect.unwrap(getattr(fn, "__func__", fn)), "__code__", None)
    names: set[str] = set()
    stack = [code] if code is not None else []
    while stack:
        c = stack.pop()
        names.update(c.co_names)
        stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return names


def _config_dataclass(klass: type, init: Any, depth: int = 3) -> type | None:
    """The one ``*Config`` dataclass that ``init`` (or a helper method of ``klass`` it calls) builds."""
    found: set[type] = set()
    seen: set[str] = set()
    todo = [(init, depth)]
    while todo:
        fn, left = todo.pop()
        module_globals = getattr(inspect.unwrap(getattr(fn, "__func__", fn)), "__globals__", {})
        for name in _code_names(fn):
            obj = module_globals.get(name)
            if inspect.isclass(obj) and dataclasses.is_dataclass(obj) and obj.__name__.endswith("Config"):
                found.add(obj)
            elif left > 1 and name not in seen:
                seen.add(name)
                method = inspect.getattr_static(klass, name, None)
                if isinstance(method, (staticmethod, classmethod, types.FunctionType)):
                    todo.append((method, left - 1))
    return found.pop() if len(found) == 1 else None


def check_options(cls: Any, options: dict[str, Any], what: str) -> None:
    """Check ``options`` against what component ``cls`` takes, before building it.

    Args:
        cls: the registered component class.
        options: the user's keyword options.
        what: how messages name the component, e.g. ``"router 'fusion'"``.

    Raises:
        ComponentOptionError: an unknown option (with the closest valid one) or a value of the
            wrong type.
    """
    accepted = component_options(cls)
    if accepted is None:
        return
    unknown = [k for k in options if k not in accepted]
    if unknown:
        valid = sorted(accepted)
        hints = {k: difflib.get_close_matches(k, valid, n=1) for k in unknown}
        listing = f"valid options: {', '.join(valid)}" if valid else "it takes no options"
        if len(unknown) == 1:
            (k,) = unknown
            fix = f"did you mean {hints[k][0]!r}?" if hints[k] else listing
            raise ComponentOptionError(f"unknown option {k!r} for {what}; {fix}")
        names = ", ".join(f"{k!r}" + (f" (did you mean {hints[k][0]!r}?)" if hints[k] else "") for k in unknown)
        raise ComponentOptionError(f"unknown options {names} for {what}; {listing}")
    for k, value in options.items():
        expected = _type_problem(value, accepted[k])
        if expected:
            raise ComponentOptionError(f"{what} option {k!r} must be {expected}, got {value!r}")


def _type_problem(value: Any, annotation: Any) -> str | None:
    """What ``annotation`` asks for, in words, when ``value`` does not fit it; ``None`` when it fits
    (or the annotation is not one a config file can get wrong: a class, a callable, ``Any``)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        wanted = []
        for arg in typing.get_args(annotation):
            if arg is type(None):
                if value is None:
                    return None
                continue
            problem = _type_problem(value, arg)
            if problem is None:
                return None
            wanted.append(problem)
        return " or ".join(dict.fromkeys(wanted)) or None
    if origin is typing.Literal:
        choices = typing.get_args(annotation)
        return None if value in choices else "one of " + ", ".join(repr(c) for c in choices)
    kind = origin or annotation
    if kind in (list, tuple, set, frozenset, collections.abc.Sequence, collections.abc.Set):
        return None if isinstance(value, (list, tuple, set, frozenset)) else "a list"
    if kind in (dict, collections.abc.Mapping):
        return None if isinstance(value, collections.abc.Mapping) else "a table"
    if annotation is bool:
        return None if isinstance(value, bool) else "true or false"
    if annotation is int:
        return None if isinstance(value, numbers.Integral) and not isinstance(value, bool) else "an integer"
    if annotation is float:
        return None if isinstance(value, numbers.Real) and not isinstance(value, bool) else "a number"
    if annotation is str:  # paths are given as str options too
        return None if isinstance(value, (str, os.PathLike)) else "a string"
    if kind is os.PathLike:
        return None if isinstance(value, (str, os.PathLike)) else "a path"
    return None


def _spec_name(obj: Any) -> str | None:
    spec = getattr(obj, "spec", None)
    return getattr(spec, "name", None)


def _spec_description(obj: Any) -> str | None:
    spec = getattr(obj, "spec", None)
    return getattr(spec, "description", None)


def _gym_register(env_id: str, entry_point: Any, gym_kwargs: dict) -> None:
    import gymnasium

    if env_id in gymnasium.registry:
        return  # already registered (e.g. through gymnasium's own plugin loading)
    gymnasium.register(id=env_id, entry_point=entry_point, **gym_kwargs)


_HOST: PluginHost | None = None
_HOST_LOCK = threading.Lock()


def host(load: bool = True) -> PluginHost:
    """The process-wide plugin host, loaded on first use (``load=False``: not yet)."""
    global _HOST
    with _HOST_LOCK:
        if _HOST is None:
            _HOST = PluginHost()
    if load:
        _HOST.load()
    return _HOST


def load_plugins() -> PluginHost:
    """Discover and load every plugin (once); return the host. This is the one discovery call."""
    h = host()
    return h


def reset_plugins(new_host: PluginHost | None = None) -> None:
    """Forget the process-wide host (tests use this to start from a fresh manager)."""
    global _HOST
    with _HOST_LOCK:
        _HOST = new_host


def check_pending() -> None:
    """Report misspelled hook implementations among the loaded plugins."""
    host().check_pending()


def list_plugins() -> list[PluginInfo]:
    return list(host().plugins.values())


def list_experts() -> list[Entry]:
    """Registered experts, sorted by name."""
    return host().entries("expert")


def list_routers() -> list[Entry]:
    """Registered routers, sorted by name."""
    return host().entries("router")


def list_planners() -> list[Entry]:
    """Registered planners, sorted by name."""
    return host().entries("planner")


def list_vlm_backends() -> list[Entry]:
    """Registered VLM backends, sorted by name."""
    return host().entries("vlm_backend")


def list_envs() -> list[Entry]:
    """Environment ids registered through plugins, sorted by id."""
    return host().entries("env")


def get_expert(name: str, **cfg: Any):
    """Build the expert registered as ``name`` with configuration ``cfg``."""
    return host().build("expert", name, **cfg)


def get_router(name: str, **cfg: Any):
    """Build the router registered as ``name`` with configuration ``cfg``."""
    return host().build("router", name, **cfg)


def get_planner(name: str, **cfg: Any):
    """Build the planner registered as ``name`` with configuration ``cfg``."""
    return host().build("planner", name, **cfg)


def get_vlm_backend(name: str, **cfg: Any):
    """Build the VLM backend registered as ``name`` with configuration ``cfg``."""
    return host().build("vlm_backend", name, **cfg)


def make_env(env_id: str, **kwargs: Any):
    """``gymnasium.make`` after plugin discovery, so plugin-provided ids resolve."""
    import gymnasium

    host().sync_gym()
    if env_id not in gymnasium.registry:
        entries = host().entries("env")
        builtin = sorted(e.name for e in entries if e.bundled and e.name.startswith("mwx/"))
        hint = _suggest(env_id, [e.name for e in entries])
        raise gymnasium.error.NameNotFound(
            f"no environment {env_id!r}{hint}. Built in: {', '.join(builtin) or 'none'}. "
            "`mwx plugins` lists every provider."
        )
    return gymnasium.make(env_id, **kwargs)


def check_env(env_id: str, env: Any = None) -> None:
    """Refuse an environment that mwx experts cannot drive, with a message that says which ones they can.

    An id registered through a plugin (``register_envs``) is trusted without making it; any
    other gymnasium id (``env`` made from it, or made here) must act through a flat continuous
    action vector (a 1-D ``Box``), as the robot's joint commands do.

    Args:
        env_id: the id the user gave.
        env: that env, when the caller made it already.

    Raises:
        EnvMismatchError: the env is not an H1 task (e.g. ``CartPole-v1``, discrete actions).
        gymnasium.error.NameNotFound: no env has that id.
    """
    import gymnasium

    if env is None:
        if env_id in host().registry["env"]:
            return
        env = make_env(env_id)
        try:
            check_env(env_id, env)
        finally:
            env.close()
        return
    space = getattr(env, "action_space", None)
    if not (isinstance(space, gymnasium.spaces.Box) and len(space.shape) == 1):
        raise EnvMismatchError(
            f"environment {env_id!r} is not an H1 task: it acts through {space}, while mwx experts send "
            "joint commands (a 1-D Box). Built-in tasks are mwx/h1-<task>-v0, e.g. mwx/h1-walk-v0; "
            "`mwx plugins --json` lists every environment id"
        )
