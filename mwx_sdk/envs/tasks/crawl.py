"""crawl: the H1 crawls through a low tunnel (ceiling at 1.15 m) starting at x = 2.2.

Predicates: ``crawling`` (head and imu z in [0.6, 1.0] m), ``in_tunnel`` (imu x > 2.2, |y| <= 1).
"""

from __future__ import annotations

import math

from mwx_sdk.task import Composition, Task

from .. import scalar as S
from ..base import H1Env
from ..rewards import _CRAWL_QUAT

_CRAWL_QUAT = tuple(_CRAWL_QUAT.tolist())


def _planner_reward():
    """The crawl reward on the planner's rollout quantities."""
    from ...planning.rewards_adapter import IMU, TaskAdapter
    from ..rewards import crawl_reward

    return TaskAdapter(
        "crawl",
        lambda q, c: {"head_height": q["head_height"], "imu_pos": q["imu"], "pelvis_quat": q["pelvis_quat"],
                      "com_vel": q["com_vel"], "actuator_force": q["actuator_force"]},
        crawl_reward,
        sensors=(IMU, ("pelvis_quat", "framequat", "xbody", "pelvis")),
    )


TASK = Task(
    name="crawl",
    env=f"{__name__}:CrawlEnv",
    description="crawl forward through a low tunnel",
    max_episode_steps=1000,
    success_bar=700.0,
    humanoid_bench="crawl",
    objects={"tunnel": ("body", "tunnel")},
    scene_dims=(26, 25),
    composition=Composition(instruction="crawl forward through the tunnel", experts=("stand", "walk"),
                            lead_skill="walk"),
    # crawling is low and pitched forward: no standing terms, a modest speed term
    planning={"num_samples": 24, "horizon": 20, "num_knots": 3, "head_weight": 0.0, "capture_weight": 0.0,
              "upright_weight": 0.0, "speed_weight": 1.0, "target_speed": 1.0},
    planner_reward=_planner_reward,
)


class CrawlEnv(H1Env):
    """Crawl through the low tunnel (ceiling at 1.15 m) starting at x = 2.2."""

    task_def = TASK

    terminate_height = None

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
