"""A tiny evaluation on the real H1 env: complete reports, determinism, the process pool, the CLI."""

from __future__ import annotations

import csv
import json
import math

import pytest

from mwx_sdk.eval.backends import run_many
from mwx_sdk.eval.episode import TIMING_KEYS, run_episode
from mwx_sdk.eval.metrics import summarize
from mwx_sdk.eval.report import EPISODE_COLUMNS, markdown_summary, write_eval_report
from mwx_sdk.eval.spec import AgentSpec, EnvSpec, EpisodeSpec, parse_seeds

STEPS = 40


def _spec(seed: int = 0, **kw) -> EpisodeSpec:
    return EpisodeSpec(env=EnvSpec(factory="eval_fakes:make_h1"), agent=AgentSpec(factory="eval_fakes:scripted_agent"),
                       seed=seed, steps=STEPS, instruction="stand still", tags={"task": "stand", "method": "scripted"},
                       **kw)


def _numbers(res: dict) -> dict:
    return {k: v for k, v in res.items() if k not in TIMING_KEYS}


def _diff(a: dict, b: dict) -> list[str]:
    """Keys whose values differ exactly (NaN equal to NaN), timings excluded."""
    keys = set(_numbers(a)) | set(_numbers(b))
    return sorted(k for k in keys if json.dumps(a.get(k), sort_keys=True) != json.dumps(b.get(k), sort_keys=True))


def test_tiny_eval_writes_complete_valid_reports(tmp_path):
    results = run_many([_spec(0), _spec(1)], workers=1)
    assert [r["seed"] for r in results] == [0, 1]
    for r in results:
        assert r["steps"] == STEPS and r["step_budget"] == STEPS
        assert r["success_bar"] == 800.0 and r["success_bar_used"] == pytest.approx(800.0 * STEPS / 1000)
        assert r["has_prior"] and math.isfinite(r["rms_joint_error"]) and r["rms_joint_error"] > 0
        assert r["shaped_return"] > r["return"] > 0  # the imitation term is positive
        assert math.isfinite(r["jerk"]) and r["foot_sliding"] >= 0 and r["ms_per_step"] > 0
        assert r["reward_terms"]["per_timestep_reward"] == pytest.approx(r["return"])
        assert len(r["trace"]["fused_weights"]) == STEPS and r["experts"] == ["hold", "sway"]
    files = write_eval_report(tmp_path, results, {"env": "mwx/h1-stand-v0", "agent": "scripted", "seeds": [0, 1],
                                                   "steps": STEPS})
    data = json.loads((tmp_path / "results.json").read_text())  # strict JSON (no NaN)
    assert set(data) == {"config", "summary", "episodes"}
    assert data["summary"]["episodes"] == 2
    assert data["summary"]["return_mean"] == pytest.approx((results[0]["return"] + results[1]["return"]) / 2)
    assert "trace" not in data["episodes"][0]
    rows = list(csv.DictReader((tmp_path / "episodes.csv").open()))
    assert len(rows) == 2 and tuple(rows[0]) == EPISODE_COLUMNS
    assert float(rows[1]["return"]) == pytest.approx(results[1]["return"], rel=1e-5)
    md = (tmp_path / "summary.md").read_text()
    assert "± " in md and "| seed |" in md and "success rate" in md
    for name in ("returns_plot", "weights_plot"):
        assert files[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*tmp"))  # atomic writes leave no temporaries


def test_same_seed_same_numbers_and_seeds_differ():
    a, b, c = run_episode(_spec(3)), run_episode(_spec(3)), run_episode(_spec(4))
    assert _diff(a, b) == []
    assert a["return"] != c["return"]


def test_process_pool_matches_in_process_run():
    specs = [_spec(0), _spec(1)]
    serial = run_many(specs, workers=1)
    pooled = run_many(specs, workers=2)
    assert [_diff(x, y) for x, y in zip(serial, pooled)] == [[], []]


def test_bad_inputs_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="0-9"):
        parse_seeds("zero")
    with pytest.raises(ValueError, match="backwards"):
        parse_seeds("5-2")
    assert parse_seeds("0-2,5,1") == [0, 1, 2, 5]
    with pytest.raises(ValueError, match="exactly one"):
        AgentSpec()
    with pytest.raises(ValueError, match="does not exist"):
        AgentSpec(file=str(tmp_path / "nope.toml"))
    with pytest.raises(ValueError, match="backend"):
        run_many([_spec(0)], backend="slurm")


def test_cli_eval_with_an_agent_factory(tmp_path):
    from mwx_cli.main import app
    from typer.testing import CliRunner

    from mwx_sdk.envs.registration import register_builtin_envs

    register_builtin_envs()
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["eval", "--env", "mwx/h1-stand-v0", "--agent", "eval_fakes:scripted_agent",
                                   "--episodes", "2", "--seeds", "0-1", "--steps", "15", "--out", str(out),
                                   "--no-plots"])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "results.json").read_text())
    assert [e["seed"] for e in data["episodes"]] == [0, 1] and data["episodes"][0]["steps"] == 15
    assert data["config"]["instruction"]  # the task's default instruction
    # no agent options: the task's default composition (its experts, fusion, its planner: mppi)
    default = CliRunner().invoke(app, ["eval", "--env", "mwx/h1-stand-v0", "--seeds", "3", "--steps", "3",
                                       "--out", str(tmp_path / "default"), "--no-plots"])
    assert default.exit_code == 0, default.output
    spec = json.loads((tmp_path / "default" / "results.json").read_text())["config"]["agent_spec"]
    assert tuple(spec["experts"]) == ("stand", "walk") and spec["router"] == "fusion"
    few = CliRunner().invoke(app, ["eval", "--env", "mwx/h1-stand-v0", "--agent", "eval_fakes:scripted_agent",
                                   "--episodes", "3", "--seeds", "0-1"])
    assert few.exit_code == 2 and "--seeds 0-2" in few.output



