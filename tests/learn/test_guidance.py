"""Residual expert guidance: an untrained guided agent acts at the experts' action, the anchor
opens only as far as the learned value has earned trust, the policy prior is a residual to
a_ref, and plain TD-MPC2 (lambda 0, no anchor) is unchanged."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mwx_sdk.learn.replay import ReplayBuffer
from mwx_sdk.learn.tdmpc2 import TDMPC2Agent, TDMPC2Config
from mwx_sdk.learn.tdmpc2.persist import load_agent, save_agent
from mwx_sdk.learn.trainer import returns_to_go

from .test_tdmpc2 import TINY, fill, tiny_cfg

REF = np.array([0.6, -0.95], np.float32)


def test_untrained_guided_agent_acts_within_the_anchor_of_a_ref():
    torch.manual_seed(0)
    agent = TDMPC2Agent(tiny_cfg(residual=True, anchor_min=0.05))
    obs = np.random.default_rng(0).standard_normal(4).astype(np.float32)
    for i in range(6):
        for kw in ({"eval_mode": True}, {}, {"mpc": False}, {"mpc": False, "eval_mode": True}):
            a = agent.act(obs, REF, t0=i == 0, **kw)
            assert np.all(np.abs(a - REF) <= 0.05 + 1e-6), (kw, a)
        assert np.isfinite(agent.last_value)


def test_guided_agent_needs_a_ref_and_a_finite_one():
    agent = TDMPC2Agent(tiny_cfg(residual=True))
    with pytest.raises(ValueError, match="pass a_ref"):
        agent.act(np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="NaN or Inf"):
        agent.act(np.zeros(4, np.float32), np.array([np.nan, 0.0]))


def test_anchor_opens_with_explained_variance_at_a_bounded_rate_and_closes_at_once():
    agent = TDMPC2Agent(tiny_cfg(residual=True, anchor_min=0.05, anchor_max=2.0, trust_rate=0.1, trust_window=4000))
    rng = np.random.default_rng(0)
    # returns without variance (the experts always succeed) give no evidence: the anchor stays closed
    agent.observe_returns(np.full(500, 90.0) + rng.normal(0, 0.1, 500), np.full(500, 90.0))
    assert agent.trust == 0.0 and agent.anchor == pytest.approx(0.05)
    # a value that predicts varied returns well earns trust, at most 0.1 per 1000 steps
    for k in range(1, 4):
        g = rng.uniform(0, 90, 1000)
        agent.observe_returns(g + rng.normal(0, 1.0, 1000), g)
        assert agent.trust == pytest.approx(min(0.1 * k, 1.0), abs=1e-9)
    assert agent.anchor == pytest.approx(0.05 + 1.95 * 0.3)
    assert agent.explained_variance > 0.99
    # a value that explains only part of the returns earns nothing below trust_r2_min
    weak = TDMPC2Agent(tiny_cfg(residual=True, trust_rate=1.0, trust_window=4000, trust_r2_min=0.6))
    g = rng.uniform(0, 90, 2000)
    weak.observe_returns(g + rng.normal(0, 26.0 * 0.7, 2000), g)  # R^2 about 0.5
    assert 0.3 < weak.explained_variance < 0.6 and weak.trust == 0.0
    weak.observe_returns(g + rng.normal(0, 26.0 * 0.2, 2000), g)  # about 0.73 over both batches
    ev = weak.explained_variance
    assert ev > 0.6 and weak.trust == pytest.approx((ev - 0.6) / 0.4)
    with pytest.raises(ValueError, match="trust_r2_min"):
        tiny_cfg(trust_r2_min=1.0)
    # a value that stops explaining the returns loses the trust at once
    g = rng.uniform(0, 90, 4000)
    agent.observe_returns(rng.uniform(0, 90, 4000), g)
    assert agent.trust == 0.0 and agent.anchor == pytest.approx(0.05)
    with pytest.raises(ValueError, match="differ in length"):
        agent.observe_returns(np.zeros(3), np.zeros(4))


def test_planning_departs_from_a_ref_only_within_the_anchor():
    torch.manual_seed(1)
    agent = TDMPC2Agent(tiny_cfg(residual=True, anchor_min=0.1))
    # a value that prefers large first actions pulls the plan to the anchor's edge, no further
    torch.nn.init.normal_(agent.model.reward_head.linears[-1].weight, std=1.0)
    obs = np.zeros(4, np.float32)
    devs = [np.abs(agent.act(obs, REF, eval_mode=True) - REF).max() for _ in range(5)]
    assert max(devs) <= 0.1 + 1e-6
    agent._set_trust(1.0)
    assert agent.anchor == pytest.approx(agent.cfg.anchor_max)
    devs = [np.abs(agent.act(obs, REF, eval_mode=True) - REF).max() for _ in range(5)]
    assert max(devs) > 0.1  # the whole box is open now


def test_residual_policy_prior_starts_at_a_ref_and_updates_keep_it_near():
    torch.manual_seed(2)
    agent = TDMPC2Agent(tiny_cfg(residual=True, guidance_lambda=1.0, lr=3e-3))
    with torch.no_grad():
        z = agent.model.encode(torch.randn(50, 4))
        assert torch.equal(agent.model.pi(z, sample=False)[1], torch.zeros(50, 2))
    buf = ReplayBuffer(4, 2, 1000, agent.cfg.horizon, seed=0)
    fill(buf, 600, a_ref=REF)
    for _ in range(40):
        info = agent.update(buf.sample(32))
    assert np.isfinite(info["loss"]) and info["guidance_loss"] < 0.05
    with torch.no_grad():
        res = agent.model.pi(agent.model.encode(torch.as_tensor(buf.obs[:200])), sample=False)[1]
    assert float(res.abs().mean()) < 0.2


def test_trust_survives_a_checkpoint(tmp_path):
    agent = TDMPC2Agent(tiny_cfg(residual=True, trust_rate=1.0))
    g = np.linspace(0, 50, 1000)
    agent.observe_returns(g, g)
    assert agent.trust == 1.0
    save_agent(tmp_path / "ck", agent)
    loaded, _, _ = load_agent(tmp_path / "ck")
    assert loaded.cfg.residual and loaded.trust == 1.0 and loaded.anchor == agent.anchor


def test_plain_tdmpc2_is_unchanged():
    # figures of the learner before residual guidance existed (same seeds, same batch): lambda 0
    # and no anchor must still give them
    torch.manual_seed(0)
    agent = TDMPC2Agent(TDMPC2Config(obs_dim=4, action_dim=2, guidance_lambda=0.0, **TINY))
    g = torch.Generator().manual_seed(1)
    H, B = 3, 32
    b = {"obs": torch.randn(H + 1, B, 4, generator=g), "action": torch.rand(H, B, 2, generator=g) * 2 - 1,
         "reward": torch.randn(H, B, 1, generator=g), "terminated": (torch.rand(H, B, 1, generator=g) < 0.1).float(),
         "a_ref": torch.rand(H, B, 2, generator=g) * 2 - 1, "ref_mask": torch.ones(H, B, 1),
         "imitation": torch.zeros(H, B, 1)}
    for _ in range(20):
        info = agent.update(b)
    got = [info[k] for k in sorted(info)]
    want = [0.00658, 0.90179, 0.0, 1.01015, 0.0094, 0.81812, 2.20675, 0.4368, 2.21013]
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-4)
    obs = np.linspace(-1, 1, 4).astype(np.float32)
    np.testing.assert_allclose(agent.act(obs, None, t0=True), [0.89191, 0.55589], atol=2e-3)


def test_returns_to_go_keeps_only_known_returns():
    r = [1.0] * 400
    g = returns_to_go(r, 0.99, terminated=True)
    assert len(g) == 400 and g[-1] == 1.0 and g[0] == pytest.approx((1 - 0.99**400) / 0.01)
    g = returns_to_go(r, 0.99, terminated=False)
    assert len(g) == 400 - 299  # 0.99 ** 299 < 0.05
    assert len(returns_to_go([1.0] * 100, 0.99, terminated=False)) == 0


def test_tdmpc2_planner_plans_a_guided_checkpoint_only_with_a_ref(tmp_path):
    from mwx_plugins.tdmpc2 import TDMPC2Planner

    from mwx_sdk.interfaces import StepContext

    save_agent(tmp_path / "ck", TDMPC2Agent(tiny_cfg(residual=True)), env_id="mwx-test/PointMass-v0")
    with pytest.raises(ValueError, match="keep guidance=True"):
        TDMPC2Planner(checkpoint=str(tmp_path / "ck"), device="cpu", guidance=False)
    planner = TDMPC2Planner(checkpoint=str(tmp_path / "ck"), device="cpu")
    a = planner.plan(np.zeros(4), REF.astype(np.float64), StepContext())
    assert np.all(np.abs(a - REF) <= planner.agent.anchor + 1e-6)


@pytest.mark.slow
def test_guided_training_on_the_h1_walk_task_logs_trust_and_starts_at_the_expert(tmp_path):
    # real env, real expert, tiny agent: the step-0 evaluation matches the expert alone, and the
    # trainer feeds observed returns to the trust measure once updates have begun
    import json

    from mwx_sdk.episode import run_agent_episode
    from mwx_sdk.learn.trainer import TrainConfig, Trainer, guide_agent
    from mwx_sdk.plugins import make_env

    agent = {k: v for k, v in TINY.items() if k not in ("model_size", "device")}
    cfg = TrainConfig(env_id="mwx/h1-walk-v0", experts=("walk",), steps=300, seed=0, seed_steps=50,
                      pretrain_updates=5, eval_every=300, ckpt_every=300, device="cpu", eval_at_start=True,
                      agent={**agent, "trust_window": 50})
    trainer = Trainer(cfg, tmp_path / "run")
    assert trainer.agent.cfg.residual
    trainer.run()
    rows = [json.loads(ln) for ln in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    evals = [r for r in rows if r["kind"] == "eval"]
    assert [r["step"] for r in evals] == [0, 300]
    assert all(0.0 <= r["trust"] <= 1.0 and r["anchor"] >= 0.05 for r in rows if "trust" in r)
    assert any("value_r2" in r for r in rows if r["kind"] == "episode")  # returns were observed
    # the expert alone: the trainer's guide (the task's walk expert, direct) on the same episode
    env = make_env("mwx/h1-walk-v0")
    ret = run_agent_episode(env, guide_agent(["walk"], env), trainer.instruction, seed=10_000).episode_return
    assert evals[0]["return"] >= 0.9 * ret
