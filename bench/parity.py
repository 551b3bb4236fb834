"""Physics and reward parity of the H1 models: the embedded scenes (primitive and mesh H1),
HumanoidBench's reference scene, and the real HumanoidBench package when it is installed.

    python -m bench.parity                          # stand and walk, both sequences, 1 s each
    python -m bench.parity --tasks stand walk run --steps 50
    python -m bench.parity --sources reference mesh embedded --timing 5   # + ms per env.step
    python -m bench.parity --save parity_4.0.json   # keep the trajectories ...
    python -m bench.parity --against parity_4.0.json  # ... and compare another mujoco with them

Every source starts from the same state (keyframe 0 plus ``U(-0.01, 0.01)`` qpos noise drawn
here from ``--seed``, velocities, warm start and time zeroed) and receives the same actions:

- ``stand``: the stand skill's prior played open loop (no feedback) plus Gaussian noise of
  ``--noise`` (fraction of the action range);
- ``walk``: a walking sequence recorded at run time from the walk skill driving the embedded
  model with its feedback on, then replayed open loop everywhere.

Sources: ``embedded`` (``mwx/h1-<task>-v0`` on the bundled primitive H1,
``model_variant="primitive"``), ``mesh`` (the same task on the bundled mesh H1, the default
model), ``reference`` (the same task class on
HumanoidBench's own MJCF, ``model_path=reference_model_path(task)``), ``hb`` (the package's env
through :mod:`mwx_sdk.envs.humanoid_bench`, when ``import humanoid_bench`` works) and, with
``--against FILE``, the sources saved by another run (another mujoco version), named
``<source>@<version>``.

With ``--planner`` it also measures each source's *planner* model (the copy ``mppi`` rolls out:
``MPPIConfig`` physics, by default a 0.01 s step, implicitfast, 4 solver iterations and robot
self-collisions off) against the source's own physics: from the state after the first
``--planner-start`` steps of the walk sequence, both play the next 25 actions (the run task's
horizon is 40, walk's 25) and the table gives the largest root-position and joint errors after
0.1 s and 0.5 s, for the default planner settings and for variants (self-collisions on, the
env's own physics).

Per pair of sources the table shows the largest ``|qpos|`` difference over the sequence, each
reward term's difference (``|mean_a - mean_b| / max(|mean_b|, 0.01)``, the per-step means over
the sequence) and the fraction of steps whose contact sets (unordered pairs of the bodies of the
touching geoms, the floor being ``world``) are equal. The bars it judges against:

- same scene, same mujoco version (``hb`` vs ``reference``): qpos within 1e-6 over 1 s;
- embedded model (``embedded`` or ``mesh``) vs reference scene: every reward term within 1% and
  the same contact pairs on at least 95% of the steps.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

QPOS_BAR = 1e-6
TERM_BAR = 0.01
CONTACT_BAR = 0.95
TERM_FLOOR = 0.01
SEQUENCES = ("stand", "walk")
SOURCES = ("embedded", "mesh", "reference", "hb")
#: The sources that run the bundled models (judged against the reference scene).
EMBEDDED = {"embedded", "mesh"}


@dataclass
class Trace:
    """What one source did with one action sequence."""

    qpos: np.ndarray  # (T, nq)
    terms: dict[str, np.ndarray]  # reward term -> (T,)
    contacts: list[frozenset]  # per step: unordered body-name pairs in contact
    fell_at: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"qpos": self.qpos.tolist(), "terms": {k: v.tolist() for k, v in self.terms.items()},
                "contacts": [sorted("|".join(p) for p in c) for c in self.contacts], "fell_at": self.fell_at}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Trace:
        return cls(np.asarray(d["qpos"], dtype=np.float64),
                   {k: np.asarray(v, dtype=np.float64) for k, v in d["terms"].items()},
                   [frozenset(tuple(p.split("|")) for p in c) for c in d["contacts"]], d.get("fell_at"))


def hb_available() -> bool:
    """True when ``import humanoid_bench`` can work (the package is installed)."""
    import importlib.util

    return importlib.util.find_spec("humanoid_bench") is not None


def make_source(name: str, task: str) -> Any:
    """The gymnasium env of a source (``embedded``, ``mesh``, ``reference`` or ``hb``)."""
    import mwx_sdk
    from mwx_sdk.envs.base import reference_model_path

    if name == "embedded":
        return mwx_sdk.make_env(f"mwx/h1-{task}-v0", model_variant="primitive")
    if name == "mesh":
        return mwx_sdk.make_env(f"mwx/h1-{task}-v0", model_variant="mesh")
    if name == "reference":
        path = reference_model_path(task)
        if not path.is_file():
            raise FileNotFoundError(f"HumanoidBench reference scene {path} is missing (set MWX_HB_ASSETS)")
        return mwx_sdk.make_env(f"mwx/h1-{task}-v0", model_path=str(path))
    if name == "hb":
        return mwx_sdk.make_env(f"h1-{task}-v0")
    raise ValueError(f"unknown source {name!r}")


def initial_state(model: Any, seed: int, randomness: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Keyframe 0 plus uniform qpos noise (free-joint quaternions re-normalised), zero velocity."""
    import mujoco

    qpos = model.key_qpos[0].copy()
    qpos += np.random.default_rng(seed).uniform(-randomness, randomness, model.nq)
    for j in range(model.njnt):
        if model.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE:
            a = int(model.jnt_qposadr[j]) + 3
            qpos[a : a + 4] /= np.linalg.norm(qpos[a : a + 4])
    return qpos, np.zeros(model.nv)


