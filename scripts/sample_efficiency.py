"""Guided and plain TD-MPC2 at equal environment steps, against the experts alone.

Three commands; every run resumes from its last checkpoint when started again, so a long
experiment can be split across sessions (``nohup nice -n 15 python scripts/... &``)::

    # the experts alone (``direct``) and both agents before any update, on the evaluation episodes
    python scripts/sample_efficiency.py untrained --env mwx/h1-stand-v0 --seeds 0 1 2
    # training runs: evaluation (one 1000-step episode, plan mean) at step 0 and every --eval-every
    python scripts/sample_efficiency.py run --env mwx/h1-stand-v0 --condition guided --seeds 0 --steps 10000
    python scripts/sample_efficiency.py run --env mwx/h1-stand-v0 --condition plain --seeds 0 --steps 10000
    # curves.csv, summary.json and curves.png under the results folder
    python scripts/sample_efficiency.py report --env mwx/h1-stand-v0
    # everything above for one task, one run at a time, reporting after each (resumable)
    nohup nice -n 15 python scripts/sample_efficiency.py queue --env mwx/h1-walk-v0 --steps 30000 \
        --ckpt-every 500 > runs/sample_efficiency/walk_queue.log 2>&1 &

Conditions: ``guided`` = the task's expert (``stand`` / ``walk``) gives a_ref; the agent acts
around it (residual latent MPPI within an anchor that opens as the learned value earns trust,
residual policy prior, lambda 0.05 in the policy loss); ``plain`` = lambda 0, no expert consulted
(TD-MPC2). Both conditions draw the same random seed-phase actions for a given seed.

Runs live in ``runs/sample_efficiency/<task>/<condition>-s<seed>``; results in
``results/sample_efficiency`` (stand) or ``results/sample_efficiency_<task>``. The summary gives,
per run, every evaluation's return and episode length, its ratio to the experts' own return on
the same evaluation episode, and the first evaluated step at which the agent held the whole
episode without falling (``"not reached"`` otherwise).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the experiment's tasks; the guided condition's expert is each task's lead skill
ENVS = ("mwx/h1-stand-v0", "mwx/h1-walk-v0")


def lead_skill(env: str) -> str:
    """The task's lead skill (:attr:`mwx_sdk.task.Composition.lead_skill`): ``stand``, ``walk``."""
    from mwx_sdk.task import get_task

    return get_task(env).composition.lead_skill


def _task(env: str) -> str:
    return env.split("/")[-1].removeprefix("h1-").rsplit("-v", 1)[0]


def runs_dir(env: str) -> Path:
    return ROOT / "runs" / "sample_efficiency" / _task(env)


def results_dir(env: str) -> Path:
    task = _task(env)
    return ROOT / "results" / ("sample_efficiency" if task == "stand" else f"sample_efficiency_{task}")


def _write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1))
    os.replace(tmp, path)


def model_variant(env: str) -> str:
    """The H1 model of an experiment: the stand runs began on the primitive H1 and finish on it
    (their curves compare only on one robot); the others run on the default mesh H1."""
    return "primitive" if env == "mwx/h1-stand-v0" else "mesh"


def train_config(args: argparse.Namespace, condition: str, seed: int):
    from mwx_sdk.learn.trainer import TrainConfig

    guided = condition == "guided"
    return TrainConfig(
        env_id=args.env, experts=(args.experts,) if guided else (), steps=args.steps, seed=seed,
        seed_steps=args.seed_steps, pretrain_updates=args.pretrain, eval_every=args.eval_every,
        eval_episodes=1, ckpt_every=args.ckpt_every or args.eval_every, guidance_lambda=0.05 if guided else 0.0,
        model_size=1,
        device=args.device, agent={"threads": args.threads}, eval_at_start=True,
        env_options={"model_variant": model_variant(args.env)},
    )


def run(args: argparse.Namespace) -> None:
    from mwx_sdk.learn.runs import WORLD_MODEL, has_checkpoint
    from mwx_sdk.learn.trainer import Trainer

    for seed in args.seeds:
        out = runs_dir(args.env) / f"{args.condition}-s{seed}"
        resume = has_checkpoint(out, WORLD_MODEL)
        # a run cut off before its first checkpoint left only logs: it starts over
        trainer = Trainer(train_config(args, args.condition, seed), out, resume=resume,
                          overwrite=not resume and out.exists())
        if trainer.counters["env_steps"] >= args.steps:
            print(f"{out.name}: done", flush=True)
            continue
        print(f"{out.name}: from step {trainer.counters['env_steps']}", flush=True)

        def show(n: int, v: dict, name: str = out.name) -> None:
            if n % 500 == 0:
                print(f"{name} {n} {json.dumps({k: round(x, 3) for k, x in v.items()})}", flush=True)

        res = trainer.run(show)
        print(f"{out.name}: {res}", flush=True)