def test_cli_eval_with_an_inline_composed_agent(tmp_path):
    """The real composition path: bundled stand expert, fusion router, direct planner."""
    from mwx_cli.main import app
    from typer.testing import CliRunner

    out = tmp_path / "inline"
    res = CliRunner().invoke(app, ["eval", "--env", "mwx/h1-stand-v0", "--experts", "stand", "--router", "fusion",
                                   "--planner", "direct", "--vlm", "lexical", "--episodes", "2", "--steps", "20",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "results.json").read_text())
    eps = data["episodes"]
    assert len(eps) == 2 and all(e["steps"] == 20 and e["experts"] == ["stand"] for e in eps)
    assert data["summary"]["episodes"] == 2 and data["config"]["agent_spec"]["planner"] == "direct"
    assert eps[0]["mean_fused_weights"] == [1.0]
    rows = list(csv.DictReader((out / "episodes.csv").open()))
    assert [r["seed"] for r in rows] == ["0", "1"] and all(r["return"] for r in rows)
    assert "stand" in (out / "summary.md").read_text() and (out / "weights.png").is_file()


def test_zero_prior_baseline_plans_without_guidance():
    from mwx_sdk.eval.methods import ZeroActionExpert, zero_prior_agent

    agent = zero_prior_agent(seed=3, planner_options={"num_samples": 4, "horizon": 4, "num_knots": 2, "threads": 1})
    assert [type(e) for e in agent.experts] == [ZeroActionExpert]
    assert agent.planner.config.action_weight == 0.0 and agent.planner.config.pose_weight == 0.0
    spec = EpisodeSpec(env=EnvSpec(env_id="mwx/h1-stand-v0"), seed=3, steps=3, instruction="stand",
                       agent=AgentSpec(factory="mwx_sdk.eval.methods:zero_prior_agent",
                                       compose_options={"planner_options": {"num_samples": 4, "horizon": 4,
                                                                            "num_knots": 2, "threads": 1}}))
    res = run_episode(spec)
    assert res["steps"] == 3 and not res["has_prior"] and math.isnan(res["rms_joint_error"])
    assert res["planner"] == "mppi"  # chosen by the method, not named in the spec: the result says
    md = markdown_summary(summarize([res]), [res], {"env": "mwx/h1-stand-v0", "agent": "zero"})
    assert "Planner: mppi" in md


def test_episode_video_is_written(tmp_path):
    from mwx_sdk.envs.render import RenderError

    path = tmp_path / "videos" / "seed0.mp4"
    try:
        res = run_episode(_spec(0, video=str(path)))
    except RenderError as exc:
        pytest.skip(f"no off-screen OpenGL here: {exc}")
    assert res["video"] == str(path) and path.stat().st_size > 1000
    assert path.read_bytes()[4:8] == b"ftyp"  # an mp4 container
    assert [p.name for p in path.parent.iterdir()] == ["seed0.mp4"]  # no temporaries left


def test_agent_toml_file(tmp_path):
    toml = tmp_path / "agent.toml"
    toml.write_text('[agent]\nexperts = ["stand", "walk"]\n\n[planner]\nname = "direct"\n\n[vlm]\nname = "lexical"\n')
    spec = EpisodeSpec(env=EnvSpec(env_id="mwx/h1-walk-v0"), agent=AgentSpec(file=str(toml)), seed=2, steps=8,
                       instruction="walk forward")
    res = run_episode(spec)
    assert res["method"] == "agent" and res["task"] == "walk" and res["experts"] == ["stand", "walk"]
    assert res["steps"] == 8 and len(res["mean_fused_weights"]) == 2


def test_checkpoints_are_found_in_trainer_output_folders(tmp_path):
    from mwx_sdk.eval.methods import METHODS, checkpoint_for

    (tmp_path / "tdmpc2" / "walk" / "checkpoint").mkdir(parents=True)
    (tmp_path / "tdmpc2" / "walk" / "checkpoint" / "config.json").write_text("{}")
    assert checkpoint_for(tmp_path, "tdmpc2", "walk") == tmp_path / "tdmpc2" / "walk" / "checkpoint"
    assert checkpoint_for(tmp_path, "tdmpc2", "stand") is None
    spec, reason = METHODS["tdmpc2"].agent_spec("walk", experts=("walk",), vlm="lexical", planner_options={},
                                                checkpoints=tmp_path)
    assert reason == "" and spec.planner == "tdmpc2" and spec.planner_options["checkpoint"].endswith("checkpoint")
    none, why = METHODS["tdmpc2-noguide"].agent_spec("stand", experts=("stand",), vlm="lexical",
                                                     planner_options={}, checkpoints=tmp_path)
    assert none is None and "no tdmpc2" in why
    # the irm router ships a default checkpoint, so its method always runs
    irm, why = METHODS["irm"].agent_spec("walk", experts=("walk",), vlm="lexical", planner_options={},
                                         checkpoints=tmp_path)
    assert why == "" and irm.router == "irm" and "checkpoint" not in irm.router_options
