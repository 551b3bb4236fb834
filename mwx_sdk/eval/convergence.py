"""Convergence steps of learned components, from their training curves.

Definition (the papers' "Conv." column): the convergence step is the first environment step
at which the **smoothed** evaluation return reaches **95 %** of its **final** value.

- Smoothing is a trailing exponential moving average over the evaluation points,
  ``s_0 = r_0``, ``s_k = beta * s_{k-1} + (1 - beta) * r_k`` with ``beta = 0.6`` by default
  (``method="ema"``), or a trailing moving average over ``window`` points (``method="ma"``,
  the first points average over what exists). Both use only past points, so the step found
  is a step at which the return had actually been reached.
- The final value is the last smoothed value.
- When the final value is positive the threshold is ``0.95 * final``. When it is zero or
  negative (e.g. the *package* task, whose returns are negative), "95 % of it" is not an
  improvement target, so the threshold is taken on the range instead:
  ``s_0 + 0.95 * (final - s_0)``.

Curve files are what the learners write: CSV with a header containing at least ``step`` and
``eval_return`` (more columns are ignored), JSON as a list of ``{"step", "eval_return"}``
records, a mapping with ``step`` and ``eval_return`` lists (optionally under ``"curve"``), or
JSON lines of records. The trainer's ``metrics.jsonl`` (``mwx_sdk.learn.trainer``) is read as
is: its rows carry a ``kind``, and the ``kind == "eval"`` rows' ``return`` is the evaluation
return.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "Convergence",
    "CurveFormatError",
    "convergence_from_file",
    "convergence_step",
    "find_curves",
    "load_curve",
    "smooth",
]

STEP_COLUMN = "step"
RETURN_COLUMN = "eval_return"


class CurveFormatError(ValueError):
    """A training-curve file could not be read."""


@dataclass(frozen=True)
class Convergence:
    """Convergence of one training curve.

    Args:
        step: first environment step where the smoothed return reaches the threshold.
        threshold: the return level used.
        final: final smoothed return.
        points: number of evaluation points in the curve.
        method: smoothing used (``"ema"`` or ``"ma"``).
    """

    step: int
    threshold: float
    final: float
    points: int
    method: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load_curve(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read ``(steps, eval_returns)`` from a CSV, JSON or JSON-lines curve file.

    Rows with an empty or non-finite return are dropped; rows are sorted by step.

    Raises:
        CurveFormatError: the file lacks the ``step`` / ``eval_return`` columns or has no rows.
    """
    path = Path(path)
    if not path.is_file():
        raise CurveFormatError(f"training curve {path} does not exist")
    text = path.read_text(encoding="utf-8")
    records: list[dict] = []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        cols = reader.fieldnames or []
        if STEP_COLUMN not in cols or RETURN_COLUMN not in cols:
            raise CurveFormatError(
                f"{path}: a curve CSV needs the columns {STEP_COLUMN!r} and {RETURN_COLUMN!r}; found {cols}"
            )
        records = list(reader)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            try:
                data = [json.loads(line) for line in text.splitlines() if line.strip()]
            except json.JSONDecodeError as exc:
                raise CurveFormatError(f"{path}: neither JSON nor JSON lines ({exc})") from exc
        if isinstance(data, dict) and "curve" in data:
            data = data["curve"]
        if isinstance(data, dict):
            if STEP_COLUMN not in data or RETURN_COLUMN not in data:
                raise CurveFormatError(f"{path}: expected keys {STEP_COLUMN!r} and {RETURN_COLUMN!r}")
            records = [{STEP_COLUMN: s, RETURN_COLUMN: r} for s, r in zip(data[STEP_COLUMN], data[RETURN_COLUMN])]
        elif isinstance(data, list):
            records = [r for r in data if isinstance(r, dict)]
        if any("kind" in r for r in records):
            # trainer logs mix kinds; evaluation rows hold the evaluation return as "return"
            records = [{STEP_COLUMN: r.get(STEP_COLUMN), RETURN_COLUMN: r.get(RETURN_COLUMN, r.get("return"))}
                       for r in records if r.get("kind") == "eval"]
        if records and not all(STEP_COLUMN in r and RETURN_COLUMN in r for r in records):
            raise CurveFormatError(f"{path}: every record needs {STEP_COLUMN!r} and {RETURN_COLUMN!r}")
    pairs = []
    for r in records:
        try:
            s, v = float(r[STEP_COLUMN]), float(r[RETURN_COLUMN])
        except (TypeError, ValueError):
            continue
        if math.isfinite(s) and math.isfinite(v):
            pairs.append((s, v))
    if not pairs:
        raise CurveFormatError(f"{path}: no rows with a finite {STEP_COLUMN!r} and {RETURN_COLUMN!r}")
    pairs.sort(key=lambda p: p[0])
    arr = np.asarray(pairs, dtype=np.float64)
    return arr[:, 0], arr[:, 1]


