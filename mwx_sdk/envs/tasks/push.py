"""push: the H1 pushes a box on a table to a random goal; the episode ends with +1000 within 5 cm.

Predicates: ``at_goal`` (box within 0.05 m of the goal), ``touching(box)`` (hand < 0.2 m).
Success bar 700 over 500 steps.
"""

from __future__ import annotations

import numpy as np

from mwx_sdk.task import Composition, Task

from .. import rewards as R
from .. import scalar as S
from ..base import H1Env
from .manipulation import MANIPULATION_PLANNING, _dist, nearest_hand_distance, push_point

BOX_HALF = 0.1  # m; half the box's edge


def _shaping(q, c):
    """Object-directed terms: a hand behind the box on the far side from the goal, the box at it."""
    box = q["box"]
    return {"hand_to_object": nearest_hand_distance(q, push_point(box, c["goal"], BOX_HALF + 0.02)),
            "object_to_goal": np.linalg.norm(box - c["goal"], axis=-1)}


def _planner_reward():
    """The push reward on the planner's rollout quantities (the goal read from the env), and the
    shaping that leads the sampled plans to it."""
    from ...planning.rewards_adapter import LEFT_HAND, RIGHT_HAND, TaskAdapter

    return TaskAdapter(
        "push",
        lambda q, c: {"box_pos": q["box"], "goal": c["goal"], "left_hand": q["left_hand"]},
        R.push_reward,
        sensors=(LEFT_HAND, RIGHT_HAND),
        joints={"box": "free_object"},
        constants=lambda env: {"goal": np.asarray(env.goal, dtype=np.float64).copy()},
        shaping=_shaping,
        shaping_names=("hand_to_object", "object_to_goal"),
    )


TASK = Task(
    name="push",
    env=f"{__name__}:PushEnv",
    description="push the box on the table to the goal",
    max_episode_steps=500,
    success_bar=700.0,
    humanoid_bench="push",
    in_suite=True,
    objects={"box": ("body", "object"), "goal": ("attr", "goal"), "table": ("body", "table")},
    scene_dims=(33, 31),
    object_qpos0=(0.7, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0),
    composition=Composition(instruction="push the box to the goal on the table", experts=("stand", "push"),
                            library=("stand", "walk", "reach", "push"), lead_skill="push"),
    # The arms do the work and the legs balance it, so both get sampling noise; the shaping
    # brings a hand behind the box and the box to the goal, which the task's own reward (the
    # left hand's distance to the box, the box's to the goal) only hints at within a short horizon.
    planning={**MANIPULATION_PLANNING, "num_samples": 32, "horizon": 20, "noise_std": 0.1,
              "noise_weights": {"torso": 0.25, "hip|knee|ankle": 0.3},
              "task_shaping": {"hand_to_object": 1.0, "object_to_goal": 5.0}},
    planner_reward=_planner_reward,
)


class PushEnv(H1Env):
    """Push the box on the table to a random goal; terminates with +1000 within 5 cm."""

    task_def = TASK

    terminate_height = None
    own_success = True

    def _setup(self):
        self._box_q, self._box_v = self._joint("free_object")
        self._rin = self._gather_index(("qpos", range(self._box_q, self._box_q + 3)), "lhand")
        self.goal = np.array([0.85, 0.0, 1.0])
        self._gd = np.inf

    def _task_reset(self):
        self.goal = np.array([self.np_random.uniform(0.7, 1.0), self.np_random.uniform(-0.5, 0.5), 1.0])
        self._gd = np.inf

    def _obs_layout(self):
        q, b, v = self.q, self._box_q, self._box_v
        self._goal_slot = q.dof + q.robot_nv + 3
        return (self._index("qpos", range(q.dof)) + self._index("qvel", range(q.robot_nv))
                + self._index("site_xpos", q.left_hand, range(3)) + [0, 0, 0]  # goal written after the gather
                + self._index("qpos", range(b, b + 3)) + self._index("qvel", range(v, v + 3)))

    def _get_obs(self):
        obs = self._gather(self._obs_index)
        g = self._goal_slot
        obs[g : g + 3] = self.goal
        return obs

    def _reward_info(self):
        # closed form of rewards.push_reward for one state (checked against it in the tests)
        v = self._gather(self._rin).tolist()
        box = v[:3]
        gd = S.dist(box, self.goal.tolist())
        hd = S.dist(v[3:], box)
        success = gd < 0.05
        r = -0.1 * hd - gd + 1000.0 * success
        self._gd = gd
        return r, {"per_timestep_reward": r, "target_dist": gd, "hand_dist": hd,
                   "reward_success": 1000.0 * success, "success": success}

    def _terminated(self):
        return self._gd < 0.05

    def _task_predicates(self):
        d, b = self.v, self._box_q
        return {"at_goal": lambda: _dist(d.qpos[b : b + 3], self.goal) < 0.05,
                "touching(box)": lambda: _dist(self.q.left_hand_pos(d), d.qpos[b : b + 3]) < 0.2}
