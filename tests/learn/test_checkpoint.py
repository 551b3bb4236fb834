"""Checkpoints: exact round trip, clear failures, replay-buffer episodes, and resuming an
interrupted training run with step counter, buffer and optimizer intact."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from mwx_sdk.learn.checkpoint import CheckpointError
from mwx_sdk.learn.replay import ReplayBuffer
from mwx_sdk.learn.tdmpc2 import TDMPC2Agent
from mwx_sdk.learn.tdmpc2.persist import load_agent, save_agent
from mwx_sdk.learn.trainer import TrainConfig, Trainer

from .test_tdmpc2 import TINY, fill, tiny_cfg
from .toy import register


def _trained(steps: int = 3):
    torch.manual_seed(0)
    agent = TDMPC2Agent(tiny_cfg())
    buf = ReplayBuffer(4, 2, 500, agent.cfg.horizon, seed=0)
    fill(buf, 300)
    for _ in range(steps):
        agent.update(buf.sample(16))
    return agent, buf


def test_round_trip_is_bitwise(tmp_path):
    agent, buf = _trained()
    save_agent(tmp_path / "ck", agent, buffer=buf, counters={"env_steps": 300})
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == [
        "config.json", "model.safetensors", "optim.safetensors", "replay.npz"
    ]
    agent2, buf2, doc = load_agent(tmp_path / "ck", resume=True)
    for k, v in agent.state_tensors().items():
        assert torch.equal(v, agent2.state_tensors()[k]), k
    for name, opt in agent.optimizers().items():
        s1, s2 = opt.state_dict(), agent2.optimizers()[name].state_dict()
        assert s1["param_groups"] == s2["param_groups"]
        for i, st in s1["state"].items():
            for key, val in st.items():
                assert torch.equal(val, s2["state"][i][key]), (name, i, key)
    assert doc["counters"]["env_steps"] == 300 and agent2.updates == agent.updates
    for k in ("obs", "action", "reward", "valid", "episode"):
        np.testing.assert_array_equal(getattr(buf, k), getattr(buf2, k))
    # identical next update after the round trip (RNG restored too)
    batch = buf.sample(16)
    torch.manual_seed(5)
    i1 = agent.update(batch)
    torch.manual_seed(5)
    i2 = agent2.update(batch)
    assert i1 == i2


def test_mismatch_and_version_fail_clearly(tmp_path):
    agent, _ = _trained(1)
    save_agent(tmp_path / "ck", agent)
    with pytest.raises(CheckpointError, match="obs_dim=4, but this environment has obs_dim=51"):
        load_agent(tmp_path / "ck", expect_obs_dim=51)
    cfg = json.loads((tmp_path / "ck" / "config.json").read_text())
    cfg["format_version"] = 99
    (tmp_path / "ck" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="format version 99"):
        load_agent(tmp_path / "ck")
    cfg["format_version"], cfg["type"] = 1, "irm"
    (tmp_path / "ck" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="holds a 'irm' model, expected 'tdmpc2'"):
        load_agent(tmp_path / "ck")
    cfg["type"] = "tdmpc2"
    cfg["config"]["mlp_dim"] = 64  # config no longer matches the stored tensors
    (tmp_path / "ck" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="wrong shape"):
        load_agent(tmp_path / "ck")
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        load_agent(tmp_path / "missing")


def test_replay_never_crosses_episodes_and_wraps():
    buf = ReplayBuffer(4, 2, 50, horizon=3, seed=0)
    fill(buf, 400)  # many wraps of the ring
    batch = buf.sample(256)
    obs = batch["obs"]
    # consecutive observations in one sample follow the point-mass dynamics: |dx| is small
    assert np.all(np.abs(np.diff(obs[:, :, :2], axis=0)) < 0.6)
    ep = buf.episode[np.flatnonzero(buf.valid)]
    assert ep.size and np.all(ep >= 0)
    starts = np.flatnonzero(buf.valid)
    for s in starts:
        ids = buf.episode[(s + np.arange(4)) % 50]
        assert np.all(ids == ids[0])


def test_resume_after_interruption(tmp_path):
    env_id = register()
    agent_kw = {k: v for k, v in TINY.items() if k not in ("model_size", "device")}
    base = dict(env_id=env_id, seed_steps=60, pretrain_updates=5, eval_every=0, eval_episodes=1,
                ckpt_every=50, guidance_lambda=0.0, model_size=None, device="cpu", agent=agent_kw)
    # run A: 150 steps straight; run B: "killed" after 100 (checkpoint at 100), then resumed
    a = Trainer(TrainConfig(steps=150, **base), tmp_path / "a")
    a.run()
    b = Trainer(TrainConfig(steps=100, **base), tmp_path / "b")
    b.run()
    b2 = Trainer(TrainConfig(steps=150, **base), tmp_path / "b", resume=True)
    assert b2.counters["env_steps"] == 100
    assert b2.agent.updates == b.agent.updates
    assert b2.buffer.total_rows == b.buffer.total_rows
    np.testing.assert_array_equal(b2.buffer.obs, b.buffer.obs)
    st1 = b.agent.optim.state_dict()["state"]
    st2 = b2.agent.optim.state_dict()["state"]
    assert all(torch.equal(st1[i]["exp_avg"], st2[i]["exp_avg"]) for i in st1)
    out = b2.run()
    assert out["env_steps"] == 150
    assert b2.agent.updates == a.agent.updates
    steps = [json.loads(ln)["step"] for ln in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] == 150


def test_tdmpc2_planner_plugin(tmp_path):
    import gymnasium as gym
    from mwx_plugins.tdmpc2 import TDMPC2Planner

    from mwx_sdk.interfaces import StepContext

    agent, _ = _trained(1)
    save_agent(tmp_path / "ck", agent, with_optim=False)
    planner = TDMPC2Planner(checkpoint=str(tmp_path / "ck"), device="cpu", overrides={"iterations": 1})
    env = gym.make(register()).unwrapped
    ctx = StepContext()
    planner.reset(env, ctx)
    a = planner.plan(np.zeros(4, np.float32), np.array([0.3, -0.3]), ctx)
    assert a.shape == (2,) and np.all(np.abs(a) <= 1) and planner.diagnostics()["ms"] > 0
    with pytest.raises(ValueError, match="overrides"):
        TDMPC2Planner(checkpoint=str(tmp_path / "ck"), overrides={"latent_dim": 8})
    with pytest.raises(ValueError, match="needs checkpoint"):
        TDMPC2Planner()

    class Wide:
        observation_space = gym.spaces.Box(-1, 1, (9,))

    with pytest.raises(ValueError, match="expects observations of size 4"):
        planner.reset(Wide(), ctx)
