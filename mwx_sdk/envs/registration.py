"""Gymnasium ids of the built-in H1 tasks (``mwx/h1-<task>-v0``) and their registration.

Only gymnasium is imported here (entry points are strings), so registering is cheap and never
loads mujoco or torch. The ids reach gymnasium's registry three ways:

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
from dataclasses import dataclass

NAMESPACE = "mwx"


@dataclass(frozen=True)
class TaskSpec:
    """One built-in task: gymnasium id, entry point, episode length, success bar, description."""

    task: str
    cls_name: str
    max_episode_steps: int
    success_bar: float
    description: str

    @property
    def env_id(self) -> str:
        return f"{NAMESPACE}/h1-{self.task}-v0"

    @property
    def entry_point(self) -> str:
        return f"mwx_sdk.envs.tasks:{self.cls_name}"


# papers' tasks first; values mirror the classes in mwx_sdk.envs.tasks (checked by the tests)
TASK_SPECS: tuple[TaskSpec, ...] = (
    TaskSpec("stand", "StandEnv", 1000, 800.0, "H1 stands still and upright"),
    TaskSpec("walk", "WalkEnv", 1000, 700.0, "H1 walks forward at 1 m/s"),
    TaskSpec("run", "RunEnv", 1000, 700.0, "H1 runs forward at 5 m/s"),
    TaskSpec("sit_simple", "SitSimpleEnv", 1000, 750.0, "H1 sits on the chair behind it"),
    TaskSpec("door", "DoorEnv", 1000, 600.0, "H1 opens a door and walks through"),
    TaskSpec("push", "PushEnv", 500, 700.0, "H1 pushes a box on a table to a goal"),
    TaskSpec("package", "PackageEnv", 1000, 1500.0, "H1 carries a package to a destination"),
    TaskSpec("truck", "TruckEnv", 1000, 3000.0, "H1 unloads packages from a truck onto a table"),
    TaskSpec("basketball", "BasketballEnv", 500, 1200.0, "H1 catches a ball and throws it into a hoop"),
    TaskSpec("crawl", "CrawlEnv", 1000, 700.0, "H1 crawls through a low tunnel"),
    TaskSpec("sit_hard", "SitHardEnv", 1000, 750.0, "H1 sits on a movable chair from a random start"),
    TaskSpec("reach", "ReachEnv", 1000, 12000.0, "H1 reaches a point with its left hand"),
)

TASK_NAMES = tuple(s.task for s in TASK_SPECS)


def env_id(task: str) -> str:
    """``mwx/h1-<task>-v0`` for a built-in task name."""
    if task not in TASK_NAMES:
        raise ValueError(f"unknown task {task!r}; built-in tasks: {', '.join(TASK_NAMES)}")
    return f"{NAMESPACE}/h1-{task}-v0"


def register_builtin_envs(register: Callable | None = None) -> list[str]:
    """Register every built-in task id.

    Args:
        register: ``register(env_id, entry_point, description=None, **gym_kwargs)`` (the
            ``register_envs`` hook callback); defaults to gymnasium's own ``register``,
            skipping ids that already exist.

    Returns:
        The registered ids.
    """
    if register is None:
        # from the registration module, not the package: gymnasium 0.29 calls this (its
        # entry point) while ``gymnasium`` itself is still being imported
        from gymnasium.envs.registration import register as gym_register
        from gymnasium.envs.registration import registry

        def register(env_id, entry_point, description=None, **kw):
            if env_id not in registry:
                gym_register(id=env_id, entry_point=entry_point, **kw)

    for s in TASK_SPECS:
        register(s.env_id, s.entry_point, description=s.description, max_episode_steps=s.max_episode_steps)
    return [s.env_id for s in TASK_SPECS]
