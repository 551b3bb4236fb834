"""TD-MPC2: the learner reduces its losses on a toy task, planning respects bounds, expert
guidance pulls the policy prior to a_ref, and the Q ensemble matches per-head evaluation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mwx_sdk.learn.replay import ReplayBuffer
from mwx_sdk.learn.tdmpc2 import TDMPC2Agent, TDMPC2Config
from mwx_sdk.learn.tdmpc2.layers import TwoHot, dropout, mish, simnorm

from .toy import PointMass

TINY = {
    "model_size": None, "enc_dim": 32, "mlp_dim": 48, "latent_dim": 16, "num_enc_layers": 2, "num_q": 3,
    "num_samples": 48, "num_elites": 8, "num_pi_trajs": 4, "iterations": 2, "batch_size": 32, "device": "cpu",
    "threads": 1,
}


def tiny_cfg(**kw) -> TDMPC2Config:
    return TDMPC2Config(obs_dim=4, action_dim=2, **{**TINY, **kw})


def fill(buffer: ReplayBuffer, steps: int, seed: int = 0, a_ref=None) -> None:
    env = PointMass(horizon=40)
    rng = np.random.default_rng(seed)
    n, ep = 0, 0
    while n < steps:
        obs, _ = env.reset(seed=seed + ep)
        ep += 1
        buffer.start_episode(obs)
        done = False
        while not done and n < steps:
            a = rng.uniform(-1, 1, 2)
            obs, r, term, trunc, _ = env.step(a)
            buffer.add(a, r, obs, term, a_ref=a_ref)
            done = term or trunc
            n += 1
        buffer.end_episode()


def test_losses_decrease_on_toy_task():
    torch.manual_seed(0)
    agent = TDMPC2Agent(tiny_cfg(lr=3e-3))
    buf = ReplayBuffer(4, 2, 2000, agent.cfg.horizon, seed=0)
    fill(buf, 1200)
    first = [agent.update(buf.sample(32)) for _ in range(5)]
    for _ in range(150):
        agent.update(buf.sample(32))
    last = [agent.update(buf.sample(32)) for _ in range(5)]
    for key in ("reward_loss", "value_loss", "consistency_loss"):
        before = np.mean([f[key] for f in first])
        after = np.mean([f[key] for f in last])
        assert after < 0.7 * before, f"{key} did not decrease: {before:.4f} -> {after:.4f}"


def test_act_shapes_bounds_and_guidance_seed():
    torch.manual_seed(1)
    agent = TDMPC2Agent(tiny_cfg())
    obs = np.zeros(4, np.float32)
    a = agent.act(obs, t0=True)
    assert a.shape == (2,) and a.dtype == np.float32 and np.all(np.abs(a) <= 1)
    a2 = agent.act(obs, a_ref=np.array([0.5, -0.5]), eval_mode=True)
    assert np.all(np.abs(a2) <= 1)
    with pytest.raises(ValueError, match="a_ref has shape"):
        agent.act(obs, a_ref=np.zeros(3))
    with pytest.raises(ValueError, match="obs has shape"):
        agent.act(np.zeros(5))


def test_seeded_mean_follows_a_ref_with_an_untrained_model():
    # an untrained model values every action alike, so the MPPI mean stays where a_ref put it
    torch.manual_seed(2)
    agent = TDMPC2Agent(tiny_cfg(num_pi_trajs=0, min_std=0.01, max_std=0.02))
    ref = np.array([0.6, -0.3], np.float32)
    a = agent.act(np.zeros(4, np.float32), a_ref=ref, t0=True, eval_mode=True)
    np.testing.assert_allclose(a, ref, atol=0.1)


def test_guidance_pulls_policy_towards_a_ref():
    ref = np.array([0.8, -0.8], np.float32)
    gaps = {}
    for lam in (0.0, 1.0):
        torch.manual_seed(3)
        agent = TDMPC2Agent(tiny_cfg(guidance_lambda=lam, lr=3e-3))
        buf = ReplayBuffer(4, 2, 1000, agent.cfg.horizon, seed=0)
        fill(buf, 600, a_ref=ref)
        for _ in range(80):
            agent.update(buf.sample(32))
        with torch.no_grad():
            z = agent.model.encode(torch.as_tensor(buf.obs[:200]))
            mean = agent.model.pi(z, sample=False)[1].numpy()
        gaps[lam] = float(np.mean(np.sum((mean - ref) ** 2, -1)))
    assert gaps[1.0] < 0.3 * gaps[0.0], gaps


def test_ensemble_heads_match_full_evaluation():
    agent = TDMPC2Agent(tiny_cfg())
    q = agent.model.q
    torch.nn.init.normal_(q.w2, std=0.1)
    x = torch.randn(7, 18)
    q.eval()
    full = q(x)
    heads = torch.tensor([2, 0])
    np.testing.assert_allclose(q(x, heads).detach(), full[heads].detach(), rtol=1e-5, atol=1e-6)
    # asking for every head, in any order, gives every head in ensemble order (no gather)
    np.testing.assert_allclose(q(x, torch.tensor([1, 2, 0])).detach(), full.detach(), rtol=1e-5, atol=1e-6)
    # leading features passed apart give the same logits and the action gradient
    a = x[:, 16:].clone().requires_grad_()
    split = q(a, heads, fixed=x[:, :16])
    np.testing.assert_allclose(split.detach(), full[heads].detach(), rtol=1e-5, atol=1e-6)
    xa = x.clone().requires_grad_()
    (ref,) = torch.autograd.grad(q(xa, heads).sum(), xa)
    (grad,) = torch.autograd.grad(split.sum(), a)
    np.testing.assert_allclose(grad, ref[:, 16:], rtol=1e-5, atol=1e-6)


def test_twohot_roundtrip_and_fast_ops():
    th = TwoHot(101, -10, 10)
    target = torch.tensor([[0.0], [3.7], [-120.0], [1e4]])
    # a distribution concentrated on the two-hot encoding decodes back to the target
    loss_grad_logits = torch.zeros(4, 101, requires_grad=True)
    opt = torch.optim.Adam([loss_grad_logits], lr=0.5)
    for _ in range(300):
        opt.zero_grad()
        th.soft_ce(loss_grad_logits, target).sum().backward()
        opt.step()
    dec = th.decode(loss_grad_logits.detach())
    np.testing.assert_allclose(dec[:3].numpy(), target[:3].numpy(), rtol=0.05, atol=0.05)
    x = torch.randn(64, 32) * 5
    np.testing.assert_allclose(mish(x), torch.nn.functional.mish(x), atol=1e-5)
    s = simnorm(x, 8).view(64, 4, 8)
    np.testing.assert_allclose(s.sum(-1), torch.ones(64, 4), atol=1e-5)


def test_config_validation_messages():
    with pytest.raises(ValueError, match="model_size must be one of"):
        TDMPC2Config(obs_dim=4, action_dim=2, model_size=3)
    with pytest.raises(ValueError, match="not a multiple of simnorm_dim"):
        TDMPC2Config(obs_dim=4, action_dim=2, latent_dim=20)
    with pytest.raises(ValueError, match="device must be"):
        TDMPC2Config(obs_dim=4, action_dim=2, device="tpu")
    cfg = TDMPC2Config(obs_dim=51, action_dim=19, model_size=5)
    assert (cfg.latent_dim, cfg.mlp_dim, cfg.num_q) == (512, 512, 5)


def test_bfloat16_planning_tracks_the_trained_model():
    torch.manual_seed(4)
    agent = TDMPC2Agent(tiny_cfg(plan_dtype="bfloat16"))
    buf = ReplayBuffer(4, 2, 400, agent.cfg.horizon, seed=0)
    fill(buf, 200)
    a = agent.act(np.zeros(4, np.float32), t0=True)
    assert np.all(np.abs(a) <= 1)
    agent.update(buf.sample(16))
    agent.act(np.zeros(4, np.float32))
    shadow = agent._planning_model()
    assert shadow.q.w0.dtype == torch.bfloat16
    assert torch.equal(shadow.q.w0, agent.model.q.w0.detach().to(torch.bfloat16))


def test_bfloat16_planning_copy_follows_loaded_weights():
    # a checkpoint with the same update count as the agent still replaces what planning uses
    torch.manual_seed(6)
    agent = TDMPC2Agent(tiny_cfg(plan_dtype="bfloat16"))
    agent.act(np.zeros(4, np.float32), t0=True)
    torch.manual_seed(7)
    other = TDMPC2Agent(tiny_cfg(plan_dtype="bfloat16"))
    assert agent.updates == other.updates == 0
    assert not torch.equal(agent.model.q.w0, other.model.q.w0)
    agent.load_state_tensors(other.state_tensors())
    agent.act(np.zeros(4, np.float32), t0=True)
    shadow = agent._shadow
    assert torch.equal(shadow.q.w0, other.model.q.w0.detach().to(torch.bfloat16))


def test_mish_gradient_matches_native():
    x = (torch.randn(300, 40, dtype=torch.float64) * 6).requires_grad_()
    x.data[0, :3] = torch.tensor([25.0, -30.0, 0.0], dtype=torch.float64)  # clamp region and zero
    g = torch.randn_like(x)
    (grad,) = torch.autograd.grad(mish(x), x, g)
    xn = x.detach().clone().requires_grad_()
    (ref,) = torch.autograd.grad(torch.nn.functional.mish(xn), xn, g)
    np.testing.assert_allclose(grad.numpy(), ref.numpy(), rtol=1e-6, atol=1e-9)


def test_dropout_drops_independently_at_rate_p():
    torch.manual_seed(5)
    p = 0.01
    x = torch.ones(2000, 500)
    y = dropout(x, p)
    dropped = y == 0
    assert set(torch.unique(y).tolist()) <= {0.0, torch.tensor(1.0 / (1.0 - p)).item()}
    n = x.numel()
    # the drop count is Binomial(n, p): within 5 standard deviations of n p
    assert abs(dropped.sum().item() - n * p) < 5 * (n * p * (1 - p)) ** 0.5
    # positions are spread uniformly: each quarter of the tensor holds about a quarter
    quarters = dropped.view(4, -1).sum(1).float()
    assert (quarters - n * p / 4).abs().max() < 5 * (n * p / 4) ** 0.5
    # neighbours are independent: P(drop at i+1 | drop at i) is about p
    flat = dropped.view(-1)
    pairs = (flat[:-1] & flat[1:]).sum().item() / flat[:-1].sum().item()
    assert pairs < 3 * p
    # small tensors and high rates go through the same exact path
    z = dropout(torch.ones(10, 10), 0.5)
    assert 20 <= (z == 0).sum().item() <= 80
    # gradients flow through the kept elements only
    w = torch.ones(50, 50, requires_grad=True)
    out = dropout(w, 0.2)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), out.detach().numpy())


def test_simnorm_gradient_matches_softmax():
    x = (torch.randn(20, 32, dtype=torch.float64) * 3).requires_grad_()
    g = torch.randn_like(x)
    (grad,) = torch.autograd.grad(simnorm(x, 8), x, g)
    xs = x.detach().clone().requires_grad_()
    (ref,) = torch.autograd.grad(torch.softmax(xs.view(20, 4, 8), -1).view(20, 32), xs, g)
    np.testing.assert_allclose(grad.numpy(), ref.numpy(), rtol=1e-9, atol=1e-12)


def test_pi_action_draws_the_same_sample_as_pi():
    agent = TDMPC2Agent(tiny_cfg())
    z = torch.randn(9, 16)
    with torch.no_grad():
        torch.manual_seed(6)
        a = agent.model.pi(z)[0]
        torch.manual_seed(6)
        b = agent.model.pi_action(z)
    assert torch.equal(a, b)


def test_ensemble_training_dropout_is_inverted_dropout_of_the_first_layer():
    from mwx_sdk.learn.tdmpc2.layers import QEnsemble, _bernoulli_positions

    torch.manual_seed(8)
    q = QEnsemble(3, 10, 16, 5, dropout=0.3).double()
    for prm in q.parameters():
        torch.nn.init.normal_(prm, std=0.3)
    x = torch.randn(40, 10, dtype=torch.float64)
    q.train()
    torch.manual_seed(9)
    out = q(x)
    torch.manual_seed(9)
    drop = _bernoulli_positions(40 * 3 * 16, 0.3, x.device)
    # the same network written out per head with an explicit inverted-dropout mask
    mask = torch.ones(40 * 3 * 16, dtype=torch.float64).index_fill_(0, drop, 0.0).view(40, 3, 16) / 0.7
    ln = torch.nn.functional.layer_norm
    for k in range(3):
        w0 = q.w0.view(10, 3, 16)[:, k]
        h = torch.nn.functional.mish(ln(x @ w0 + q.b0[k], (16,)) * q.g0[k] + q.c0[k]) * mask[:, k]
        h = torch.nn.functional.mish(ln(h @ q.w1[k] + q.b1[k], (16,)) * q.g1[k] + q.c1[k])
        np.testing.assert_allclose(out[k].detach(), (h @ q.w2[k] + q.b2[k]).detach(), rtol=1e-6, atol=1e-8)


@pytest.mark.slow
def test_fused_mish_kernels_match_the_eager_ones():
    # compiles two small kernels (tens of seconds the first time on a machine)
    from mwx_sdk.learn.tdmpc2 import layers

    x = torch.randn(300, 40) * 6
    x[0, :3] = torch.tensor([25.0, -30.0, 0.0])
    xr = x.clone().requires_grad_()
    g = torch.randn_like(x)
    y_eager = layers.mish(x)
    (grad_eager,) = torch.autograd.grad(layers.mish(xr), xr, g)
    try:
        layers.use_fused_kernels(True)
        y = layers.mish(x)
        (grad,) = torch.autograd.grad(layers.mish(xr), xr, g)
        fused = bool(layers._FUSED)
    finally:
        layers.use_fused_kernels(False)
    if not fused:
        pytest.skip("fused kernels could not be compiled here (no C++ compiler)")
    np.testing.assert_allclose(y, y_eager, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad, grad_eager, rtol=1e-5, atol=1e-5)
