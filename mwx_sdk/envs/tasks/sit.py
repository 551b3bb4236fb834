"""sit_simple and sit_hard: the H1 sits on a chair (static behind it; movable, from a random start).

Reward (HumanoidBench): ``SC * SIT * UPRIGHT * POSTURE * DONTMOVE``; success bar 750 over 1000
steps. Predicate ``seated``: pelvis z in [0.6, 0.8] m, within 0.3 m in x / 0.2 m in y of the chair,
torso zz > 0.7.
"""

from __future__ import annotations

import numpy as np

from mwx_sdk.task import Composition, Task

from .. import scalar as S
from ..base import H1Env

# seated predicate: pelvis height band, horizontal offset from the chair, torso zz
SEATED_PELVIS_Z = (0.6, 0.8)
SEATED_MAX_OFFSET_X = 0.3
SEATED_MAX_OFFSET_Y = 0.2
SEATED_UPRIGHT = 0.7

# Sitting lowers the head and moves the centre of mass behind the feet onto the seat, so the
# standing terms (head height, capture point) would fight it; a pelvis-height target leads the
# samples down to the seat height the reward asks for (0.68-0.72 m).
SIT_PLANNING = {"num_samples": 24, "horizon": 20, "num_knots": 3, "head_weight": 0.0, "capture_weight": 0.0,
                "pelvis_height_target": 0.70, "pelvis_height_weight": 20.0, "upright_weight": 5.0}


def _planner_reward():
    """The sit reward on the planner's rollout quantities (the chair read from the rollout)."""
    from ...planning.rewards_adapter import IMU, TaskAdapter, stand_kwargs
    from ..rewards import sit_reward

    return TaskAdapter(
        "sit",
        lambda q, c: {**stand_kwargs(q), "pelvis_pos": q["qpos"][..., 0:3], "chair_pos": q["chair"],
                      "imu_height": q["imu"][..., 2], "com_vel": q["com_vel"]},
        sit_reward,
        sensors=(IMU, ("chair", "framepos", "xbody", "chair")),
    )


SIT_SIMPLE = Task(
    name="sit_simple",
    env=f"{__name__}:SitSimpleEnv",
    description="sit down on the chair behind",
    max_episode_steps=1000,
    success_bar=750.0,
    humanoid_bench="sit_simple",
    in_suite=True,
    objects={"chair": ("body", "chair")},
    scene_dims=(26, 25),
    composition=Composition(instruction="sit down on the chair behind you", experts=("stand", "walk", "sit"),
                            lead_skill="sit"),
    planning=SIT_PLANNING,
    planner_reward=_planner_reward,
)

SIT_HARD = Task(
    name="sit_hard",
    env=f"{__name__}:SitHardEnv",
    description="sit down on a movable chair from a random start",
    max_episode_steps=1000,
    success_bar=750.0,
    humanoid_bench="sit_hard",
    objects={"chair": ("body", "chair")},
    scene_dims=(33, 31),
    object_qpos0=(-0.25, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0),
    composition=Composition(instruction="sit down on the chair", experts=("stand", "walk", "sit"), lead_skill="sit"),
    planning=SIT_PLANNING,
    planner_reward=_planner_reward,
)

TASKS = (SIT_SIMPLE, SIT_HARD)


class SitSimpleEnv(H1Env):
    """Sit on the chair behind the robot (pelvis 0.68-0.72 m high over the seat, upright, still)."""

    task_def = SIT_SIMPLE

    terminate_height = 0.5

    def _setup(self):
        self._chair = self._body("chair")
        self._rin = self._gather_index("root", ("xpos", self._chair, (0, 1)), "head_z", ("site_xpos", self.q.imu, 2),
                                       "torso_zz", "com_vel", "force")

    def _reward_info(self):
        # closed form of rewards.sit_reward for one state (checked against it in the tests)
        px, py, pz, cx, cy, hz, iz, uz, vx, vy, _, *forces = self._gather(self._rin).tolist()
        sitting = S.gauss_tol(pz, 0.68, 0.72, 0.2)
        on_chair = S.gauss_tol(px - cx, -0.19, 0.19, 0.2) * S.gauss_tol(py - cy, 0.0, 0.0, 0.1)
        posture = S.gauss_tol(hz - iz, 0.35, 0.45, 0.3)
        up = S.upright(uz, 0.95, 0.9)
        sc = S.small_control(forces)
        dm = S.dont_move(vx, vy)
        sit = 0.5 * sitting + 0.5 * on_chair
        r = sc * sit * up * posture * dm
        return r, {"per_timestep_reward": r, "small_control": sc, "sit_reward": sit, "dont_move": dm,
                   "sitting": sitting, "upright": up, "sitting_posture": posture}

    def seated(self) -> bool:
        """Pelvis within the seat band over the chair with an upright torso."""
        q, d = self.q, self.v
        p, c = q.root_pos(d), d.xpos[self._chair]
        return (
            SEATED_PELVIS_Z[0] <= p[2] <= SEATED_PELVIS_Z[1]
            and abs(p[0] - c[0]) <= SEATED_MAX_OFFSET_X
            and abs(p[1] - c[1]) <= SEATED_MAX_OFFSET_Y
            and q.torso_upright(d) > SEATED_UPRIGHT
        )

    def _task_predicates(self):
        return {"seated": self.seated}


class SitHardEnv(SitSimpleEnv):
    """sit_simple with a free chair and a randomised robot start (position and yaw)."""

    task_def = SIT_HARD


    def _task_reset(self):
        a = self.q.root_qposadr
        qp, rng = self.data.qpos, self.np_random
        qp[a] = rng.uniform(0.2, 0.4)
        qp[a + 1] = rng.uniform(-0.15, 0.15)
        yaw = rng.uniform(-1.8, 1.8)
        qp[a + 3 : a + 7] = (np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2))
