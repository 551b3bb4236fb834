"""Reward functions against hand-checkable values from the HumanoidBench task specification."""

import math

import numpy as np
import pytest

from mwx_sdk.envs import rewards as R

SIGMOIDS = ["gaussian", "linear", "quadratic", "hyperbolic", "long_tail", "reciprocal", "cosine", "tanh_squared"]


@pytest.mark.parametrize("sigmoid", SIGMOIDS)
def test_tolerance_value_at_margin_each_sigmoid(sigmoid):
    for v in (0.1, 0.3):
        # one margin below lo and one margin above hi give v, inside gives 1
        assert R.tolerance(-1.5, (-0.5, 2.0), 1.0, sigmoid, v) == pytest.approx(v, abs=1e-12)
        assert R.tolerance(4.0, (-0.5, 2.0), 2.0, sigmoid, v) == pytest.approx(v, abs=1e-12)
        assert R.tolerance(0.3, (-0.5, 2.0), 1.0, sigmoid, v) == 1.0
        arr = R.tolerance(np.array([[-1.5, 0.3], [4.0, 2.0]]), (-0.5, 2.0), 1.0, sigmoid, v)
        assert arr.shape == (2, 2)
        assert arr[0, 1] == 1.0 and arr[1, 1] == 1.0
        assert arr[0, 0] == pytest.approx(v, abs=1e-12)
        # scalar and array paths agree everywhere
        xs = np.linspace(-4, 6, 41)
        np.testing.assert_allclose(
            R.tolerance(xs, (-0.5, 2.0), 1.3, sigmoid, v),
            [R.tolerance(float(x), (-0.5, 2.0), 1.3, sigmoid, v) for x in xs],
            atol=1e-14,
        )


def test_tolerance_closed_forms():
    d = 0.7
    assert R.tolerance(-d, (0, 0), 1.0) == pytest.approx(0.1 ** (d * d))
    assert R.tolerance(d, (0, 0), 1.0, "linear") == pytest.approx(1 - d * 0.9)
    # default v=0.1 even for linear: 0 only past d = 1/0.9
    assert R.tolerance(1.1, (0, 0), 1.0, "linear") > 0
    assert R.tolerance(1.12, (0, 0), 1.0, "linear") == 0
    assert R.tolerance(d, (0, 0), 1.0, "quadratic", 0.0) == pytest.approx(1 - d * d)
    assert R.tolerance(1.0, (0, 0), 1.0, "quadratic", 0.0) == 0.0
    assert R.tolerance(d, (0, 0), 1.0, "hyperbolic") == pytest.approx(1 / math.cosh(d * math.acosh(10)))
    assert R.tolerance(d, (0, 0), 1.0, "long_tail") == pytest.approx(1 / (d * d * 9 + 1))
    assert R.tolerance(d, (0, 0), 1.0, "reciprocal") == pytest.approx(1 / (d * 9 + 1))
    c = math.acos(2 * 0.1 - 1) / math.pi
    assert R.tolerance(d, (0, 0), 1.0, "cosine") == pytest.approx((1 + math.cos(math.pi * d * c)) / 2)
    assert R.tolerance(d, (0, 0), 1.0, "tanh_squared") == pytest.approx(1 - math.tanh(d * math.atanh(math.sqrt(0.9))) ** 2)
    # margin 0 is an indicator
    assert R.tolerance(np.array([-1.01, -1.0, 1.0, 1.01]), (-1, 1), 0.0).tolist() == [0, 1, 1, 0]


def test_tolerance_rejects_bad_arguments():
    with pytest.raises(ValueError, match="lo <= hi"):
        R.tolerance(0.0, (1, 0), 1.0)
    with pytest.raises(ValueError, match="margin"):
        R.tolerance(0.0, (0, 0), -1.0)
    with pytest.raises(ValueError, match="sigmoid"):
        R.tolerance(2.0, (0, 0), 1.0, "cubic")
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        R.tolerance(2.0, (0, 0), 1.0, "gaussian", 0.0)


