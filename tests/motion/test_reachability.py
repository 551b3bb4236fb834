"""Whole-body hand reach (mwx_sdk.motion.reachability) on the H1: balanced poses, feet in place."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from mwx_sdk.motion.reachability import SUPPORT_MARGIN, hand_height_range


def _pose(model, qpos):
    d = mujoco.MjData(model)
    d.qpos[:] = qpos
    mujoco.mj_kinematics(model, d)
    mujoco.mj_comPos(model, d)
    return d


@pytest.mark.parametrize("side", ["left", "right"])
def test_extremes_are_balanced_poses_with_the_feet_where_they_stood(h1_scene, side):
    m, q0 = h1_scene.model, h1_scene.data.qpos.copy()
    r = hand_height_range(m, q0, side=side)
    start = _pose(m, q0)
    hand = m.site(f"{side}_hand").id
    standing = float(start.site_xpos[hand][2])
    # a straight arm over straight legs lifts the hand well above the shoulders; a bow or squat
    # brings it down to the floor
    assert r.high > standing + 0.8 and r.high < 2.5, r
    assert 0.0 <= r.low < 0.2, r
    feet = [m.body(n).id for n in ("left_ankle_link", "right_ankle_link")]
    lo = np.min([start.xpos[b][:2] for b in feet], axis=0) - SUPPORT_MARGIN
    hi = np.max([start.xpos[b][:2] for b in feet], axis=0) + SUPPORT_MARGIN
    pelvis = m.body("pelvis").id
    for height, q in zip((r.low, r.high), r.poses):
        d = _pose(m, q)
        assert float(d.site_xpos[hand][2]) == pytest.approx(height)
        for b in feet:
            np.testing.assert_allclose(d.xpos[b], start.xpos[b], atol=5e-3)
            assert abs(float(np.dot(d.xquat[b], start.xquat[b]))) > 1 - 1e-4  # flat, unturned
        com = d.subtree_com[pelvis][:2]
        assert np.all(com >= lo - 5e-3) and np.all(com <= hi + 5e-3), (com, lo, hi)
        for j in range(m.njnt):
            if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_HINGE and m.jnt_limited[j]:
                a = q[m.jnt_qposadr[j]]
                assert m.jnt_range[j][0] - 1e-9 <= a <= m.jnt_range[j][1] + 1e-9
    assert r.contains(1.0) and not r.contains(r.high + 0.2)


def test_rejects_an_unknown_side(h1_scene):
    with pytest.raises(ValueError, match="side must be"):
        hand_height_range(h1_scene.model, side="middle")
