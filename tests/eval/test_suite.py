"""The suite: tables shaped like the papers', resumable per (task, method, seed), failures noted."""

from __future__ import annotations

import json

import pytest

from mwx_sdk.eval import methods as methods_mod
from mwx_sdk.eval.methods import Method
from mwx_sdk.eval.suite import SuiteConfig, episode_path, run_suite


@pytest.fixture
def fake_methods(monkeypatch):
    monkeypatch.setitem(methods_mod.METHODS, "scripted",
                        Method("scripted", "Scripted", "test agent", factory="eval_fakes:scripted_agent"))
    monkeypatch.setitem(methods_mod.METHODS, "broken",
                        Method("broken", "Broken", "test agent", factory="eval_fakes:broken_agent"))
    monkeypatch.setitem(methods_mod.METHODS, "learned",
                        Method("learned", "Learned", "needs a checkpoint", planner="tdmpc2", needs="tdmpc2"))


def test_suite_table_resume_and_notes(tmp_path, fake_methods):
    cfg = SuiteConfig(tasks=("stand",), methods=("scripted", "broken", "learned"), seeds=(0, 1), steps=12,
                      vlm="lexical")
    first = run_suite(cfg, tmp_path, command="mwx eval suite --test")
    assert first["episodes_run"] == 4 and first["episodes_reused"] == 0  # learned is skipped up front
    assert episode_path(tmp_path, "stand", "scripted", 1).is_file()
    assert not episode_path(tmp_path, "stand", "broken", 0).exists()  # failures are not saved
    reasons = {s["method"]: s["reason"] for s in first["skipped"]}
    assert "no tdmpc2 checkpoint" in reasons["learned"] and "cannot be built" in reasons["broken"]
    md = (tmp_path / "table.md").read_text()
    assert "| Task | Scripted |" in md and "| stand |" in md and " ± " in md and "/2 |" in md
    assert "## Not run" in md and "Convergence" in md
    cells = json.loads((tmp_path / "suite.json").read_text())["cells"]
    assert [(c["task"], c["method"], c["episodes"]) for c in cells] == [("stand", "scripted", 2)]

    again = run_suite(cfg, tmp_path)
    assert again["episodes_reused"] == 2 and again["episodes_run"] == 2  # only the broken ones re-run
    assert again["cells"] == first["cells"]

    longer = SuiteConfig(**{**cfg.__dict__, "steps": 14, "methods": ("scripted",)})
    changed = run_suite(longer, tmp_path)
    assert changed["episodes_run"] == 2  # a changed setting invalidates the saved episodes


def test_suite_reports_convergence_of_training_curves(tmp_path, fake_methods):
    curves = tmp_path / "ckpt" / "tdmpc2" / "stand"
    curves.mkdir(parents=True)
    (curves / "curve.csv").write_text("step,eval_return\n0,0\n100,50\n200,90\n300,100\n400,100\n")
    cfg = SuiteConfig(tasks=("stand",), methods=("scripted",), seeds=(0,), steps=5, vlm="lexical",
                      checkpoints=str(tmp_path / "ckpt"))
    out = run_suite(cfg, tmp_path / "out")
    (conv,) = out["convergence"]
    # EMA (beta 0.6): 0, 20, 48, 68.8, 81.28 -> threshold 0.95 * 81.28 = 77.2, first reached at 400
    assert conv["curve"] == "tdmpc2/stand/curve.csv" and conv["step"] == 400
    assert "tdmpc2/stand/curve.csv" in (tmp_path / "out" / "table.md").read_text()


def test_suite_config_errors_name_the_choices():
    with pytest.raises(ValueError, match="stand"):
        SuiteConfig(tasks=("jump",))
    with pytest.raises(ValueError, match="full"):
        SuiteConfig(methods=("best",))


