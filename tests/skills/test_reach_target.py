"""The ``reach`` skill with a target: the prior's squat or stretch by the target's height, one arm
aimed by IK at the target; the ``walk`` skill steers toward a sub-goal's target."""

from __future__ import annotations

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.interfaces import StepContext, Target
from mwx_sdk.motion.ik import ArmIK


def test_the_prior_frame_follows_the_target_height():
    reach = mwx_sdk.get_expert("reach")
    low, stand, high = reach.frame_for(0.35), reach.frame_for(0.85), reach.frame_for(1.5)
    h = reach._frame_heights
    assert h[list(reach._frames).index(low)] < 0.4
    assert h[list(reach._frames).index(high)] > 1.2
    assert low != stand != high


@pytest.mark.parametrize("point", [(0.35, 0.3, 1.1), (0.3, 0.35, 1.35)])
def test_the_aimed_hand_reaches_a_point_within_the_arm(point):
    env = mwx_sdk.make_env("mwx/h1-reach-v0")
    obs, _ = env.reset(seed=0)
    base = env.unwrapped
    reach = mwx_sdk.get_expert("reach", hand="left")
    target = Target(name="goal", position=np.array(point))
    ctx = StepContext(env=base, target=target)
    reach.reset(ctx)
    ik = ArmIK(base.model, "left")
    for step in range(90):  # the arm and the body move at a human pace: give them the time
        ctx.step = step
        a = reach.act(obs, ctx)
    q = base.data.qpos.copy()
    q[ik.qadr] = reach.action_to_joints(a)[[reach.clip.joint_names.index(f"left_{j}") for j in
                                           ("shoulder_pitch", "shoulder_roll", "shoulder_yaw", "elbow")]]
    assert np.linalg.norm(ik.hand(q) - np.array(point)) < 0.03
    # the phase went to the prior's frame for the target's height, at the capture's pace
    assert reach._frame == pytest.approx(reach.frame_for(point[2]), abs=1.0)
    env.close()


def test_walk_steers_toward_the_target_and_keeps_its_own_heading_without_one():
    env = mwx_sdk.make_env("mwx/h1-walk-v0")
    env.reset(seed=0)
    walk = mwx_sdk.get_expert("walk")
    ctx = StepContext(env=env.unwrapped, target=Target(name="chair", position=np.array([0.0, 3.0, 0.5])))
    walk.reset(ctx)
    assert walk.heading(ctx) == pytest.approx(np.pi / 2, abs=0.02)
    ctx.target = None
    assert walk.heading(ctx) is None
    assert mwx_sdk.get_expert("walk", heading=0.3).heading(ctx) == 0.3
    env.close()
