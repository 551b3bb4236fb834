"""Plugin discovery and the component registries.

Discovery lives in one function, :func:`load_plugins`, run once and lazily by every public
accessor (``list_experts``, ``get_planner``, ``make_env`` ...). It reads the ``mwx`` entry-point
group, where the bundled plugins of ``mwx-sdk`` are declared exactly like third-party ones.

Rules:
- a plugin that fails to import, whose hook raises, or that registers something of the wrong
  type gives one warning naming the distribution, the entry point and the cause; the other
  plugins still load. ``MWX_STRICT_PLUGINS=1`` turns those warnings into errors.
- ``MWX_PLUGINS=a,b`` loads only the named third-party plugins (by entry-point or distribution
  name); bundled plugins always load.
- a duplicate component name is refused, naming both providers.
- hook implementations that match no hook (a misspelling) are reported.
"""

from __future__ import annotations

import difflib
import importlib.metadata as md
import inspect
import os
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

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


@dataclass(frozen=True)
class Entry:
    """One registered component.

    Args:
        name: registry name.
        kind: ``"expert"``, ``"router"``, ``"planner"``, ``"vlm_backend"`` or ``"env"``.
        plugin: entry-point name of the providing plugin.
        distribution: distribution that ships the plugin.
        version: that distribution's version.
        description: one line.
        obj: the registered class (or, for envs, the gymnasium entry point).
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
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.registry: dict[str, dict[str, Entry]] = {k: {} for k in (*KINDS, "env")}
        self.problems: list[str] = []
        self._imported = False
        self._loaded = False
        self._modules: list[tuple[PluginInfo, Any]] = []
        self._seen: set[tuple[str, str]] = set()
        self._gym_synced = False
        self._lock = threading.RLock()

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
            raise PluginError(text)
        warnings.warn(text, PluginWarning, stacklevel=3)

    # -- discovery -------------------------------------------------------------------------
    def _iter_entry_points(self) -> list[md.EntryPoint]:
        if self._entry_points is not None:
            return self._entry_points
        return list(md.entry_points(group=ENTRY_POINT_GROUP))

    def load(self) -> "PluginHost":
        """Discover, import and run every plugin once. Safe to call repeatedly."""
        with self._lock:
            if self._loaded:
                return self
            self.import_plugins()
            self._loaded = True
            for info, module in self._modules:
                for kind, hook in _HOOK_BY_KIND.items():
                    self._call(info, module, hook, self._component_register(info, kind))
                self._call(info, module, "register_envs", self._env_register(info))
        return self

    def import_plugins(self, bundled: bool = True) -> "PluginHost":
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
            for ep in eps:
                if (ep.name, ep.value) in self._seen or (not bundled and _is_bundled(ep)):
                    continue
                self._seen.add((ep.name, ep.value))
                self._load_one(ep, reserved)
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
        except Exception as exc:  # a broken plugin must not take the others down
            self._problem(info, f"failed to import: {type(exc).__name__}: {exc}")
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
        except Exception as exc:  # pluggy validation errors (bad arguments in a hookimpl)
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
            except Exception as exc:
                self._problem(info, f"hook {hook} raised {type(exc).__name__}: {exc}")

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
        for info, module in list(self._modules):
            self._call(info, module, "register_commands", app)

    def check_pending(self) -> None:
        """Report hook implementations that match no hook specification."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self._problem(None, str(exc))

    # -- registries ------------------------------------------------------------------------
    def entries(self, kind: str) -> list[Entry]:
        self.load()
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
        entry = self.entry(kind, name)
        params = {**entry.defaults, **cfg}
        try:
            return entry.obj(**params)
        except TypeError as exc:
            raise TypeError(f"cannot build {kind.replace('_', ' ')} {name!r} with {params}: {exc}") from exc


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
