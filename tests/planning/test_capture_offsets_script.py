"""scripts/capture_offsets.py: the unpushed capture offsets that recovery thresholds are set from."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "capture_offsets.py"


def _load():
    spec = importlib.util.spec_from_file_location("capture_offsets_script", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_standing_still_keeps_the_capture_point_inside_the_stand_threshold(capsys):
    from mwx_sdk.task import get_task

    co = _load()
    off, sur, ended = co.measure("mwx/h1-stand-v0", seed=0, steps=20, vlm="lexical")
    assert off.shape == (20,) and not ended and np.all(np.isfinite(off)) and np.all(off >= 0)
    assert off.max() < get_task("stand").planning["recovery_capture"]
    # standing still, the planner model predicts the root's motion: far below a shove's 0.3 m/s
    assert sur.shape == (20,) and np.all(sur >= 0) and sur.max() < 0.1
    assert co.main(["--env", "mwx/h1-stand-v0", "--steps", "3", "--vlm", "lexical"]) == 0
    out = capsys.readouterr().out
    assert "capture offset" in out and "surprise" in out
    with pytest.raises(SystemExit):
        co.main(["--steps", "0"])
