"""mwx: compose humanoid skills from a sentence (MetaWorld / MetaWorld-X as an SDK).

The public API is re-exported here and resolved lazily, so ``import mwx_sdk`` stays light:
nothing imports torch or mujoco until a component that needs it is built. Importing it also
registers the built-in gymnasium ids ``mwx/h1-<task>-v0`` (at once if gymnasium is imported,
otherwise when it is; see :mod:`mwx_sdk._gymnasium`).
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

# litellm fetches its model cost map over the network when it is first imported, by whichever
# package imports it first; mwx downloads nothing at run time, so the bundled map is used
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

# the installed start-up hook may have loaded _gymnasium before this package: bind it here too
from . import _gymnasium  # noqa: F401
from ._gymnasium import register_with_gymnasium
from .hookspecs import hookimpl

__version__ = "0.1.0"

_LAZY = {
    # registries and discovery
    "load_plugins": "mwx_sdk.plugins",
    "check_pending": "mwx_sdk.plugins",
    "list_plugins": "mwx_sdk.plugins",
    "list_experts": "mwx_sdk.plugins",
    "list_routers": "mwx_sdk.plugins",
    "list_planners": "mwx_sdk.plugins",
    "list_vlm_backends": "mwx_sdk.plugins",
    "list_envs": "mwx_sdk.plugins",
    "get_expert": "mwx_sdk.plugins",
    "get_router": "mwx_sdk.plugins",
    "get_planner": "mwx_sdk.plugins",
    "get_vlm_backend": "mwx_sdk.plugins",
    "make_env": "mwx_sdk.plugins",
    "PluginError": "mwx_sdk.plugins",
    "UnknownComponentError": "mwx_sdk.plugins",
    # interfaces
    "Expert": "mwx_sdk.interfaces",
    "ExpertSpec": "mwx_sdk.interfaces",
    "Router": "mwx_sdk.interfaces",
    "Planner": "mwx_sdk.interfaces",
    "VLMBackend": "mwx_sdk.interfaces",
    "SemanticPlan": "mwx_sdk.interfaces",
    "SubGoal": "mwx_sdk.interfaces",
    "StepContext": "mwx_sdk.interfaces",
    "StepDiagnostics": "mwx_sdk.interfaces",
    # tasks
    "Task": "mwx_sdk.task",
    "Composition": "mwx_sdk.task",
    "get_task": "mwx_sdk.task",
    "list_tasks": "mwx_sdk.task",
    "task_for_env": "mwx_sdk.task",
    # composition
    "compose": "mwx_sdk.agent",
    "task_defaults": "mwx_sdk.agent",
    "Agent": "mwx_sdk.agent",
    "compose_from_file": "mwx_sdk.config",
    "load_agent_config": "mwx_sdk.config",
}

__all__ = ["hookimpl", "__version__", *_LAZY]  # noqa: PLE0604 (the lazy names are strings)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mwx_sdk' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


register_with_gymnasium()
