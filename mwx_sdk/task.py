"""A task as one object: what it is, how it is scored, and how an agent is composed for it.

Every H1 task is a :class:`Task`. It owns its gymnasium ids (the project's ``mwx/h1-<name>-v0``
and HumanoidBench's ``h1-<name>-v0``), its environment class, episode length and success bar,
its scene (objects and the keyframe's layout), the objective the ``mppi`` planner optimises
(:attr:`Task.planning`: shaping and sampling defaults, and :attr:`Task.planner_reward`: the
task's own reward bound to the planner's rollout quantities), and the agent composed for it
by default (:class:`Composition`: instruction, experts, their per-task options, the skill whose
human prior judges naturalness, the planner).

Each bundled task is defined in its own module of :mod:`mwx_sdk.envs.tasks`, next to its
environment class; a plugin registers its own through the ``register_tasks`` hook and gets the
same treatment (gymnasium id, ``mwx run``/``mwx eval`` defaults, the ``mppi`` objective).

Only the standard library is imported here; importing a task module imports numpy and
gymnasium, never mujoco or torch.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "BUILTIN_TASK_MODULES",
    "Composition",
    "Task",
    "UnknownTaskError",
    "builtin_tasks",
    "get_task",
    "list_tasks",
    "task_for_env",
]

#: Modules of :mod:`mwx_sdk.envs.tasks` defining the bundled tasks, the papers' tasks first.
#: Each holds a module-level ``TASK`` (or ``TASKS``, a tuple) next to its environment class.
BUILTIN_TASK_MODULES = (
    "stand", "walk", "run", "sit", "door", "push", "package", "truck", "basketball", "crawl", "reach",
    "walk_sit", "door_wall", "box_table",
)

#: Planner used where no task is known, in every entry point alike.
DEFAULT_PLANNER = "direct"


class UnknownTaskError(KeyError, ValueError):
    """No task has that name or id."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Composition:
    """The agent a task gets when the user does not say otherwise.

    Args:
        instruction: what the agent is told.
        experts: the expert library offered to the VLM and the router.
        lead_skill: the skill whose human prior judges naturalness on this task (every method
            is measured against it, the no-prior baseline included) and the prior a
            single-expert agent plays.
        expert_options: per-expert options for this task (e.g. the run stride played at the
            5 m/s the run reward asks for), beneath anything the user sets.
        planner: the planner used for this task (``mppi`` for every bundled task).
        router_options: options of the router for this task (e.g. ``smoothing``), beneath the
            user's; they apply to routers that take them.
        library: the expert library the evaluation suite offers when it compares routing
            methods on this task (the papers' tables); empty means ``experts``. A task whose
            best default agent plays one skill still compares routers over several.
        agent_options: fields of :class:`mwx_sdk.agent.AgentConfig` for this task (e.g. a
            longer ``subgoal_timeout_steps`` where a sub-goal is a long walk), beneath the user's.
    """

    instruction: str
    experts: tuple[str, ...]
    lead_skill: str
    expert_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    planner: str = "mppi"
    router_options: Mapping[str, Any] = field(default_factory=dict)
    library: tuple[str, ...] = ()
    agent_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "experts", tuple(self.experts))
        object.__setattr__(self, "agent_options", _frozen(self.agent_options))
        object.__setattr__(self, "library", tuple(self.library) or tuple(self.experts))
        object.__setattr__(
            self, "expert_options", MappingProxyType({k: _frozen(v) for k, v in dict(self.expert_options).items()})
        )
        object.__setattr__(self, "router_options", _frozen(self.router_options))

    def options_for(self, expert: str) -> dict[str, Any]:
        """This task's options for ``expert`` (empty when it has none)."""
        return dict(self.expert_options.get(expert, {}))


