"""The trainer's evaluations run the one episode loop and change nothing in training; its guide
is the experts' agent composed the task-defaults way."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mwx_sdk.learn.trainer import LearnerActor, TrainConfig, Trainer, guide_agent

from .test_tdmpc2 import TINY
from .toy import register

AGENT = {k: v for k, v in TINY.items() if k not in ("model_size", "device")}


def _trainer(tmp_path, name: str, **kw) -> Trainer:
    base = {"env_id": register(), "steps": 90, "seed": 1, "seed_steps": 30, "pretrain_updates": 3, "eval_every": 0,
            "ckpt_every": 0, "guidance_lambda": 0.0, "model_size": None, "device": "cpu", "agent": AGENT}
    return Trainer(TrainConfig(**{**base, **kw}), tmp_path / name)


def test_evaluations_leave_the_training_as_it_would_have_been(tmp_path):
    # evaluations at steps 40 and 80 land in the middle of training episodes (60 steps long)
    quiet = _trainer(tmp_path, "quiet")
    quiet.run()
    busy = _trainer(tmp_path, "busy", eval_every=40)
    busy.run()
    assert busy.counters["evals"] == 2
    n = quiet.buffer.total_rows
    assert n == busy.buffer.total_rows
    np.testing.assert_array_equal(quiet.buffer.obs[:n], busy.buffer.obs[:n])
    np.testing.assert_array_equal(quiet.buffer.action[:n], busy.buffer.action[:n])
    for (name, p), q in zip(quiet.agent.model.named_parameters(), busy.agent.model.parameters()):
        assert torch.equal(p, q), name


def test_an_evaluation_is_seeded_by_its_own_seed(tmp_path):
    trainer = _trainer(tmp_path, "run")
    first = trainer.evaluate()
    torch.rand(7)  # the training's streams moved on
    np.random.rand(3)
    assert trainer.evaluate() == first


@pytest.mark.slow
def test_guide_is_the_tasks_composed_agent_and_a_ref_its_action(tmp_path):
    import mwx_sdk

    env = mwx_sdk.make_env("mwx/h1-walk-v0")
    guide = guide_agent(["walk"], env)
    speed = mwx_sdk.get_task("walk").composition.options_for("walk")["speed"]
    assert guide.experts[0].target_speed == pytest.approx(speed) and guide.planner.name == "direct"
    trainer = Trainer(TrainConfig(env_id="mwx/h1-walk-v0", experts=("walk",), steps=5, seed_steps=5,
                                  pretrain_updates=0, eval_every=0, ckpt_every=0, model_size=None, device="cpu",
                                  agent=AGENT), tmp_path / "run")
    actor = LearnerActor(trainer.agent, trainer.guide)
    obs, _ = env.reset(seed=0)
    actor.reset("walk forward", env, seed=0)
    a_ref = actor.reference(obs)
    expert = mwx_sdk.get_expert("walk", speed=speed)
    from mwx_sdk.interfaces import StepContext

    ctx = StepContext(env=env.unwrapped, dt=env.unwrapped.dt)
    expert.reset(ctx)
    np.testing.assert_array_equal(a_ref, np.clip(expert.act(obs, ctx), -1, 1))
    env.close()
