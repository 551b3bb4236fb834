"""The papers' tables on the embedded suite: tasks x methods x seeds, resumable.

Every (task, method, seed) episode is saved as soon as it finishes, atomically, to
``<out>/episodes/<task>/<method>/seed<k>.json`` together with a fingerprint of everything
that determines it (env, agent spec, seed, instruction, step budget, the experts' and the
planner's defaults). A re-run skips episodes
whose file exists with the same fingerprint, so an interrupted suite continues where it
stopped and a changed setting re-runs only what it affects.

Outputs in ``<out>``: ``table.md`` (Tables 1-3 shaped: rows = tasks, columns = methods, mean ±
std return and success rate; plus naturalness and timing tables), ``table.csv`` (one row per
task x method), ``suite.json`` (settings, skipped methods with reasons, timings, estimated
full-suite time, convergence figures).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .backends import run_many
from .convergence import convergence_from_file, find_curves
from .episode import METRICS_VERSION
from .io import atomic_write_text, read_json, write_csv, write_json
from .methods import METHODS, SUITE_TASKS
from .metrics import summarize
from .report import fmt, pm
from .spec import EnvSpec, EpisodeSpec

__all__ = ["FULL", "QUICK", "SuiteConfig", "plan_suite", "run_suite", "suite_tables"]

#: MPPI settings for ``--quick``: the task-family defaults (cheaper samplers fall within a
#: second, which would make every planner row meaningless), one rollout thread per worker.
QUICK_PLANNER = {"threads": 1}


@dataclass
class SuiteConfig:
    """Settings of one suite run.

    Args:
        tasks: suite task names.
        methods: method names (see :data:`mwx_sdk.eval.methods.METHODS`).
        seeds: episode seeds (one episode per seed).
        steps: control steps per episode (``None``: the task's full episode length).
        vlm: VLM backend of the methods that use one.
        planner_options: options for sampling planners (applied under each method's own).
        checkpoints: root folder of trained checkpoints and training curves.
        experts: expert names to use for every task instead of each task's own (its composition).
        quick: the settings are the reduced ``--quick`` version.
    """

    tasks: Sequence[str] = SUITE_TASKS
    methods: Sequence[str] = tuple(METHODS)
    seeds: Sequence[int] = tuple(range(10))
    steps: int | None = None
    vlm: str = "embedding"
    planner_options: Mapping[str, Any] = field(default_factory=dict)
    checkpoints: str | None = None
    experts: Sequence[str] | None = None
    quick: bool = False

    def __post_init__(self) -> None:
        from mwx_sdk.task import builtin_tasks

        known = {t.name for t in builtin_tasks() if t.composition is not None}
        bad = [t for t in self.tasks if t not in known]
        if bad:
            raise ValueError(f"unknown suite task(s) {bad}; choose from {', '.join(sorted(known))}")
        bad = [m for m in self.methods if m not in METHODS]
        if bad:
            raise ValueError(f"unknown method(s) {bad}; choose from {', '.join(METHODS)}")
        if not self.seeds:
            raise ValueError("the suite needs at least one seed")
        if self.steps is not None and int(self.steps) <= 0:
            raise ValueError(f"steps must be positive, got {self.steps}")
        self.tasks, self.methods, self.seeds = tuple(self.tasks), tuple(self.methods), tuple(int(s) for s in self.seeds)


#: ``mwx eval suite --quick``: stand, walk, sit_simple and door, every method, 2 seeds,
#: 200 control steps (4 s), default MPPI, the dependency-free lexical VLM backend.
QUICK = {"tasks": ("stand", "walk", "sit_simple", "door"), "seeds": (0, 1), "steps": 200, "vlm": "lexical",
         "planner_options": QUICK_PLANNER, "quick": True}
#: ``mwx eval suite``: every task and method, 10 seeds, full episodes, default planner settings.
FULL = {"tasks": SUITE_TASKS, "seeds": tuple(range(10)), "steps": None, "vlm": "embedding", "planner_options": {}}


def _experts_fingerprint(names: Sequence[str]) -> dict[str, Any]:
    """What a registered expert brings to an episode besides its name: its description (the VLM
    reads it), its version and its constructor defaults."""
    import inspect

    from mwx_sdk.plugins import list_experts

    table = {e.name: e for e in list_experts()}
    out: dict[str, Any] = {}
    for name in names:
        entry = table.get(name)
        if entry is None:
            out[name] = None
            continue
        try:
            params = inspect.signature(entry.obj).parameters.values()
            # plain values only: an object's repr may carry its address and differ every run
            defaults = {p.name: repr(p.default) if isinstance(p.default, (type(None), bool, int, float, str, tuple))
                        else type(p.default).__name__ for p in params if p.default is not inspect.Parameter.empty}
        except (TypeError, ValueError):
            defaults = {}
        out[name] = [entry.description, entry.version, defaults, dict(entry.defaults)]
    return out


def _planner_fingerprint(spec: EpisodeSpec, env_defaults: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The registered planner's resolved settings (``Planner.settings``): defaults that live in
    code, such as ``mppi``'s per-task ones, are not in the spec, and a changed one must re-run.
    ``env_defaults``: the env's ``planner_defaults`` (the mesh H1's self-collisions), which the
    planner applies beneath the user's options when it is reset on the env."""
    from mwx_sdk.plugins import list_planners

    agent = spec.agent
    name, options = agent.planner, agent.planner_options
    if agent.factory:  # a factory names its planner in compose_options (the spec's own is unused)
        name = agent.compose_options.get("planner")
        options = agent.compose_options.get("planner_options") or {}
    elif agent.file:
        try:
            from mwx_sdk.config import load_agent_config

            name, options = load_agent_config(agent.file).planner
        except (OSError, ValueError):
            return None  # a missing or bad file fails the episode itself, with its own message
    if name is None and not agent.factory:  # the task's planner (the rule compose follows)
        from mwx_sdk.agent import task_defaults

        try:
            name = task_defaults(task=spec.env.env_id)[3]
        except (KeyError, ValueError):
            name = task_defaults()[3]
    if not isinstance(name, str) or not isinstance(options, Mapping):
        return None  # a planner given as an object: its own repr in the spec is all there is
    entry = {e.name: e for e in list_planners()}.get(name)
    if entry is None or not callable(getattr(entry.obj, "settings", None)):
        return None
    try:
        return entry.obj.settings(spec.env.task, **{**entry.defaults, **dict(env_defaults or {}), **options})
    except (TypeError, ValueError):
        return None  # a bad option fails the episode itself, with its own message


def fingerprint(spec: EpisodeSpec) -> str:
    """A short hash of everything that determines an episode's numbers."""
    names = list(spec.agent.experts)
    judge = spec.agent.compose_options.get("judge")
    if isinstance(judge, str):
        names.append(judge)
    parts = {"env": asdict(spec.env), "agent": asdict(spec.agent), "seed": spec.seed,
             "instruction": spec.instruction, "steps": spec.steps,
             "fall_height": spec.fall_height, "metrics": METRICS_VERSION,
             "experts": _experts_fingerprint(names), "planner": _planner_fingerprint(spec),
             "imitation_weight": spec.imitation_weight}
    if spec.agent.file:
        try:  # the file's content, not only its name, decides the agent
            parts["agent_file"] = hashlib.sha1(Path(spec.agent.file).read_bytes()).hexdigest()
        except OSError:
            parts["agent_file"] = None
    blob = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def episode_path(out: Path, task: str, method: str, seed: int) -> Path:
    return out / "episodes" / task / method / f"seed{seed}.json"


def _registered_experts() -> set[str] | None:
    try:
        from mwx_sdk.plugins import list_experts

        return {e.name for e in list_experts()}
    except Exception:  # noqa: BLE001 - discovery problems are reported by `mwx plugins`; do not filter then
        return None


def plan_suite(cfg: SuiteConfig) -> tuple[list[EpisodeSpec], list[dict]]:
    """Expand the suite into episode specs, and list the (task, method) pairs that cannot run.

    Returns:
        ``(specs, skipped)`` where each skipped item has ``task``, ``method`` and ``reason``.
    """
    from mwx_sdk.task import get_task

    known = _registered_experts()
    specs: list[EpisodeSpec] = []
    skipped: list[dict] = []
    for task in cfg.tasks:
        task_def = get_task(task)
        experts = tuple(cfg.experts or task_def.composition.library)
        if known is not None:
            missing = [e for e in experts if e not in known]
            experts = tuple(e for e in experts if e in known)
        else:
            missing = []
        for name in cfg.methods:
            method = METHODS[name]
            if not method.factory and not experts:
                skipped.append({"task": task, "method": name,
                                "reason": f"none of the experts {missing} is installed"})
                continue
            agent, reason = method.agent_spec(task, experts=experts, vlm=cfg.vlm,
                                              planner_options=cfg.planner_options, checkpoints=cfg.checkpoints)
            if agent is None:
                skipped.append({"task": task, "method": name, "reason": reason})
                continue
            env = EnvSpec(env_id=task_def.env_id)
            for seed in cfg.seeds:
                specs.append(EpisodeSpec(env=env, agent=agent, seed=seed, instruction=task_def.composition.instruction,
                                         steps=cfg.steps, tags={"task": task, "method": name}))
    return specs, skipped


def run_suite(cfg: SuiteConfig, out: str | os.PathLike, *, workers: int = 1, backend: str = "local",
              ray_address: str | None = None, command: str = "",
              progress: Callable[[int, int, dict | None], None] | None = None) -> dict[str, Any]:
    """Run (or resume) the suite and write its tables.

    Args:
        cfg: what to run.
        out: output folder.
        workers: parallel episodes.
        backend: ``"local"`` or ``"ray"``.
        ray_address: Ray cluster address, or ``None`` for a local instance.
        command: the command line, recorded in the outputs.
        progress: called as ``progress(done, total, result)`` after each episode (``result`` is
            ``None`` for episodes reused from a previous run).

    Returns:
        The suite summary written to ``suite.json``.
    """
    out = Path(out)
    t0 = time.perf_counter()
    specs, skipped = plan_suite(cfg)
    todo: list[EpisodeSpec] = []
    prints: list[str] = []  # taken before running, so a file edited meanwhile is not credited
    reused = 0
    for spec in specs:
        fp = fingerprint(spec)
        path = episode_path(out, spec.tags["task"], spec.tags["method"], spec.seed)
        if path.is_file():
            try:
                if read_json(path).get("fingerprint") == fp:
                    reused += 1
                    continue
            except (OSError, ValueError):
                pass  # unreadable: run it again
        todo.append(spec)
        prints.append(fp)
    done = [reused]
    total = len(specs)
    if progress is not None:
        for _ in range(reused):
            progress(0, total, None)

    failed: list[dict] = []

    def save(i: int, res: dict) -> None:
        spec = todo[i]
        done[0] += 1
        if "error" in res:
            failed.append({"task": spec.tags["task"], "method": spec.tags["method"], "seed": spec.seed,
                           "reason": res["error"]})
        else:
            # Failed episodes are not saved, so a re-run tries them again.
            write_json(episode_path(out, spec.tags["task"], spec.tags["method"], spec.seed),
                       {**res, "fingerprint": prints[i]})
        if progress is not None:
            progress(done[0], total, res)

    run_many(todo, workers=workers, backend=backend, ray_address=ray_address, keep_trace=False, on_result=save,
             record_errors=True)
    wall = time.perf_counter() - t0
    results = [read_json(p) for p in (episode_path(out, s.tags["task"], s.tags["method"], s.seed) for s in specs)
               if p.is_file()]
    seen = set()
    for f in failed:  # one line per (task, method, reason)
        key = (f["task"], f["method"], f["reason"])
        if key not in seen:
            seen.add(key)
            skipped.append({"task": f["task"], "method": f["method"], "reason": f"failed: {f['reason']}"})
    summary = suite_tables(cfg, results, skipped, out, wall_s=wall, ran=len(todo), reused=reused,
                           workers=workers, backend=backend, command=command)
    summary["failed_episodes"] = failed
    return summary


def _estimate_full_seconds(results: Sequence[dict], workers: int) -> float | None:
    """Seconds the full suite (every method here, 10 seeds, full episodes) would take."""
    from mwx_sdk.task import builtin_tasks

    lengths = {t.name: t.max_episode_steps for t in builtin_tasks()}
    per: dict[tuple[str, str], list[float]] = {}
    for r in results:
        ms = r.get("ms_per_step")
        if ms is not None:
            per.setdefault((r["task"], r["method"]), []).append(float(ms))
    if not per:
        return None
    # Tasks not measured here are priced at the mean cost of their method.
    by_method: dict[str, list[float]] = {}
    for (task, m), v in per.items():
        by_method.setdefault(m, []).append(sum(v) / len(v))
    total_ms = 0.0
    for task in SUITE_TASKS:
        for m, costs in by_method.items():
            v = per.get((task, m))
            ms = sum(v) / len(v) if v else sum(costs) / len(costs)
            total_ms += ms * lengths.get(task, 1000) * 10
    return total_ms / 1e3 / max(1, workers)


def _convergence(checkpoints: str | None) -> list[dict]:
    rows = []
    if not checkpoints:
        return rows
    root = Path(checkpoints)
    for path in find_curves(root):
        try:
            c = convergence_from_file(path)
        except ValueError as exc:
            rows.append({"curve": str(path), "error": str(exc)})
            continue
        rows.append({"curve": str(path.relative_to(root)), **c.as_dict()})
    return rows


def suite_tables(cfg: SuiteConfig, results: Sequence[dict], skipped: Sequence[dict], out: str | os.PathLike, *,
                 wall_s: float, ran: int, reused: int, workers: int, backend: str, command: str) -> dict[str, Any]:
    """Aggregate suite results into the tables and write ``table.md``, ``table.csv``, ``suite.json``."""
    out = Path(out)
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        groups.setdefault((r["task"], r["method"]), []).append(r)
    methods = [m for m in cfg.methods if any(k[1] == m for k in groups)]
    rows = []
    for task in cfg.tasks:
        for m in methods:
            eps = groups.get((task, m))
            if eps:
                rows.append({"task": task, "method": m, **summarize(eps).as_dict()})
    cell = {(r["task"], r["method"]): r for r in rows}

    def grid(title: str, fn: Callable[[dict], str], note: str = "") -> str:
        head = "| Task | " + " | ".join(METHODS[m].label for m in methods) + " |"
        lines = [f"### {title}", "", head, "|---" * (len(methods) + 1) + "|"]
        for task in cfg.tasks:
            lines.append(f"| {task} | " + " | ".join(fn(cell[(task, m)]) if (task, m) in cell else "-"
                                                     for m in methods) + " |")
        return "\n".join(lines) + ("\n\n" + note if note else "") + "\n\n"

    est = _estimate_full_seconds(results, workers)
    episode_s = float(sum(r.get("wall_s") or 0.0 for r in results))
    conv = _convergence(cfg.checkpoints)
    steps_txt = f"{cfg.steps} control steps" if cfg.steps else "full episodes"
    md = [f"# mwx eval suite{' --quick' if cfg.quick else ''}", ""]
    if command:
        md += [f"Command: `{command}`", ""]
    md += [(f"Tasks: {', '.join(cfg.tasks)}. Seeds: {', '.join(map(str, cfg.seeds))} "
            f"({len(cfg.seeds)} episodes per cell), {steps_txt}. VLM backend: {cfg.vlm}. "
            f"Planner options: {dict(cfg.planner_options) or 'defaults'}."), "",
           (f"Wall time of this invocation: {wall_s / 60:.1f} min ({ran} episodes run, {reused} reused from "
            f"earlier runs) with {workers} worker(s), backend {backend}. Episode time summed over all "
            f"{len(results)} saved episodes: {episode_s / 60:.1f} min.")]
    if est is not None:
        md += [(f"Estimated full suite at this run's measured cost per control step (all {len(SUITE_TASKS)} "
                f"tasks, these methods, 10 seeds, full-length episodes; an upper bound, since falls end episodes "
                f"early; tasks or methods that failed here are priced at their method's mean): {est / 3600:.1f} h "
                f"with {workers} worker(s).")]
    md += ["", "## Methods", ""]
    md += [f"- **{METHODS[m].label}** (`{m}`): {METHODS[m].paper}" for m in cfg.methods]
    md += [""]
    md.append(grid("Return (HumanoidBench reward, mean ± std over seeds) — cf. MetaWorld Table 1",
                   lambda r: pm(r["return_mean"], r["return_std"])))
    md.append(grid("Success rate — cf. MetaWorld Table 2", lambda r: f"{r['successes']}/{r['episodes']}",
                   "Success: the task's own success flag (push, package, truck, basketball) or the return "
                   "reaching the task's success bar, scaled by step budget / episode length for short runs."))
    md.append(grid("Shaped return (reward + imitation of the experts' prior)",
                   lambda r: pm(r["shaped_return_mean"], r["shaped_return_std"])))
    md.append(grid("Fall rate", lambda r: f"{100 * r['fall_rate']:.0f} %"))
    md.append(grid("Naturalness: RMS joint error to the prior (rad) / foot sliding (m/s)",
                   lambda r: f"{fmt(r['rms_joint_error'], 3)} / {fmt(r['foot_sliding'], 3)}"))
    md.append(grid("ms per control step (agent + physics)", lambda r: fmt(r["ms_per_step"], 1)))
    if skipped:
        md += ["## Not run", ""]
        by_reason: dict[str, dict[str, list[str]]] = {}
        for s in skipped:
            by_reason.setdefault(s["reason"], {}).setdefault(s["method"], []).append(s["task"])
        for reason, per_method in by_reason.items():
            by_tasks: dict[tuple, list[str]] = {}
            for m, ts in per_method.items():
                by_tasks.setdefault(tuple(ts), []).append(m)
            for ts, ms in by_tasks.items():
                md.append(f"- {', '.join(f'`{m}`' for m in ms)} on {', '.join(ts)}: {reason}")
        md.append("")
    md += ["## Convergence (learned components)", ""]
    if conv:
        md += [("First step where the EMA-smoothed (beta 0.6) evaluation return reaches 95 % of its final "
                "value (see mwx_sdk/eval/convergence.py); cf. the papers' 'Conv. (M)' rows."), "",
               "| curve | conv. step | conv. (M) | final return | points |", "|---|---|---|---|---|"]
        md += [f"| {c['curve']} | {c['step']} | {c['step'] / 1e6:.2f} | {fmt(c['final'], 1)} | {c['points']} |"
               if "error" not in c else f"| {c['curve']} | error: {c['error']} | | | |" for c in conv]
    else:
        md.append("No training curves found" + (f" under {cfg.checkpoints}." if cfg.checkpoints else
                                                 " (pass --checkpoints DIR with the learners' curve files)."))
    md.append("")
    text = "\n".join(md)
    summary = {
        "config": {**asdict(cfg)} | {"planner_options": dict(cfg.planner_options)},
        "command": command,
        "wall_s": wall_s,
        "episode_s_total": episode_s,
        "episodes_run": ran,
        "episodes_reused": reused,
        "workers": workers,
        "backend": backend,
        "estimated_full_suite_s": est,
        "skipped": list(skipped),
        "convergence": conv,
        "cells": rows,
    }
    write_json(out / "suite.json", summary)
    write_csv(out / "table.csv", rows, ["task", "method", "episodes", "return_mean", "return_std",
                                        "shaped_return_mean", "shaped_return_std", "success_rate", "successes",
                                        "fall_rate", "ms_per_step", "agent_ms_per_step", "rms_joint_error",
                                        "jerk", "foot_sliding", "steps_mean"])
    atomic_write_text(out / "table.md", text)
    summary["markdown"] = text
    return summary
