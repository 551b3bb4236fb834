"""bench/learner.py: our agent is timed alone, with a clear line, when the official TD-MPC2 code
is absent or cannot be loaded."""

from __future__ import annotations

import pytest

from bench import learner


def test_missing_checkout_is_reported_not_raised(tmp_path, capsys):
    with pytest.raises(learner.OfficialUnavailable, match="no official TD-MPC2 checkout"):
        learner.load_official(str(tmp_path))
    learner.main(["--sizes", "1", "--rounds", "1", "--acts", "1", "--updates", "1", "--official", str(tmp_path)])
    out = capsys.readouterr().out
    assert "official TD-MPC2 skipped:" in out and "no official TD-MPC2 checkout" in out
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("1M"))
    assert "1,251,541" in row and " - " in row  # our figures, none for the official


def test_without_official_path_says_how_to_give_one(monkeypatch, capsys):
    monkeypatch.delenv("MWX_TDMPC2_OFFICIAL", raising=False)
    learner.main(["--sizes"])
    assert capsys.readouterr().out == ""  # nothing to time
    learner.main(["--sizes", "1", "--rounds", "0"])
    assert "pass --official PATH or set MWX_TDMPC2_OFFICIAL" in capsys.readouterr().out


def test_checkout_without_tensordict_names_the_missing_package(tmp_path, monkeypatch):
    src = tmp_path / "tdmpc2"
    (src / "common").mkdir(parents=True)
    (src / "tdmpc2.py").write_text("")
    (src / "common" / "world_model.py").write_text("")
    monkeypatch.setitem(__import__("sys").modules, "tensordict", None)  # import fails as if not installed
    with pytest.raises(learner.OfficialUnavailable, match="needs tensordict"):
        learner.load_official(str(tmp_path))
