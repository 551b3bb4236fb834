"""Arm IK (mwx_sdk.motion.ik) on the H1 h1_scene: reaches what the arm can reach, says when it cannot."""

from __future__ import annotations

import numpy as np
import pytest

from mwx_sdk.motion.ik import ArmIK


@pytest.mark.parametrize("side", ["left", "right"])
def test_reaches_points_the_arm_can_reach(h1_scene, side):
    ik = ArmIK(h1_scene.model, side, iterations=40)
    rng = np.random.default_rng(4)
    q0 = h1_scene.data.qpos.copy()
    for _ in range(5):
        q = q0.copy()
        # a pose of the arm drawn within the middle of its joint ranges: its hand is reachable
        q[ik.qadr] = ik.lo + (ik.hi - ik.lo) * rng.uniform(0.3, 0.7, size=4)
        target = ik.hand(q)
        res = ik.solve(q0, target)
        assert res.reachable and res.error < 0.01, (side, target, res)
        q[ik.qadr] = res.joints
        np.testing.assert_allclose(ik.hand(q), target, atol=0.01)
        assert np.all(res.joints >= ik.lo) and np.all(res.joints <= ik.hi)


def test_out_of_reach_is_reported_not_hidden(h1_scene):
    ik = ArmIK(h1_scene.model, "left")
    res = ik.solve(h1_scene.data.qpos, [2.0, 0.0, 1.0])
    assert not res.reachable and res.error > 0.5


def test_bad_input_is_refused(h1_scene):
    with pytest.raises(ValueError, match="side must be"):
        ArmIK(h1_scene.model, "middle")
    with pytest.raises(ValueError, match="three finite numbers"):
        ArmIK(h1_scene.model).solve(h1_scene.data.qpos, [np.nan, 0, 1])
