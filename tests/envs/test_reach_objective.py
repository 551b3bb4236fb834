"""The reach task's planner objective: the walk up to a far goal is paid, the reach near it."""

from __future__ import annotations

import numpy as np
import pytest


def test_the_planner_is_paid_to_walk_to_a_far_goal_and_to_reach_a_near_one():
    from mwx_sdk.envs.rewards import reach_reward
    from mwx_sdk.envs.tasks.reach import _approach_then_reach

    goal = np.array([2.0, 2.0, 1.4])
    common = {"goal": goal, "pelvis_upright": np.ones(3), "robot_qvel": np.zeros((3, 25)),
              "head_height": np.full(3, 1.65), "torso_upright": np.ones(3), "actuator_force": np.zeros((3, 19))}
    # at the origin, 2.8 m from the goal: still, walking toward it at 1 m/s, walking away
    unit = goal[:2] / np.linalg.norm(goal[:2])
    far = {"pelvis_pos": np.array([[0.0, 0.0, 0.98]] * 3), "left_hand": np.array([[0.3, 0.2, 1.0]] * 3),
           "com_vel": np.array([[0.0, 0.0, 0.0], [*unit, 0.0], [*-unit, 0.0]])}
    still, toward, away = _approach_then_reach(**common, **far)
    assert toward - still > 5.0 and toward - away > 5.0
    plain, _ = reach_reward(far["left_hand"], goal, common["pelvis_upright"], common["robot_qvel"])
    assert toward == pytest.approx(plain[1] + 10.0, abs=1e-6)
    # within arm's reach of the goal: HumanoidBench's reach reward, however the robot moves
    near = {"pelvis_pos": np.array([[1.7, 1.7, 0.98]] * 3), "left_hand": np.array([[2.0, 2.0, 1.42]] * 3),
            "com_vel": far["com_vel"]}
    expect, _ = reach_reward(near["left_hand"], goal, common["pelvis_upright"], common["robot_qvel"])
    np.testing.assert_allclose(_approach_then_reach(**common, **near), expect)
