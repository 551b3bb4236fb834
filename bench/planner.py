"""Episode return, falls, forward speed and time per control step of the bundled planners.

    python bench/planner.py [--envs stand walk] [--seeds 0 1 2] [--steps 1000]
                            [--planner mppi] [--prior auto] [--set num_samples=32 ...]
                            [--out bench_planner.json] [--window 100]

Each episode runs an :class:`mwx_sdk.agent.Agent` that plays one prior through the planner,
composed like every agent (``compose`` with the env's task beneath the settings here, router
``uniform``) and run by the one episode loop (:func:`mwx_sdk.episode.run_agent_episode`), every
component seeded from the episode's seed. The prior a_ref comes from the task's lead skill
(``Task.composition.lead_skill``: ``stand``, ``walk``, ``sit`` for sit_simple ...) built with the
task's options for it (the walk expert at 1.15 m/s, the run expert at 5 m/s) unless
``--prior-set`` says otherwise; ``--prior-expert`` picks another expert, ``--prior keyframe``
holds the keyframe pose, ``--prior gait`` plays the hand-written
:class:`mwx_sdk.planning.GaitPrior` (also the fallback of a walk or run lead skill that is not
installed). The agent passes the expert's actions over the planning horizon as
``ctx.a_ref_horizon`` and its pose as ``ctx.reference_qpos``. The summary prints each task's
success bar. Timings depend on how busy the machine is; ``plan ms`` is the planner's own time
where it reports it (``mppi``), else the agent's whole step.
With ``--window N`` each episode also prints, per N control steps, the mean reward, the forward
speed and the pelvis yaw (degrees, mean over the window); the JSON output always holds them
(100-step windows unless ``--window`` says otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def _parse_value(text: str) -> Any:
    if text and text[0] in "{[":  # a mapping or list, e.g. noise_weights={"torso": 0.25}
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"--set/--prior-set value {text!r} is not valid JSON: {exc}") from exc
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"none": None, "true": True, "false": False}.get(text.lower(), text)


def _bar(task: str) -> float:
    """The task's success bar (HumanoidBench)."""
    from mwx_sdk.task import get_task

    return get_task(task).success_bar


def _keyframe_expert(base: Any) -> Any:
    """An expert holding the keyframe pose (``--prior keyframe``)."""
    from mwx_sdk.interfaces import Expert, ExpertSpec
    from mwx_sdk.planning.sim import ctrl_to_action

    nu = base.model.nu  # the robot's joints follow the root; task objects come after them
    action = ctrl_to_action(base.model.key_qpos[0, 7 : 7 + nu], base.model.actuator_ctrlrange)

    class Keyframe(Expert):
        spec = ExpertSpec(name="keyframe", description="Hold the keyframe pose.", robot="h1", action_dim=nu)

        def act(self, obs: np.ndarray, ctx: Any) -> np.ndarray:
            return action

    return Keyframe()


def _prior(task: str, kind: str, base: Any, cfg: dict | None = None, expert_name: str | None = None) -> Any:
    """The prior giving a_ref: a registered expert's name (built by ``compose`` with the task's
    options for it beneath ``cfg``), or an expert instance (the keyframe pose, the gait prior)."""
    cfg = cfg or {}
    from mwx_sdk.planning import GaitPrior
    from mwx_sdk.plugins import list_experts
    from mwx_sdk.task import get_task

    composition = get_task(task).composition
    if kind == "keyframe":
        return _keyframe_expert(base)
    if kind == "gait":
        return GaitPrior(**cfg)
    name = expert_name or (composition.lead_skill if composition else task)
    if kind == "expert" or name in {e.name for e in list_experts()}:
        return name  # an unknown name fails in compose, with the registry's message
    # the lead skill is not installed: a locomotion skill falls back to the hand-written gait
    return GaitPrior(**cfg) if name in ("walk", "run") else _keyframe_expert(base)


