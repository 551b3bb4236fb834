"""Training runs never lose work: a rerun without --resume is refused instead of replacing the run,
--resume needs a checkpoint and the run's own options, leftovers of killed saves are cleaned, a
torn metrics line is dropped, and a run killed with SIGKILL resumes with consistent steps and
metrics."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

# the toy task and tiny TD-MPC2 sizes of the learner tests (tests/learn is the package "learn")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from learn.toy import PointMass, register
from mwx_cli.train import app
from typer.testing import CliRunner

from mwx_sdk.learn.checkpoint import CheckpointError, save_checkpoint, temp_folders
from mwx_sdk.learn.runs import RunFolderError
from mwx_sdk.learn.trainer import TrainConfig, Trainer

TESTS = Path(__file__).resolve().parents[1]
TINY_SETS = ["enc_dim=16", "mlp_dim=24", "latent_dim=16", "num_enc_layers=2", "num_q=2", "num_samples=24",
             "num_elites=4", "num_pi_trajs=2", "iterations=1", "batch_size=16", "threads=1"]
OTHER_ID = "mwx-test/PointMassShort-v0"  # same observation and action sizes, another task


def _other_env() -> str:
    if OTHER_ID not in gym.registry:
        gym.register(id=OTHER_ID, entry_point=PointMass, kwargs={"horizon": 20})
    return OTHER_ID


def _args(out: Path, steps: int, env: str | None = None, ckpt_every: int = 40) -> list[str]:
    args = ["world-model", "--env", env or register(), "--steps", str(steps), "--out", str(out),
            "--eval-every", "0", "--ckpt-every", str(ckpt_every), "--seed-steps", "30", "--pretrain-updates", "3",
            "--lambda", "0", "--device", "cpu", "--no-tensorboard", "--model-size", "1"]
    for s in TINY_SETS:
        args += ["--set", s]
    return args


def _invoke(args: list[str]):
    return CliRunner().invoke(app, args)


def _error_line(res) -> str:
    """The command's stderr, checked to be one ``error: ...`` line."""
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "Traceback" not in res.output
    return lines[0]


def _steps(out: Path) -> int:
    return json.loads((out / "checkpoint" / "config.json").read_text())["counters"]["env_steps"]


