"""The bundled H1 tasks, one module per task (``sit`` holds sit_simple and sit_hard).

Each module reads top to bottom: what the task asks, the planner's binding of its reward, the
:class:`~mwx_sdk.task.Task` that owns its ids, episode length, success bar, scene objects,
``mppi`` objective and default composition, and the environment class. The generic predicates
``standing``, ``fallen``, ``moving``, ``still``, ``success`` and ``near(<object>)`` come from
:class:`~mwx_sdk.envs.base.H1Env`; each module's docstring lists the task's own.

Importing a task module imports numpy and gymnasium, not mujoco (that happens when an env is
built), so the registry can read every task cheaply.
"""

from __future__ import annotations

from typing import Any

_CLASSES = {
    "StandEnv": "stand", "WalkEnv": "walk", "RunEnv": "run", "CrawlEnv": "crawl",
    "SitSimpleEnv": "sit", "SitHardEnv": "sit", "ReachEnv": "reach", "DoorEnv": "door", "PushEnv": "push",
    "PackageEnv": "package", "BasketballEnv": "basketball", "TruckEnv": "truck", "WalkSitEnv": "walk_sit",
    "DoorWallEnv": "door_wall", "BoxTableEnv": "box_table",
}

__all__ = ["TASKS", *_CLASSES]  # noqa: PLE0604


def __getattr__(name: str) -> Any:
    from importlib import import_module

    if name == "TASKS":
        from mwx_sdk.task import builtin_tasks

        # task name -> environment class, derived from the tasks themselves
        value: Any = {t.name: t.env_class() for t in builtin_tasks()}
    elif name in _CLASSES:
        value = getattr(import_module(f"{__name__}.{_CLASSES[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