class _Trace:
    """Episode callback: the figures of one bench episode (timing, forward motion, reward terms)."""

    def __init__(self) -> None:
        self.plan_ms: list[float] = []
        self.env_ms: list[float] = []
        self.rewards: list[float] = []
        self.xs: list[float] = []
        self.yaws: list[float] = []
        self.terms: dict[str, float] = {}
        self.wall = 0.0

    def on_start(self, env: Any, agent: Any, obs: Any, plan: Any) -> None:
        self.base, self.agent = env.unwrapped, agent
        self.xs = [float(self.base.data.qpos[0])]
        self.t_start = time.perf_counter()

    def on_step(self, step: Any) -> None:
        from mwx_sdk.motion.rotations import quat_yaw

        # the planner's own time where it reports it (mppi), else the agent's whole step
        own = (self.agent.diagnostics.planner or {}).get("ms")
        self.plan_ms.append(float(own) if own is not None else step.agent_s * 1e3)
        self.env_ms.append(step.env_s * 1e3)
        self.rewards.append(step.reward)
        self.xs.append(float(self.base.data.qpos[0]))
        self.yaws.append(float(quat_yaw(self.base.data.qpos[3:7])))
        for k, v in step.info.items():
            if isinstance(v, (float, np.floating)) and k != "per_timestep_reward":
                self.terms[k] = self.terms.get(k, 0.0) + float(v)

    def on_end(self, outcome: Any) -> None:
        self.wall = time.perf_counter() - self.t_start


def _windows(rewards: list[float], xs: list[float], yaws: list[float], dt: float, size: int) -> list[dict]:
    """Per ``size`` control steps: mean reward, forward speed (m/s) and mean pelvis yaw (deg)."""
    out = []
    for i in range(0, len(rewards), size):
        j = min(i + size, len(rewards))
        out.append({"step": i, "reward": float(np.mean(rewards[i:j])),
                    "vx": (xs[j] - xs[i]) / ((j - i) * dt), "yaw_deg": float(np.degrees(np.mean(yaws[i:j])))})
    return out


def run_episode(task: str, seed: int, steps: int, planner_name: str, prior: str, overrides: dict,
                prior_cfg: dict | None = None, prior_expert: str | None = None, window: int = 100) -> dict:
    """One episode of an agent playing the prior alone through ``planner_name``; returns its figures.

    The agent is composed like every other (``compose`` with the env's task beneath the
    settings here) and run by the one episode loop, seeded from ``seed``.
    """
    from mwx_sdk.agent import AgentConfig, compose
    from mwx_sdk.episode import instruction_for, run_agent_episode, seed_everything
    from mwx_sdk.plugins import make_env

    env = make_env(f"mwx/h1-{task}-v0")
    base = env.unwrapped
    seed_everything(seed)
    expert = _prior(task, prior, base, prior_cfg, prior_expert)
    named = isinstance(expert, str)
    agent = compose(
        experts=[expert], router="uniform", planner=planner_name, vlm="lexical", env=env,
        planner_config=dict(overrides), expert_config={expert: dict(prior_cfg or {})} if named else None,
        # the prior plays the whole episode: a change of sub-goal would reset it (restart its clip)
        config=AgentConfig(min_subgoal_steps=steps, subgoal_timeout_steps=0, keep_history=False),
    )
    trace = _Trace()
    instruction = instruction_for(env, base.task_def.description)
    outcome = run_agent_episode(env, agent, instruction, seed=seed, steps=steps, callbacks=[trace])
    n = outcome.steps
    sim_time = n * base.dt
    plan_ms, env_ms = np.mean(trace.plan_ms), np.mean(trace.env_ms)
    played = agent.experts[0]
    out = {
        "task": task,
        "seed": seed,
        "planner": planner_name,
        "prior": "keyframe" if played.spec.name == "keyframe" else type(played).__name__,
        "steps": n,
        "return": outcome.episode_return,
        "fell": outcome.terminated,
        "mean_forward_speed": (trace.xs[-1] - trace.xs[0]) / sim_time if sim_time else 0.0,
        "plan_ms_per_step": float(plan_ms),
        "wall_ms_per_step": trace.wall * 1e3 / max(n, 1),
        "env_ms_per_step": float(env_ms),
        # planning cost in units of one real env step (10 physics steps), measured side by side
        "plan_over_env_step": float(plan_ms / max(env_ms, 1e-9)),
        "mean_reward_terms": {k: v / max(n, 1) for k, v in trace.terms.items()},
        "window_steps": window,
        "windows": _windows(trace.rewards, trace.xs, trace.yaws, base.dt, window),
        # the sampler's seed is the episode's (the row's "seed"), handed over at reset
        "config": {k: v for k, v in getattr(getattr(agent.planner, "config", None), "__dict__", {}).items()
                   if isinstance(v, (int, float, str, bool, type(None))) and k != "seed"},
    }
    agent.close()
    env.close()
    return out