def _metric_steps(out: Path) -> list[tuple[int, str]]:
    return [(r["step"], r["kind"]) for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines())]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A finished 40-step run (checkpoint at step 40); tests copy it before changing it."""
    out = tmp_path_factory.mktemp("runs") / "run"
    res = _invoke(_args(out, 40))
    assert res.exit_code == 0, res.output
    return out


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_rerun_without_resume_is_refused_and_keeps_the_run(trained, tmp_path):
    out = _copy(trained, tmp_path / "run")
    before = {p.name: p.read_bytes() for p in (out / "checkpoint").iterdir()}
    metrics = (out / "metrics.jsonl").read_bytes()
    line = _error_line(_invoke(_args(out, 10)))
    assert line == (f"error: {out} already holds a training run (40 steps); pass --resume to continue it "
                    "or --overwrite to start over")
    assert {p.name: p.read_bytes() for p in (out / "checkpoint").iterdir()} == before
    assert (out / "metrics.jsonl").read_bytes() == metrics and metrics

    res = _invoke(_args(out, 10) + ["--overwrite"])
    assert res.exit_code == 0, res.output
    assert _steps(out) == 10
    assert _metric_steps(out)[-1][0] == 10
    assert _error_line(_invoke(_args(out, 20) + ["--resume", "--overwrite"])).endswith("pass one of them")


def test_resume_with_another_env_or_model_is_refused_naming_both(trained, tmp_path):
    out = _copy(trained, tmp_path / "run")
    line = _error_line(_invoke(_args(out, 80, env=_other_env()) + ["--resume"]))
    assert f"--env {register()!r} (asked: {OTHER_ID!r})" in line, line
    args = _args(out, 80) + ["--resume", "--set", "latent_dim=32", "--seed", "3"]
    line = _error_line(_invoke(args))
    assert "--seed 0 (asked: 3)" in line and "--set latent_dim=16 (asked: 32)" in line, line
    assert _steps(out) == 40


def test_resume_without_a_run_is_refused(tmp_path):
    line = _error_line(_invoke(_args(tmp_path / "typo", 40) + ["--resume"]))
    assert "holds no training run to resume" in line and "drop --resume" in line
    assert not (tmp_path / "typo").exists()
    # a run killed before its first checkpoint has nothing to resume, and is not replaced silently either
    (tmp_path / "early").mkdir()
    (tmp_path / "early" / "metrics.jsonl").write_text('{"step": 5, "kind": "episode", "return": 1.0}\n')
    assert "stopped before its first checkpoint" in _error_line(_invoke(_args(tmp_path / "early", 40) + ["--resume"]))
    assert "--overwrite" in _error_line(_invoke(_args(tmp_path / "early", 40)))


def test_leftovers_of_killed_saves_are_removed(trained, tmp_path):
    out = _copy(trained, tmp_path / "run")
    junk = out / ".checkpoint.tmp-k1ll3d"
    junk.mkdir()
    (junk / "model.safetensors").write_bytes(b"\0" * 64)
    (out / ".metrics.ab12cd.tmp.jsonl").write_text("half")
    res = _invoke(_args(out, 50) + ["--resume"])
    assert res.exit_code == 0, res.output
    assert not junk.exists() and not (out / ".metrics.ab12cd.tmp.jsonl").exists()
    assert temp_folders(out / "checkpoint") == [] and _steps(out) == 50


def test_save_removes_stale_temp_folders_and_never_replaces_a_foreign_folder(tmp_path):
    stale = tmp_path / ".ck.tmp-old"
    stale.mkdir()
    save_checkpoint(tmp_path / "ck", type="irm", config={}, model={"w": torch.zeros(2)})
    assert not stale.exists() and temp_folders(tmp_path / "ck") == []
    # an --out that is a folder of other things: replacing it would delete them
    (tmp_path / "runs" / "a").mkdir(parents=True)
    (tmp_path / "runs" / "a" / "notes.txt").write_text("keep me")
    with pytest.raises(CheckpointError, match="holds no checkpoint"):
        save_checkpoint(tmp_path / "runs", type="irm", config={}, model={"w": torch.zeros(2)})
    assert (tmp_path / "runs" / "a" / "notes.txt").read_text() == "keep me"


def test_router_refuses_to_replace_a_router_or_another_folder(tmp_path):
    from mwx_sdk.learn.irm import IRMConfig, save_irm

    cfg = IRMConfig(experts=("stand", "walk"), encoder="hash", embed_dim=8, state_dim=0, hidden=4)
    params = {"w0": np.zeros((8, 4)), "b0": np.zeros(4), "w1": np.zeros((4, 4)), "b1": np.zeros(4),
              "w2": np.zeros((4, 2)), "b2": np.zeros(2), "state_mean": np.zeros(0), "state_std": np.ones(0)}
    save_irm(tmp_path / "irm", cfg, params)
    before = (tmp_path / "irm" / "model.safetensors").read_bytes()
    args = ["router", "--experts", "stand,walk", "--stage1-epochs", "1", "--stage2-epochs", "1"]
    line = _error_line(_invoke([*args, "--out", str(tmp_path / "irm")]))
    assert line == f"error: {tmp_path / 'irm'} already holds a trained IRM router; pass --overwrite to replace it"
    assert (tmp_path / "irm" / "model.safetensors").read_bytes() == before
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "notes.txt").write_text("keep me")
    assert "choose a new or empty folder" in _error_line(_invoke([*args, "--out", str(tmp_path / "runs")]))
    bad = tmp_path / "demos.json"
    bad.write_text('{"instruction": "walk"}')
    assert "must be a JSON list" in _error_line(_invoke([*args, "--out", str(tmp_path / "new"), "--demos", str(bad)]))


def test_expert_refuses_to_replace_a_distillation_run(tmp_path):
    from mwx_sdk.learn.mlp_policy import MLPPolicyConfig, save_mlp

    out = tmp_path / "stand-neural"
    cfg = MLPPolicyConfig(obs_dim=2, action_dim=1, hidden=(3,))
    save_mlp(out / "expert", cfg, {"mean": np.zeros(2), "std": np.ones(2), "w0": np.zeros((2, 3)),
                                   "b0": np.zeros(3), "w1": np.zeros((3, 1)), "b1": np.zeros(1)})
    (out / "progress.json").write_text(json.dumps({"next_round": 3, "history": [], "rng": {}}))
    (out / "dataset.npz").write_bytes(b"labels")
    args = ["expert", "stand", "--out", str(out), "--rounds", "0", "--episodes", "1", "--episode-steps", "2",
            "--epochs", "1"]
    line = _error_line(_invoke(args))
    assert line == (f"error: {out} already holds a training run (3 rounds); pass --resume to continue it "
                    "or --overwrite to start over")
    assert (out / "dataset.npz").read_bytes() == b"labels"
    # resuming with another env would mix two tasks' labels in one dataset
    from dataclasses import asdict

    from mwx_sdk.learn.distill import DistillConfig

    started = asdict(DistillConfig(skill="stand", env_id="mwx/h1-stand-v0", rounds=0, episodes_per_round=1,
                                   episode_steps=2, epochs=1))
    (out / "progress.json").write_text(json.dumps({"next_round": 3, "history": [], "rng": {}, "config": started}))
    line = _error_line(_invoke([*args, "--env", "mwx/h1-walk-v0", "--resume"]))
    assert "--env 'mwx/h1-stand-v0' (asked: 'mwx/h1-walk-v0')" in line, line
    args[args.index(str(out))] = str(tmp_path / "nothing")
    assert "holds no training run to resume" in _error_line(_invoke([*args, "--resume"]))


def _base(env_id: str) -> dict:
    from learn.test_tdmpc2 import TINY

    agent = {k: v for k, v in TINY.items() if k not in ("model_size", "device")}
    return {"env_id": env_id, "seed_steps": 30, "pretrain_updates": 3, "eval_every": 0, "ckpt_every": 50,
            "guidance_lambda": 0.0, "model_size": None, "device": "cpu", "agent": agent}


def test_torn_metrics_line_is_dropped_and_the_log_cut_to_the_checkpoint(tmp_path):
    out = tmp_path / "run"
    Trainer(TrainConfig(steps=50, **_base(register())), out).run()
    with open(out / "metrics.jsonl", "a") as fh:  # rows past the checkpoint, then a write cut off by a kill
        fh.write(json.dumps({"step": 60, "kind": "episode", "return": 1.0, "length": 10.0}) + "\n")
        fh.write('{"step": 70, "kind": "epi')
    with pytest.warns(RuntimeWarning, match=r"dropped 1 unreadable line"):
        trainer = Trainer(TrainConfig(steps=120, **_base(register())), out, resume=True)
    assert max(s for s, _ in _metric_steps(out)) == 50
    trainer.run()
    steps = _metric_steps(out)
    assert [s for s, _ in steps] == sorted(s for s, _ in steps) and steps[-1][0] == 120
    train_rows = [s for s, k in steps if k == "train"]
    assert train_rows == sorted(set(train_rows))


def test_sdk_refusals_without_the_cli(tmp_path):
    out = tmp_path / "run"
    Trainer(TrainConfig(steps=30, **_base(register())), out).run()
    with pytest.raises(RunFolderError, match=r"already holds a training run \(30 steps\)"):
        Trainer(TrainConfig(steps=30, **_base(register())), out)
    with pytest.raises(RunFolderError, match="holds no training run to resume"):
        Trainer(TrainConfig(steps=30, **_base(register())), tmp_path / "none", resume=True)
    with pytest.raises(ValueError, match=r"unknown agent option\(s\) \['latnt_dim'\]"):
        Trainer(TrainConfig(steps=30, **{**_base(register()), "agent": {"latnt_dim": 8}}), tmp_path / "b")


_CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    from learn.toy import register
    register()
    from mwx_cli.train import app
    app(sys.argv[2:], prog_name="mwx train")
""")


