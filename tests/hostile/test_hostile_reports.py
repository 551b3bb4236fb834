"""Eval reports keep their structure whatever the instruction, command or names contain."""

from __future__ import annotations

import csv
import json
import re

from mwx_sdk.eval.report import write_eval_report

HOSTILE = "walk | sit `now` <img src=x onerror=alert(1)>\n| injected | row |\x1b[2J\r"


def _episode(seed: int, method: str) -> dict:
    return {"task": "walk\nnew,row", "method": method, "seed": seed, "steps": 10, "return": 1.5,
            "shaped_return": 1.5, "success": False, "fell": False, "ms_per_step": 1.0,
            "agent_ms_per_step": 0.5, "rms_joint_error": 0.1, "jerk": 3.0, "foot_sliding": 0.01}


def test_markdown_and_csv_survive_hostile_text(tmp_path):
    config = {"env": "mwx/h1-walk-v0 | x", "agent": "fusion+mppi", "seeds": [0, 1], "steps": 10,
              "instruction": HOSTILE, "command": "mwx eval --instruction 'a`b' | tee"}
    episodes = [_episode(0, "=HYPERLINK(\"http://evil\",\"x\")"), _episode(1, "+cmd|' /C calc'!A0")]
    files = write_eval_report(tmp_path, episodes, config, plots=False)
    md = files["markdown"].read_text()
    assert "\x1b" not in md and "\r" not in md
    assert re.search(r"(?<!\\)<img", md) is None and "\\<img" in md  # inert: shown, not rendered as HTML
    assert "| injected | row |" not in md  # the newline did not start a table row
    instruction_line = next(line for line in md.splitlines() if line.startswith("Instruction:"))
    assert "\\|" in instruction_line and "\\`now\\`" in instruction_line
    assert "Command: ``" in md
    rows = list(csv.DictReader(files["csv"].open()))
    assert len(rows) == 2
    assert rows[0]["method"].startswith("'=") and rows[1]["method"].startswith("'+")
    assert rows[0]["task"] == "walk new,row"
    assert float(rows[0]["return"]) == 1.5
    data = json.loads(files["json"].read_text())
    assert data["config"]["instruction"] == HOSTILE  # the JSON keeps the text as given
