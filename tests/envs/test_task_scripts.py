"""The task scripts: reach_goals.py (the reach goals within reach), trace_episode.py (a traced
episode), door_forces.py (door_wall's latch and spring)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"{name}_script", SCRIPTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_reach_goals_marks_every_drawn_goal_within_reach_and_splits_returns(tmp_path, capsys):
    rg = _load("reach_goals")
    span, rows = rg.goals([0, 1, 2], "mesh")
    assert span["low"] <= 0.2 and span["high"] >= 2.0  # the task draws goals 0.2-2.0 m high
    assert [r["seed"] for r in rows] == [0, 1, 2] and all(r["reachable"] for r in rows)
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"episodes": [{"seed": 0, "return": 100.0}, {"seed": 2, "return": 300.0}]}))
    assert rg.main(["--results", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "goals within reach: 200.0 over 2 seeds" in out and "out of reach: no seeds" in out
    assert rg.main(["--results", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_trace_episode_prints_the_plan_and_each_traced_step(capsys):
    te = _load("trace_episode")
    assert te.main(["--env", "mwx/h1-reach-v0", "--steps", "3", "--every", "1"]) == 0
    out = capsys.readouterr().out
    assert "plan:" in out and "hand-goal" in out and "return" in out
    assert out.count("subgoal 0") == 3
    assert te.main(["--env", "mwx/h1-reach-v0", "--planner-config", "[1]"]) == 2


def test_trace_episode_prints_the_hands_and_the_stages_of_staged_skills(capsys):
    te = _load("trace_episode")
    assert te.main(["--env", "mwx/h1-door_wall-v0", "--steps", "2", "--every", "1", "--hands"]) == 0
    out = capsys.readouterr().out
    # the open skill works in stages and starts by reaching for the handle
    assert out.count("stages {'open': 'reach'}") == 2 and out.count("hands L [") == 2


def test_door_forces_shows_the_latch_holding_until_the_handle_turns():
    import mwx_sdk

    df = _load("door_forces")
    env = mwx_sdk.make_env("mwx/h1-door_wall-v0")
    assert df.opening(env, 60.0, 0.0, 1.0) < 0.05  # latched: a little play, no more
    assert df.opening(env, 60.0, 0.9, 1.0) > 0.5  # the handle turned: it swings away from the robot
    env.close()