def test_task_expert_options_reach_every_method_and_the_judge():
    from mwx_sdk.eval.methods import METHODS
    from mwx_sdk.eval.spec import build_agent
    from mwx_sdk.task import get_task

    speed = get_task("run").composition.options_for("run")["speed"]
    kw = {"experts": ("stand", "walk", "run"), "vlm": "lexical", "planner_options": {}, "checkpoints": None}
    full, _ = METHODS["full"].agent_spec("run", **kw)
    agent = build_agent(full, seed=0)
    run = agent.experts[agent.expert_names.index("run")]
    assert run.target_speed == pytest.approx(speed)
    walk_task, _ = METHODS["full"].agent_spec("walk", **kw)
    walk_agent = build_agent(walk_task, seed=0)
    assert walk_agent.experts[walk_agent.expert_names.index("run")].target_speed == pytest.approx(3.5)
    baseline, _ = METHODS["mppi"].agent_spec("run", **kw)
    zero = build_agent(baseline, seed=0).experts[0]
    assert zero._judge is not None and zero._judge.target_speed == pytest.approx(speed)


def test_fingerprint_follows_the_planners_task_defaults(monkeypatch):
    """A changed planner default in code re-runs the episodes it affects, and only those."""
    from mwx_sdk.eval.methods import METHODS
    from mwx_sdk.eval.spec import EnvSpec, EpisodeSpec
    from mwx_sdk.eval.suite import fingerprint
    import dataclasses

    import mwx_sdk.task as task_mod

    kw = {"experts": ("stand", "walk", "run"), "vlm": "lexical", "planner_options": {}, "checkpoints": None}
    run_agent, _ = METHODS["full"].agent_spec("run", **kw)
    stand_agent, _ = METHODS["full"].agent_spec("stand", **kw)
    run_spec = EpisodeSpec(env=EnvSpec("mwx/h1-run-v0"), agent=run_agent, seed=0, steps=10)
    stand_spec = EpisodeSpec(env=EnvSpec("mwx/h1-stand-v0"), agent=stand_agent, seed=0, steps=10)
    before = fingerprint(run_spec), fingerprint(stand_spec)
    changed = tuple(dataclasses.replace(t, planning={**t.planning, "capture_weight": 7.0}) if t.name == "run" else t
                    for t in task_mod.builtin_tasks())
    monkeypatch.setattr(task_mod, "_BUILTIN", changed)
    assert fingerprint(run_spec) != before[0]
    assert fingerprint(stand_spec) == before[1]


def test_fingerprint_follows_the_planner_of_factory_and_file_agents(monkeypatch, tmp_path):
    """The no-prior baseline names its planner through its factory and a TOML agent through its
    file: a changed planner default, or a changed file, must re-run their episodes too."""
    from mwx_sdk.eval.methods import METHODS
    from mwx_sdk.eval.spec import AgentSpec, EnvSpec, EpisodeSpec
    from mwx_sdk.eval.suite import fingerprint
    import dataclasses

    import mwx_sdk.task as task_mod

    kw = {"experts": ("stand", "walk", "run"), "vlm": "lexical", "planner_options": {}, "checkpoints": None}
    baseline, _ = METHODS["mppi"].agent_spec("run", **kw)
    assert baseline.factory and baseline.planner is None
    toml = tmp_path / "agent.toml"
    toml.write_text('[planner]\nname = "mppi"\n')
    base_spec = EpisodeSpec(env=EnvSpec("mwx/h1-run-v0"), agent=baseline, seed=0, steps=10)
    file_spec = EpisodeSpec(env=EnvSpec("mwx/h1-run-v0"), agent=AgentSpec(file=str(toml)), seed=0, steps=10)
    before = fingerprint(base_spec), fingerprint(file_spec)
    changed = tuple(dataclasses.replace(t, planning={**t.planning, "heading_weight": 3.0}) if t.name == "run" else t
                    for t in task_mod.builtin_tasks())
    monkeypatch.setattr(task_mod, "_BUILTIN", changed)
    after = fingerprint(base_spec), fingerprint(file_spec)
    assert after[0] != before[0] and after[1] != before[1]
    toml.write_text('[planner]\nname = "mppi"\n\n[router]\nname = "fusion"\nsmoothing = 0.5\n')
    assert fingerprint(file_spec) != after[1]  # a change outside the planner counts too