def set_state(env: Any, qpos: np.ndarray, qvel: np.ndarray) -> None:
    """Reset ``env`` (its wrappers want it), then put it in exactly this state (nothing left over)."""
    import mujoco

    env.reset(seed=0)
    base = env.unwrapped
    m, d = base.model, base.data
    d.time = 0.0
    d.qpos[:] = qpos
    d.qvel[:] = qvel
    d.qacc_warmstart[:] = 0.0
    d.ctrl[:] = 0.0
    d.act[:] = 0.0
    d.xfrc_applied[:] = 0.0
    d.qfrc_applied[:] = 0.0
    mujoco.mj_forward(m, d)


def contact_pairs(model: Any, data: Any) -> frozenset:
    """Unordered pairs of body names of the active contacts (``world`` for the floor)."""
    import mujoco

    out = set()
    for i in range(data.ncon):
        c = data.contact[i]
        b1, b2 = model.geom_bodyid[c.geom1], model.geom_bodyid[c.geom2]
        n1 = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, b1) or str(b1)
        n2 = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, b2) or str(b2)
        out.add(tuple(sorted((n1, n2))))
    return frozenset(out)


def play(env: Any, actions: np.ndarray, qpos0: np.ndarray, qvel0: np.ndarray) -> Trace:
    """Replay ``actions`` on ``env`` from ``(qpos0, qvel0)``."""
    base = env.unwrapped
    set_state(env, qpos0, qvel0)
    qs, contacts, fell = [], [], None
    terms: dict[str, list[float]] = {}
    for t, a in enumerate(actions):
        _, reward, terminated, _, info = env.step(a.astype(np.float32))
        qs.append(base.data.qpos.copy())
        contacts.append(contact_pairs(base.model, base.data))
        row = {"reward": float(reward)}
        row.update({k: float(v) for k, v in info.items()
                    if k not in ("per_timestep_reward", "success") and isinstance(v, (int, float, np.number))
                    and not isinstance(v, (bool, np.bool_))})
        for k, v in row.items():
            terms.setdefault(k, [np.nan] * t).append(v)
        if terminated and fell is None:
            fell = t
            break
    return Trace(np.asarray(qs), {k: np.asarray(v) for k, v in terms.items()}, contacts, fell)


def stand_actions(steps: int, seed: int, noise: float) -> np.ndarray:
    """The stand prior's actions, open loop, plus Gaussian noise (fraction of the range)."""
    from mwx_sdk.interfaces import StepContext
    from mwx_sdk.plugins import get_expert

    expert = get_expert("stand")
    ctx = StepContext(step=0, dt=0.02, env=None)
    expert.reset(ctx)
    rng = np.random.default_rng(seed)
    out = []
    for k in range(steps):
        ctx.step = k
        a = np.asarray(expert.act(np.zeros(51), ctx), dtype=np.float64)
        out.append(np.clip(a + rng.normal(0.0, 2.0 * noise, a.shape), -1.0, 1.0))
    return np.asarray(out)


def walk_actions(task: str, steps: int, qpos0: np.ndarray, qvel0: np.ndarray) -> np.ndarray:
    """Actions of the walk skill (feedback on) driving the embedded model, recorded."""
    from mwx_sdk.interfaces import StepContext
    from mwx_sdk.plugins import get_expert

    env = make_source("embedded", task)
    try:
        set_state(env, qpos0, qvel0)
        expert = get_expert("walk")
        ctx = StepContext(step=0, dt=0.02, env=env.unwrapped)
        expert.reset(ctx)
        obs = np.zeros(env.observation_space.shape)
        out = []
        for k in range(steps):
            ctx.step = k
            a = np.asarray(expert.act(obs, ctx), dtype=np.float64)
            out.append(a)
            obs, _, terminated, _, _ = env.step(a.astype(np.float32))
            if terminated:
                break
        return np.asarray(out)
    finally:
        env.close()


