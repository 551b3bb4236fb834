"""Distillation through the one episode loop: the teacher is the agent ``compose`` builds for the
skill (task options, the prior's horizon published to the planner, the planner seeded from the
episode), and the student is evaluated by the same loop."""

from __future__ import annotations

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.episode import EpisodeCallback, run_agent_episode
from mwx_sdk.learn.distill import DistillConfig, StudentActor, distill, evaluate_mlp, teacher_agent
from mwx_sdk.learn.mlp_policy import load_mlp

STEPS = 5


class _Actions(EpisodeCallback):
    def __init__(self) -> None:
        self.actions: list[np.ndarray] = []

    def on_step(self, step) -> None:
        self.actions.append(step.action.copy())


def test_teacher_labels_are_the_composed_agents_actions(tmp_path):
    cfg = DistillConfig(skill="walk", env_id="mwx/h1-walk-v0", rounds=0, episodes_per_round=1, episode_steps=STEPS,
                        epochs=1, eval_steps=3, teacher="mppi", teacher_config={"num_samples": 8}, seed=2)
    distill(cfg, tmp_path / "run", log=lambda msg: None)
    with np.load(tmp_path / "run" / "dataset.npz") as z:
        labels = z["y"]
    assert labels.shape == (STEPS, 19)

    env = mwx_sdk.make_env("mwx/h1-walk-v0")
    agent = mwx_sdk.compose(env=env, experts=["walk"], router="uniform", vlm="lexical", planner="mppi",
                            planner_config={"num_samples": 8})
    rec = _Actions()
    run_agent_episode(env, agent, "walk forward", seed=2 * 10_007, steps=STEPS, callbacks=[rec])
    # the planner read the walk prior's actions over its whole horizon, as in `mwx run`
    assert agent.ctx.a_ref_horizon is not None and agent.ctx.a_ref_horizon.shape == (agent.planner.config.horizon, 19)
    agent.close()
    env.close()
    np.testing.assert_array_equal(labels, np.stack(rec.actions).astype(np.float32))


def test_teacher_is_built_with_the_tasks_options_under_the_users():
    env = mwx_sdk.make_env("mwx/h1-walk-v0")
    cfg = DistillConfig(skill="walk", env_id="mwx/h1-walk-v0", teacher="direct")
    teacher = teacher_agent(cfg, env)
    speed = mwx_sdk.get_task("walk").composition.options_for("walk")["speed"]
    assert teacher.experts[0].target_speed == pytest.approx(speed) and teacher.planner.name == "direct"
    env.close()


def test_student_evaluation_runs_the_one_loop(tmp_path):
    cfg = DistillConfig(skill="stand", env_id="mwx/h1-stand-v0", rounds=0, episodes_per_round=1, episode_steps=4,
                        epochs=1, eval_steps=6, teacher="direct", prev_action=True)
    distill(cfg, tmp_path / "run", log=lambda msg: None)
    net = load_mlp(tmp_path / "run" / "expert")
    ev = evaluate_mlp(net, "mwx/h1-stand-v0", 6, seed=5)
    env = mwx_sdk.make_env("mwx/h1-stand-v0")
    out = run_agent_episode(env, StudentActor(net), "stand", seed=5, steps=6)
    env.close()
    assert ev == {"return": out.episode_return, "length": 6.0}


def test_an_evaluation_needs_a_step():
    with pytest.raises(ValueError, match="eval_steps"):
        DistillConfig(skill="stand", env_id="mwx/h1-stand-v0", eval_steps=0)
