"""Push recovery: shove the standing and the walking H1 and report the largest force survived.

    python -m bench.push                                   # stand and walk, composed vs mppi, ~minutes
    python -m bench.push --forces 100 200 300 400 500 --seeds 0 1 2
    python -m bench.push --envs h1-stand-v0 h1-walk-v0     # on the real HumanoidBench package
    python -m bench.push --report a.json b.json            # merge earlier --out files into one table

Each episode gets one push per entry of ``--forces`` (default five, growing): a horizontal force
held for ``--duration`` seconds (0.1 s) on the pelvis or the torso (drawn at random) in a random
direction, applied through ``data.xfrc_applied``, at a random time inside its own window of the
episode (the first second is left alone, and the windows do not overlap, so the robot gets time
to recover between pushes). The planner is not told: its rollouts start from the state, which
holds no applied force. Every agent meets the same pushes (same ``--seed``).

A push is survived when the robot has not fallen (``fallen`` predicate: head below 0.6 m or the
task's termination) by the time the next push starts, or by the end of the episode for the last
one. The table gives, per task and agent, the pushes survived, the largest force survived
(newtons; the forces grow, so it is the last one survived before the fall), the step of the fall
and the return.

Agents: ``composed`` (the task's own composition, as ``mwx run`` and ``mwx eval`` build it: its
experts and their options, fusion router, lexical VLM, mppi with the task's defaults) and
``mppi`` (the same planner with no prior: a zero action reference and no pull toward it,
:func:`mwx_sdk.eval.methods.zero_prior_agent`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

PUSH_BODIES = ("pelvis", "torso_link")
AGENTS = ("composed", "mppi")
SURPRISE_AFTER = 10  # control steps after a push still counted in its peak surprise


@dataclass
class Push:
    """One shove: start step, control steps held, body, horizontal direction (unit), force (N)."""

    step: int
    steps: int
    body: str
    direction: tuple[float, float]
    force: float


@dataclass
class PushResult:
    env: str
    agent: str
    steps: int
    fell_at: int | None
    survived: int
    largest_survived: float
    episode_return: float
    ms_per_step: float
    seed: int = 0
    pushes: list[dict[str, Any]] = field(default_factory=list)
    planner_options: dict[str, Any] = field(default_factory=dict)


def schedule(forces: list[float], steps: int, dt: float, duration: float, seed: int,
             warmup: float = 1.0) -> list[Push]:
    """One push per force, each at a random step of its own window after ``warmup`` seconds."""
    hold = max(1, round(duration / dt))
    first = round(warmup / dt)
    span = steps - first
    n = len(forces)
    if n == 0 or span < n * (hold + 1):
        raise ValueError(f"{steps} steps leave no room for {n} pushes of {hold} steps after {warmup} s")
    width = span // n
    rng = np.random.default_rng(seed)
    out = []
    for i, f in enumerate(forces):
        start = first + i * width + int(rng.integers(0, max(1, width - hold)))
        angle = float(rng.uniform(0.0, 2.0 * np.pi))
        body = PUSH_BODIES[int(rng.integers(len(PUSH_BODIES)))]
        out.append(Push(start, hold, body, (float(np.cos(angle)), float(np.sin(angle))), float(f)))
    return out


def task_of_env(env_id: str) -> str:
    """``mwx/h1-walk-v0`` or ``h1-walk-v0`` -> ``walk``."""
    m = re.match(r"^(?:mwx/)?h1[a-z]*-(.+)-v\d+$", env_id)
    if not m:
        raise ValueError(f"{env_id!r} is not an H1 task id like mwx/h1-walk-v0")
    return m.group(1)


def build_agent(kind: str, env: Any, seed: int, vlm: str,
                planner_options: dict[str, Any] | None = None) -> tuple[Any, str]:
    """``(agent, instruction)`` for ``kind`` (``composed`` or ``mppi``) on ``env``'s task;
    ``planner_options`` go over the task's planner defaults (both agents)."""
    from mwx_sdk.task import task_for_env

    task = task_for_env(env)
    if task is None or task.composition is None:
        raise ValueError(f"{env.spec.id if env.spec else env!r} runs no task with a default composition")
    instruction = task.composition.instruction
    if kind == "composed":
        from mwx_sdk.agent import compose

        agent = compose(env=env, router="fusion", planner="mppi", vlm=vlm, planner_config=planner_options,
                        config={"seed": seed, "keep_history": False})
    elif kind == "mppi":
        from mwx_sdk.eval.methods import zero_prior_agent

        agent = zero_prior_agent(seed=seed, planner_options=planner_options)
    else:
        raise ValueError(f"unknown agent {kind!r}; known: {', '.join(AGENTS)}")
    return agent, instruction


