"""HumanoidBench-compatible H1 tasks: rewards, quantities, gymnasium environments.

Importing this package (or just ``mwx_sdk``) registers the built-in ids ``mwx/h1-<task>-v0``
with gymnasium, so ``gymnasium.make("mwx/h1-stand-v0")`` works; mujoco is imported only when an
env is built. Without any mwx import: ``gymnasium.make("mwx_sdk:mwx/h1-stand-v0")``, or the plain
id with gymnasium 0.26-0.29 (``gymnasium.envs`` entry point; see :mod:`.registration`).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .registration import TASK_NAMES, TASK_SPECS, env_id, register_builtin_envs

register_builtin_envs()

_LAZY = {
    "H1Env": "mwx_sdk.envs.base",
    "default_model_path": "mwx_sdk.envs.base",
    "reference_model_path": "mwx_sdk.envs.base",
    "H1Quantities": "mwx_sdk.envs.quantities",
    "TASKS": "mwx_sdk.envs.tasks",
    "SceneRenderer": "mwx_sdk.envs.render",
    "VideoRecorder": "mwx_sdk.envs.render",
    "rewards": "mwx_sdk.envs.rewards",
}

__all__ = [  # noqa: PLE0604 (the lazy names are strings)
    "TASK_NAMES", "TASK_SPECS", "env_id", "register_builtin_envs", *_LAZY
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mwx_sdk.envs' has no attribute {name!r}")
    mod = import_module(module)
    value = mod if name == "rewards" else getattr(mod, name)
    globals()[name] = value
    return value
