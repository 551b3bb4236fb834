"""walk_sit: the project's composite task "walk to the chair and sit down".

A chair (on a free joint, as in sit_hard) stands 2.5-3.5 m ahead of the robot with its back away
from it, yawed up to 20 degrees either way (seeded at reset). The robot walks to it, turns its
back to it and sits. Reward: HumanoidBench's sit reward (``SC * SIT * UPRIGHT * POSTURE *
DONTMOVE``) at every step. Success: ``seated`` held for 1 s (50 control steps); the episode ends
there. Predicates: ``seated`` (as sit_simple), ``facing_away(chair)`` (the pelvis's heading
within 0.35 rad of the chair's, i.e. the back to the seat), ``near(chair)`` (the pelvis within
0.3 m of the point 0.25 m in front of the seat's centre, where sit_simple starts the robot: a
chair is near when the robot can sit on it; the sit skill sits wherever it is once its back is
to the seat).
"""

from __future__ import annotations

import math

import numpy as np

from mwx_sdk.motion.rotations import quat_yaw
from mwx_sdk.task import Composition, Task

from ..rewards import sit_reward, tolerance
from .manipulation import walk_toward
from .sit import SitSimpleEnv

CHAIR_DISTANCE = (2.5, 3.5)  # m ahead of the robot
CHAIR_YAW_NOISE = math.radians(20.0)
SEATED_STEPS = 50  # control steps seated in a row for success (1 s)
FACING_TOLERANCE = 0.35  # rad
SEAT_FRONT = 0.25  # m in front of the seat's centre where the robot turns its back to it: where sit_simple starts it


APPROACH_NEAR = (0.15, 0.6)  # m from the seat's front: the sit reward alone inside, walking beyond
AT_SEAT = 0.3  # m from the seat's front within which near(chair) holds: where the sit can start


def _seat_front(q):
    """The point in front of the seat where the robot turns its back to it, (..., 2), and the
    chair's heading."""
    chair_yaw = quat_yaw(q["chair_quat"])
    front = q["chair"][..., :2] + SEAT_FRONT * np.stack([np.cos(chair_yaw), np.sin(chair_yaw)], axis=-1)
    return front, chair_yaw


def _shaping(q, c):
    """Walk to the front of the seat, then turn the back to the chair."""
    front, chair_yaw = _seat_front(q)
    pelvis = q["qpos"][..., :2]
    dist = np.linalg.norm(pelvis - front, axis=-1)
    heading = quat_yaw(q["qpos"][..., 3:7])
    near = np.clip(1.5 - dist, 0.0, 1.0)  # the heading matters once the front of the seat is close
    return {"approach": dist, "back_to_chair": near * (1.0 - np.cos(heading - chair_yaw))}


def _approach_then_sit(*, pelvis_pos, chair_pos, chair_quat, head_height, imu_height, torso_upright, com_vel,
                       actuator_force):
    """The planner's reward: HumanoidBench's walk reward toward the seat's front while far from
    it, its sit reward near it, blended by the distance.

    The sit reward alone (``DONTMOVE`` and a low pelvis) pays the planner to crouch and stay put
    3 m from the chair: a walk toward the chair only shows in the approach shaping, which a
    half-second horizon barely moves."""
    front, chair_yaw = _seat_front({"chair": chair_pos, "chair_quat": chair_quat})
    walk, dist = walk_toward(pelvis_pos, front, head_height, torso_upright, com_vel, actuator_force)
    lo, hi = APPROACH_NEAR
    far = np.clip((dist - lo) / (hi - lo), 0.0, 1.0)
    sit, _ = sit_reward(pelvis_pos, chair_pos, head_height, imu_height, torso_upright, com_vel, actuator_force)
    # HumanoidBench's sit reward pays as much for sitting down beside the seat as for standing
    # centred in front of it, and a seated H1 cannot shuffle sideways: sitting is paid only in
    # line with the seat, so the plan lines up before it sits
    return far * walk + (1.0 - far) * sit * _in_line(pelvis_pos, chair_pos, chair_yaw)


def _in_line(pelvis_pos, chair_pos, yaw):
    """1 with the pelvis on the seat's centre line, falling off sideways (0.1 at 0.2 m)."""
    d = pelvis_pos[..., :2] - chair_pos[..., :2]
    lateral = -np.sin(yaw) * d[..., 0] + np.cos(yaw) * d[..., 1]
    return tolerance(lateral, (-0.05, 0.05), 0.15)


