"""Binds each task's own reward function (``mwx_sdk.envs.rewards``) to the planner's quantities.

A :class:`TaskAdapter` says which extra sensors the planner model needs for a task (object
positions, door hinge angles, hand sites ...), which values it reads from the live environment
once per control step (goal, destination, hoop, and the stage of stateful tasks, held fixed
over the horizon), and how the reward function's arguments are formed from both. Everything is
evaluated on whole (N, H) batches: no Python loop per physics step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .sim import SensorSpec

Quantities = Mapping[str, np.ndarray]

_IMU: SensorSpec = ("imu", "framepos", "site", "imu")
_LHAND: SensorSpec = ("left_hand", "framepos", "site", "left_hand")
_RHAND: SensorSpec = ("right_hand", "framepos", "site", "right_hand")
_TRUCK_PACKAGES = ("package_a", "package_b", "package_c", "package_d", "package_e")


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
    """

    task: str
    kwargs: Callable[[Quantities, Mapping[str, Any]], dict[str, Any]]
    fn: Callable[..., Any] | None
    sensors: tuple[SensorSpec, ...] = ()
    constants: Callable[[Any], dict[str, Any]] = field(default=lambda env: {})
    joints: dict[str, str] = field(default_factory=dict)
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

    def reward(self, q: Quantities, consts: Mapping[str, Any]) -> np.ndarray:
        """The task reward of a batch, shape (N, H)."""
        if self.joints:
            if len(self._qpos) != len(self.joints):
                raise RuntimeError("call bind_model(planner model) before reward()")
            qpos = q["qpos"]
            q = dict(q) | {n: (qpos[..., s] if s.stop - s.start > 1 else qpos[..., s.start])
                           for n, s in self._qpos.items()}
        kw = self.kwargs(q, consts)
        out = kw["reward"] if self.fn is None else self.fn(**kw)
        return np.asarray(out[0] if isinstance(out, tuple) else out, dtype=np.float64)


def _site(env: Any, name: str) -> np.ndarray:
    import mujoco

    i = mujoco.mj_name2id(env.model, mujoco.mjtObj.mjOBJ_SITE, name)
    if i < 0:
        raise KeyError(f"site {name}")
    return env.data.site_xpos[i].copy()


def _body(env: Any, name: str) -> np.ndarray:
    import mujoco

    i = mujoco.mj_name2id(env.model, mujoco.mjtObj.mjOBJ_BODY, name)
    if i < 0:
        raise KeyError(f"body {name}")
    return env.data.xpos[i].copy()


def _robot_nv(env: Any) -> int:
    from mwx_sdk.envs.quantities import H1Quantities

    return H1Quantities.of(env.model).robot_nv


def _stand_kw(q: Quantities) -> dict[str, Any]:
    return {"head_height": q["head_height"], "torso_upright": q["torso_upright"],
            "actuator_force": q["actuator_force"]}


def _truck_reward(q: Quantities, c: Mapping[str, Any]) -> dict[str, Any]:
    """``rewards.truck_shaped_reward`` on batches, plus the pick/place bonuses of the stage now.

    The env's lists (packages on the truck, picked) are held fixed over the horizon; a package
    of the truck list lifted 0.1 m above its start height earns the +100 pick bonus and a picked
    package over the table the +100 place bonus, at every step where the condition holds.
    """
    from mwx_sdk.envs import rewards as R

    on_truck, picked, z0 = c["on_truck"], c["picked"], c["z0"]
    shaped, _ = R.truck_shaped_reward(q["torso_upright"], q["qpos"][..., 0:3], c["table"],
                                      [q[p] for p in on_truck], [q[p] for p in picked])
    bonus = np.zeros(np.shape(q["torso_upright"]))
    if z0 is not None:
        for p in on_truck:
            bonus = bonus + 100.0 * (q[p][..., 2] > z0[p] + 0.1)
    for p in picked:
        bonus = bonus + 100.0 * R.truck_on_table(q[p])
    return {"reward": shaped + bonus}