def run_episode(env_id: str, kind: str, forces: list[float], steps: int, duration: float, seed: int,
                vlm: str = "lexical", planner_options: dict[str, Any] | None = None) -> PushResult:
    """One episode of ``kind`` on ``env_id`` under the pushes of :func:`schedule`."""
    import mujoco

    import mwx_sdk

    env = mwx_sdk.make_env(env_id)
    try:
        agent, instruction = build_agent(kind, env, seed, vlm, planner_options)
    except BaseException:
        env.close()
        raise
    try:
        base = env.unwrapped
        m, d = base.model, base.data
        pushes = schedule(forces, steps, float(base.dt), duration, seed)
        ids = {b: mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, b) for b in PUSH_BODIES}
        obs, _ = env.reset(seed=seed)
        agent.reset(instruction, env, seed=seed)
        fallen = base.predicates()["fallen"]
        active: dict[int, Push] = {}
        for p in pushes:
            for k in range(p.step, p.step + p.steps):
                active[k] = p
        ret, fell_at, t0, k = 0.0, None, time.perf_counter(), 0
        # the planner's shove detector (``surprise``, when its task sets one), highest in each
        # push's window: what the push did to the planner's prediction
        peak = [float("nan")] * len(pushes)
        window = {k: i for i, p in enumerate(pushes) for k in range(p.step, p.step + p.steps + SURPRISE_AFTER)}
        for k in range(steps):
            d.xfrc_applied[:] = 0.0  # cleared before the agent looks at the state
            action = agent.act(obs)
            i = window.get(k)
            sur = agent.diagnostics.planner.get("surprise") if i is not None else None
            if sur is not None:
                peak[i] = sur if np.isnan(peak[i]) else max(peak[i], sur)
            p = active.get(k)
            if p is not None:
                d.xfrc_applied[ids[p.body], :2] = np.asarray(p.direction) * p.force
            obs, reward, terminated, truncated, _ = env.step(action)
            ret += float(reward)
            if terminated or fallen():
                fell_at = k
                break
            if truncated:
                break
        d.xfrc_applied[:] = 0.0
        ms = 1e3 * (time.perf_counter() - t0) / (k + 1)
        survived, largest = 0, 0.0
        for i, p in enumerate(pushes):
            end = pushes[i + 1].step if i + 1 < len(pushes) else steps
            if p.step >= steps or (fell_at is not None and fell_at < end):
                break
            survived += 1
            largest = max(largest, p.force)
        return PushResult(env_id, kind, k + 1, fell_at, survived, largest, ret, ms, seed=seed,
                          pushes=[asdict(p) | {"peak_surprise": peak[i]} for i, p in enumerate(pushes)],
                          planner_options=dict(planner_options or {}))
    finally:
        agent.close()
        env.close()


def summarise(results: list[PushResult]) -> None:
    """Print, per env and agent, the largest force survived over the seeds (median, mean, range),
    the pushes survived in all, and the seeds on which the composed agent holds at least what
    ``mppi`` without a prior does. One shoved episode is chaotic (the same agent on the same
    physics survives 400 N or 1000 N depending on the reset draw), so the figures over many
    seeds are the ones to compare."""
    envs = list(dict.fromkeys(r.env for r in results))
    agents = [a for a in AGENTS if any(r.agent == a for r in results)]
    print("largest force survived over seeds (median; mean; min-max) and pushes survived in all:")
    for env_id in envs:
        for kind in agents:
            rs = [r for r in results if r.env == env_id and r.agent == kind]
            if not rs:
                continue
            vals = [r.largest_survived for r in rs]
            pushed = sum(len(r.pushes) for r in rs)
            print(f"  {env_id:<18}{kind:<10}{float(np.median(vals)):>6g} N; {float(np.mean(vals)):>6.0f} N; "
                  f"{min(vals):g}-{max(vals):g} N; {sum(r.survived for r in rs)}/{pushed} pushes "
                  f"({len(rs)} seeds)")
    if set(AGENTS) <= set(agents):
        print("seeds on which the composed agent survives at least what mppi without a prior does:")
        for env_id in envs:
            by = {(r.agent, r.seed): r.largest_survived for r in results if r.env == env_id}
            seeds = sorted({sd for (a, sd) in by if a == "composed"} & {sd for (a, sd) in by if a == "mppi"})
            ok = [sd for sd in seeds if by[("composed", sd)] >= by[("mppi", sd)]]
            print(f"  {env_id:<18}{len(ok)} of {len(seeds)}"
                  + (f" (not on seed {', '.join(str(sd) for sd in seeds if sd not in ok)})"
                     if len(ok) < len(seeds) else ""))


def load_results(paths: list[Path]) -> list[PushResult]:
    """The episodes of ``--out`` files, one per (env, agent, seed); a repeat is an error."""
    out: dict[tuple[str, str, int], PushResult] = {}
    known = {f.name for f in fields(PushResult)}
    for path in paths:
        try:
            rows = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a bench.push --out file ({exc})") from exc
        if not isinstance(rows, list):
            raise ValueError(f"{path}: not a bench.push --out file (expected a JSON list of episodes)")
        for row in rows:
            r = PushResult(**{k: v for k, v in row.items() if k in known})
            key = (r.env, r.agent, r.seed)
            if key in out:
                raise ValueError(f"{path}: {r.env} {r.agent} seed {r.seed} is already in an earlier file; "
                                 "report files of one configuration")
            out[key] = r
    return list(out.values())


