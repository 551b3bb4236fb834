"""Sitting tasks: sit_simple (static chair) and sit_hard (movable chair, randomised start)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .. import scalar as S
from ..base import H1Env

# seated predicate: pelvis height band, horizontal offset from the chair, torso zz
SEATED_PELVIS_Z = (0.6, 0.8)
SEATED_MAX_OFFSET_X = 0.3
SEATED_MAX_OFFSET_Y = 0.2
SEATED_UPRIGHT = 0.7


class SitSimpleEnv(H1Env):
    """Sit on the chair behind the robot (pelvis 0.68-0.72 m high over the seat, upright, still)."""

    task = "sit_simple"
    success_bar = 750.0
    terminate_height = 0.5
    description = "sit down on the chair behind"
    scene_objects: ClassVar[dict[str, tuple[str, str]]] = {"chair": ("body", "chair")}

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

    task = "sit_hard"
    description = "sit down on a movable chair from a random start"

    def _task_reset(self):
        a = self.q.root_qposadr
        qp, rng = self.data.qpos, self.np_random
        qp[a] = rng.uniform(0.2, 0.4)
        qp[a + 1] = rng.uniform(-0.15, 0.15)
        yaw = rng.uniform(-1.8, 1.8)
        qp[a + 3 : a + 7] = (np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2))
