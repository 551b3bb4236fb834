"""Reports of an evaluation: JSON, CSV, a markdown table and plots, all written atomically.

Layout of an ``mwx eval`` output folder::

    results.json   configuration, summary (mean ± std ...) and every episode's figures
    episodes.csv   one row per episode (the columns of :data:`EPISODE_COLUMNS`)
    summary.md     a markdown table of the summary and of the episodes
    traces.json    per-step rewards and expert weights of every episode
    returns.png    per-episode returns and the reward over time
    weights.png    fused expert weights over time (first episode), when the agent has experts
    videos/        ``seed<k>.mp4`` when videos were requested

Text that came from a user or a model (instruction, command, names) is cleaned before it reaches
the markdown (:func:`mwx_sdk.textsafe.for_markdown`) or a CSV cell (:func:`mwx_sdk.textsafe.csv_cell`:
no control characters, no spreadsheet formulas); ``results.json`` keeps it as given.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..textsafe import csv_cell, for_code_span, for_markdown
from .io import atomic_write_bytes, atomic_write_text, write_csv, write_json
from .metrics import Summary, summarize

__all__ = ["EPISODE_COLUMNS", "fmt", "markdown_summary", "plot_returns", "plot_weights", "pm", "write_eval_report"]

EPISODE_COLUMNS = (
    "task", "method", "seed", "steps", "return", "shaped_return", "imitation_return", "success",
    "success_bar_used", "task_success", "fell", "terminated", "ms_per_step", "agent_ms_per_step",
    "env_ms_per_step", "planner_ms_per_step", "rms_joint_error", "jerk", "foot_sliding", "planner_cost_mean",
)


def fmt(x: Any, digits: int = 1) -> str:
    """Format a number for a table ('-' for missing or non-finite)."""
    if x is None:
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    return f"{f:.{digits}f}" if math.isfinite(f) else "-"


def pm(mean: float, std: float, digits: int = 1) -> str:
    """``mean ± std`` with ``digits`` decimals, like the papers' tables."""
    if mean is None or not math.isfinite(float(mean)):
        return "-"
    return f"{float(mean):.{digits}f} ± {float(std):.{digits}f}"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def markdown_summary(summary: Summary, episodes: Sequence[Mapping], config: Mapping[str, Any]) -> str:
    """The markdown report of one evaluation (summary table + per-episode table)."""
    s = summary
    md = for_markdown
    head = [f"# mwx eval: {md(config.get('env', '?'))} — {md(config.get('agent', '?'))}", ""]
    if config.get("instruction"):
        head.append(f"Instruction: \"{md(config['instruction'], 300)}\"  ")
    planners = sorted({str(e["planner"]) for e in episodes if e.get("planner")})
    if planners:
        head.append(f"Planner: {md(', '.join(planners))}  ")
    head.append(f"Episodes: {s.episodes} (seeds {config.get('seeds', '?')}), step budget {config.get('steps', '?')}  ")
    if config.get("command"):
        head.append(f"Command: {for_code_span(config['command'], 500)}")
    head.append("")
    summary_rows = [
        ("return (HumanoidBench)", pm(s.return_mean, s.return_std)),
        ("shaped return (+ imitation)", pm(s.shaped_return_mean, s.shaped_return_std)),
        ("success rate", f"{s.successes}/{s.episodes} ({100 * s.success_rate:.0f} %)"),
        ("fall rate", f"{100 * s.fall_rate:.0f} %"),
        ("ms per control step (agent + env)", fmt(s.ms_per_step, 2)),
        ("ms per control step (agent only)", fmt(s.agent_ms_per_step, 2)),
        ("RMS joint error to prior (rad)", fmt(s.rms_joint_error, 3)),
        ("jerk RMS (rad/s³)", fmt(s.jerk, 0)),
        ("foot sliding (m/s)", fmt(s.foot_sliding, 3)),
        ("mean episode length (steps)", fmt(s.steps_mean, 0)),
    ]
    text = "\n".join(head) + "\n" + _md_table(("metric", "value"), summary_rows) + "\n## Episodes\n\n"
    cols = ("seed", "steps", "return", "shaped_return", "success", "fell", "ms_per_step", "rms_joint_error",
            "jerk", "foot_sliding")
    digits = {"ms_per_step": 2, "rms_joint_error": 3, "foot_sliding": 3, "jerk": 0, "seed": 0, "steps": 0}
    rows = [[md(fmt(e.get(c), digits.get(c, 1))) for c in cols] for e in episodes]
    text += _md_table(cols, rows)
    text += (
        "\nSuccess: the episode return reaches the task's success bar, scaled by "
        "step budget / episode length when fewer steps are run. Fall: early termination or "
        "pelvis below the fall height. Std is the population std over episodes.\n"
    )
    return text


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save_fig(fig: Any, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _figure().close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def plot_returns(episodes: Sequence[Mapping], path: str | os.PathLike) -> Path:
    """Per-episode returns (bars) and the per-step reward of each episode over time."""
    plt = _figure()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
    seeds = [str(e["seed"]) for e in episodes]
    ax1.bar(seeds, [e["return"] for e in episodes], color="#4c72b0", label="return")
    ax1.plot(seeds, [e["shaped_return"] for e in episodes], "o", color="#dd8452", label="shaped return")
    bar = episodes[0].get("success_bar_used") if episodes else None
    if bar is not None:
        ax1.axhline(bar, color="k", ls="--", lw=1, label="success bar")
    ax1.set_xlabel("seed")
    ax1.set_ylabel("episode return")
    ax1.legend(fontsize=8)
    for e in episodes:
        r = (e.get("trace") or {}).get("reward")
        if r:
            ax2.plot(np.arange(len(r)), r, lw=0.8, alpha=0.8, label=f"seed {e['seed']}")
    ax2.set_xlabel("control step")
    ax2.set_ylabel("reward")
    if len(episodes) <= 10:
        ax2.legend(fontsize=7)
    fig.suptitle(f"{episodes[0].get('task', '')} — {episodes[0].get('method', '')}" if episodes else "")
    return _save_fig(fig, Path(path))


def plot_weights(episode: Mapping, path: str | os.PathLike) -> Path | None:
    """Fused (and semantic / state) expert weights over time for one episode, or ``None``."""
    trace = episode.get("trace") or {}
    names = episode.get("experts") or []
    fused = np.asarray(trace.get("fused_weights") or [], dtype=float)
    if not names or fused.ndim != 2 or fused.shape[1] != len(names) or not np.isfinite(fused).any():
        return None
    plt = _figure()
    panels = [("fused w~", fused)]
    for key, title in (("semantic_weights", "semantic w"), ("state_weights", "state p(i|s)")):
        arr = np.asarray(trace.get(key) or [], dtype=float)
        if arr.shape == fused.shape and np.isfinite(arr).any():
            panels.append((title, arr))
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.2 * len(panels)), sharex=True, squeeze=False)
    t = np.arange(fused.shape[0])
    for ax, (title, arr) in zip(axes[:, 0], panels):
        ax.stackplot(t, np.nan_to_num(arr).T, labels=names, alpha=0.85)
        ax.set_ylim(0, 1)
        ax.set_ylabel(title)
    axes[0, 0].legend(loc="upper right", fontsize=7, ncol=min(len(names), 6))
    axes[-1, 0].set_xlabel("control step")
    fig.suptitle(f"expert weights — {episode.get('task', '')}, seed {episode.get('seed', '')}")
    return _save_fig(fig, Path(path))