@dataclass(frozen=True)
class Task:
    """One H1 task.

    Args:
        name: short name (``"walk"``); the gymnasium id is ``<namespace>/<robot>-<name>-v0``.
        env: the environment class as ``"module:Class"`` (imported when an env is made).
        description: one line saying what the robot must do.
        max_episode_steps: control steps of an episode (HumanoidBench: 1000, or 500).
        success_bar: HumanoidBench's success threshold on the episode return.
        humanoid_bench: the HumanoidBench task of the same name (its ids ``h1-<name>-v0`` and
            ``h1hand-<name>-v0`` pass through :func:`mwx_sdk.make_env`), or ``None``.
        objects: scene objects for ``near(<name>)`` predicates and sub-goal targets:
            name -> (``"body"`` or ``"site"``, MJCF element name), or (``"attr"``, the name of
            the env attribute holding a point the task draws at reset, e.g. ``"goal"``).
        object_words: other words an instruction may call an object by (``{"basketball":
            ("ball",)}``), beyond its name and the common synonyms of
            :mod:`mwx_sdk.semantic.targets`.
        composition: the agent composed for this task by default.
        planning: ``mppi`` defaults for this task (fields of
            :class:`mwx_sdk.planning.MPPIConfig`: sampling and the shaping terms of its
            objective), beneath the user's settings.
        planner_reward: ``() -> TaskAdapter``: the task's reward on the planner's batched
            rollout quantities (:mod:`mwx_sdk.planning.rewards_adapter`); ``None`` when the
            planner cannot score it (pass ``reward_fn=`` to the planner then).
        scene_dims: ``(nq, nv)`` of the task scene (robot and objects).
        object_qpos0: the objects' part of the keyframe ``qpos0`` (after the robot's values).
        root_pos0: the robot's root position in the keyframe, when not the standard one.
        in_suite: part of the embedded suite (the papers' tables).
        namespace: gymnasium namespace of the id.
        robot: robot name in the id.
    """

    name: str
    env: str
    description: str
    max_episode_steps: int = 1000
    success_bar: float = math.inf
    humanoid_bench: str | None = None
    objects: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    object_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    composition: Composition | None = None
    planning: Mapping[str, Any] = field(default_factory=dict)
    planner_reward: Callable[[], Any] | None = None
    scene_dims: tuple[int, int] | None = None
    object_qpos0: tuple[float, ...] = ()
    root_pos0: tuple[float, float, float] | None = None
    in_suite: bool = False
    namespace: str = "mwx"
    robot: str = "h1"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or any(c in self.name for c in "/ "):
            raise ValueError(f"a task name is a short word like 'walk', got {self.name!r}")
        if not isinstance(self.env, str) or ":" not in self.env:
            raise ValueError(f"task {self.name!r}: env must be 'module:Class', got {self.env!r}")
        if int(self.max_episode_steps) < 1:
            raise ValueError(f"task {self.name!r}: max_episode_steps must be >= 1, got {self.max_episode_steps}")
        for obj_name, ref in dict(self.objects).items():
            if not (isinstance(ref, (tuple, list)) and len(ref) == 2 and ref[0] in ("body", "site", "attr")):
                raise ValueError(
                    f"task {self.name!r}: object {obj_name!r} must be ('body' | 'site' | 'attr', name), got {ref!r}"
                )
        object.__setattr__(self, "objects", _frozen(self.objects))
        unknown = sorted(set(self.object_words) - set(self.objects))
        if unknown:
            raise ValueError(f"task {self.name!r}: object_words names {unknown}, which are not among its objects")
        object.__setattr__(self, "object_words",
                           _frozen({k: tuple(str(w) for w in v) for k, v in self.object_words.items()}))
        object.__setattr__(self, "planning", _frozen(self.planning))
        object.__setattr__(self, "object_qpos0", tuple(float(v) for v in self.object_qpos0))

    @property
    def env_id(self) -> str:
        """The gymnasium id, e.g. ``mwx/h1-walk-v0``."""
        return f"{self.namespace}/{self.robot}-{self.name}-v0"

    @property
    def humanoid_bench_ids(self) -> tuple[str, ...]:
        """HumanoidBench's ids of the same task (``h1-walk-v0``, ``h1hand-walk-v0``)."""
        if not self.humanoid_bench:
            return ()
        return (f"h1-{self.humanoid_bench}-v0", f"h1hand-{self.humanoid_bench}-v0")

    @property
    def planner(self) -> str:
        """The task's default planner."""
        return self.composition.planner if self.composition else DEFAULT_PLANNER

    def env_class(self) -> type:
        """Import and return the environment class."""
        module, _, name = self.env.partition(":")
        return getattr(importlib.import_module(module), name)

    def qpos0(self) -> tuple[float, ...]:
        """The full keyframe ``qpos0`` of the scene: the robot's values, then the objects'."""
        from mwx_sdk.envs.h1_constants import ROOT_POSE0, STAND_JOINTS

        root = (self.root_pos0 or ROOT_POSE0[:3]) + ROOT_POSE0[3:]
        return tuple(root) + STAND_JOINTS + self.object_qpos0

    def mppi_defaults(self) -> dict[str, Any]:
        """The ``mppi`` settings of this task (a copy; mappings inside are copied too)."""
        return {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in self.planning.items()}


