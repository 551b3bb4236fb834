"""MotionPriorExpert.reference_features: the reference states it offers a router."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_motion_expert import ramp_clip

from mwx_sdk.motion.expert import MotionPriorExpert


def test_reference_features_are_the_played_frames():
    clip = ramp_clip(loop=True)
    ex = MotionPriorExpert(clip)
    f = ex.reference_features()
    assert f.shape == (50, 20)
    np.testing.assert_allclose(f.mean(axis=0), ex.embedding())
    # a lead-in played once is not part of the loop
    tail = MotionPriorExpert(clip, loop_start=0.5).reference_features()
    assert tail.shape == (25, 20)
    np.testing.assert_allclose(np.sort(tail[:, 0]), clip.joint_pos[25:, 0])
    # a one-shot clip held at one time offers that frame only
    held = MotionPriorExpert(clip, loop=False, start_time=0.2, end_time=0.2).reference_features()
    np.testing.assert_allclose(held, [np.append(clip.joint_pos[10], 1.0)])


def test_reference_features_follow_the_arm_swing():
    clip = ramp_clip(loop=True)
    still = MotionPriorExpert(clip, arm_swing=0.0).reference_features()
    arms = [i for i, n in enumerate(clip.joint_names) if "shoulder" in n or "elbow" in n]
    np.testing.assert_allclose(still[:, arms], np.broadcast_to(clip.joint_pos[:, arms].mean(axis=0), (50, len(arms))))
