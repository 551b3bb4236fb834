"""MotionPriorExpert: phase, looping and one-shot playback, action map, feedback, embedding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mwx_sdk.interfaces import StepContext
from mwx_sdk.motion.clip import Clip
from mwx_sdk.motion.expert import MotionPriorExpert, reference_feature, state_feature
from mwx_sdk.motion.robots import H1

REPO = Path(__file__).resolve().parents[2]


def ramp_clip(loop: bool, frames: int = 50) -> Clip:
    """H1 joints moving linearly from -0.2 to 0.2 rad over one second at 50 Hz."""
    j = len(H1.joint_names)
    ramp = np.linspace(-0.2, 0.2, frames)
    jp = np.tile(ramp[:, None], (1, j))
    jp[:, 3] += 0.5  # knees inside their range (-0.26, 2.05)
    jp[:, 8] += 0.5
    return Clip(
        robot="h1", joint_names=H1.joint_names, fps=50.0,
        root_pos=np.tile([0.0, 0.0, 1.0], (frames, 1)), root_quat=np.tile([1.0, 0, 0, 0], (frames, 1)),
        joint_pos=jp, loop=loop, joint_range=np.tile([-1.0, 1.0], (j, 1)),
    )


def test_phase_advances_with_steps_and_speed():
    ex = MotionPriorExpert(ramp_clip(loop=True), speed=2.0)
    ctx = StepContext(step=10, dt=0.02)
    ex.reset(ctx)
    np.testing.assert_allclose(ex.reference_qpos(ctx)[0], -0.2)
    ctx.step = 15  # 5 steps * 0.02 s * speed 2 = 0.2 s = frame 10
    np.testing.assert_allclose(ex.reference_qpos(ctx)[0], -0.2 + 10 * 0.4 / 49)
    ctx.step = 10 + 25  # 1.0 s: wraps to the start of the 50-frame loop
    np.testing.assert_allclose(ex.reference_qpos(ctx)[0], -0.2, atol=1e-9)
    assert not ex.finished(ctx)


def test_one_shot_holds_its_end_and_reports_finished():
    ex = MotionPriorExpert(ramp_clip(loop=False), end_time=0.5)
    ctx = StepContext(step=0, dt=0.02)
    ex.reset(ctx)
    ctx.step = 200
    np.testing.assert_allclose(ex.reference_qpos(ctx)[0], -0.2 + 25 * 0.4 / 49)
    assert ex.finished(ctx)


def test_actions_are_the_inverse_affine_map_within_bounds():
    ex = MotionPriorExpert(ramp_clip(loop=True))
    ctx = StepContext(step=0)
    ex.reset(ctx)
    a = ex.act(np.zeros(3), ctx)
    assert a.shape == (19,) and np.all(np.abs(a) <= 1)
    # ctrl = lo + (a+1)/2 (hi-lo) with range [-1, 1] is the identity
    np.testing.assert_allclose(ex.action_to_joints(a), ex.reference_qpos(ctx))
    np.testing.assert_allclose(ex.joints_to_action(np.full(19, 5.0)), 1.0)  # clipped


def test_loop_start_replays_only_the_tail():
    ex = MotionPriorExpert(ramp_clip(loop=True), loop_start=0.5)
    ctx = StepContext(step=0, dt=0.02)
    ex.reset(ctx)
    ctx.step = 50 + 5  # 1.1 s -> wraps into [0.5, 1.0): 0.5 + 0.1 = 0.6 s = frame 30
    np.testing.assert_allclose(ex.reference_qpos(ctx)[0], -0.2 + 30 * 0.4 / 49)


def test_embedding_is_mean_joint_positions_and_pelvis_height():
    ex = MotionPriorExpert(ramp_clip(loop=True))
    e = ex.embedding()
    assert e.shape == (20,)
    np.testing.assert_allclose(e[:19], ex.clip.joint_pos.mean(0))
    assert e[-1] == pytest.approx(1.0)
    qpos = np.concatenate([[0, 0, 0.9, 1, 0, 0, 0], np.arange(19) / 10])
    np.testing.assert_allclose(state_feature(qpos), reference_feature(np.arange(19) / 10, 0.9))


class _Env:
    """A bare MuJoCo model + data, shaped like an unwrapped gymnasium env."""

    def __init__(self, xml: Path):
        import mujoco

        self.model = mujoco.MjModel.from_xml_path(str(xml))
        self.data = mujoco.MjData(self.model)
        mujoco.mj_resetDataKeyframe(self.model, self.data, 0)
        mujoco.mj_forward(self.model, self.data)

    @property
    def unwrapped(self):
        return self


def test_reads_ctrlrange_and_applies_feedback_from_physics():
    from mwx_sdk.motion.robots import robot_model_path

    env = _Env(robot_model_path("h1"))
    clip = ramp_clip(loop=True)
    plain = MotionPriorExpert(clip, blend_in=0.0)
    fb = MotionPriorExpert(clip, blend_in=0.0, balance_pitch_gain=0.5, heading=0.5, heading_gain=1.0)
    ctx = StepContext(step=0, env=env)
    plain.reset(ctx)
    fb.reset(ctx)
    a0 = plain.act(None, ctx)
    lo, hi = env.model.actuator_ctrlrange.T
    # with the env's real ctrlranges the action maps back onto the reference joints
    np.testing.assert_allclose(lo + (a0 + 1) / 2 * (hi - lo), plain.reference_qpos(ctx), atol=1e-9)
    # tilt the pelvis forward by 0.1 rad and face yaw 0: hips pitch by 0.05, hip yaw by +0.3 (clipped)
    half = 0.05
    env.data.qpos[3:7] = [np.cos(half), 0.0, np.sin(half), 0.0]
    q = lo + (fb.act(None, ctx) + 1) / 2 * (hi - lo)
    dq = q - plain.reference_qpos(ctx)
    np.testing.assert_allclose(dq[[2, 7]], 0.05, atol=1e-6)
    np.testing.assert_allclose(dq[[0, 5]], 0.3, atol=1e-6)
    np.testing.assert_allclose(np.delete(dq, [0, 2, 5, 7]), 0.0, atol=1e-9)


def test_blend_in_starts_from_the_pose_at_reset():
    from mwx_sdk.motion.robots import robot_model_path

    env = _Env(robot_model_path("h1"))
    ex = MotionPriorExpert(ramp_clip(loop=True), blend_in=0.2)
    ctx = StepContext(step=0, env=env)
    ex.reset(ctx)
    lo, hi = env.model.actuator_ctrlrange.T
    q = lo + (ex.act(None, ctx) + 1) / 2 * (hi - lo)
    np.testing.assert_allclose(q, env.data.qpos[7:], atol=1e-9)  # the keyframe pose
    ctx.step = 10  # 0.2 s: fully on the reference
    q = lo + (ex.act(None, ctx) + 1) / 2 * (hi - lo)
    np.testing.assert_allclose(q, ex.reference_qpos(ctx), atol=1e-9)


def test_arm_swing_scales_only_the_arms_about_their_clip_mean():
    clip = ramp_clip(loop=True)
    arms = [i for i, n in enumerate(H1.joint_names) if "shoulder" in n or "elbow" in n]
    legs = [i for i in range(len(H1.joint_names)) if i not in arms]
    clip.joint_pos[:, arms] += 0.3  # the arms' clip mean is 0.3 rad, not 0
    mean = clip.joint_pos[:, arms].mean(axis=0)
    np.testing.assert_allclose(mean, 0.3)
    ctx = StepContext(step=0, dt=0.02)
    full, still, half = (MotionPriorExpert(clip, arm_swing=s) for s in (1.0, 0.0, 0.5))
    for ex in (full, still, half):
        ex.reset(ctx)
    ctx.step = 5  # 0.1 s = frame 5, away from the arms' clip mean
    ref, ref_still, ref_half = (ex.reference_state(ctx) for ex in (full, still, half))
    np.testing.assert_allclose(ref_still["joint_pos"][legs], ref["joint_pos"][legs])
    np.testing.assert_allclose(ref_still["joint_pos"][arms], mean)
    np.testing.assert_allclose(ref_still["joint_vel"][arms], 0.0)
    np.testing.assert_allclose(ref_half["joint_pos"][arms], mean + 0.5 * (ref["joint_pos"][arms] - mean))
    np.testing.assert_allclose(ref_half["joint_vel"][arms], 0.5 * ref["joint_vel"][arms])
    assert np.all(np.abs(ref["joint_pos"][arms] - mean) > 0.1)
    with pytest.raises(ValueError, match="arm_swing"):
        MotionPriorExpert(clip, arm_swing=-0.5)


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="speed"):
        MotionPriorExpert(ramp_clip(loop=True), speed=-1)
    with pytest.raises(TypeError):
        MotionPriorExpert(ramp_clip(loop=True), sped=1.0)
