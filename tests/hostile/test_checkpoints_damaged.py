"""Damaged and foreign checkpoints fail with one line naming the file and what to do (through the
CLI: ``error: ...``, exit code 2, no traceback); NaN or inf weights are refused naming the tensor;
a world model planning another task than the one it learned warns once, naming both."""

from __future__ import annotations

import json
import shutil
import sys
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

# the toy task and tiny TD-MPC2 sizes of the learner tests (tests/learn is the package "learn")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from learn.test_tdmpc2 import tiny_cfg
from learn.toy import PointMass, register
from mwx_cli.train import app
from typer.testing import CliRunner

from mwx_sdk.interfaces import StepContext
from mwx_sdk.learn.checkpoint import CheckpointError
from mwx_sdk.learn.irm import IRMConfig, load_irm, save_irm
from mwx_sdk.learn.mlp_policy import MLPPolicyConfig, load_mlp, save_mlp
from mwx_sdk.learn.tdmpc2 import TDMPC2Agent
from mwx_sdk.learn.tdmpc2.persist import load_agent, save_agent

TINY_SETS = ["enc_dim=16", "mlp_dim=24", "latent_dim=16", "num_enc_layers=2", "num_q=2", "num_samples=24",
             "num_elites=4", "num_pi_trajs=2", "iterations=1", "batch_size=16", "threads=1"]
OTHER_ID = "mwx-test/PointMassFar-v0"  # same sizes as the toy task, another task


def _args(out: Path, steps: int) -> list[str]:
    args = ["world-model", "--env", register(), "--steps", str(steps), "--out", str(out), "--eval-every", "0",
            "--ckpt-every", "30", "--seed-steps", "20", "--pretrain-updates", "2", "--lambda", "0",
            "--device", "cpu", "--no-tensorboard", "--model-size", "1"]
    for s in TINY_SETS:
        args += ["--set", s]
    return args


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "run"
    res = CliRunner().invoke(app, _args(out, 30))
    assert res.exit_code == 0, res.output
    return out


def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _edit(p: Path, fn) -> None:
    p.write_text(json.dumps(fn(json.loads(p.read_text()))))


def _drop(doc: dict, *keys: str) -> dict:
    for k in keys[:-1]:
        doc = doc[k]
    doc.pop(keys[-1])
    return doc


