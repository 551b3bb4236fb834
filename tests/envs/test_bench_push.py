"""``bench/push.py``: the push schedule and one shove that the H1 survives and one it cannot."""

from __future__ import annotations

import importlib
import itertools
import json

import numpy as np
import pytest


def _push():
    return importlib.import_module("bench.push")


def test_schedule_spreads_growing_pushes_over_disjoint_windows():
    push = _push()
    forces = [200.0, 400.0, 600.0, 800.0, 1000.0]
    pushes = push.schedule(forces, steps=300, dt=0.02, duration=0.1, seed=3)
    assert [p.force for p in pushes] == forces
    assert all(p.steps == 5 and p.body in push.PUSH_BODIES for p in pushes)
    assert all(np.hypot(*p.direction) == pytest.approx(1.0) for p in pushes)
    assert pushes[0].step >= 50  # the first second is left alone
    for a, b in itertools.pairwise(pushes):
        assert a.step + a.steps <= b.step
    assert pushes[-1].step + pushes[-1].steps <= 300
    assert push.schedule(forces, 300, 0.02, 0.1, seed=3) == pushes  # same seed, same pushes
    with pytest.raises(ValueError, match="no room"):
        push.schedule(forces, steps=55, dt=0.02, duration=0.1, seed=0)


def test_task_of_env_reads_both_id_forms():
    push = _push()
    assert push.task_of_env("mwx/h1-walk-v0") == "walk" and push.task_of_env("h1-stand-v0") == "stand"
    with pytest.raises(ValueError, match="not an H1 task"):
        push.task_of_env("CartPole-v1")


def test_a_light_shove_is_survived_and_a_huge_one_is_not():
    push = _push()
    light = push.run_episode("mwx/h1-stand-v0", "mppi", [20.0], steps=90, duration=0.1, seed=0)
    assert light.fell_at is None and light.survived == 1 and light.largest_survived == 20.0
    assert np.isnan(light.pushes[0]["peak_surprise"])  # the stand task sets no shove detector
    # a detector that never arms changes nothing and reports what each push did to the prediction
    huge = push.run_episode("mwx/h1-stand-v0", "mppi", [20.0, 4000.0], steps=130, duration=0.1, seed=0,
                            planner_options={"recovery_surprise": 50.0})
    assert huge.fell_at is not None and huge.fell_at > huge.pushes[1]["step"]
    assert huge.survived == 1 and huge.largest_survived == 20.0
    assert 0.0 < huge.pushes[0]["peak_surprise"] < 0.2 < 2.0 < huge.pushes[1]["peak_surprise"]


@pytest.mark.slow
def test_letting_go_of_the_prior_catches_a_shove_the_standing_pose_cannot():
    """The composed stand agent with the task's ``recovery_capture`` survives a 600 N shove
    that it falls to when the plan keeps holding the standing pose."""
    push = _push()
    forces = [200.0, 400.0, 600.0]
    kept = push.run_episode("mwx/h1-stand-v0", "composed", forces, steps=200, duration=0.1, seed=2,
                            planner_options={"recovery_capture": 0.0})
    let_go = push.run_episode("mwx/h1-stand-v0", "composed", forces, steps=200, duration=0.1, seed=2)
    assert kept.fell_at is not None and kept.largest_survived < 600.0
    assert let_go.fell_at is None and let_go.largest_survived == 600.0


def test_planner_options_must_be_a_json_object(capsys):
    push = _push()
    for bad, msg in (("{recovery", "is not JSON"), ("[0.06]", "must be a JSON object")):
        with pytest.raises(SystemExit) as exc:
            push.main(["--planner-options", bad])
        assert exc.value.code == 2 and msg in capsys.readouterr().err


def test_report_merges_earlier_runs_and_compares_on_paired_seeds(tmp_path, capsys):
    """``--report`` prints one table from several ``--out`` files; a repeated episode is refused."""
    from dataclasses import asdict

    push = _push()

    def episode(agent, seed, largest, survived):
        pushes = [{"step": 60 + 40 * i, "steps": 5, "body": "pelvis", "direction": [1.0, 0.0], "force": f}
                  for i, f in enumerate((200.0, 400.0))]
        return asdict(push.PushResult("mwx/h1-walk-v0", agent, 150, None if survived == 2 else 120, survived,
                                      largest, 50.0, 70.0, seed=seed, pushes=pushes,
                                      planner_options={"recovery_capture": 0.35}))

    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps([episode("composed", 0, 400.0, 2), episode("mppi", 0, 200.0, 1)]))
    second.write_text(json.dumps([episode("composed", 1, 200.0, 1), episode("mppi", 1, 400.0, 2)]))
    assert push.main(["--report", str(first), str(second)]) == 0
    out = capsys.readouterr().out
    assert "4 episodes from 2 file(s)" in out and '"recovery_capture": 0.35' in out
    assert "300 N;    300 N; 200-400 N; 3/4 pushes (2 seeds)" in out
    assert "1 of 2 (not on seed 1)" in out
    # an old file without planner options still loads
    old = tmp_path / "old.json"
    row = episode("composed", 5, 400.0, 2)
    del row["planner_options"]
    old.write_text(json.dumps([row]))
    assert push.load_results([old])[0].planner_options == {}
    for argv, msg in (([str(first), str(first)], "already in an earlier file"),
                      ([str(tmp_path / "none.json")], "not a bench.push --out file"),
                      ([str(first), "--envs", "h1-run-v0"], "no episodes of h1-run-v0")):
        with pytest.raises(SystemExit) as exc:
            push.main(["--report", *argv])
        assert exc.value.code == 2 and msg in capsys.readouterr().err