def _adapters() -> dict[str, TaskAdapter]:
    from mwx_sdk.envs import rewards as R

    loco = {
        t: TaskAdapter(t, lambda q, c: {**_stand_kw(q), "com_vel": q["com_vel"]}, getattr(R, f"{t}_reward"))
        for t in ("stand", "walk", "run")
    }
    sit = lambda t: TaskAdapter(
        t,
        lambda q, c: {**_stand_kw(q), "pelvis_pos": q["qpos"][..., 0:3], "chair_pos": q["chair"],
                      "imu_height": q["imu"][..., 2], "com_vel": q["com_vel"]},
        R.sit_reward,
        sensors=(_IMU, ("chair", "framepos", "xbody", "chair")),
    )
    return {
        **loco,
        "sit_simple": sit("sit_simple"),
        "sit_hard": sit("sit_hard"),
        "crawl": TaskAdapter(
            "crawl",
            lambda q, c: {"head_height": q["head_height"], "imu_pos": q["imu"], "pelvis_quat": q["pelvis_quat"],
                          "com_vel": q["com_vel"], "actuator_force": q["actuator_force"]},
            R.crawl_reward,
            sensors=(_IMU, ("pelvis_quat", "framequat", "xbody", "pelvis")),
        ),
        "reach": TaskAdapter(
            "reach",
            lambda q, c: {"left_hand": q["left_hand"], "goal": c["goal"], "pelvis_upright": q["pelvis_zaxis"][..., 2],
                          "robot_qvel": q["qvel"][..., : c["robot_nv"]]},
            R.reach_reward,
            sensors=(_LHAND, ("pelvis_zaxis", "framezaxis", "xbody", "pelvis")),
            constants=lambda env: {"goal": np.asarray(env.goal, dtype=np.float64).copy(), "robot_nv": _robot_nv(env)},
        ),
        "door": TaskAdapter(
            "door",
            lambda q, c: {**_stand_kw(q), "door_angle": q["door_angle"], "hatch_angle": q["hatch_angle"],
                          "hatch_pos": q["hatch"], "left_hand": q["left_hand"], "right_hand": q["right_hand"],
                          "imu_x": q["imu"][..., 0]},
            R.door_reward,
            sensors=(_IMU, _LHAND, _RHAND, ("hatch", "framepos", "xbody", "door_hatch")),
            joints={"door_angle": "door_hinge", "hatch_angle": "door_hatch_hinge"},
        ),
        "push": TaskAdapter(
            "push",
            lambda q, c: {"box_pos": q["box"], "goal": c["goal"], "left_hand": q["left_hand"]},
            R.push_reward,
            sensors=(_LHAND,),
            joints={"box": "free_object"},
            constants=lambda env: {"goal": np.asarray(env.goal, dtype=np.float64).copy()},
        ),
        # the destination is moved in the env's own model at reset, so it is read from the env
        "package": TaskAdapter(
            "package",
            lambda q, c: {**_stand_kw(q), "package_pos": q["package"], "destination": c["destination"],
                          "left_hand": q["left_hand"], "right_hand": q["right_hand"]},
            R.package_reward,
            sensors=(_LHAND, _RHAND),
            joints={"package": "free_package"},
            constants=lambda env: {"destination": _site(env, "destination_loc")},
        ),
        "basketball": TaskAdapter(
            "basketball",
            lambda q, c: {**_stand_kw(q), "ball_pos": q["ball"], "hoop_pos": c["hoop"], "left_hand": q["left_hand"],
                          "right_hand": q["right_hand"], "throw_stage": c["throw_stage"]},
            R.basketball_reward,
            sensors=(_LHAND, _RHAND),
            joints={"ball": "free_basketball"},
            constants=lambda env: {"hoop": _site(env, "hoop_center"), "throw_stage": bool(env.throw_stage)},
        ),
        "truck": TaskAdapter(
            "truck",
            _truck_reward,
            None,
            sensors=tuple((p, "framepos", "xbody", p) for p in _TRUCK_PACKAGES),
            constants=lambda env: {"table": _body(env, "table"), "on_truck": list(env.on_truck),
                                   "picked": list(env.picked), "z0": None if env.z0 is None else dict(env.z0)},
        ),
    }


def task_adapter(task: str | None) -> TaskAdapter:
    """The reward binding of ``task``.

    Args:
        task: task name, e.g. ``"stand"``, ``"sit_simple"`` or ``"door"``.

    Returns:
        The task's :class:`TaskAdapter`.

    Raises:
        ValueError: the task has no binding (pass ``reward_fn=`` to the planner for such tasks).
    """
    if not task:
        raise ValueError("the mppi planner needs a task name to pick a reward; pass task='stand' (or 'walk', ...)")
    table = _adapters()
    if task not in table:
        raise ValueError(
            f"the mppi planner has no reward binding for task {task!r} (known: {sorted(table)}); "
            "pass reward_fn=<callable on the planner quantities> to plan it"
        )
    return table[task]


def known_tasks() -> list[str]:
    """Task names the planner can score with their own reward."""
    return sorted(_adapters())
