"""Gymnasium ids of the built-in H1 tasks (``mwx/h1-<task>-v0``) and their registration.

The ids, entry points and episode lengths come from the tasks (:mod:`mwx_sdk.task`); the task
modules import numpy and gymnasium, never mujoco or torch, so registering stays cheap. The ids reach gymnasium's registry three ways:

- ``import mwx_sdk`` (before or after ``import gymnasium``; see :mod:`mwx_sdk._gymnasium`);
- gymnasium's ``module:id`` form, ``gymnasium.make("mwx_sdk:mwx/h1-walk-v0")``, which imports
  the module first (gymnasium 0.29 and 1.x);
- the ``gymnasium.envs`` entry point ``mwx = "mwx_sdk.envs.registration:register_builtin_envs"``,
  which gymnasium 0.26-0.29 calls with no arguments on ``import gymnasium`` (inside its
  ``namespace("mwx")`` context, which leaves these ids unchanged). Gymnasium 1.0 removed that
  plugin loading, so there the entry point is inert and one of the first two applies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

NAMESPACE = "mwx"


def __getattr__(name: str) -> Any:
    # TASK_SPECS: the bundled tasks (mwx_sdk.task.Task, papers' tasks first); TASK_NAMES: their
    # names. Read from the task modules when first asked for.
    if name in ("TASK_SPECS", "TASK_NAMES"):
        from mwx_sdk.task import builtin_tasks

        tasks = builtin_tasks()
        return tasks if name == "TASK_SPECS" else tuple(t.name for t in tasks)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def env_id(task: str) -> str:
    """``mwx/h1-<task>-v0`` for a bundled task name."""
    from mwx_sdk.task import builtin_tasks

    for t in builtin_tasks():
        if t.name == task:
            return t.env_id
    raise ValueError(f"unknown task {task!r}; built-in tasks: {', '.join(t.name for t in builtin_tasks())}")


def register_builtin_envs(register: Callable | None = None) -> list[str]:
    """Register every bundled task id.

    Args:
        register: ``register(env_id, entry_point, description=None, **gym_kwargs)`` (the
            ``register_envs`` hook callback); defaults to gymnasium's own ``register``,
            skipping ids that already exist.

    Returns:
        The registered ids.
    """
    from mwx_sdk.task import builtin_tasks

    if register is None:
        # from the registration module, not the package: gymnasium 0.29 calls this (its
        # entry point) while ``gymnasium`` itself is still being imported
        from gymnasium.envs.registration import register as gym_register
        from gymnasium.envs.registration import registry

        def register(env_id, entry_point, description=None, **kw):
            if env_id not in registry:
                gym_register(id=env_id, entry_point=entry_point, **kw)

    tasks = builtin_tasks()
    for t in tasks:
        register(t.env_id, t.env, description=t.description, max_episode_steps=t.max_episode_steps)
    return [t.env_id for t in tasks]
