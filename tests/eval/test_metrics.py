"""Metrics on trajectories whose answers can be worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mwx_sdk.eval import metrics


def test_jerk_of_a_cubic_is_six_times_its_coefficient():
    dt = 0.02
    t = np.arange(50) * dt
    q = np.stack([2.0 * t**3, -0.5 * t**3], axis=1)
    # RMS over joints of 6*c: sqrt((12^2 + 3^2) / 2)
    assert metrics.jerk_rms(q, dt) == pytest.approx(math.sqrt((144 + 9) / 2), rel=1e-6)
    assert metrics.jerk_rms(np.ones((10, 3)), dt) == 0.0
    assert math.isnan(metrics.jerk_rms(q[:3], dt))


def test_foot_sliding_counts_only_feet_on_the_ground():
    dt = 0.02
    T = 11
    left = np.zeros((T, 3))
    left[:, 0] = 0.5 * dt * np.arange(T)  # slides at 0.5 m/s on the floor
    left[:, 2] = 0.01
    right = np.zeros((T, 3))
    right[:, 1] = 2.0 * dt * np.arange(T)  # moves fast but in the air
    right[:, 2] = 0.2
    feet = np.stack([left, right], axis=1)
    assert metrics.foot_sliding(feet, dt) == pytest.approx(0.5)
    right[:, 2] = 0.01
    right[:, 1] = 0.3  # now planted and still: the mean over both feet halves
    feet = np.stack([left, right], axis=1)
    assert metrics.foot_sliding(feet, dt) == pytest.approx(0.25)
    feet[:, :, 2] = 0.3
    assert metrics.foot_sliding(feet, dt) == 0.0
    with pytest.raises(ValueError, match=r"\(T, F, 3\)"):
        metrics.foot_sliding(np.zeros((5, 3)), dt)


def test_foot_sliding_with_contact_labels_ignores_height():
    dt = 0.02
    T = 11
    swing = np.zeros((T, 1, 3))
    swing[:, 0, 0] = 2.0 * dt * np.arange(T)  # a low swing: 2 m/s, 1 cm above the floor
    swing[:, 0, 2] = 0.01
    assert metrics.foot_sliding(swing, dt) == pytest.approx(2.0)  # the height rule counts it
    off = np.zeros((T, 1), dtype=bool)
    assert metrics.foot_sliding(swing, dt, contacts=off) == 0.0
    half = off.copy()
    half[5:] = True  # touches down at step 5 and keeps sliding
    assert metrics.foot_sliding(swing, dt, contacts=half) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="contacts must have shape"):
        metrics.foot_sliding(swing, dt, contacts=np.ones((T, 2), dtype=bool))


def test_fall_from_termination_or_low_pelvis():
    standing = np.full(20, 0.95)
    assert not metrics.fell(standing, terminated=False)
    assert metrics.fell(standing, terminated=True)
    low = standing.copy()
    low[12] = 0.3
    assert metrics.fell(low, terminated=False)
    assert not metrics.fell(low, terminated=False, fall_height=0.2)
    # a task that ends on its own success (push) did not fall; a low pelvis still counts
    assert not metrics.fell(standing, terminated=True, succeeded=True)
    assert metrics.fell(low, terminated=True, succeeded=True)
    # an env that tells its own fall rule: a termination on an object (a dropped ball) is no fall
    assert not metrics.fell(standing, terminated=True, robot_down=False)
    assert metrics.fell(standing, terminated=True, robot_down=True)
    assert metrics.fell(low, terminated=True, robot_down=False)


def test_a_dropped_ball_ends_basketball_without_a_fall():
    """HumanoidBench's basketball ends its episode when the ball drops below 0.5 m; the robot,
    still standing, has not fallen (the eval's ``fell`` and the ``fallen`` predicate)."""
    import mwx_sdk
    from mwx_sdk.eval.episode import _robot_down

    env = mwx_sdk.make_env("mwx/h1-basketball-v0")
    env.reset(seed=0)
    base = env.unwrapped
    a = base._ball_q
    base.data.qpos[a : a + 3] = (1.0, 0.0, 0.3)  # the ball on its way to the floor
    base.data.qvel[base._ball_v : base._ball_v + 3] = 0.0
    _, _, terminated, _, _ = env.step(np.zeros(env.action_space.shape))
    assert terminated and _robot_down(env) is False and not base.predicates()["fallen"]()
    assert not metrics.fell(np.full(1, float(base.data.qpos[2])), terminated, robot_down=_robot_down(env))
    base.data.qpos[2] = 0.3  # the pelvis on the floor: the robot's own rule
    assert _robot_down(env) is True and base.predicates()["fallen"]()
    env.close()


def test_mean_std_is_population_std_and_ignores_missing():
    m, s = metrics.mean_std([1.0, 2.0, 3.0, 4.0, float("nan"), None])
    assert m == 2.5 and s == pytest.approx(math.sqrt(1.25))
    assert metrics.mean_std([7.0]) == (7.0, 0.0)
    assert all(math.isnan(x) for x in metrics.mean_std([]))


def test_rms_joint_error_uses_only_steps_with_a_reference():
    q = np.zeros((4, 2))
    ref = np.array([[0.3, -0.3], [np.nan, np.nan], [0.3, 0.3], [np.nan, np.nan]])
    assert metrics.rms_joint_error(q, ref) == pytest.approx(0.3)
    assert math.isnan(metrics.rms_joint_error(q, np.full((4, 2), np.nan)))


def test_imitation_term_is_one_on_the_reference_and_zero_without_one():
    q = np.zeros((3, 4))
    ref = np.array([[0.0] * 4, [np.nan] * 4, [0.2] * 4])
    r = metrics.imitation_term(q, ref)
    assert r[0] == pytest.approx(1.0) and r[1] == 0.0 and 0.0 < r[2] < 1.0


def test_summarize_rates_and_means():
    eps = [
        {"return": 10.0, "shaped_return": 12.0, "success": True, "fell": False, "ms_per_step": 2.0,
         "agent_ms_per_step": 1.0, "rms_joint_error": 0.1, "jerk": 5.0, "foot_sliding": 0.02, "steps": 100},
        {"return": 30.0, "shaped_return": 31.0, "success": False, "fell": True, "ms_per_step": 4.0,
         "agent_ms_per_step": 1.0, "rms_joint_error": float("nan"), "jerk": 7.0, "foot_sliding": 0.04, "steps": 50},
    ]
    s = metrics.summarize(eps)
    assert (s.return_mean, s.return_std) == (20.0, 10.0)
    assert s.success_rate == 0.5 and s.successes == 1 and s.fall_rate == 0.5
    assert s.ms_per_step == 3.0 and s.rms_joint_error == pytest.approx(0.1) and s.steps_mean == 75.0
    with pytest.raises(ValueError):
        metrics.summarize([])
