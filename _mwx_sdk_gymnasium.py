"""Run at interpreter start by ``mwx-sdk-gymnasium.pth`` (installed beside it in site-packages).

gymnasium 1.x no longer loads the ``gymnasium.envs`` entry points, so without this
``import gymnasium; gymnasium.make("mwx/h1-walk-v0")`` in a fresh interpreter would not find the
ids. This puts :mod:`mwx_sdk._gymnasium` in place (only that file: no ``mwx_sdk`` package import and
no third-party import, since every interpreter in the environment runs it) and lets it register
the ids once gymnasium is imported. ``import mwx_sdk`` later reuses the same module, so the hook is installed once.
"""


def _install() -> None:
    # importlib.machinery and the finders are loaded at start-up already; importlib.util is not
    import os
    import sys
    from importlib.machinery import ModuleSpec, SourceFileLoader

    name = "mwx_sdk._gymnasium"
    if name in sys.modules or "mwx_sdk" in sys.modules:
        return
    spec = None
    for finder in sys.meta_path:  # the editable install's finder included
        find = getattr(finder, "find_spec", None)
        spec = find("mwx_sdk", None) if find is not None else None
        if spec is not None:
            break
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    path = next((os.path.join(d, "_gymnasium.py") for d in locations
                 if os.path.isfile(os.path.join(d, "_gymnasium.py"))), None)
    if path is None:
        return
    loader = SourceFileLoader(name, path)
    module = type(sys)(name)
    module.__spec__ = ModuleSpec(name, loader, origin=path)
    module.__file__, module.__loader__ = path, loader
    sys.modules[name] = module
    try:
        loader.exec_module(module)
        module.register_with_gymnasium()
    except Exception:
        sys.modules.pop(name, None)
        raise


try:
    _install()
except Exception as e:  # noqa: BLE001 - a .pth import must never stop the interpreter
    import warnings

    warnings.warn(f"mwx-sdk: gymnasium ids not registered at start-up ({type(e).__name__}: {e}); "
                  "import mwx_sdk to register them", RuntimeWarning, stacklevel=1)
