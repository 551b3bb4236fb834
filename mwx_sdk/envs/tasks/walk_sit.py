"""walk_sit: the project's composite task "walk to the chair and sit down".

A chair (on a free joint, as in sit_hard) stands 2.5-3.5 m ahead of the robot with its back away
from it, yawed up to 20 degrees either way (seeded at reset). The robot walks to it, turns its
back to it and sits. Reward: HumanoidBench's sit reward (``SC * SIT * UPRIGHT * POSTURE *
DONTMOVE``) at every step. Success: ``seated`` held for 1 s (50 control steps); the episode ends
there. Predicates: ``seated`` (as sit_simple), ``facing_away(chair)`` (the pelvis's heading
within 0.35 rad of the chair's, i.e. the back to the seat), ``near(chair)``.
"""

from __future__ import annotations

import math

import numpy as np

from mwx_sdk.motion.rotations import quat_yaw
from mwx_sdk.task import Composition, Task

from .sit import SitSimpleEnv
from .sit import _planner_reward as _sit_reward

CHAIR_DISTANCE = (2.5, 3.5)  # m ahead of the robot
CHAIR_YAW_NOISE = math.radians(20.0)
SEATED_STEPS = 50  # control steps seated in a row for success (1 s)
FACING_TOLERANCE = 0.35  # rad
SEAT_FRONT = 0.35  # m in front of the seat's centre where the robot turns its back to it


def _shaping(q, c):
    """Walk to the front of the seat, then turn the back to the chair."""
    chair_yaw = quat_yaw(q["chair_quat"])
    front = q["chair"][..., :2] + SEAT_FRONT * np.stack([np.cos(chair_yaw), np.sin(chair_yaw)], axis=-1)
    pelvis = q["qpos"][..., :2]
    dist = np.linalg.norm(pelvis - front, axis=-1)
    heading = quat_yaw(q["qpos"][..., 3:7])
    near = np.clip(1.5 - dist, 0.0, 1.0)  # the heading matters once the front of the seat is close
    return {"approach": dist, "back_to_chair": near * (1.0 - np.cos(heading - chair_yaw))}


def _planner_reward():
    """The sit reward on the planner's quantities, and the approach and turn shaping."""
    adapter = _sit_reward()
    adapter.task = "walk_sit"
    adapter.sensors = (*adapter.sensors, ("chair_quat", "framequat", "xbody", "chair"))
    adapter.shaping = _shaping
    adapter.shaping_names = ("approach", "back_to_chair")
    return adapter


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

    def _task_predicates(self):
        return {**super()._task_predicates(), "facing_away(chair)": self.facing_away}