def queue(args: argparse.Namespace) -> None:
    """The untrained baselines (once), then every seed's runs one after the other, interleaving
    the conditions so that an interrupted queue has both conditions at about the same steps."""
    path = results_dir(args.env) / "untrained.json"
    doc = json.loads(path.read_text()) if path.is_file() else {}
    missing = [s for s in args.seeds if any(k not in doc.get(str(s), {}) for k in ("direct", *args.conditions))]
    if missing:
        untrained(argparse.Namespace(**{**vars(args), "seeds": missing}))
    for seed in args.seeds:
        for cond in args.conditions:
            run(argparse.Namespace(**{**vars(args), "condition": cond, "seeds": [seed]}))
            report(argparse.Namespace(env=args.env, episode_steps=args.episode_steps))


def _direct_return(env_id: str, expert: str, seed: int) -> dict:
    """The experts alone (``direct``) on the trainer's evaluation episode of run seed ``seed``: the
    trainer's own guide (the task's options for the expert) through the one episode loop."""
    from mwx_sdk.episode import instruction_for, run_agent_episode
    from mwx_sdk.learn.trainer import guide_agent
    from mwx_sdk.plugins import make_env

    env = make_env(env_id, model_variant=model_variant(env_id))
    ep_seed = 10_000 + seed * 100  # Trainer.evaluate's first episode
    out = run_agent_episode(env, guide_agent([expert], env), instruction_for(env, expert), seed=ep_seed)
    env.close()
    return {"return": out.episode_return, "length": float(out.steps)}


def untrained(args: argparse.Namespace) -> None:
    import tempfile

    from mwx_sdk.learn.trainer import Trainer

    path = results_dir(args.env) / "untrained.json"
    doc = json.loads(path.read_text()) if path.is_file() else {}
    doc.update({"env": args.env, "model_variant": model_variant(args.env), "experts": args.experts,
                "what": "one evaluation episode per run seed (the trainer's), 0 updates; direct = the experts alone"})
    for seed in args.seeds:
        row = doc.setdefault(str(seed), {})
        row["direct"] = _direct_return(args.env, args.experts, seed)
        print(f"seed {seed} direct {row['direct']}", flush=True)
        for cond in args.conditions:
            with tempfile.TemporaryDirectory() as tmp:
                # the same construction as a training run's: same seeds, same agent, same episode
                trainer = Trainer(train_config(args, cond, seed), Path(tmp) / "run")
                row[cond] = trainer.evaluate()
            print(f"seed {seed} {cond} {row[cond]}", flush=True)
            _write_json(path, doc)
    print(json.dumps(doc, indent=1))


