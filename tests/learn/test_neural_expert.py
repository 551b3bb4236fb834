"""Neural experts: behaviour cloning fits a teacher, numpy inference matches, checkpoints
round-trip and are validated, and the expert class acts from a weights folder."""

from __future__ import annotations

import numpy as np
import pytest

from mwx_sdk.interfaces import StepContext
from mwx_sdk.learn.checkpoint import CheckpointError
from mwx_sdk.learn.distill import fit_mlp
from mwx_sdk.learn.mlp_policy import MLPPolicyConfig, NumpyMLP, load_mlp, save_mlp


def _teacher(x):
    return np.tanh(x[:, :2] @ np.array([[1.5, -0.5], [0.3, 2.0]]) + 0.2 * np.sin(3 * x[:, 2:3]))


def test_behaviour_cloning_fits_and_numpy_matches(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2000, 5)).astype(np.float32)
    y = _teacher(x).astype(np.float32)
    cfg = MLPPolicyConfig(obs_dim=5, action_dim=2, hidden=(32, 32))
    p0, mse0 = fit_mlp(x, y, cfg, epochs=1, seed=0)
    p1, mse1 = fit_mlp(x, y, cfg, epochs=20, init=p0, seed=0)
    assert mse1 < 0.1 * mse0 and mse1 < 0.05, (mse0, mse1)
    net = NumpyMLP(cfg, p1)
    pred = np.stack([net(o) for o in x[:50]])
    assert np.mean((pred - y[:50]) ** 2) < 0.06
    save_mlp(tmp_path / "stand", cfg, p1)
    net2 = load_mlp(tmp_path / "stand")
    np.testing.assert_array_equal(net2(x[0]), net(x[0]))


def test_neural_expert_acts_from_weights(tmp_path):
    from mwx_skills.neural import _make

    cfg = MLPPolicyConfig(obs_dim=6, action_dim=19, hidden=(16,), phase_period=1.0)
    rng = np.random.default_rng(1)
    params = {"mean": np.zeros(8), "std": np.ones(8), "w0": rng.standard_normal((8, 16)) * 0.1,
              "b0": np.zeros(16), "w1": rng.standard_normal((16, 19)) * 0.1, "b1": np.zeros(19)}
    save_mlp(tmp_path / "walk", cfg, params)
    cls = _make("walk")
    expert = cls(weights=tmp_path / "walk")
    assert expert.spec.name == "walk-neural"
    ctx = StepContext(step=10, dt=0.02)
    expert.reset(ctx)
    a = expert.act(np.ones(6), ctx)
    assert a.shape == (19,) and np.all(np.abs(a) <= 1)
    ctx.step = 35  # the phase input changes the action
    assert not np.allclose(a, expert.act(np.ones(6), ctx))
    with pytest.raises(ValueError, match="trained on observations of size 6"):
        expert.act(np.ones(7), ctx)
    params["w0"] = params["w0"][:, :8]
    save_mlp(tmp_path / "bad", cfg, params)
    with pytest.raises(CheckpointError, match="do not fit"):
        load_mlp(tmp_path / "bad")


def test_previous_action_input_is_carried_and_reset(tmp_path):
    from mwx_skills.neural import _make

    cfg = MLPPolicyConfig(obs_dim=4, action_dim=19, hidden=(16,), prev_action=True)
    assert cfg.in_dim == 4 + 19
    rng = np.random.default_rng(2)
    params = {"mean": np.zeros(23), "std": np.ones(23), "w0": rng.standard_normal((23, 16)),
              "b0": np.zeros(16), "w1": rng.standard_normal((16, 19)), "b1": np.zeros(19)}
    save_mlp(tmp_path / "stand", cfg, params)
    net = load_mlp(tmp_path / "stand")
    assert net.cfg.prev_action
    expert = _make("stand")(weights=tmp_path / "stand")
    ctx = StepContext(step=0, dt=0.02)
    expert.reset(ctx)
    obs = np.full(4, 0.5)
    a0 = expert.act(obs, ctx)
    np.testing.assert_allclose(a0, net(obs, 0.0, np.zeros(19)), rtol=1e-6)
    a1 = expert.act(obs, ctx)  # same observation, but the previous action is now a0
    np.testing.assert_allclose(a1, net(obs, 0.0, a0.astype(np.float32)), rtol=1e-6)
    assert not np.allclose(a0, a1)
    expert.reset(ctx)
    np.testing.assert_allclose(expert.act(obs, ctx), a0, rtol=1e-6)


def test_prior_cycle_of_looping_and_one_shot_priors():
    import mwx_sdk
    from mwx_sdk.learn.distill import DistillConfig, prior_cycle

    walk = mwx_sdk.get_expert("walk")
    assert prior_cycle(walk) == pytest.approx((walk.clip.duration - walk.config.loop_start) / walk.config.speed)
    n = round(walk.cycle_seconds / 0.02)  # one played cycle later the phase repeats
    assert n * 0.02 == pytest.approx(walk.cycle_seconds)
    walk.reset(StepContext(step=0, dt=0.02))
    assert walk.phase_time(StepContext(step=n + 7, dt=0.02)) == pytest.approx(walk.phase_time(StepContext(step=7, dt=0.02)))
    slow = mwx_sdk.get_expert("walk", speed=walk.target_speed / 2)
    assert prior_cycle(slow) == pytest.approx(2 * prior_cycle(walk))
    sit = mwx_sdk.get_expert("sit")
    if not sit.loop:
        with pytest.raises(ValueError, match="no phase cycle"):
            prior_cycle(sit)
    with pytest.raises(ValueError, match="-1 for the prior"):
        DistillConfig(skill="walk", env_id="mwx/h1-walk-v0", phase_period=-2)
