"""The composite task door_wall: HumanoidBench's door in a wall 2.5-3.5 m ahead, seeded; success =
the pelvis past the door's plane, standing."""

from __future__ import annotations

import numpy as np

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