def smooth(values: np.ndarray, method: str = "ema", beta: float = 0.6, window: int = 5) -> np.ndarray:
    """Trailing smoothing of an evaluation curve.

    Args:
        values: evaluation returns in step order.
        method: ``"ema"`` (exponential moving average) or ``"ma"`` (moving average).
        beta: EMA decay in ``[0, 1)``; 0 means no smoothing.
        window: moving-average length in points (>= 1).

    Returns:
        The smoothed curve, same length as ``values``.
    """
    v = np.asarray(values, dtype=np.float64)
    if method == "ema":
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"EMA beta must be in [0, 1), got {beta}")
        out = np.empty_like(v)
        acc = v[0] if v.size else 0.0
        for i, x in enumerate(v):
            acc = x if i == 0 else beta * acc + (1.0 - beta) * x
            out[i] = acc
        return out
    if method == "ma":
        if int(window) < 1:
            raise ValueError(f"moving-average window must be >= 1, got {window}")
        c = np.cumsum(np.concatenate([[0.0], v]))
        idx = np.arange(1, v.size + 1)
        lo = np.maximum(0, idx - int(window))
        return (c[idx] - c[lo]) / (idx - lo)
    raise ValueError(f"unknown smoothing {method!r}; use 'ema' or 'ma'")


def convergence_step(steps: np.ndarray, returns: np.ndarray, fraction: float = 0.95, method: str = "ema",
                     beta: float = 0.6, window: int = 5) -> Convergence:
    """Convergence step of a curve (see the module docstring for the definition).

    Args:
        steps: environment steps of the evaluation points (increasing).
        returns: evaluation returns at those steps.
        fraction: share of the final value to reach (0.95).
        method: smoothing, ``"ema"`` or ``"ma"``.
        beta: EMA decay.
        window: moving-average window.

    Returns:
        A :class:`Convergence`.
    """
    steps = np.asarray(steps, dtype=np.float64)
    returns = np.asarray(returns, dtype=np.float64)
    if steps.shape != returns.shape or steps.ndim != 1 or steps.size == 0:
        raise ValueError("steps and returns must be 1-D arrays of the same, non-zero length")
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    s = smooth(returns, method=method, beta=beta, window=window)
    final = float(s[-1])
    threshold = fraction * final if final > 0 else float(s[0]) + fraction * (final - float(s[0]))
    hit = np.flatnonzero(s >= threshold - 1e-12 * max(1.0, abs(threshold)))
    step = int(steps[hit[0]]) if hit.size else int(steps[-1])
    return Convergence(step=step, threshold=threshold, final=final, points=int(steps.size), method=method)


def convergence_from_file(path: str | os.PathLike, **kwargs: Any) -> Convergence:
    """:func:`convergence_step` of the curve stored in ``path`` (keyword arguments passed on)."""
    steps, returns = load_curve(path)
    return convergence_step(steps, returns, **kwargs)


def find_curves(root: str | os.PathLike) -> list[Path]:
    """Training-curve files under ``root``: ``curve.csv``, ``curve.json``, ``curve.jsonl``,
    ``eval*.csv`` / ``eval*.json`` or the trainer's ``metrics.jsonl``, searched recursively, sorted."""
    root = Path(root)
    if not root.is_dir():
        return []
    pats = ("curve.csv", "curve.json", "curve.jsonl", "eval*.csv", "eval*.json", "metrics.jsonl")
    found = {p for pat in pats for p in root.rglob(pat) if p.is_file()}
    return sorted(found)
