"""The ``sit`` skill with a target seat: it waits while the seat is metres away, then turns and sits."""

from __future__ import annotations

import mujoco
import numpy as np

import mwx_sdk
from mwx_sdk.interfaces import StepContext, Target
from mwx_sdk.plugins import get_expert


def _chair_ctx(env, step=0):
    base = env.unwrapped
    pos, quat = base.object_pose("chair")
    return StepContext(env=base, step=step, target=Target("chair", np.asarray(pos), np.asarray(quat)))


def test_a_far_seat_is_walked_to_before_the_skill_turns_or_sits():
    env = mwx_sdk.make_env("mwx/h1-walk_sit-v0")
    obs, _ = env.reset(seed=0)
    base = env.unwrapped
    sit = get_expert("sit")
    ctx = _chair_ctx(env)
    sit.reset(ctx)
    # the chair is 2.5-3.5 m ahead: neither turning nor sitting yet, the pose it was reset in
    assert sit._waiting and not sit._turning
    first = sit.act(obs, ctx)
    for k in (1, 30, 80):
        np.testing.assert_array_equal(sit.act(obs, _chair_ctx(env, step=k)), first)
    # carried to within reach of the seat, facing it: it now turns its back to it
    pos, _ = base.object_pose("chair")
    base.data.qpos[:2] = np.asarray(pos[:2]) - np.array([0.8, 0.0])
    mujoco.mj_forward(base.model, base.data)
    sit.act(obs, _chair_ctx(env, step=81))
    assert not sit._waiting and sit._turning
    env.close()


def test_a_near_seat_is_sat_on_at_once():
    env = mwx_sdk.make_env("mwx/h1-sit_simple-v0")
    obs, _ = env.reset(seed=0)
    sit = get_expert("sit")
    ctx = _chair_ctx(env)
    sit.reset(ctx)
    assert not sit._waiting and not sit._turning  # the chair is right behind the robot
    a0, a1 = sit.act(obs, ctx), sit.act(obs, _chair_ctx(env, step=40))
    assert np.abs(a1 - a0).max() > 1e-3  # the sit-down plays
    env.close()
