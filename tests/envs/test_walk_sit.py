"""The composite task walk_sit: a chair 2.5-3.5 m ahead, yawed up to 20 degrees, seeded; success =
seated for 1 s."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.envs.tasks.walk_sit import SEATED_STEPS, WalkSitEnv


def _layout(seed):
    env = mwx_sdk.make_env("mwx/h1-walk_sit-v0")
    env.reset(seed=seed)
    base = env.unwrapped
    out = (base.data.body("chair").xpos.copy(), base.chair_yaw())
    env.close()
    return out


def test_the_chair_is_placed_ahead_from_the_seed():
    layouts = [_layout(s) for s in range(8)]
    for pos, yaw in layouts:
        assert 2.5 <= pos[0] <= 3.5 and abs(pos[1]) < 1e-9
        assert abs(math.remainder(yaw - math.pi, math.tau)) <= math.radians(20) + 1e-9
    assert len({round(p[0], 6) for p, _ in layouts}) == len(layouts)
    again = _layout(3)
    np.testing.assert_array_equal(again[0], layouts[3][0])


def test_facing_away_is_the_back_to_the_seat():
    env = mwx_sdk.make_env("mwx/h1-walk_sit-v0")
    env.reset(seed=0)
    base = env.unwrapped
    assert not base.facing_away()  # it starts facing the chair
    yaw = base.chair_yaw()
    base.data.qpos[3:7] = (math.cos(yaw / 2), 0, 0, math.sin(yaw / 2))
    assert base.facing_away() and base.predicates()["facing_away(chair)"]()
    env.close()


class _AlwaysSeated(WalkSitEnv):
    """The counter's logic on its own: a robot that counts as seated at every step."""

    terminate_height = None  # the counter, not the balance, is under test

    def seated(self) -> bool:
        return True


def test_success_is_one_second_seated_and_ends_the_episode():
    env = _AlwaysSeated()
    env.reset(seed=0)
    zero = np.zeros(env.action_space.shape)
    for k in range(1, SEATED_STEPS):
        _, _, terminated, _, info = env.step(zero)
        assert info["seated_steps"] == k and not info["success"] and not terminated
    _, _, terminated, _, info = env.step(zero)
    assert info["success"] and terminated
    env.close()


def test_the_task_plans_with_its_shaping():
    from mwx_sdk.planning import MPPIConfig

    assert set(MPPIConfig.for_task("walk_sit").task_shaping) == {"approach", "back_to_chair"}
    task = mwx_sdk.get_task("walk_sit")
    assert task.composition.instruction == "walk to the chair and sit down"


def test_the_task_sets_agent_options_beneath_the_users():
    env = mwx_sdk.make_env("mwx/h1-walk_sit-v0")
    assert mwx_sdk.compose(env=env, planner="direct").config.subgoal_timeout_steps == 500
    mine = mwx_sdk.compose(env=env, planner="direct", config={"subgoal_timeout_steps": 80})
    assert mine.config.subgoal_timeout_steps == 80
    env.close()


def test_the_planner_is_paid_to_walk_to_the_seat_then_to_sit():
    """Far from the chair the planner's reward is the walk reward toward the seat's front; at
    the seat it is HumanoidBench's sit reward."""
    from mwx_sdk.envs.rewards import sit_reward
    from mwx_sdk.envs.tasks.walk_sit import _approach_then_sit

    # the chair at x = 3 facing the robot (yaw pi): the seat's front at x = 2.75
    chair = np.array([[3.0, 0.0, 0.0]] * 3)
    quat = np.array([[0.0, 0.0, 0.0, 1.0]] * 3)
    common = {"chair_pos": chair, "chair_quat": quat, "head_height": np.full(3, 1.65),
              "imu_height": np.full(3, 1.4), "torso_upright": np.ones(3), "actuator_force": np.zeros((3, 19))}
    # at x = 0: still, walking toward the chair at 1 m/s, walking away from it
    far = {"pelvis_pos": np.array([[0.0, 0.0, 0.98]] * 3),
           "com_vel": np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])}
    still, toward, away = _approach_then_sit(**common, **far)
    assert toward > 3 * still and toward > 3 * away
    assert toward == pytest.approx(1.0, abs=1e-6)
    # the robot over the seat's front: the sit reward, whatever way it moves
    at_seat = {"pelvis_pos": np.array([[2.7, 0.0, 0.7]] * 3), "com_vel": far["com_vel"]}
    expect, _ = sit_reward(at_seat["pelvis_pos"], chair, common["head_height"], common["imu_height"],
                           common["torso_upright"], at_seat["com_vel"], common["actuator_force"])
    np.testing.assert_allclose(_approach_then_sit(**common, **at_seat), expect)


def test_the_chair_is_near_when_the_robot_stands_where_it_can_sit():
    """``near(chair)`` holds within 0.3 m of the point 0.25 m in front of the seat, not 1 m from
    the chair's centre: the sit skill sits wherever it is."""
    import mujoco

    env = mwx_sdk.make_env("mwx/h1-walk_sit-v0")
    env.reset(seed=0)
    base = env.unwrapped
    near = base.predicates()["near(chair)"]
    chair = base.data.body("chair").xpos[:2].copy()
    front = base.seat_front()
    assert np.hypot(*(front - chair)) == pytest.approx(0.25)
    assert not near()  # the start, metres away
    toward = (front - chair) / np.linalg.norm(front - chair)
    for offset, expected in ((0.0, True), (0.25, True), (0.4, False), (0.7, False)):
        base.data.qpos[:2] = front + offset * toward  # further out from the seat along its axis
        mujoco.mj_forward(base.model, base.data)
        assert near() is expected, offset
    env.close()
