"""The composite task door_wall: a door (swinging away from the robot) in a wall 2.5-3.5 m ahead, seeded; success =
the pelvis past the door's plane, standing."""

from __future__ import annotations

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.envs.tasks.door_wall import DOOR_X, THROUGH_PAST


def test_the_door_is_ahead_by_the_seeded_distance():
    starts = []
    for seed in range(6):
        env = mwx_sdk.make_env("mwx/h1-door_wall-v0")
        env.reset(seed=seed)
        x = float(env.unwrapped.data.qpos[0])
        assert 2.5 <= DOOR_X - x <= 3.5
        starts.append(x)
        env.close()
    assert len(set(starts)) == len(starts)


def test_through_the_door_is_success_and_ends_the_episode():
    env = mwx_sdk.make_env("mwx/h1-door_wall-v0")
    env.reset(seed=0)
    base = env.unwrapped
    _, _, terminated, _, info = env.step(np.zeros(env.action_space.shape))
    assert not info["success"] and not terminated and not base.through_door()
    base.data.qpos[0] = DOOR_X + THROUGH_PAST + 0.2  # put the standing robot past the door
    import mujoco

    mujoco.mj_forward(base.model, base.data)
    assert base.through_door() and base.predicates()["through_door"]()
    _, _, terminated, _, info = env.step(np.zeros(env.action_space.shape))
    assert info["success"] and terminated
    # ended by its success, standing: not a fall (mwx run reads this predicate)
    assert not base.predicates()["fallen"]()
    env.close()


def test_a_fall_is_still_a_fall():
    import mujoco

    env = mwx_sdk.make_env("mwx/h1-door_wall-v0")
    env.reset(seed=0)
    base = env.unwrapped
    base.data.qpos[2] = 0.3  # the pelvis on the floor: the task's termination height
    mujoco.mj_forward(base.model, base.data)
    _, _, terminated, _, info = env.step(np.zeros(env.action_space.shape))
    assert terminated and not info["success"] and base.predicates()["fallen"]()
    env.close()


def test_the_instruction_tells_it_from_the_door_task():
    from mwx_cli.run import pick_env

    assert pick_env("walk to the door, open it and go through") == "mwx/h1-door_wall-v0"
    assert pick_env("open the door and walk through") == "mwx/h1-door-v0"


def test_the_planner_is_paid_to_walk_up_then_to_open_the_door_away_and_go_through():
    from mwx_sdk.envs.rewards import door_reward
    from mwx_sdk.envs.tasks.door_wall import THROUGH_SPOT, WALK_IN_ANGLE, WORK_SPOT, _walk_up_then_door
    from mwx_sdk.envs.tasks.manipulation import walk_toward

    n = 3
    common = {"hatch_angle": np.zeros(n), "hatch_pos": np.tile([DOOR_X, 0.4, 1.2], (n, 1)),
              "left_hand": np.tile([DOOR_X - 0.5, 0.3, 1.0], (n, 1)),
              "right_hand": np.tile([DOOR_X - 0.5, -0.3, 1.0], (n, 1)), "head_height": np.full(n, 1.65),
              "torso_upright": np.ones(n), "actuator_force": np.zeros((n, 19))}
    # 2 m short of the work spot: still, walking to it at 1 m/s, walking away
    far = {"door_angle": np.zeros(n), "imu_x": np.full(n, -1.0),
           "pelvis_pos": np.tile([WORK_SPOT[0] - 2.0, WORK_SPOT[1], 0.98], (n, 1)),
           "com_vel": np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])}
    still, toward, away = _walk_up_then_door(**common, **far)
    assert toward > 3 * still and toward > 3 * away and toward == pytest.approx(1.0, abs=1e-6)
    # at the work spot: the door reward on the opening angle (negative hinge angles open this door)
    at_spot = {"door_angle": np.array([0.0, -0.5, -1.0]), "imu_x": np.full(n, WORK_SPOT[0] - 3.0),
               "pelvis_pos": np.tile([WORK_SPOT[0], WORK_SPOT[1], 0.98], (n, 1)), "com_vel": np.zeros((n, 3))}
    r = _walk_up_then_door(**common, **at_spot)
    expect, _ = door_reward(-at_spot["door_angle"], common["hatch_angle"], common["hatch_pos"], common["left_hand"],
                            common["right_hand"], at_spot["imu_x"], common["head_height"], common["torso_upright"],
                            common["actuator_force"])
    # with the door open, the walk through toward the doorway's far side is paid on top, in
    # proportion to how far it is open (full from the walk-in angle)
    opened = np.clip(-at_spot["door_angle"] / WALK_IN_ANGLE, 0.0, 1.0)
    through, _ = walk_toward(at_spot["pelvis_pos"], np.asarray(THROUGH_SPOT), common["head_height"],
                             common["torso_upright"], at_spot["com_vel"], common["actuator_force"])
    np.testing.assert_allclose(r, expect + opened * through)
    assert opened[0] == 0.0 and r[0] == pytest.approx(expect[0])
    assert r[0] < r[1] < r[2]  # the further open, the more it pays
    # the door open: walking on through it pays more than standing at it; the door shut: nothing
    for angle, pays in ((-0.6, True), (0.0, False)):
        state = {**at_spot, "door_angle": np.full(n, angle),
                 "com_vel": np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])}
        still, on, back = _walk_up_then_door(**common, **state)
        assert (on > still + 0.5 and on > back + 0.5) if pays else (on == pytest.approx(still) == pytest.approx(back))