_BUILTIN: tuple[Task, ...] | None = None


def builtin_tasks() -> tuple[Task, ...]:
    """The bundled tasks, in :data:`BUILTIN_TASK_MODULES` order (imports numpy and gymnasium only)."""
    global _BUILTIN
    if _BUILTIN is None:
        # gymnasium first: its import hook (mwx_sdk._gymnasium) registers the ids by reading
        # these tasks, which must not happen while a task module is half imported
        import gymnasium  # noqa: F401
    if _BUILTIN is None:
        found: list[Task] = []
        for mod in BUILTIN_TASK_MODULES:
            module = importlib.import_module(f"mwx_sdk.envs.tasks.{mod}")
            found.extend(getattr(module, "TASKS", None) or (module.TASK,))
        _BUILTIN = tuple(found)
    return _BUILTIN


def list_tasks() -> list[Task]:
    """Every task: the bundled ones, then those registered by plugins (``register_tasks``)."""
    from mwx_sdk.plugins import host

    return [e.obj for e in host().entries("task")]


def _lookup(key: str, tasks: list[Task] | tuple[Task, ...]) -> Task | None:
    for t in tasks:
        if key in (t.name, t.env_id) or key in t.humanoid_bench_ids:
            return t
    return None


def get_task(key: str) -> Task:
    """The task named ``key``: a task name (``"walk"``), its id (``"mwx/h1-walk-v0"``) or a
    HumanoidBench id of the same task (``"h1-walk-v0"``).

    Raises:
        UnknownTaskError: no bundled or plugin task matches; the message lists them.
    """
    if not isinstance(key, str) or not key:
        raise UnknownTaskError(f"a task is named by a string like 'walk' or 'mwx/h1-walk-v0', got {key!r}")
    found = _lookup(key, builtin_tasks())
    if found is not None:
        return found
    tasks = list_tasks()
    found = _lookup(key, tasks)
    if found is None:
        raise UnknownTaskError(
            f"no task {key!r}; tasks: {', '.join(t.name for t in tasks)} (`mwx plugins` lists every provider)"
        )
    return found


def task_for_env(env: Any) -> Task | None:
    """The task an environment runs, or ``None`` for an env no task describes.

    Looks at the env's own ``task_def`` (every :class:`~mwx_sdk.envs.base.H1Env` has one), then
    at its gymnasium id (a task's id or a HumanoidBench id of a task).
    """
    import inspect

    seen = set()
    cur = env
    while cur is not None and id(cur) not in seen:  # through the wrapper chain
        seen.add(id(cur))
        # looked up statically: gymnasium 0.29's wrappers forward unknown attributes with a
        # deprecation warning
        task = inspect.getattr_static(cur, "task_def", None)
        if isinstance(task, Task):
            return task
        cur = inspect.getattr_static(cur, "env", None)
    for holder in (env, getattr(env, "unwrapped", None)):
        env_id = getattr(getattr(holder, "spec", None), "id", None)
        if isinstance(env_id, str):
            try:
                return get_task(env_id)
            except UnknownTaskError:
                pass
    return None
