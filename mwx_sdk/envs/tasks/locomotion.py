"""Locomotion tasks: stand, walk, run, crawl."""

from __future__ import annotations

from typing import ClassVar

from .. import rewards as R
from ..base import H1Env


class StandEnv(H1Env):
    """Stand still and upright: ``SC * STAND * DONTMOVE``."""

    task = "stand"
    success_bar = 800.0
    description = "stand still and upright"

    def _reward(self):
        q, d = self.q, self.v
        return R.stand_reward(q.head_height(d), q.torso_upright(d), q.com_velocity(d), d.actuator_force)


class WalkEnv(H1Env):
    """Walk forward (+x) at 1 m/s or more: ``SC * STAND * MOVE(1)``."""

    task = "walk"
    success_bar = 700.0
    description = "walk forward at 1 m/s"
    speed = 1.0

    def _reward(self):
        q, d = self.q, self.v
        return R.walk_reward(q.head_height(d), q.torso_upright(d), q.com_velocity(d), d.actuator_force, self.speed)


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

    def _reward(self):
        q, d = self.q, self.v
        return R.crawl_reward(q.head_height(d), q.imu_pos(d), q.pelvis_quat(d), q.com_velocity(d), d.actuator_force)

    def _task_predicates(self):
        q, d = self.q, self.v
        # head and imu inside the crawl band of the reward
        return {"crawling": lambda: 0.6 <= q.head_height(d) <= 1.0 and 0.6 <= float(q.imu_pos(d)[2]) <= 1.0,
                "in_tunnel": lambda: float(q.imu_pos(d)[0]) > 2.2 and abs(float(q.imu_pos(d)[1])) <= 1.0}