def compare(a: Trace, b: Trace) -> dict[str, Any]:
    """Differences of trace ``a`` from trace ``b`` (``b`` is the yardstick)."""
    n = min(len(a.qpos), len(b.qpos))
    out: dict[str, Any] = {"steps": n}
    out["qpos_max"] = float(np.max(np.abs(a.qpos[:n] - b.qpos[:n]))) if n else float("nan")
    rel = {}
    for k in sorted(set(a.terms) & set(b.terms)):
        ma, mb = float(np.nanmean(a.terms[k][:n])), float(np.nanmean(b.terms[k][:n]))
        rel[k] = abs(ma - mb) / max(abs(mb), TERM_FLOOR)
    out["terms"] = rel
    out["terms_missing"] = sorted(set(a.terms) ^ set(b.terms))
    out["contacts"] = float(np.mean([a.contacts[i] == b.contacts[i] for i in range(n)])) if n else float("nan")
    out["fell"] = (a.fell_at, b.fell_at)
    return out


def verdict(pair: tuple[str, str], c: dict[str, Any]) -> str:
    """``pass``/``FAIL`` against the bar that applies to the pair, ``-`` where none does."""
    names = {p.split("@")[0] for p in pair}
    versions = {p.split("@")[1] if "@" in p else "" for p in pair}
    if names == {"hb", "reference"} and len(versions) == 1:
        return "pass" if c["qpos_max"] <= QPOS_BAR else "FAIL"
    if len(names) == 2 and "reference" in names and names & EMBEDDED and len(versions) == 1:
        ok = all(v <= TERM_BAR for v in c["terms"].values()) and c["contacts"] >= CONTACT_BAR
        return "pass" if ok else "FAIL"
    return "-"


def step_time(env: Any, actions: np.ndarray, qpos0: np.ndarray, qvel0: np.ndarray, repeats: int = 5) -> float:
    """Milliseconds of thread CPU time per ``env.step``, the median over ``repeats`` replays of
    ``actions`` from ``(qpos0, qvel0)`` (other processes' load does not count)."""
    import time

    per_step = []
    for _ in range(repeats):
        set_state(env, qpos0, qvel0)
        acts = actions.astype(np.float32)
        n, spent = 0, 0.0
        for a in acts:
            t0 = time.thread_time()
            terminated = env.step(a)[2]
            spent += time.thread_time() - t0
            n += 1
            if terminated:
                break
        per_step.append(1e3 * spent / n)
    return float(np.median(per_step))


def run(tasks: list[str], sequences: list[str], steps: int, seed: int, noise: float, sources: list[str],
        against: dict[str, Any] | None = None, planner: bool = False, planner_start: int = 20,
        timing: int = 0) -> dict[str, Any]:
    """Play every sequence on every source of every task; returns traces and comparisons (and,
    with ``timing`` > 0, each source's ms per env.step over that many replays of each sequence)."""
    import mujoco

    version = mujoco.__version__
    result: dict[str, Any] = {"mujoco": version, "steps": steps, "seed": seed, "noise": noise, "tasks": {}}
    for task in tasks:
        envs = {s: make_source(s, task) for s in sources}
        try:
            for env in envs.values():
                env.reset(seed=seed)
            model = envs[sources[0]].unwrapped.model
            qpos0, qvel0 = initial_state(model, seed)
            for seq in sequences:
                saved = (against or {}).get("tasks", {}).get(task, {}).get(seq, {})
                if "actions" in saved:  # the very actions the other run played
                    actions = np.asarray(saved["actions"], dtype=np.float64)
                elif seq == "stand":
                    actions = stand_actions(steps, seed, noise)
                elif seq == "walk":
                    actions = walk_actions(task, steps, qpos0, qvel0)
                else:
                    raise ValueError(f"unknown sequence {seq!r}; known: {', '.join(SEQUENCES)}")
                traces = {s: play(env, actions, qpos0, qvel0) for s, env in envs.items()}
                for s, d in saved.get("traces", {}).items():
                    traces[f"{s}@{against['mujoco']}"] = Trace.from_json(d)
                result["tasks"].setdefault(task, {})[seq] = {"traces": traces, "actions": actions}
                if timing > 0:
                    result.setdefault("timing", {}).setdefault(task, {})[seq] = {
                        s: step_time(env, actions, qpos0, qvel0, timing) for s, env in envs.items()}
            if planner:
                walk = walk_actions(task, max(steps, planner_start + 25), qpos0, qvel0)
                result.setdefault("planner", {})[task] = {
                    s: planner_fidelity(env, walk, qpos0, qvel0, start=planner_start) for s, env in envs.items()}
        finally:
            for env in envs.values():
                env.close()
    return result


