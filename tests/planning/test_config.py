"""MPPIConfig validation, task defaults, the knot basis and the gait prior."""

from __future__ import annotations

import numpy as np
import pytest

from mwx_sdk.interfaces import StepContext
from mwx_sdk.planning import GaitPrior, MPPIConfig, knot_basis
from mwx_sdk.task import get_task


@pytest.mark.parametrize("bad", [
    {"num_samples": 1}, {"horizon": 0}, {"num_knots": 1}, {"num_knots": 20, "horizon": 5},
    {"noise_std": -0.1}, {"temperature_scale": 0}, {"prior_blend": 1.5}, {"gamma": 0},
    {"threads": 0}, {"integrator": "verlet"}, {"planner_timestep": 0.0}, {"head_weight": -1.0},
    {"action_weight": float("nan")}, {"pelvis_height_target": -0.2}, {"pelvis_height_weight": -1.0},
])
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="MPPIConfig"):
        MPPIConfig(**bad)


def test_task_defaults_and_overrides():
    walk = MPPIConfig.for_task("walk", num_samples=12)
    assert walk.num_samples == 12 and walk.horizon == get_task("walk").planning["horizon"]
    assert walk.target_speed == get_task("walk").planning["target_speed"] and walk.task == "walk"
    stand = MPPIConfig.for_task("stand")
    assert (stand.num_samples, stand.horizon, stand.num_knots) == (16, 15, 3)
    assert MPPIConfig.for_task("balance_simple").horizon == stand.horizon
    with pytest.raises(TypeError, match="unknown MPPI option"):
        MPPIConfig.for_task("stand", num_sample=3)


def test_task_families_pick_their_defaults():
    sit = MPPIConfig.for_task("sit_simple")
    assert sit.task == "sit_simple" and sit.capture_weight == 0 and sit.head_weight == 0
    assert sit.pelvis_height_target == get_task("sit_simple").planning["pelvis_height_target"]
    assert MPPIConfig.for_task("sit_hard").pelvis_height_target == sit.pelvis_height_target
    assert MPPIConfig.for_task("door").num_samples == get_task("door").planning["num_samples"]
    assert MPPIConfig.for_task("crawl").upright_weight == 0


def _batch(com_x, vx, time=5.0):
    z = np.zeros((1, 1))
    vec = lambda x, y=0.0, h=0.0: np.array([[[x, y, h]]])
    return {"head_height": z + 1.7, "torso_upright": z + 1.0, "com": vec(com_x, 0.0, 1.0), "com_vel": vec(vx),
            "left_foot": vec(0.0, 0.1), "right_foot": vec(0.0, -0.1), "torso_xaxis": vec(1.0),
            "actuator_force": np.zeros((1, 1, 19)), "qpos": np.zeros((1, 1, 26)), "pelvis_z": z + 0.7, "time": z + time}


def test_shaping_pelvis_height_and_relative_capture_point():
    from mwx_sdk.planning.objective import shaping_cost

    cfg = MPPIConfig.for_task("sit_simple", action_weight=0.0, force_weight=0.0, foot_spacing_weight=0.0)
    a = np.zeros((1, 1, 19))
    q = _batch(0.0, 0.0) | {"pelvis_z": np.full((1, 1), 0.9)}
    terms = shaping_cost(q, a, np.zeros((1, 19)), cfg, target_speed=0.0)
    assert np.isclose(terms["pelvis_height"][0, 0], cfg.pelvis_height_weight * 0.2 ** 2)
    assert "capture" not in terms and "head" not in terms
    walk = MPPIConfig.for_task("walk", capture_relative=False)
    rel = MPPIConfig.for_task("walk", capture_relative=True)
    at_speed = _batch(0.0, 1.0)
    plain = shaping_cost(at_speed, a, np.zeros((1, 19)), walk, target_speed=1.0)["capture"]
    moving = shaping_cost(at_speed, a, np.zeros((1, 19)), rel, target_speed=1.0)["capture"]
    assert np.isclose(plain[0, 0], walk.capture_weight * walk.capture_time ** 2)
    assert np.isclose(moving[0, 0], 0.0), "walking at the commanded speed over the feet costs nothing"


def test_knot_basis_interpolates():
    b = knot_basis(5, 3)
    assert b.shape == (5, 3)
    np.testing.assert_allclose(b.sum(axis=1), 1.0)
    np.testing.assert_allclose(b @ np.array([0.0, 1.0, 0.0]), [0, 0.5, 1, 0.5, 0])


def test_gait_prior_is_periodic_antiphase_and_bounded():
    g = GaitPrior(period=0.8, ramp=0.0)
    ctx = StepContext(dt=0.02)
    q = g.joint_targets(np.array([0.2, 0.6, 1.0]))
    np.testing.assert_allclose(q[0], q[2], atol=1e-12)  # one period apart
    assert q[0, 2] < q[0, 7]  # left hip flexed forward while the right is back
    assert q[1, 2] > q[1, 7]
    h = g.horizon(ctx, 25)
    assert h.shape == (25, 19) and np.all(np.abs(h) <= 1.0)
    np.testing.assert_allclose(h[0], g.act(None, ctx))
    with pytest.raises(ValueError, match="period"):
        GaitPrior(period=0)
