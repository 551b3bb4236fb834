"""MotionPriorExpert's stepping feedback: swing leg from the feet's heights, foot placement,
torso pitch on the stance hip only, and the reference states it offers a router."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_motion_expert import _Env, ramp_clip

from mwx_sdk.interfaces import StepContext
from mwx_sdk.motion.expert import MotionPriorConfig, MotionPriorExpert

L_PITCH, R_PITCH, L_ROLL, R_ROLL = 2, 7, 1, 6


def _lift_left_foot(env, height: float = 0.1) -> None:
    """Raise the left foot by bending the left knee and hip (the right foot stays down)."""
    import mujoco

    env.data.qpos[7 + L_PITCH] -= 0.6
    env.data.qpos[7 + 3] += 1.2
    mujoco.mj_forward(env.model, env.data)
    feet = [mujoco.mj_name2id(env.model, mujoco.mjtObj.mjOBJ_SITE, n) for n in ("left_foot", "right_foot")]
    assert env.data.site_xpos[feet[0], 2] - env.data.site_xpos[feet[1], 2] > height


def _joint_delta(env, fb, plain, ctx):
    lo, hi = env.model.actuator_ctrlrange.T
    q = lo + (fb.act(None, ctx) + 1) / 2 * (hi - lo)
    return q - plain.reference_qpos(ctx)


@pytest.fixture
def h1():
    from mwx_sdk.motion.robots import robot_model_path

    return _Env(robot_model_path("h1"))


def test_swing_share_follows_the_higher_foot(h1):
    ex = MotionPriorExpert(ramp_clip(loop=True), blend_in=0.0)
    ex.reset(StepContext(step=0, env=h1))
    np.testing.assert_allclose(ex.swing_share(h1.data), [0.0, 0.0], atol=1e-6)  # both feet down
    _lift_left_foot(h1)
    np.testing.assert_allclose(ex.swing_share(h1.data), [1.0, 0.0])


def test_placement_swings_the_free_foot_towards_the_capture_point(h1):
    clip = ramp_clip(loop=True)
    plain = MotionPriorExpert(clip, blend_in=0.0)
    fb = MotionPriorExpert(clip, blend_in=0.0, placement_gain=2.0, placement_roll_gain=1.0, capture_speed=1.0)
    ctx = StepContext(step=0, env=h1)
    plain.reset(ctx)
    fb.reset(ctx)
    _lift_left_foot(h1)
    h1.data.qvel[0:2] = [1.5, 0.2]  # 0.5 m/s faster than the pace, drifting left
    off = fb.capture_offset(h1.data, 1.0)
    still = plain.capture_offset(h1.data)
    np.testing.assert_allclose(off[0], still[0] - 0.3 * 1.0, atol=1e-9)  # the pace is taken out
    dq = _joint_delta(h1, fb, plain, ctx)
    # only the swing (left) leg moves: hip flexion for a forward offset, roll towards the left
    np.testing.assert_allclose(dq[L_PITCH], -2.0 * off[0], atol=1e-6)
    np.testing.assert_allclose(dq[L_ROLL], 1.0 * off[1], atol=1e-6)
    np.testing.assert_allclose(np.delete(dq, [L_PITCH, L_ROLL]), 0.0, atol=1e-9)


def test_torso_pitch_feedback_on_the_stance_hip_only(h1):
    clip = ramp_clip(loop=True)
    plain = MotionPriorExpert(clip, blend_in=0.0)
    both = MotionPriorExpert(clip, blend_in=0.0, balance_pitch_gain=0.5)
    split = MotionPriorExpert(clip, blend_in=0.0, balance_pitch_gain=0.5, swing_pitch_gain=-1.0)
    ctx = StepContext(step=0, env=h1)
    for e in (plain, both, split):
        e.reset(ctx)
    _lift_left_foot(h1)
    half = 0.05  # pelvis pitched forward by 0.1 rad
    h1.data.qpos[3:7] = [np.cos(half), 0.0, np.sin(half), 0.0]
    np.testing.assert_allclose(_joint_delta(h1, both, plain, ctx)[[L_PITCH, R_PITCH]], [0.05, 0.05], atol=1e-6)
    # the stance (right) hip rights the torso; the swing hip holds the leg's angle in the world
    np.testing.assert_allclose(_joint_delta(h1, split, plain, ctx)[[L_PITCH, R_PITCH]], [-0.1, 0.05], atol=1e-6)


def test_stepping_options_are_checked():
    with pytest.raises(ValueError, match="swing_height"):
        MotionPriorConfig(swing_height=0.0)
    with pytest.raises(ValueError, match="capture_speed"):
        MotionPriorConfig(capture_speed=-1.0)
    with pytest.raises(ValueError, match="placement_gain"):
        MotionPriorConfig(placement_gain=float("nan"))
    with pytest.raises(ValueError, match="swing_pitch_gain"):
        MotionPriorConfig(swing_pitch_gain=float("inf"))


def test_reference_features_are_the_played_frames():
    clip = ramp_clip(loop=True)
    ex = MotionPriorExpert(clip)
    f = ex.reference_features()
    assert f.shape == (50, 20)
    np.testing.assert_allclose(f.mean(axis=0), ex.embedding())
    tail = MotionPriorExpert(clip, loop_start=0.5).reference_features()
    assert tail.shape == (25, 20)
    np.testing.assert_allclose(np.sort(tail[:, 0]), clip.joint_pos[25:, 0])
    held = MotionPriorExpert(clip, loop=False, start_time=0.2, end_time=0.2).reference_features()
    np.testing.assert_allclose(held, [np.append(clip.joint_pos[10], 1.0)])