def test_building_blocks():
    assert R.standing(1.7) == 1.0
    assert R.standing(1.65 - 0.4125) == pytest.approx(0.1)
    assert R.standing(1.65 - 2 * 0.4125) == pytest.approx(0.1**4)
    assert R.upright(1.0) == 1.0
    assert R.upright(0.0) == pytest.approx(1 / 1.9)
    assert R.upright(-1.0) == 0.0
    assert R.small_control(np.zeros(19)) == 1.0
    assert R.small_control(np.full(19, 50.0)) == pytest.approx(0.8)
    assert R.small_control(np.full(19, 5.0)) == pytest.approx((4 + 0.75) / 5)
    assert R.dont_move(np.zeros(3)) == 1.0
    assert R.dont_move(np.array([2.0, 0.0, 9.0])) == pytest.approx((0.1 + 1) / 2)
    np.testing.assert_allclose(R.move(np.array([-1.0, 0.0, 0.5, 1.0, 3.0]), 1.0), [1 / 6, 1 / 6, 3.5 / 6, 1, 1])
    assert R.move(2.5, 5.0) == pytest.approx((5 * 0.5 + 1) / 6)


def test_batched_task_rewards_match_scalar():
    rng = np.random.default_rng(0)
    n, h = 3, 4
    head = rng.uniform(0.5, 1.8, (n, h))
    up = rng.uniform(-1, 1, (n, h))
    vel = rng.normal(0, 1, (n, h, 3))
    force = rng.normal(0, 20, (n, h, 19))
    for fn in (R.stand_reward, R.walk_reward, R.run_reward):
        r, terms = fn(head, up, vel, force)
        assert r.shape == (n, h)
        for i in range(n):
            for j in range(h):
                rs, ts = fn(float(head[i, j]), float(up[i, j]), vel[i, j], force[i, j])
                assert rs == pytest.approx(r[i, j], abs=1e-12)
                for k, v in ts.items():
                    assert v == pytest.approx(terms[k][i, j], abs=1e-12)


def test_stand_walk_info_keys_and_values():
    r, t = R.stand_reward(1.7, 1.0, np.array([0.0, 0.0, 0.0]), np.zeros(19))
    assert r == 1.0
    assert set(t) == {"small_control", "stand_reward", "dont_move", "standing", "upright"}
    r, t = R.walk_reward(1.7, 1.0, np.array([0.5, 0.0, 0.0]), np.zeros(19))
    assert r == pytest.approx(3.5 / 6)
    assert set(t) == {"stand_reward", "small_control", "move", "standing", "upright"}
    r, _ = R.run_reward(1.7, 1.0, np.array([5.0, 0.0, 0.0]), np.zeros(19))
    assert r == 1.0


def test_sit_door_push_package_basketball_reach():
    chair = np.array([-0.25, 0.0, 0.0])
    r, t = R.sit_reward(np.array([-0.25, 0.0, 0.7]), chair, 1.2, 0.8, 1.0, np.zeros(3), np.zeros(19))
    assert r == pytest.approx(1.0)
    assert set(t) == {"small_control", "sit_reward", "dont_move", "sitting", "upright", "sitting_posture"}
    # door closed, hatch closed, far hand, not through: 0.1*1*1 + 0.05*0.1 + 0.05*prox
    r, t = R.door_reward(0.0, 0.0, np.array([0.8, 0.4, 1.2]), np.array([0.8, 0.4, 1.2]), np.zeros(3), 0.0, 1.7, 1.0, np.zeros(19))
    assert t["door_hatch_openness_reward"] == pytest.approx(0.1)
    assert t["hand_hatch_proximity_reward"] == 1.0
    assert r == pytest.approx(0.1 + 0.005 + 0.05)
    r, t = R.push_reward(np.array([1.0, 0.0, 1.0]), np.array([1.0, 0.02, 1.0]), np.array([1.0, 0.0, 1.0]))
    assert t["success"] is True and r == pytest.approx(1000 - 0.02)
    r, t = R.package_reward(np.array([0, 0, 0.35]), np.array([1, 0, 0.35]), np.zeros(3), np.zeros(3), 1.7, 1.0, np.zeros(19))
    assert r == pytest.approx(1 - 3 - 0.1 * 2 * 0.35 + 0.35) and t["success"] is False
    ball = np.array([5.9, 0.0, 2.25])
    r, t = R.basketball_reward(ball, ball, ball, ball, 1.7, 1.0, np.zeros(19), True)
    assert r == pytest.approx(0.15 + 0.05 + 0.8 + 1000) and t["success"] is True
    r, t = R.reach_reward(np.zeros(3), np.array([0.0, 0.0, 0.5]), 1.0, np.full(25, 1.0))
    assert r == pytest.approx(5 - 25e-4 + 5)
    assert t["motion_penalty"] == pytest.approx(25)