def _write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump(payload, fh, indent=2)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--envs", nargs="+", default=["stand", "walk"], help="task names (mwx/h1-<task>-v0)")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--planner", default="mppi", help="registered planner name (mppi, direct)")
    ap.add_argument("--prior", default="auto", choices=["auto", "expert", "keyframe", "gait"],
                    help="where a_ref comes from (auto: the task's expert if registered)")
    ap.add_argument("--prior-expert", default=None,
                    help="registered expert giving a_ref (default: the task's, e.g. sit for sit_simple)")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="planner config overrides")
    ap.add_argument("--prior-set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="configuration of the prior expert (e.g. speed=1.2 for walk)")
    ap.add_argument("--out", type=Path, default=Path("bench_planner.json"), help="results JSON (atomic)")
    ap.add_argument("--window", type=int, default=None, metavar="N",
                    help="print mean reward, forward speed and pelvis yaw per N control steps")
    args = ap.parse_args(argv)
    if args.window is not None and args.window < 1:
        ap.error(f"--window must be >= 1, got {args.window}")
    overrides, prior_cfg = {}, {}
    for items, target, flag in ((args.set, overrides, "--set"), (args.prior_set, prior_cfg, "--prior-set")):
        for item in items:
            if "=" not in item:
                ap.error(f"{flag} takes KEY=VALUE, got {item!r}")
            k, v = item.split("=", 1)
            target[k] = _parse_value(v)
    rows: list[dict] = []
    for task in args.envs:
        for seed in args.seeds:
            row = run_episode(task, seed, args.steps, args.planner, args.prior, overrides, prior_cfg, args.prior_expert,
                              window=args.window or 100)
            rows.append(row)
            print(f"{task:10s} seed {seed}  return {row['return']:7.1f}  fell {row['fell']!s:5s}  "
                  f"steps {row['steps']:4d}  vx {row['mean_forward_speed']:+.2f} m/s  "
                  f"plan {row['plan_ms_per_step']:6.1f} ms ({row['plan_over_env_step']:.0f}x env step)  "
                  f"wall {row['wall_ms_per_step']:6.1f} ms/step  "
                  f"prior {row['prior']}", flush=True)
            print("        mean terms: " + ", ".join(f"{k} {v:.3f}" for k, v in row["mean_reward_terms"].items()))
            if args.window:
                print("        " + " ".join(f"[{w['step']}: r {w['reward']:.2f} vx {w['vx']:.2f} yaw {w['yaw_deg']:+.1f}]"
                                            for w in row["windows"]), flush=True)
            _write_json(args.out, {"args": vars(args) | {"out": str(args.out)}, "results": rows,
                                   "targets": {t: _bar(t) for t in args.envs}, "load_avg": os.getloadavg()})
    print("\ntask       seeds  mean return  min return  falls  mean vx  plan ms/step  target")
    for task in args.envs:
        rs = [r for r in rows if r["task"] == task]
        ret = [r["return"] for r in rs]
        print(f"{task:10s} {len(rs):5d}  {np.mean(ret):11.1f}  {np.min(ret):10.1f}  {sum(r['fell'] for r in rs):5d}  "
              f"{np.mean([r['mean_forward_speed'] for r in rs]):+7.2f}  "
              f"{np.mean([r['plan_ms_per_step'] for r in rs]):12.1f}  {_bar(task):6.0f}")
    print(f"load average during the run: {os.getloadavg()[0]:.2f} (2 cores, shared)")
    return rows


if __name__ == "__main__":
    main()
