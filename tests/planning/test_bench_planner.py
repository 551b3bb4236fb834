"""bench/planner.py: its per-window trace agrees with the episode's own totals."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "planner.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_planner", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_windows_split_the_episode_and_match_its_totals(tmp_path, capsys):
    bench = _bench()
    out = tmp_path / "b.json"
    rows = bench.main(["--envs", "stand", "--seeds", "0", "--steps", "25", "--window", "10",
                       "--planner", "direct", "--out", str(out)])
    row = rows[0]
    wins = row["windows"]
    assert [w["step"] for w in wins] == [0, 10, 20]
    sizes = np.array([10, 10, 5])
    # the windows' rewards add up to the return, their distances to the mean speed
    assert np.dot(sizes, [w["reward"] for w in wins]) == pytest.approx(row["return"], rel=1e-9)
    assert np.dot(sizes, [w["vx"] for w in wins]) / 25 == pytest.approx(row["mean_forward_speed"], rel=1e-9)
    assert all(abs(w["yaw_deg"]) < 180 for w in wins)
    assert json.loads(out.read_text())["results"][0]["windows"] == wins
    assert "[20: r" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        bench.main(["--envs", "stand", "--window", "0", "--out", str(out)])


def test_windows_of_a_known_trace():
    bench = _bench()
    yaw = np.radians([10.0, 20.0, 30.0])
    wins = bench._windows([1.0, 0.5, 0.0], [0.0, 0.1, 0.3, 0.6], list(yaw), 0.02, 2)
    assert wins[0] == pytest.approx({"step": 0, "reward": 0.75, "vx": 0.3 / 0.04, "yaw_deg": 15.0})
    assert wins[1] == pytest.approx({"step": 2, "reward": 0.0, "vx": 0.3 / 0.02, "yaw_deg": 30.0})


def test_the_bench_runs_the_agent_mwx_run_composes_for_one_skill(tmp_path):
    """The bench's single-prior agent is an Agent composed with the task's defaults and run by the
    one loop: its return equals that of ``compose`` (the walk expert at the task's speed) driven
    by ``run_agent_episode`` with the same seed, bit for bit."""
    import mwx_sdk
    from mwx_sdk.episode import run_agent_episode

    bench = _bench()
    row = bench.run_episode("walk", 3, 6, "mppi", "auto", {"num_samples": 8})
    env = mwx_sdk.make_env("mwx/h1-walk-v0")
    agent = mwx_sdk.compose(env=env, experts=["walk"], router="uniform", vlm="lexical",
                            planner_config={"num_samples": 8})
    assert agent.experts[0].target_speed == pytest.approx(mwx_sdk.get_task("walk").composition.options_for("walk")["speed"])
    out = run_agent_episode(env, agent, "walk forward", seed=3, steps=6)
    agent.close()
    env.close()
    assert row["steps"] == out.steps == 6
    assert row["return"] == out.episode_return
    assert row["prior"] == "WalkExpert" and row["config"]["num_samples"] == 8


def test_keyframe_prior_holds_the_keyframe_pose():
    bench = _bench()
    row = bench.run_episode("stand", 0, 5, "direct", "keyframe", {})
    assert row["prior"] == "keyframe" and row["steps"] == 5 and not row["fell"]
