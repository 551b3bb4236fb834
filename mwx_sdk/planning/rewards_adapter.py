"""How a task's own reward function (``mwx_sdk.envs.rewards``) is bound to the planner's quantities.

Each task declares its binding (:attr:`mwx_sdk.task.Task.planner_reward`, in the task's module);
this module holds the :class:`TaskAdapter` they build and the helpers they share.

A :class:`TaskAdapter` says which extra sensors the planner model needs for a task (object
positions, door hinge angles, hand sites ...), which values it reads from the live environment
once per control step (goal, destination, hoop, and the stage of stateful tasks, held fixed
over the horizon), and how the reward function's arguments are formed from both. A task may also
declare object-directed shaping terms (hand to object, object to goal, handle and hinge
progress): costs the planner adds to minus the reward with the weights of
``MPPIConfig.task_shaping``, and reports apart from the task's return. Everything is evaluated on
whole (N, H) batches: no Python loop per physics step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .sim import SensorSpec

Quantities = Mapping[str, np.ndarray]

#: Sensors a task's binding may add to the planner model (their names become quantity keys).
IMU: SensorSpec = ("imu", "framepos", "site", "imu")
LEFT_HAND: SensorSpec = ("left_hand", "framepos", "site", "left_hand")
RIGHT_HAND: SensorSpec = ("right_hand", "framepos", "site", "right_hand")


@dataclass
class TaskAdapter:
    """How the planner evaluates one task's reward.

    Args:
        task: task name.
        kwargs: ``f(quantities, constants) -> keyword arguments`` of the reward function.
        fn: the reward function (``(reward, terms)`` or reward); ``None`` means ``kwargs``
            already returns the reward under key ``"reward"``.
        sensors: extra sensors of the planner model (names become quantity keys).
        constants: ``f(env) -> dict`` read from the live env once per control step.
        joints: quantity name -> joint whose position (the first 3 values of a free joint, the
            angle of a hinge) is read from the rollout state, as the env reads it from ``qpos``.
        shaping: ``f(quantities, constants) -> {term: cost (N, H)}``: the task's object-directed
            shaping terms, unweighted (distances in metres, angles in radians); ``None`` when
            the task has none. The planner weighs them with ``MPPIConfig.task_shaping``.
        shaping_names: the names of the terms ``shaping`` returns (checked against the
            weights a user passes).
        objective: ``None`` when the reward is the env's own (the planner scores rollouts
            exactly as the env scores steps); otherwise how the planner's objective departs
            from it, in one sentence (a composite task may pay the planner for the stage it
            is in while the env keeps its task reward).
    """

    task: str
    kwargs: Callable[[Quantities, Mapping[str, Any]], dict[str, Any]]
    fn: Callable[..., Any] | None
    sensors: tuple[SensorSpec, ...] = ()
    constants: Callable[[Any], dict[str, Any]] = field(default=lambda env: {})
    joints: dict[str, str] = field(default_factory=dict)
    shaping: Callable[[Quantities, Mapping[str, Any]], dict[str, np.ndarray]] | None = None
    shaping_names: tuple[str, ...] = ()
    objective: str | None = None
    _qpos: dict[str, slice] = field(default_factory=dict, init=False, repr=False)

    def bind_model(self, model: Any) -> None:
        """Resolve :attr:`joints` to ``qpos`` indices of the planner ``model``."""
        self._qpos = {}
        for qname, joint in self.joints.items():
            try:
                j = model.joint(joint)
            except KeyError as exc:
                raise ValueError(f"task {self.task!r} needs a joint named {joint!r} in the env model") from exc
            adr = int(j.qposadr[0])
            self._qpos[qname] = slice(adr, adr + 3) if int(j.type[0]) == 0 else slice(adr, adr + 1)

    def read_constants(self, env: Any) -> dict[str, Any]:
        """The per-step values of the live env this task's reward needs."""
        try:
            return self.constants(getattr(env, "unwrapped", env))
        except (AttributeError, KeyError) as exc:
            raise ValueError(
                f"the mppi reward for task {self.task!r} reads {exc} from the env, which "
                f"{type(env).__name__} does not have; pass reward_fn=<callable on the planner quantities>"
            ) from exc

    def with_joints(self, q: Quantities) -> Quantities:
        """``q`` plus the positions of :attr:`joints`, read from the rollout ``qpos``."""
        if not self.joints:
            return q
        if len(self._qpos) != len(self.joints):
            raise RuntimeError("call bind_model(planner model) before reward()")
        qpos = q["qpos"]
        return dict(q) | {n: (qpos[..., s] if s.stop - s.start > 1 else qpos[..., s.start])
                          for n, s in self._qpos.items()}

    def reward(self, q: Quantities, consts: Mapping[str, Any]) -> np.ndarray:
        """The task reward of a batch, shape (N, H)."""
        q = self.with_joints(q)
        kw = self.kwargs(q, consts)
        out = kw["reward"] if self.fn is None else self.fn(**kw)
        return np.asarray(out[0] if isinstance(out, tuple) else out, dtype=np.float64)

    def shaping_terms(self, q: Quantities, consts: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The task's unweighted object-directed shaping terms of a batch, each (N, H)."""
        if self.shaping is None:
            return {}
        return {k: np.asarray(v, dtype=np.float64) for k, v in self.shaping(self.with_joints(q), consts).items()}


def site_position(env: Any, name: str) -> np.ndarray:
    """World position of the site ``name`` in the live env (a copy)."""
    import mujoco

    i = mujoco.mj_name2id(env.model, mujoco.mjtObj.mjOBJ_SITE, name)
    if i < 0:
        raise KeyError(f"site {name}")
    return env.data.site_xpos[i].copy()


def body_position(env: Any, name: str) -> np.ndarray:
    """World position of the body ``name`` in the live env (a copy)."""
    import mujoco

    i = mujoco.mj_name2id(env.model, mujoco.mjtObj.mjOBJ_BODY, name)
    if i < 0:
        raise KeyError(f"body {name}")
    return env.data.xpos[i].copy()


def robot_nv(env: Any) -> int:
    """Velocity dimensions of the robot alone (the scene's objects excluded)."""
    from mwx_sdk.envs.quantities import H1Quantities

    return H1Quantities.of(env.model).robot_nv


def stand_kwargs(q: Quantities) -> dict[str, Any]:
    """The standing reward's arguments, shared by most tasks."""
    return {"head_height": q["head_height"], "torso_upright": q["torso_upright"],
            "actuator_force": q["actuator_force"]}


def locomotion_adapter(task: str) -> TaskAdapter:
    """stand, walk and run: ``rewards.<task>_reward`` on the standing quantities and the CoM velocity."""
    from mwx_sdk.envs import rewards as R

    return TaskAdapter(task, lambda q, c: {**stand_kwargs(q), "com_vel": q["com_vel"]}, getattr(R, f"{task}_reward"))


def task_adapter(task: Any) -> TaskAdapter:
    """The reward binding of a task, as the task declares it (:attr:`mwx_sdk.task.Task.planner_reward`).

    Args:
        task: a :class:`~mwx_sdk.task.Task`, or a task name or id (``"stand"``, ``"sit_simple"``,
            ``"mwx/h1-door-v0"``, a plugin's task).

    Returns:
        The task's :class:`TaskAdapter`.

    Raises:
        ValueError: the task is unknown or declares no binding (pass ``reward_fn=`` to the
            planner for such tasks).
    """
    from mwx_sdk.task import Task, UnknownTaskError, get_task

    if not task:
        raise ValueError("the mppi planner needs a task name to pick a reward; pass task='stand' (or 'walk', ...)")
    if not isinstance(task, Task):
        try:
            task = get_task(task)
        except UnknownTaskError as exc:
            raise ValueError(
                f"the mppi planner has no reward binding for task {task!r} (known: {known_tasks()}); "
                "pass reward_fn=<callable on the planner quantities> to plan it"
            ) from exc
    if task.planner_reward is None:
        raise ValueError(
            f"task {task.name!r} declares no planner reward (Task.planner_reward); "
            "pass reward_fn=<callable on the planner quantities> to plan it"
        )
    return task.planner_reward()


def known_tasks() -> list[str]:
    """Task names the planner can score with their own reward."""
    from mwx_sdk.task import builtin_tasks, list_tasks

    try:
        tasks = list_tasks()
    except Exception:  # noqa: BLE001 - a broken plugin must not hide the bundled tasks here
        tasks = list(builtin_tasks())
    return sorted(t.name for t in tasks if t.planner_reward is not None)
