"""reach: the H1 brings its left hand to a random goal in [-2, 2]^2 x [0.2, 2]; never terminates.

Predicates: ``at_goal`` (left hand within 0.05 m), ``near(goal)`` (pelvis within 0.8 m of the goal
horizontally: within arm's reach). Success bar 12000.
"""

from __future__ import annotations

import numpy as np

from mwx_sdk.task import Composition, Task

from .. import rewards as R
from .. import scalar as S
from ..base import H1Env
from .manipulation import MANIPULATION_PLANNING, _dist, walk_toward

ARM_REACH = 0.45  # m; horizontal pelvis-to-goal distance within which the left arm can do the rest
NEAR_GOAL = 0.8  # m; horizontal pelvis-to-goal distance where the walk ends: a leaning reach closes the rest
WALK_UP = (0.5, NEAR_GOAL)  # m, pelvis to goal: the walk reward's weight falls from full to none over this
WALK_UP_WEIGHT = 10.0  # the walk reward (at most 1) against the reach reward's 5 + 5 + 10


def _shaping(q, c):
    """Object-directed terms: the left hand to the goal, and the pelvis to within arm's reach of it."""
    pelvis = q["qpos"][..., :2]
    return {"hand_to_target": np.linalg.norm(q["left_hand"] - c["goal"], axis=-1),
            "approach": np.maximum(0.0, np.linalg.norm(pelvis - c["goal"][:2], axis=-1) - ARM_REACH)}


def _approach_then_reach(*, left_hand, goal, pelvis_upright, robot_qvel, pelvis_pos, head_height, torso_upright,
                         com_vel, actuator_force):
    """The planner's reward: the reach reward, plus HumanoidBench's walk reward toward the goal
    while the pelvis is far from it.

    Far from the goal the reach reward pays the same 5 for standing anywhere upright, so a
    half-second plan sees nothing to gain in walking to it, and only the approach shaping pulls;
    the walk reward pays the gait toward the goal as the walk task pays it."""
    r, _ = R.reach_reward(left_hand, goal, pelvis_upright, robot_qvel)
    walk, dist = walk_toward(pelvis_pos, goal, head_height, torso_upright, com_vel, actuator_force)
    lo, hi = WALK_UP
    return r + WALK_UP_WEIGHT * np.clip((dist - lo) / (hi - lo), 0.0, 1.0) * walk


def _planner_reward():
    """The reach reward on the planner's rollout quantities (the goal read from the env) with the
    walk up to the goal, and the shaping that leads the sampled plans to it."""
    from ...planning.rewards_adapter import LEFT_HAND, TaskAdapter, robot_nv, stand_kwargs

    return TaskAdapter(
        "reach",
        lambda q, c: {**stand_kwargs(q), "left_hand": q["left_hand"], "goal": c["goal"],
                      "pelvis_upright": q["pelvis_zaxis"][..., 2], "robot_qvel": q["qvel"][..., : c["robot_nv"]],
                      "pelvis_pos": q["qpos"][..., 0:3], "com_vel": q["com_vel"]},
        _approach_then_reach,
        sensors=(LEFT_HAND, ("pelvis_zaxis", "framezaxis", "xbody", "pelvis")),
        constants=lambda env: {"goal": np.asarray(env.goal, dtype=np.float64).copy(), "robot_nv": robot_nv(env)},
        shaping=_shaping,
        shaping_names=("hand_to_target", "approach"),
        objective="the reach reward, plus HumanoidBench's walk reward toward the goal while the pelvis "
                  "is more than 0.5 m from it; the env's reward is the reach reward",
    )


TASK = Task(
    name="reach",
    env=f"{__name__}:ReachEnv",
    description="reach a point with the left hand",
    max_episode_steps=1000,
    success_bar=12000.0,
    humanoid_bench="reach",
    objects={"goal": ("attr", "goal")},
    scene_dims=(26, 25),
    composition=Composition(
        instruction="walk to the goal and reach it with your left hand",
        experts=("stand", "walk", "reach"),
        lead_skill="reach",
        # the reward scores the left hand only
        expert_options={"reach": {"hand": "left"}},
        # a walk of up to 2.8 m to the goal takes longer than the agent's default 3 s sub-goal timeout
        agent_options={"subgoal_timeout_steps": 500},
    ),
    # The legs walk and balance while an arm reaches, so both get sampling noise; the shaping
    # brings the pelvis within arm's reach and the left hand onto the goal, which the reward
    # (flat beyond 1 m, then a 5 cm bonus) does not grade. A held reach tips over slowly: the
    # plan looks 0.6 s ahead, since over 0.4 s the hand's bonus outweighed a lean still to come.
    planning={**MANIPULATION_PLANNING, "num_samples": 32, "horizon": 30, "noise_std": 0.1,
              "noise_weights": {"torso": 0.25, "hip|knee|ankle": 0.3},
              "task_shaping": {"hand_to_target": 2.0, "approach": 5.0}},
    planner_reward=_planner_reward,
)


class ReachEnv(H1Env):
    """Bring the left hand to a random goal in [-2, 2]^2 x [0.2, 2]; never terminates."""

    task_def = TASK

    terminate_height = None

    def _setup(self):
        self.goal = np.zeros(3)
        self._robot_qvel = self.data.qvel[: self.q.robot_nv]
        self._rin = self._gather_index("lhand", "pelvis_zz")

    def _task_reset(self):
        self.goal = self.np_random.uniform((-2.0, -2.0, 0.2), (2.0, 2.0, 2.0))

    def _obs_layout(self):
        q = self.q
        self._goal_slot = q.dof + q.robot_nv + 3
        return (self._index("qpos", range(q.dof)) + self._index("qvel", range(q.robot_nv))
                + self._index("site_xpos", q.left_hand, range(3)) + [0, 0, 0])  # goal written after the gather

    def _get_obs(self):
        obs = self._gather(self._obs_index)
        g = self._goal_slot
        obs[g : g + 3] = self.goal
        return obs

    def _reward_info(self):
        # closed form of rewards.reach_reward for one state (checked against it in the tests)
        lx, ly, lz, pz = self._gather(self._rin).tolist()
        d = S.dist((lx, ly, lz), self.goal.tolist())
        qv = self._robot_qvel
        penalty = float(np.dot(qv, qv))
        close, succ = 5.0 * (d < 1.0), 10.0 * (d < 0.05)
        healthy = 5.0 * pz
        r = healthy - 1e-4 * penalty + close + succ
        return r, {"per_timestep_reward": r, "hand_dist": d, "healthy_reward": healthy, "motion_penalty": penalty,
                   "reward_close": close, "reward_success": succ}

    def _task_predicates(self):
        q, d = self.q, self.v
        # near(goal): the pelvis close enough to the goal horizontally for the walk to end there
        return {"at_goal": lambda: _dist(q.left_hand_pos(d), self.goal) < 0.05,
                "near(goal)": lambda: _dist(q.root_pos(d)[:2], self.goal[:2]) < NEAR_GOAL}
