"""Locomotion tasks: stand, walk, run, crawl."""

from __future__ import annotations

import math
from typing import ClassVar

from .. import scalar as S
from ..base import H1Env
from ..rewards import _CRAWL_QUAT

_CRAWL_QUAT = tuple(_CRAWL_QUAT.tolist())


class StandEnv(H1Env):
    """Stand still and upright: ``SC * STAND * DONTMOVE``."""

    task = "stand"
    success_bar = 800.0
    description = "stand still and upright"

    def _setup(self):
        self._rin = self._gather_index("head_z", "torso_zz", "com_vel", "force")

    def _reward_info(self):
        # closed form of rewards.stand_reward for one state (checked against it in the tests)
        hz, uz, vx, vy, _, *forces = self._gather(self._rin).tolist()
        s = S.standing(hz)
        u = S.upright(uz, 0.9, 1.9)
        st = s * u
        sc = S.small_control(forces)
        dm = S.dont_move(vx, vy)
        r = sc * st * dm
        return r, {"per_timestep_reward": r, "small_control": sc, "stand_reward": st, "dont_move": dm,
                   "standing": s, "upright": u}


class WalkEnv(H1Env):
    """Walk forward (+x) at 1 m/s or more: ``SC * STAND * MOVE(1)``."""

    task = "walk"
    success_bar = 700.0
    description = "walk forward at 1 m/s"
    speed = 1.0

    def _setup(self):
        self._rin = self._gather_index("head_z", "torso_zz", "com_vel", "force")

    def _reward_info(self):
        # closed form of rewards.walk_reward for one state (checked against it in the tests)
        hz, uz, vx, _, _, *forces = self._gather(self._rin).tolist()
        s = S.standing(hz)
        u = S.upright(uz, 0.9, 1.9)
        st = s * u
        sc = S.small_control(forces)
        mv = S.move(vx, self.speed)
        r = sc * st * mv
        return r, {"per_timestep_reward": r, "stand_reward": st, "small_control": sc, "move": mv,
                   "standing": s, "upright": u}


class RunEnv(WalkEnv):
    """Run forward (+x) at 5 m/s or more: ``SC * STAND * MOVE(5)``."""

    task = "run"
    description = "run forward at 5 m/s"
    speed = 5.0


class CrawlEnv(H1Env):
    """Crawl through the low tunnel (ceiling at 1.15 m) starting at x = 2.2."""

    task = "crawl"
    success_bar = 700.0
    terminate_height = None
    description = "crawl forward through a low tunnel"
    scene_objects: ClassVar[dict[str, tuple[str, str]]] = {"tunnel": ("body", "tunnel")}

    def _setup(self):
        self._rin = self._gather_index("head_z", "imu", "pelvis_quat", "com_vel", "force")

    def _reward_info(self):
        # closed form of rewards.crawl_reward for one state (checked against it in the tests)
        hz, _, imu_y, imu_z, w, x, y, z, vx, _, _, *forces = self._gather(self._rin).tolist()
        sc = S.small_control(forces)
        head = S.gauss_tol(hz, 0.6, 1.0, 1.0)
        crawl_imu = S.gauss_tol(imu_z, 0.6, 1.0, 1.0)
        dw, dx, dy, dz = w - _CRAWL_QUAT[0], x - _CRAWL_QUAT[1], y - _CRAWL_QUAT[2], z - _CRAWL_QUAT[3]
        xq = S.gauss_tol(math.sqrt(dw * dw + dx * dx + dy * dy + dz * dz), 0.0, 0.0, 1.0)
        in_tunnel = 1.0 if -1.0 <= imu_y <= 1.0 else 0.0
        mv = S.move(vx, 1.0)
        r = (0.1 * sc + 0.25 * min(crawl_imu, head) + 0.4 * mv + 0.25 * xq) * in_tunnel
        return r, {"per_timestep_reward": r, "crawling": crawl_imu, "crawling_head": head, "small_control": sc,
                   "move": mv, "in_tunnel": in_tunnel}

    def _task_predicates(self):
        q, d = self.q, self.v
        # head and imu inside the crawl band of the reward
        return {"crawling": lambda: 0.6 <= q.head_height(d) <= 1.0 and 0.6 <= float(q.imu_pos(d)[2]) <= 1.0,
                "in_tunnel": lambda: float(q.imu_pos(d)[0]) > 2.2 and abs(float(q.imu_pos(d)[1])) <= 1.0}
