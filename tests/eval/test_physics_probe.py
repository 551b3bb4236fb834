"""PhysicsProbe reads foot contacts from the simulator's contact list (real MuJoCo physics)."""

from __future__ import annotations

import numpy as np


def test_feet_touch_the_floor_in_stance_and_not_in_the_air():
    import mujoco

    import mwx_sdk
    from mwx_sdk.eval.episode import PhysicsProbe

    env = mwx_sdk.make_env("mwx/h1-stand-v0")
    u = env.unwrapped
    env.reset(seed=0)
    probe = PhysicsProbe(env)
    assert probe.n_feet == 2
    np.testing.assert_array_equal(probe.foot_contacts(), [True, True])
    # lift the whole robot 0.3 m: no foot touches anything
    u.data.qpos[2] += 0.3
    mujoco.mj_forward(u.model, u.data)
    np.testing.assert_array_equal(probe.foot_contacts(), [False, False])
    # roll it 0.08 rad about its forward axis: the left foot lifts off, the right stays down
    u.data.qpos[2] -= 0.3
    u.data.qpos[3:7] = [np.cos(0.04), np.sin(0.04), 0.0, 0.0]
    mujoco.mj_forward(u.model, u.data)
    np.testing.assert_array_equal(probe.foot_contacts(), [False, True])
    env.close()
