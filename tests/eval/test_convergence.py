"""Convergence step on synthetic training curves and in every accepted file format."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mwx_sdk.eval.convergence import (
    CurveFormatError,
    convergence_from_file,
    convergence_step,
    load_curve,
    smooth,
)


def _curve():
    steps = np.arange(0, 2_000_001, 50_000)
    returns = 800.0 * (1.0 - np.exp(-steps / 400_000.0))
    return steps, returns


def test_unsmoothed_curve_converges_where_it_crosses_95_percent_of_final():
    steps, returns = _curve()
    c = convergence_step(steps, returns, method="ema", beta=0.0)
    threshold = 0.95 * returns[-1]
    expected = steps[np.argmax(returns >= threshold)]
    # analytically exp(-s/400k) <= 1 - 0.95 (1 - e^-5) gives s >= 1.1501M: the next point is 1.2M
    assert c.step == expected == 1_200_000
    assert c.threshold == pytest.approx(threshold) and c.points == len(steps)


def test_smoothing_only_delays_convergence_on_a_rising_curve():
    steps, returns = _curve()
    raw = convergence_step(steps, returns, beta=0.0).step
    ema = convergence_step(steps, returns, method="ema", beta=0.6).step
    ma = convergence_step(steps, returns, method="ma", window=5).step
    assert raw <= ema and raw <= ma
    assert ema <= steps[-1] and ma <= steps[-1]


def test_moving_average_and_ema_by_hand():
    np.testing.assert_allclose(smooth([0.0, 3.0, 6.0, 9.0], method="ma", window=2), [0.0, 1.5, 4.5, 7.5])
    np.testing.assert_allclose(smooth([0.0, 10.0, 10.0], method="ema", beta=0.5), [0.0, 5.0, 7.5])
    with pytest.raises(ValueError, match="beta"):
        smooth([1.0], beta=1.0)


def test_noisy_spike_does_not_count_as_convergence_with_smoothing():
    steps = np.arange(10) * 100
    returns = np.array([0, 0, 100, 0, 0, 50, 80, 95, 100, 100], dtype=float)
    assert convergence_step(steps, returns, beta=0.0).step == 200  # the spike fools the raw curve
    assert convergence_step(steps, returns, beta=0.6).step > 200


def test_negative_returns_use_the_range():
    steps = np.arange(5)
    returns = np.array([-6000.0, -5500.0, -5250.0, -5210.0, -5200.0])
    c = convergence_step(steps, returns, beta=0.0)
    assert c.threshold == pytest.approx(-6000 + 0.95 * 800)
    assert c.step == 3  # -5250 is still below -5240


def test_curve_files(tmp_path):
    steps, returns = _curve()
    csv_path = tmp_path / "curve.csv"
    rows = ["step,eval_return,episode_length"] + [f"{s},{r},1000" for s, r in zip(steps, returns)]
    csv_path.write_text("\n".join(rows) + "\n")
    json_path = tmp_path / "curve.json"
    json_path.write_text(json.dumps([{"step": int(s), "eval_return": float(r)} for s, r in zip(steps, returns)]))
    cols_path = tmp_path / "eval.json"
    cols_path.write_text(json.dumps({"curve": {"step": steps.tolist(), "eval_return": returns.tolist()}}))
    jl = tmp_path / "curve.jsonl"
    jl.write_text("\n".join(json.dumps({"step": int(s), "eval_return": float(r)}) for s, r in zip(steps, returns)))
    results = {convergence_from_file(p).step for p in (csv_path, json_path, cols_path, jl)}
    assert len(results) == 1
    s, r = load_curve(csv_path)
    assert len(s) == len(steps) and math.isclose(r[-1], returns[-1])


def test_bad_curve_files_say_what_is_missing(tmp_path):
    bad = tmp_path / "curve.csv"
    bad.write_text("iteration,return\n1,2\n")
    with pytest.raises(CurveFormatError, match="eval_return"):
        load_curve(bad)
    with pytest.raises(CurveFormatError, match="does not exist"):
        load_curve(tmp_path / "missing.csv")


def test_trainer_metrics_jsonl_is_read_from_its_eval_rows(tmp_path):
    rows = [
        {"step": 0, "kind": "train", "loss": 3.0},
        {"step": 0, "kind": "eval", "return": 10.0, "length": 1000},
        {"step": 500, "kind": "episode", "return": 999.0, "length": 1000},
        {"step": 1000, "kind": "eval", "return": 100.0, "length": 1000},
        {"step": 2000, "kind": "eval", "return": 100.0, "length": 1000},
    ]
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    steps, returns = load_curve(path)
    assert steps.tolist() == [0, 1000, 2000] and returns.tolist() == [10.0, 100.0, 100.0]
    assert convergence_from_file(path, beta=0.0).step == 1000


def test_cli_convergence(tmp_path):
    from mwx_cli.main import app
    from typer.testing import CliRunner

    path = tmp_path / "curve.csv"
    path.write_text("step,eval_return\n0,0\n100000,95\n200000,100\n300000,100\n")
    res = CliRunner().invoke(app, ["eval", "convergence", str(path), "--beta", "0"])
    assert res.exit_code == 0, res.output
    assert "100000" in res.output and "0.10" in res.output
    bad = CliRunner().invoke(app, ["eval", "convergence", str(tmp_path / "missing.csv")])
    assert bad.exit_code == 2 and "does not exist" in bad.output