def write_eval_report(out: str | os.PathLike, episodes: Sequence[dict], config: Mapping[str, Any],
                      *, plots: bool = True) -> dict[str, Path]:
    """Write every report file of one evaluation into ``out``.

    Args:
        out: output folder (created when missing).
        episodes: per-episode results, as returned by ``run_episode``.
        config: what was run (env, agent, seeds, steps, command ...), stored in the JSON.
        plots: also draw the PNG plots.

    Returns:
        Name -> path of each file written.
    """
    out = Path(out)
    summary = summarize(episodes)
    light = [{k: v for k, v in e.items() if k != "trace"} for e in episodes]
    files = {
        "json": write_json(out / "results.json", {"config": dict(config), "summary": summary.as_dict(),
                                                  "episodes": light}),
        "csv": write_csv(out / "episodes.csv", [{k: csv_cell(v) for k, v in e.items()} for e in light],
                         EPISODE_COLUMNS),
        "markdown": atomic_write_text(out / "summary.md", markdown_summary(summary, light, config)),
        "traces": write_json(out / "traces.json", [{"seed": e["seed"], **(e.get("trace") or {})} for e in episodes]),
    }
    if plots:
        files["returns_plot"] = plot_returns(episodes, out / "returns.png")
        w = plot_weights(episodes[0], out / "weights.png")
        if w is not None:
            files["weights_plot"] = w
    return files
