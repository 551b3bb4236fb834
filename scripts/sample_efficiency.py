"""Sample efficiency of TD-MPC2 with and without expert guidance at equal environment steps.

Run (resumable: re-running continues every run from its last checkpoint)::

    python scripts/sample_efficiency.py run --condition guided --seeds 0 1 --steps 2000
    python scripts/sample_efficiency.py run --condition plain  --seeds 0 1 --steps 2000
    python scripts/sample_efficiency.py report            # CSV + JSON + PNG under results/

Conditions: ``guided`` = experts ``stand`` blended into a_ref, which seeds the latent MPPI and
enters the policy loss with lambda = 0.05; ``plain`` = lambda 0, no expert consulted (TD-MPC2).
GPU-scale command (paper-like budget)::

    python scripts/sample_efficiency.py run --condition guided --seeds 0 1 2 --steps 500000 \
        --seed-steps 5000 --pretrain 5000 --eval-every 10000 --device cuda
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "runs" / "sample_efficiency"
RESULTS = ROOT / "results" / "sample_efficiency"
ENV = "mwx/h1-stand-v0"


def run(args: argparse.Namespace) -> None:
    from mwx_sdk.learn.runs import WORLD_MODEL, has_checkpoint
    from mwx_sdk.learn.trainer import TrainConfig, Trainer

    lam = 0.05 if args.condition == "guided" else 0.0
    for seed in args.seeds:
        out = RUNS / f"{args.condition}-s{seed}"
        cfg = TrainConfig(
            env_id=ENV, experts=("stand",) if lam > 0 else (), steps=args.steps, seed=seed,
            seed_steps=args.seed_steps, pretrain_updates=args.pretrain, eval_every=args.eval_every,
            eval_episodes=1, ckpt_every=args.eval_every, guidance_lambda=lam, model_size=1,
            device=args.device, agent={"threads": args.threads},
        )
        trainer = Trainer(cfg, out, resume=has_checkpoint(out, WORLD_MODEL))
        if trainer.counters["env_steps"] >= args.steps:
            print(f"{out.name}: done", flush=True)
            continue
        print(f"{out.name}: from step {trainer.counters['env_steps']}", flush=True)
        res = trainer.run(lambda n, v: print(f"{out.name} {n} {v}", flush=True) if n % 100 == 0 else None)
        print(f"{out.name}: {res}", flush=True)


def report(_: argparse.Namespace) -> None:
    rows = []
    for d in sorted(RUNS.glob("*-s*")):
        cond, seed = d.name.rsplit("-s", 1)
        path = d / "metrics.jsonl"
        if not path.is_file():
            continue
        for ln in path.read_text().splitlines():
            r = json.loads(ln)
            if r["kind"] in ("eval", "episode"):
                rows.append({"condition": cond, "seed": int(seed), "kind": r["kind"], "step": r["step"],
                             "return": r["return"], "length": r["length"]})
    if not rows:
        sys.exit(f"no runs under {RUNS}; run the `run` command first")
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS / "curves.csv.tmp"
    with open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, RESULTS / "curves.csv")
    summary: dict = {}
    for cond in sorted({r["condition"] for r in rows}):
        ev = [r for r in rows if r["condition"] == cond and r["kind"] == "eval"]
        ep = [r for r in rows if r["condition"] == cond and r["kind"] == "episode"]
        seeds = sorted({r["seed"] for r in ev})
        last = {s: max((r for r in ev if r["seed"] == s), key=lambda r: r["step"]) for s in seeds}
        summary[cond] = {
            "seeds": seeds,
            "final_eval_return": {str(s): last[s]["return"] for s in seeds},
            "final_eval_step": {str(s): last[s]["step"] for s in seeds},
            "mean_train_episode_return": sum(r["return"] for r in ep) / max(len(ep), 1),
            "train_episodes": len(ep),
        }
    tmp = RESULTS / "summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=1))
    os.replace(tmp, RESULTS / "summary.json")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    colors = {"guided": "tab:blue", "plain": "tab:orange"}
    for (cond, seed), style in ((k, "-") for k in sorted({(r["condition"], r["seed"]) for r in rows})):
        for ax, kind in zip(axes, ("eval", "episode")):
            pts = sorted((r["step"], r["return"]) for r in rows if r["condition"] == cond and r["seed"] == seed
                         and r["kind"] == kind)
            if pts:
                ax.plot(*zip(*pts), style, marker="o" if kind == "eval" else None, ms=3,
                        color=colors.get(cond), alpha=0.9 if kind == "eval" else 0.5, label=f"{cond} seed {seed}")
    axes[0].set_title(f"{ENV}: evaluation return")
    axes[1].set_title("training episode return")
    for ax in axes:
        ax.set_xlabel("environment steps")
        ax.set_ylabel("return")
        ax.legend(fontsize=7)
    fig.tight_layout()
    tmp = RESULTS / "curves.tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, RESULTS / "curves.png")
    print(json.dumps(summary, indent=1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--condition", choices=("guided", "plain"), required=True)
    r.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    r.add_argument("--steps", type=int, default=2000)
    r.add_argument("--seed-steps", type=int, default=500)
    r.add_argument("--pretrain", type=int, default=250)
    r.add_argument("--eval-every", type=int, default=500)
    r.add_argument("--device", default="auto")
    r.add_argument("--threads", type=int, default=1)
    r.set_defaults(fn=run)
    sub.add_parser("report").set_defaults(fn=report)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
