"""``import mwx_sdk`` registers the built-in ``mwx/h1-<task>-v0`` ids with gymnasium.

``import mwx_sdk`` must not import gymnasium itself (``mwx --help`` would pay for numpy), yet
``import mwx_sdk; import gymnasium; gymnasium.make("mwx/h1-walk-v0")`` should work, and
gymnasium 1.x no longer runs the ``gymnasium.envs`` entry points on import. So when gymnasium
is already imported the ids are registered at once; otherwise a one-shot import hook registers
them right after the ``gymnasium`` package has finished importing. Registering imports only
gymnasium and :mod:`mwx_sdk.envs.registration` (entry points are strings: no mujoco, no torch).
"""

from __future__ import annotations

# Only what the interpreter has loaded anyway: an installed mwx-sdk runs this file at start-up
# (_mwx_sdk_gymnasium.py), where importlib.abc, threading and typing would each add imports.
import _thread
import sys

_LOCK = _thread.allocate_lock()


def _register() -> None:
    from mwx_sdk.envs.registration import register_builtin_envs

    register_builtin_envs()


def _register_quietly() -> None:
    # a failure here must not break the user's ``import gymnasium``
    try:
        _register()
    except Exception as e:  # noqa: BLE001
        import warnings

        warnings.warn(
            f"mwx_sdk could not register its gymnasium envs ({type(e).__name__}: {e}); "
            "import mwx_sdk.envs to register them and see the full error",
            RuntimeWarning,
            stacklevel=2,
        )


class _RegisterAfterGymnasiumImport:
    """A meta path finder: finds ``gymnasium`` through the other finders and registers the ids
    once it has run."""

    def find_spec(self, fullname: str, path: object = None, target: object = None):
        if fullname != "gymnasium":
            return None
        _uninstall(self)  # one shot; also keeps the lookup below from coming back here
        import importlib.util

        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec

        def exec_then_register(module: object) -> None:
            exec_module(module)
            _register_quietly()

        try:
            loader.exec_module = exec_then_register  # this loader instance serves gymnasium only
        except AttributeError:
            return spec  # a loader that takes no attributes: `import mwx_sdk.envs` still registers
        return spec


_HOOK: _RegisterAfterGymnasiumImport | None = None


def _uninstall(hook: _RegisterAfterGymnasiumImport) -> None:
    global _HOOK
    with _LOCK:
        if hook in sys.meta_path:
            sys.meta_path.remove(hook)
        if _HOOK is hook:
            _HOOK = None


def register_with_gymnasium() -> None:
    """Register the built-in ids now if gymnasium is imported, else as soon as it is."""
    global _HOOK
    registration = sys.modules.get("gymnasium.envs.registration")
    if registration is not None and hasattr(registration, "registry"):
        _register_quietly()
        return
    if "gymnasium" in sys.modules:
        return  # gymnasium is part-way through its own import; its entry point (0.29) applies
    with _LOCK:
        if _HOOK is None:
            _HOOK = _RegisterAfterGymnasiumImport()
            sys.meta_path.insert(0, _HOOK)