#: Planner-model variants of ``--planner``: label -> MPPIConfig physics fields.
PLANNER_VARIANTS: dict[str, dict[str, Any]] = {
    "self-collisions off": {},
    "self-collisions on": {"self_collision": True},
    "env physics, no self-coll.": {"planner_timestep": None, "integrator": None, "solver_iterations": None,
                                   "ls_iterations": None},
    "env physics": {"planner_timestep": None, "integrator": None, "solver_iterations": None,
                    "ls_iterations": None, "self_collision": True},
}


def planner_fidelity(env: Any, actions: np.ndarray, qpos0: np.ndarray, qvel0: np.ndarray, start: int = 20,
                     horizon: int = 25) -> dict[str, dict[str, float]]:
    """Errors of each planner-model variant against the env's physics over ``horizon`` actions."""
    import mujoco

    from mwx_sdk.planning import sim
    from mwx_sdk.planning.config import MPPIConfig
    from mwx_sdk.planning.mppi import _floor_contacts_only

    base = env.unwrapped
    m = base.model
    set_state(env, qpos0, qvel0)
    for a in actions[:start]:
        env.step(a.astype(np.float32))
    state0, warm = sim.get_state(m, base.data)
    ctrl = sim.action_to_ctrl(actions[start:start + horizon], m.actuator_ctrlrange)
    path = sim.model_path_of(env)
    spec = sim.full_physics_spec()

    def roll(model: Any, substeps: int) -> np.ndarray:
        d = mujoco.MjData(model)
        mujoco.mj_setState(model, d, state0, spec)
        d.qacc_warmstart[:] = warm
        out = []
        for c in ctrl:
            d.ctrl[:] = c
            for _ in range(substeps):
                mujoco.mj_step(model, d)
            out.append(d.qpos.copy())
        return np.asarray(out)

    truth = roll(m, 10)
    dt = m.opt.timestep * 10
    result = {}
    for label, fields in PLANNER_VARIANTS.items():
        cfg = MPPIConfig(**fields)
        pm, _ = sim.build_planner_model(path, m, timestep=cfg.planner_timestep, integrator=cfg.integrator,
                                        iterations=cfg.solver_iterations, ls_iterations=cfg.ls_iterations)
        if not cfg.self_collision:
            _floor_contacts_only(pm)
        err = np.abs(roll(pm, round(dt / pm.opt.timestep)) - truth)
        n = len(err)
        at = {"0.1s": min(4, n - 1), "0.5s": min(24, n - 1)}
        result[label] = {f"{w} {k}": float(err[i, sl].max()) for w, i in at.items()
                         for k, sl in (("root", slice(0, 3)), ("joints", slice(7, 26)))}
    return result


def planner_table(task: str, results: dict[str, dict[str, dict[str, float]]]) -> str:
    """Printed planner-fidelity table of one task (rows: source x variant)."""
    cols = ("0.1s root", "0.5s root", "0.1s joints", "0.5s joints")
    lines = [f"== {task} / planner model vs env physics (walk sequence; root m, joints rad, max abs error)",
             f"{'source':<11}{'planner model':<28}" + "".join(f"{c:>13}" for c in cols)]
    for src, variants in results.items():
        for label, errs in variants.items():
            lines.append(f"{src:<11}{label:<28}" + "".join(f"{errs[c]:>13.3f}" for c in cols))
    return "\n".join(lines)


def timing_table(task: str, times: dict[str, dict[str, float]], repeats: int) -> str:
    """Printed ms per env.step of one task (rows: sequence, columns: source)."""
    sources = list(next(iter(times.values())))
    lines = [f"== {task} / ms per env.step (thread CPU time, median of {repeats} replays of each sequence)",
             f"{'sequence':<10}" + "".join(f"{s:>12}" for s in sources)]
    for seq, row in times.items():
        lines.append(f"{seq:<10}" + "".join(f"{row[s]:>12.3f}" for s in sources))
    return "\n".join(lines)


