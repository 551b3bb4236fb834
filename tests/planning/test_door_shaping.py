"""The door task's object-directed shaping: a hand on the handle's lever, the handle's turn, the
door's swing and the passage, on the planner's batches."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.envs.tasks.door import HOOK_POINT, handle_point
from mwx_sdk.planning import MPPIConfig
from mwx_sdk.planning.rewards_adapter import task_adapter


@pytest.fixture
def door():
    env = mwx_sdk.make_env("mwx/h1-door-v0")
    env.reset(seed=0)
    yield env.unwrapped
    env.close()


@pytest.mark.parametrize("door_angle, hatch_angle", [(0.0, 0.0), (0.5, 0.0), (0.0, 1.0), (0.7, 1.6)])
def test_the_handle_point_follows_the_door_and_the_handle(door, door_angle, hatch_angle):
    d = door.data
    d.qpos[door._door], d.qpos[door._hatch] = door_angle, hatch_angle
    mujoco.mj_forward(door.model, d)
    h = door._hatch_body
    want = d.xpos[h] + d.xmat[h].reshape(3, 3) @ np.asarray(HOOK_POINT)
    np.testing.assert_allclose(handle_point(d.xpos[h], door_angle, hatch_angle), want, atol=1e-9)


def test_door_terms_on_a_batch(door):
    ad = task_adapter("door")
    ad.bind_model(door.model)
    assert ad.shaping_names == ("hand_to_handle", "hatch_progress", "hinge_progress", "passage")
    qpos = np.tile(door.data.qpos, (2, 3, 1))
    qpos[..., door._door], qpos[..., door._hatch] = 0.0, 0.0
    qpos[0, :, door._door], qpos[0, :, door._hatch] = 0.3, 1.2
    hatch = np.broadcast_to(door.data.xpos[door._hatch_body], (2, 3, 3))
    hook = handle_point(hatch, qpos[..., door._door], qpos[..., door._hatch])
    imu = np.zeros((2, 3, 3))
    imu[..., 0] = 0.2
    q = {"qpos": qpos, "hatch": hatch, "left_hand": hook + [0.0, 0.0, 0.3], "right_hand": hook + [0.0, 0.1, 0.0],
         "imu": imu}
    terms = ad.shaping_terms(q, {})
    np.testing.assert_allclose(terms["hand_to_handle"], 0.1)  # the nearer hand
    np.testing.assert_allclose(terms["hatch_progress"][0], 0.0)  # turned past the goal: nothing left
    np.testing.assert_allclose(terms["hatch_progress"][1], 1.0)
    np.testing.assert_allclose(terms["hinge_progress"][0], 0.7)
    np.testing.assert_allclose(terms["hinge_progress"][1], 1.0)
    np.testing.assert_allclose(terms["passage"], 1.0)


def test_the_task_declares_its_default_weights_and_leg_noise():
    cfg = MPPIConfig.for_task("door")
    assert cfg.task_shaping == {"hand_to_handle": 1.0, "hatch_progress": 0.5, "hinge_progress": 2.0}
    assert cfg.noise_weights["hip|knee|ankle"] > 0