def _planner_reward():
    """The approach-then-sit reward on the planner's quantities, and the approach and turn shaping."""
    from ...planning.rewards_adapter import IMU, TaskAdapter, stand_kwargs

    return TaskAdapter(
        "walk_sit",
        lambda q, c: {**stand_kwargs(q), "pelvis_pos": q["qpos"][..., 0:3], "chair_pos": q["chair"],
                      "chair_quat": q["chair_quat"], "imu_height": q["imu"][..., 2], "com_vel": q["com_vel"]},
        _approach_then_sit,
        sensors=(IMU, ("chair", "framepos", "xbody", "chair"), ("chair_quat", "framequat", "xbody", "chair")),
        shaping=_shaping,
        shaping_names=("approach", "back_to_chair"),
        objective="HumanoidBench's walk reward toward the seat's front while far from it, the sit "
                  "reward paid in line with the seat near it; the env's reward is the sit reward",
    )


TASK = Task(
    name="walk_sit",
    env=f"{__name__}:WalkSitEnv",
    description="walk to the chair ahead, turn around and sit down on it",
    max_episode_steps=1000,
    success_bar=750.0,
    objects={"chair": ("body", "chair")},
    object_words={"chair": ("seat", "stool")},
    scene_dims=(33, 31),
    object_qpos0=(3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
    # the walk to the chair takes longer than the agent's default 3 s sub-goal timeout
    composition=Composition(instruction="walk to the chair and sit down", experts=("stand", "walk", "sit"),
                            lead_skill="sit", agent_options={"subgoal_timeout_steps": 500}),
    # walking first: the walk task's sampling and balance terms, the approach and turn shaping
    # instead of a speed target
    planning={"num_samples": 32, "horizon": 25, "num_knots": 4, "heading_weight": 0.0,
              "task_shaping": {"approach": 5.0, "back_to_chair": 5.0}},
    planner_reward=_planner_reward,
)


class WalkSitEnv(SitSimpleEnv):
    """Walk to a chair 2.5-3.5 m ahead (yawed up to 20 degrees), turn around, sit for 1 s."""

    task_def = TASK

    own_success = True

    def _setup(self):
        super()._setup()
        self._chair_q = self._joint("free_chair")[0]
        self._seated_for = 0

    def _task_reset(self):
        rng, a = self.np_random, self._chair_q
        qp = self.data.qpos
        qp[a] = rng.uniform(*CHAIR_DISTANCE)
        qp[a + 1] = 0.0
        qp[a + 2] = 0.0
        yaw = math.pi + rng.uniform(-CHAIR_YAW_NOISE, CHAIR_YAW_NOISE)
        qp[a + 3 : a + 7] = (math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2))
        self._seated_for = 0

    def chair_yaw(self) -> float:
        """The chair's heading (its seat's front), radians."""
        return float(quat_yaw(np.asarray(self.data.qpos[self._chair_q + 3 : self._chair_q + 7])))

    def facing_away(self) -> bool:
        """The pelvis faces the way the seat faces: the robot's back is to the chair."""
        a = self.q.root_qposadr
        heading = float(quat_yaw(np.asarray(self.data.qpos[a + 3 : a + 7])))
        return abs(math.remainder(heading - self.chair_yaw(), math.tau)) < FACING_TOLERANCE

    def _reward_info(self):
        r, info = super()._reward_info()
        self._seated_for = self._seated_for + 1 if self.seated() else 0
        info["seated_steps"] = self._seated_for
        info["success"] = self._seated_for >= SEATED_STEPS
        return r, info

    def _terminated(self):
        return super()._terminated() or self._seated_for >= SEATED_STEPS

    def seat_front(self) -> np.ndarray:
        """The point (x, y) in front of the seat where the robot sits down from (as the planner
        reads it)."""
        d = self.data
        return _seat_front({"chair": d.xpos[self._chair], "chair_quat": d.xquat[self._chair]})[0]

    def _near(self, name: str) -> bool:
        if name != "chair":
            return super()._near(name)
        root = self.q.root_pos(self.data)
        return float(np.hypot(*(self.seat_front() - root[:2]))) < AT_SEAT

    def _task_predicates(self):
        return {**super()._task_predicates(), "facing_away(chair)": self.facing_away}