PAIRS_ORDER = ("hb", "reference", "mesh", "embedded")


def pairs_of(names: list[str]) -> list[tuple[str, str]]:
    """Every pair of sources, the more faithful one second (the yardstick)."""
    def rank(n: str) -> tuple[int, int]:
        base = n.split("@")[0]
        return (PAIRS_ORDER.index(base) if base in PAIRS_ORDER else 9, "@" in n)

    ordered = sorted(names, key=rank)
    return [(a, b) for i, b in enumerate(ordered) for a in ordered[i + 1:]]


def table(task: str, seq: str, traces: dict[str, Trace]) -> str:
    """One printed table: every pair of sources of one task and sequence."""
    rows = []
    for a, b in pairs_of(list(traces)):
        c = compare(traces[a], traces[b])
        worst = max(c["terms"].items(), key=lambda kv: kv[1]) if c["terms"] else ("-", float("nan"))
        terms = " ".join(f"{k}={v:.2%}" for k, v in sorted(c["terms"].items()))
        fa, fb = c["fell"]
        fell = "" if fa is None and fb is None else f" fell {fa}/{fb}"
        rows.append((f"{a} vs {b}", f"{c['steps']}", f"{c['qpos_max']:.2e}", f"{worst[0]} {worst[1]:.2%}",
                     f"{c['contacts']:.0%}", verdict((a, b), c) + fell, terms))
    head = ("pair", "steps", "qpos max", "worst term", "contacts", "bar", "every term")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    lines = [f"== {task} / {seq} sequence"]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    lines.append(fmt.format(*head))
    lines += [fmt.format(*r) for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print one table per task and sequence; optionally save or compare trajectories."""
    os.environ.setdefault("MUJOCO_GL", "egl")
    parser = argparse.ArgumentParser(prog="python -m bench.parity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", nargs="+", default=["stand", "walk"])
    parser.add_argument("--sequences", nargs="+", default=list(SEQUENCES), choices=SEQUENCES)
    parser.add_argument("--steps", type=int, default=50, help="control steps per sequence (50 = 1 s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise", type=float, default=0.05, help="noise on the stand prior (fraction of range)")
    parser.add_argument("--sources", nargs="+", default=None, choices=SOURCES,
                        help="embedded mesh reference hb (default: all that are available)")
    parser.add_argument("--planner", action="store_true",
                        help="also measure each source's mppi planner model against its physics")
    parser.add_argument("--planner-start", type=int, default=20,
                        help="walk steps played before the planner-model comparison starts")
    parser.add_argument("--timing", type=int, default=0, metavar="N",
                        help="also print each source's ms per env.step (median of N replays of each sequence)")
    parser.add_argument("--save", type=Path, help="write the traces to this JSON file")
    parser.add_argument("--against", type=Path, help="compare with the traces of an earlier --save")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be >= 1")
    if args.timing < 0:
        parser.error("--timing must be >= 0")
    sources = args.sources or ["reference", "mesh", "embedded"] + (["hb"] if hb_available() else [])
    if "hb" in sources and not hb_available():
        parser.error("source 'hb' needs the humanoid_bench package (see docs/humanoid_bench.md)")
    against = None
    if args.against is not None:
        try:
            against = json.loads(args.against.read_text())
        except (OSError, ValueError) as exc:
            parser.error(f"--against {args.against}: {exc}")
    import mujoco

    print(f"mujoco {mujoco.__version__}; sources: {', '.join(sources)}"
          + (f"; against {args.against} (mujoco {against['mujoco']})" if against else ""))
    res = run(args.tasks, args.sequences, args.steps, args.seed, args.noise, sources, against,
              planner=args.planner, planner_start=args.planner_start, timing=args.timing)
    for task, seqs in res["tasks"].items():
        for seq, r in seqs.items():
            print(table(task, seq, r["traces"]))
        if task in res.get("planner", {}):
            print(planner_table(task, res["planner"][task]))
        if task in res.get("timing", {}):
            print(timing_table(task, res["timing"][task], args.timing))
    if args.save is not None:
        from mwx_sdk.fileio import atomic_write_text

        out = {"mujoco": res["mujoco"], "steps": res["steps"], "seed": res["seed"], "tasks": {
            t: {s: {"actions": r["actions"].tolist(),
                    "traces": {n: tr.to_json() for n, tr in r["traces"].items() if "@" not in n}}
                for s, r in seqs.items()} for t, seqs in res["tasks"].items()}}
        atomic_write_text(args.save, json.dumps(out))
        print(f"traces saved to {args.save}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
