"""scripts/sample_efficiency.py report: curves, ratios to the experts alone and the first step
at which a run held a whole evaluation episode, from the runs' metric logs."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "sample_efficiency.py"


def _load():
    spec = importlib.util.spec_from_file_location("sample_efficiency_script", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_report_from_metric_logs(tmp_path, monkeypatch):
    se = _load()
    runs, res = tmp_path / "runs", tmp_path / "res"
    monkeypatch.setattr(se, "runs_dir", lambda env: runs)
    monkeypatch.setattr(se, "results_dir", lambda env: res)
    rows = {
        "guided-s0": [(0, 900.0, 1000), (2000, 910.0, 1000)],
        "plain-s0": [(0, 8.0, 64), (2000, 30.0, 120), (4000, 950.0, 1000)],
    }
    for name, evals in rows.items():
        (runs / name).mkdir(parents=True)
        lines = [json.dumps({"step": s, "kind": "eval", "return": r, "length": n, "trust": 0.0}) for s, r, n in evals]
        lines.append(json.dumps({"step": 150, "kind": "episode", "return": 3.0, "length": 150.0}))
        lines.append('{"step": 4001, "kind": "ev')  # a line cut by a killed run
        (runs / name / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    res.mkdir()
    (res / "untrained.json").write_text(json.dumps({"0": {"direct": {"return": 920.0, "length": 1000.0}}}))
    se.report(argparse.Namespace(env="mwx/h1-stand-v0", episode_steps=1000))
    doc = json.loads((res / "summary.json").read_text())
    g, p = doc["runs"]["guided-s0"], doc["runs"]["plain-s0"]
    assert g["first_step_holding_full_episode"] == 0 and p["first_step_holding_full_episode"] == 4000
    assert g["eval"][1]["ratio_to_direct"] == round(910 / 920, 3)
    assert (res / "curves.csv").read_text().count("\n") == 1 + 2 * 1 + 2 + 3
    assert (res / "curves.png").stat().st_size > 0
    # a run that never held a whole episode says so
    (runs / "plain-s1").mkdir()
    (runs / "plain-s1" / "metrics.jsonl").write_text(json.dumps({"step": 0, "kind": "eval", "return": 5.0,
                                                                 "length": 40}) + "\n")
    se.report(argparse.Namespace(env="mwx/h1-stand-v0", episode_steps=1000))
    doc = json.loads((res / "summary.json").read_text())
    assert doc["runs"]["plain-s1"]["first_step_holding_full_episode"] == "not reached"


def test_the_guided_expert_is_the_tasks_lead_skill():
    import mwx_sdk

    se = _load()
    assert [se.lead_skill(env) for env in se.ENVS] == ["stand", "walk"]
    assert all(se.lead_skill(env) == mwx_sdk.get_task(env).composition.lead_skill for env in se.ENVS)