def test_kill_9_then_resume_continues_the_steps_and_keeps_metrics_consistent(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "MUJOCO_GL": os.environ.get("MUJOCO_GL", "egl"), "OMP_NUM_THREADS": "1"}
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(TESTS), *_args(out, 100_000, ckpt_every=50)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 120
        while not (out / "checkpoint" / "config.json").is_file():
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "no checkpoint within 120 s"
            time.sleep(0.05)
        time.sleep(0.3)  # let it run on past the checkpoint, possibly into the next save
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    saved = _steps(out)
    assert saved % 50 == 0 and saved >= 50
    kept = [r for r in _metric_steps(out) if r[0] <= saved]
    with open(out / "metrics.jsonl", "a") as fh:  # what a kill in the middle of an append leaves
        fh.write('{"step": 99999, "kind": "tr')

    res = _invoke(_args(out, saved + 60, ckpt_every=50) + ["--resume"])
    assert res.exit_code == 0, res.output
    assert f"resuming {out} at step {saved}" in res.output and "warning:" in res.output
    assert _steps(out) == saved + 60
    doc = json.loads((out / "checkpoint" / "config.json").read_text())
    assert doc["env_id"] == register() and doc["train"]["steps"] == saved + 60
    steps = _metric_steps(out)
    assert steps[: len(kept)] == kept, "rows logged before the checkpoint must survive the resume"
    assert [s for s, _ in steps] == sorted(s for s, _ in steps) and steps[-1][0] == saved + 60
    train_rows = [s for s, k in steps if k == "train"]
    assert len(train_rows) == len(set(train_rows)), "no step may be logged twice"
    assert temp_folders(out / "checkpoint") == []


def test_the_env_options_pick_the_robot_and_a_resume_must_repeat_them(tmp_path):
    """`env_options` reach make_env (the primitive H1 here), are stored with the run, and a
    resume on another robot model is refused naming both."""
    from mwx_sdk.learn.runs import check_same_options
    from mwx_sdk.learn.trainer import RESUME_FIXED

    cfg = TrainConfig(env_id="mwx/h1-stand-v0", steps=5, guidance_lambda=0.0, env_options={"model_variant": "primitive"},
                      agent={"threads": 1})
    trainer = Trainer(cfg, tmp_path / "run")
    try:
        assert trainer.env.unwrapped.model_path.name == "h1_stand.xml"
        assert trainer.eval_env.unwrapped.model_path.name == "h1_stand.xml"
    finally:
        trainer.env.close()
        trainer.eval_env.close()
    stored = json.loads((tmp_path / "run" / "train_config.json").read_text())
    assert stored["env_options"] == {"model_variant": "primitive"}
    asked = {**stored, "env_options": {"model_variant": "mesh"}}
    with pytest.raises(RunFolderError, match="--model-variant model_variant='primitive' \\(asked: 'mesh'\\)"):
        check_same_options(tmp_path / "run", stored, asked, RESUME_FIXED)