def report(paths: list[Path], envs: list[str] | None = None) -> int:
    """Print the per-seed table and the summary of earlier ``--out`` files, merged (only the
    episodes of ``envs`` when given)."""
    results = [r for r in load_results(paths) if envs is None or r.env in envs]
    if not results:
        raise ValueError(f"no episodes of {', '.join(envs or [])} in {', '.join(map(str, paths))}")
    results = sorted(results, key=lambda r: (r.env, AGENTS.index(r.agent) if r.agent in AGENTS else 9,
                                                        r.seed))
    opts = {json.dumps(r.planner_options, sort_keys=True) for r in results}
    print(f"{len(results)} episodes from {len(paths)} file(s); planner options: {', '.join(sorted(opts))}")
    print(f"{'env':<18}{'agent':<10}" + "".join(f"{sd:>6}" for sd in sorted({r.seed for r in results})))
    seeds = sorted({r.seed for r in results})
    for env_id in dict.fromkeys(r.env for r in results):
        for kind in AGENTS:
            by = {r.seed: r.largest_survived for r in results if r.env == env_id and r.agent == kind}
            if by:
                print(f"{env_id:<18}{kind:<10}" + "".join(f"{by[sd]:>6g}" if sd in by else f"{'-':>6}" for sd in seeds))
    summarise(results)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run every env x agent and print the table (and ``--out`` JSON), or report earlier runs."""
    os.environ.setdefault("MUJOCO_GL", "egl")
    parser = argparse.ArgumentParser(prog="python -m bench.push", description=__doc__.split("\n\n")[0])
    parser.add_argument("--envs", nargs="+", default=None,
                        help="task ids (default mwx/h1-stand-v0 mwx/h1-walk-v0; with --report: only these)")
    parser.add_argument("--agents", nargs="+", default=list(AGENTS), choices=AGENTS)
    parser.add_argument("--forces", nargs="+", type=float, default=[200.0, 400.0, 600.0, 800.0, 1000.0],
                        help="one push per value, in newtons (growing)")
    parser.add_argument("--steps", type=int, default=300, help="control steps per episode (50 per second)")
    parser.add_argument("--duration", type=float, default=0.1, help="seconds each push is held")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0],
                        help="one episode per seed (push times, directions, bodies; agent and env seed)")
    parser.add_argument("--vlm", default="lexical", help="VLM backend of the composed agent")
    parser.add_argument("--planner-options", default="{}", metavar="JSON",
                        help='mppi options over the task\'s defaults, both agents, e.g. \'{"recovery_capture": 0}\'')
    parser.add_argument("--out", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--report", nargs="+", type=Path, metavar="JSON",
                        help="run nothing: merge earlier --out files and print their table and summary")
    args = parser.parse_args(argv)
    if args.report:
        try:
            return report(args.report, envs=args.envs)
        except ValueError as exc:
            parser.error(str(exc))
    if args.envs is None:
        args.envs = ["mwx/h1-stand-v0", "mwx/h1-walk-v0"]
    try:
        planner_options = json.loads(args.planner_options)
    except json.JSONDecodeError as exc:
        parser.error(f"--planner-options is not JSON ({exc}); write e.g. '{{\"recovery_capture\": 0}}'")
    if not isinstance(planner_options, dict):
        parser.error("--planner-options must be a JSON object of mppi options")
    if any(not np.isfinite(f) or f < 0 for f in args.forces):
        parser.error("--forces must be finite and >= 0")
    for env_id in args.envs:
        try:
            task_of_env(env_id)
        except ValueError as exc:
            parser.error(f"--envs: {exc}")
    try:
        schedule(args.forces, args.steps, 0.02, args.duration, 0)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"{len(args.forces)} pushes of {args.duration} s: {', '.join(f'{f:g}' for f in args.forces)} N; "
          f"{args.steps} steps; seeds {', '.join(map(str, args.seeds))}")
    head = f"{'env':<18}{'agent':<10}{'seed':>5}{'survived':>9}{'largest N':>11}{'fell at':>9}{'return':>9}{'ms/step':>9}"
    print(head)
    results = []
    for env_id in args.envs:
        for kind in args.agents:
            for seed in args.seeds:
                r = run_episode(env_id, kind, args.forces, args.steps, args.duration, seed, args.vlm,
                                planner_options=planner_options)
                results.append(r)
                fell = "-" if r.fell_at is None else str(r.fell_at)
                print(f"{env_id:<18}{kind:<10}{seed:>5}{r.survived:>6}/{len(args.forces):<2}{r.largest_survived:>11g}"
                      f"{fell:>9}{r.episode_return:>9.1f}{r.ms_per_step:>9.0f}", flush=True)
    if len(args.seeds) > 1:
        summarise(results)
    if args.out is not None:
        from mwx_sdk.fileio import atomic_write_text

        atomic_write_text(args.out, json.dumps([asdict(r) for r in results], indent=1))
        print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