def report(args: argparse.Namespace) -> None:
    rdir, res = runs_dir(args.env), results_dir(args.env)
    max_len = args.episode_steps
    untrained_doc = json.loads((res / "untrained.json").read_text()) if (res / "untrained.json").is_file() else {}
    rows = []
    for d in sorted(rdir.glob("*-s*")):
        cond, seed = d.name.rsplit("-s", 1)
        path = d / "metrics.jsonl"
        if not path.is_file():
            continue
        for ln in path.read_text().splitlines():
            try:
                r = json.loads(ln)
            except ValueError:  # a line cut by a killed run
                continue
            if r.get("kind") in ("eval", "episode"):
                rows.append({"condition": cond, "seed": int(seed), "kind": r["kind"], "step": r["step"],
                             "return": r["return"], "length": r["length"], "trust": r.get("trust", ""),
                             "anchor": r.get("anchor", "")})
    if not rows:
        sys.exit(f"no runs under {rdir}; run the `run` command first")
    res.mkdir(parents=True, exist_ok=True)
    tmp = res / "curves.csv.tmp"
    with open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, res / "curves.csv")
    summary: dict = {"env": args.env, "untrained": untrained_doc, "runs": {}}
    for cond, seed in sorted({(r["condition"], r["seed"]) for r in rows}):
        ev = sorted((r for r in rows if (r["condition"], r["seed"]) == (cond, seed) and r["kind"] == "eval"),
                    key=lambda r: r["step"])
        ep = [r for r in rows if (r["condition"], r["seed"]) == (cond, seed) and r["kind"] == "episode"]
        direct = untrained_doc.get(str(seed), {}).get("direct", {}).get("return")
        held = next((r["step"] for r in ev if r["length"] >= max_len), "not reached")
        summary["runs"][f"{cond}-s{seed}"] = {
            "eval": [{"step": r["step"], "return": round(r["return"], 2), "length": r["length"],
                      **({"ratio_to_direct": round(r["return"] / direct, 3)} if direct else {}),
                      **({"trust": round(r["trust"], 3)} if r["trust"] != "" else {})} for r in ev],
            "first_step_holding_full_episode": held,
            "last_step": max((r["step"] for r in ep + ev), default=0),
            "train_episodes": len(ep),
        }
    _write_json(res / "summary.json", summary)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    colors = {"guided": "tab:blue", "plain": "tab:orange"}
    for cond, seed in sorted({(r["condition"], r["seed"]) for r in rows}):
        for ax, key in zip(axes, ("return", "length")):
            pts = sorted((r["step"], r[key]) for r in rows if (r["condition"], r["seed"]) == (cond, seed)
                         and r["kind"] == "eval")
            if pts:
                ax.plot(*zip(*pts), marker="o", ms=3, color=colors.get(cond), label=f"{cond} seed {seed}")
    first = True
    for seed, doc in untrained_doc.items():
        if not (isinstance(doc, dict) and "direct" in doc):
            continue
        axes[0].axhline(doc["direct"]["return"], color="gray", ls=":", lw=1,
                        label="experts alone (per seed)" if first else None)
        for cond in ("guided", "plain"):
            if cond in doc and not any(r["condition"] == cond and r["seed"] == int(seed) for r in rows):
                axes[0].plot([0], [doc[cond]["return"]], "x", color=colors[cond],
                             label=f"{cond}, 0 updates" if first else None)
        first = False
    axes[0].set_ylim(bottom=0)
    axes[1].set_ylim(bottom=0)
    axes[0].set_title(f"{args.env}: evaluation return")
    axes[1].set_title("evaluation episode length (steps)")
    for ax in axes:
        ax.set_xlabel("environment steps")
        ax.legend(fontsize=7)
    fig.tight_layout()
    tmp = res / "curves.tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, res / "curves.png")
    print(json.dumps(summary["runs"], indent=1))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--env", default="mwx/h1-stand-v0", choices=ENVS)
        q.add_argument("--experts", default=None, help="expert of the guided condition (default: the task's)")
        q.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
        q.add_argument("--steps", type=int, default=10000)
        q.add_argument("--seed-steps", type=int, default=1000)
        q.add_argument("--pretrain", type=int, default=1000)
        q.add_argument("--eval-every", type=int, default=2000)
        q.add_argument("--ckpt-every", type=int, default=0, help="checkpoint interval (default: --eval-every)")
        q.add_argument("--device", default="cpu")
        q.add_argument("--threads", type=int, default=1)

    r = sub.add_parser("run")
    common(r)
    r.add_argument("--condition", choices=("guided", "plain"), required=True)
    r.set_defaults(fn=run)
    u = sub.add_parser("untrained")
    common(u)
    u.add_argument("--conditions", nargs="+", choices=("guided", "plain"), default=["guided", "plain"])
    u.set_defaults(fn=untrained)
    qu = sub.add_parser("queue")
    common(qu)
    qu.add_argument("--conditions", nargs="+", choices=("guided", "plain"), default=["guided", "plain"])
    qu.add_argument("--episode-steps", type=int, default=1000)
    qu.set_defaults(fn=queue)
    rep = sub.add_parser("report")
    rep.add_argument("--env", default="mwx/h1-stand-v0", choices=ENVS)
    rep.add_argument("--episode-steps", type=int, default=1000, help="length of a full evaluation episode")
    rep.set_defaults(fn=report)
    args = p.parse_args(argv)
    if getattr(args, "experts", "") is None:
        args.experts = lead_skill(args.env)
    args.fn(args)


if __name__ == "__main__":
    main()
