"""`mwx train world-model` end to end on a toy environment, then resumed."""

from __future__ import annotations

import json

import pytest
from mwx_cli.train import app
from typer.testing import CliRunner

from .toy import register

TINY_SETS = ["enc_dim=16", "mlp_dim=24", "latent_dim=16", "num_enc_layers=2", "num_q=2", "num_samples=24",
             "num_elites=4", "num_pi_trajs=2", "iterations=1", "batch_size=16", "threads=1"]


def _args(out, steps):
    args = ["world-model", "--env", register(), "--steps", str(steps), "--out", str(out), "--eval-every", "0",
            "--ckpt-every", "40", "--seed-steps", "30", "--pretrain-updates", "3", "--lambda", "0",
            "--device", "cpu", "--no-tensorboard"]
    args += ["--model-size", "1"]
    for s in TINY_SETS:
        args += ["--set", s]
    return args


def test_world_model_command_and_resume(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, _args(tmp_path / "run", 40))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "run" / "checkpoint" / "model.safetensors").is_file()
    res = runner.invoke(app, _args(tmp_path / "run", 70) + ["--resume"])
    assert res.exit_code == 0, res.output
    assert "resuming" in res.output
    doc = json.loads((tmp_path / "run" / "checkpoint" / "config.json").read_text())
    assert doc["counters"]["env_steps"] == 70


def test_guidance_without_experts_is_refused(tmp_path):
    res = CliRunner().invoke(app, ["world-model", "--env", register(), "--out", str(tmp_path), "--lambda", "0.05"])
    assert res.exit_code != 0 and "needs experts" in res.output


@pytest.mark.parametrize("bad, msg", [("{prior_blend: 0.5}", "not valid JSON"), ("[0.5]", "JSON object")])
def test_expert_command_refuses_a_bad_teacher_config(tmp_path, bad, msg):
    res = CliRunner().invoke(app, ["expert", "stand", "--out", str(tmp_path), "--teacher-config", bad])
    assert res.exit_code != 0 and msg in res.output


def test_distill_config_validation():
    from mwx_sdk.learn.distill import DistillConfig

    cfg = DistillConfig(skill="stand", env_id="mwx/h1-stand-v0", prev_action=True, action_noise=0.05)
    assert cfg.prev_action and cfg.action_noise == 0.05
    with pytest.raises(ValueError, match="action_noise"):
        DistillConfig(skill="stand", env_id="mwx/h1-stand-v0", action_noise=-0.1)
    with pytest.raises(ValueError, match="beta_decay"):
        DistillConfig(skill="stand", env_id="mwx/h1-stand-v0", beta_decay=1.5)