DAMAGE = {
    # name: (file to damage, how, words the message must hold)
    "truncated weights": ("model.safetensors", _truncate, "is damaged or not a safetensors file"),
    "weights not safetensors": ("model.safetensors", lambda p: p.write_text("<html>404</html>"), "not a safetensors"),
    "truncated optimizer": ("optim.safetensors", _truncate, "is damaged or not a safetensors file"),
    "truncated replay": ("replay.npz", _truncate, "is damaged"),
    "config a list": ("config.json", lambda p: p.write_text("[1, 2]"), "holds a JSON list"),
    "config not JSON": ("config.json", lambda p: p.write_text('{"type": "tdmpc2",'), "is not valid JSON"),
    "config binary": ("config.json", lambda p: p.write_bytes(b"\xff\xfe\0\0"), "is not valid JSON"),
    "config without type": ("config.json", lambda p: _edit(p, lambda d: {k: v for k, v in d.items() if k != "type"}),
                            "lacks the field(s) ['type']"),
    "config without config": ("config.json", lambda p: _edit(p, lambda d: {k: v for k, v in d.items()
                                                                           if k != "config"}),
                              "lacks the field ['config']"),
    "config without obs_dim": ("config.json", lambda p: _edit(p, lambda d: (_drop(d, "config", "obs_dim"), d)[1]),
                               "invalid TD-MPC2 config"),
    "config without replay meta": ("config.json", lambda p: _edit(p, lambda d: (_drop(d, "replay", "size"), d)[1]),
                                   "replay buffer"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_resume_from_a_damaged_checkpoint_is_one_line_naming_the_file(run, tmp_path, case):
    name, damage, words = DAMAGE[case]
    out = tmp_path / "run"
    shutil.copytree(run, out)
    damage(out / "checkpoint" / name)
    res = CliRunner().invoke(app, _args(out, 60) + ["--resume"])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    assert "Traceback" not in res.output
    assert words in lines[0], lines[0]
    assert str(out / "checkpoint") in lines[0], lines[0]
    if name != "config.json":
        assert name in lines[0]


def _agent_folder(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    save_agent(tmp_path / "ck", TDMPC2Agent(tiny_cfg()), with_optim=False, env_id=register())
    return tmp_path / "ck"


def test_nan_or_inf_weights_are_refused_naming_file_and_tensor(tmp_path):
    from safetensors.torch import load_file, save_file

    ck = _agent_folder(tmp_path)
    tensors = load_file(str(ck / "model.safetensors"))
    name = sorted(k for k, v in tensors.items() if v.is_floating_point())[3]
    tensors[name].view(-1)[0] = float("nan")
    save_file(tensors, str(ck / "model.safetensors"))
    with pytest.raises(CheckpointError, match="NaN or inf") as err:
        load_agent(ck)
    assert str(ck / "model.safetensors") in str(err.value) and repr(name) in str(err.value)

    # numpy-loaded checkpoints too: the neural experts and the IRM router
    cfg = MLPPolicyConfig(obs_dim=2, action_dim=1, hidden=(3,))
    params = {"mean": np.zeros(2), "std": np.ones(2), "w0": np.zeros((2, 3)), "b0": np.zeros(3),
              "w1": np.zeros((3, 1)), "b1": np.array([np.inf])}
    save_mlp(tmp_path / "mlp", cfg, params)
    with pytest.raises(CheckpointError, match=r"mlp/model.safetensors: tensor 'b1' holds NaN or inf"):
        load_mlp(tmp_path / "mlp")
    icfg = IRMConfig(experts=("stand", "walk"), encoder="hash", embed_dim=4, state_dim=0, hidden=2)
    iparams = {"w0": np.full((4, 2), np.nan), "b0": np.zeros(2), "w1": np.zeros((2, 2)), "b1": np.zeros(2),
               "w2": np.zeros((2, 2)), "b2": np.zeros(2), "state_mean": np.zeros(0), "state_std": np.ones(0)}
    save_irm(tmp_path / "irm", icfg, iparams)
    with pytest.raises(CheckpointError, match=r"irm/model.safetensors: tensor 'w0' holds NaN or inf"):
        load_irm(tmp_path / "irm")


def test_foreign_expert_config_is_a_checkpoint_error(tmp_path):
    cfg = MLPPolicyConfig(obs_dim=2, action_dim=1, hidden=(3,))
    params = {"mean": np.zeros(2), "std": np.ones(2), "w0": np.zeros((2, 3)), "b0": np.zeros(3),
              "w1": np.zeros((3, 1)), "b1": np.zeros(1)}
    save_mlp(tmp_path / "mlp", cfg, params)
    _edit(tmp_path / "mlp" / "config.json", lambda d: (_drop(d, "config", "obs_dim"), d)[1])
    with pytest.raises(CheckpointError, match="mwx train expert"):
        load_mlp(tmp_path / "mlp")
    with pytest.raises(CheckpointError, match="is a file inside a checkpoint; pass its folder"):
        load_agent(_agent_folder(tmp_path) / "model.safetensors")


def _planner(ck: Path):
    from mwx_plugins.tdmpc2 import TDMPC2Planner

    return TDMPC2Planner(checkpoint=str(ck), device="cpu", overrides={"iterations": 1})


def test_planning_another_task_warns_once_naming_both(tmp_path):
    from mwx_plugins.tdmpc2 import TaskMismatchWarning

    if OTHER_ID not in gym.registry:
        gym.register(id=OTHER_ID, entry_point=PointMass, kwargs={"fall": 6.0})
    ck = _agent_folder(tmp_path)
    assert json.loads((ck / "config.json").read_text())["env_id"] == register()
    planner = _planner(ck)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the task it learned: no warning
        planner.reset(gym.make(register()).unwrapped, StepContext())
    other = gym.make(OTHER_ID).unwrapped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # so a second warning would show, not be merged with the first
        for _ in range(3):  # three episodes
            planner.reset(other, StepContext())
    mismatch = [w for w in caught if issubclass(w.category, TaskMismatchWarning)]
    assert len(mismatch) == 1, [str(w.message) for w in caught]
    msg = str(mismatch[0].message)
    assert f"trained on {register()}" in msg and f"plans {OTHER_ID}" in msg and "mwx train world-model" in msg


def test_trainer_checkpoints_record_their_task(run):
    doc = json.loads((run / "checkpoint" / "config.json").read_text())
    assert doc["env_id"] == register()
