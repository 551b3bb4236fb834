"""The reach task's goals per seed, and which of them the H1 can reach at all.

The goal is drawn in [-2, 2]^2 x [0.2, 2.0] m; the robot can walk anywhere in that square, so a
goal is out of reach only when no balanced standing pose puts the hand at its height
(:func:`mwx_sdk.motion.reachability.hand_height_range` on the task's own model). With
``--results`` the returns of an ``mwx eval`` run are split into goals within and out of reach.

    python scripts/reach_goals.py --seeds 0-9 [--model-variant mesh] [--results results/reach/<run>]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import mwx_sdk
from mwx_sdk.eval.io import read_json
from mwx_sdk.eval.spec import parse_seeds
from mwx_sdk.motion.reachability import hand_height_range


def goals(seeds: list[int], model_variant: str) -> tuple[dict, list[dict]]:
    """The hand's height range and, per seed, the goal, its distance from the start and whether
    it is within reach."""
    env = mwx_sdk.make_env("mwx/h1-reach-v0", model_variant=model_variant)
    env.reset(seed=seeds[0] if seeds else 0)
    u = env.unwrapped
    rng = hand_height_range(u.model, u.data.qpos.copy(), side="left")
    rows = []
    for s in seeds:
        env.reset(seed=s)
        g = np.asarray(u.goal, dtype=float)
        start = u.q.root_pos(u.data)[:2]
        rows.append({"seed": s, "goal": [round(float(v), 3) for v in g],
                     "distance_m": round(float(np.hypot(*(g[:2] - start))), 3),
                     "reachable": rng.contains(float(g[2]))})
    env.close()
    return {"low": rng.low, "high": rng.high, "penetration": list(rng.penetration)}, rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default=None, help="seeds, e.g. 0-9 or 0,3,5 (default: the --results run's, else 0-9)")
    ap.add_argument("--model-variant", default="mesh", choices=("mesh", "primitive"))
    ap.add_argument("--results", type=Path, help="an mwx eval folder on mwx/h1-reach-v0 (results.json)")
    args = ap.parse_args(argv)
    returns: dict[int, float] = {}
    if args.results is not None:
        path = args.results / "results.json" if args.results.is_dir() else args.results
        if not path.is_file():
            print(f"{path} does not exist: pass the --out folder of an mwx eval run", file=sys.stderr)
            return 2
        returns = {int(e["seed"]): float(e["return"]) for e in read_json(path)["episodes"]}
    try:
        seeds = parse_seeds(args.seeds) if args.seeds is not None else sorted(returns) or list(range(10))
    except ValueError as exc:
        print(f"--seeds: {exc}", file=sys.stderr)
        return 2
    span, rows = goals(seeds, args.model_variant)
    print(f"left hand, standing balanced on flat feet: {span['low']:.3f}-{span['high']:.3f} m above the floor "
          f"(deepest penetration of the extreme poses {max(span['penetration']) * 1000:.1f} mm)")
    print("| seed | goal (x, y, z) m | distance from the start (m) | within reach | return |")
    print("|---|---|---|---|---|")
    for r in rows:
        ret = f"{returns[r['seed']]:.1f}" if r["seed"] in returns else "-"
        print(f"| {r['seed']} | {r['goal']} | {r['distance_m']} | {'yes' if r['reachable'] else 'no'} | {ret} |")
    if returns:
        for label, keep in (("within reach", True), ("out of reach", False)):
            vals = [returns[r["seed"]] for r in rows if r["reachable"] == keep and r["seed"] in returns]
            mean = f"{np.mean(vals):.1f} over {len(vals)} seeds" if vals else "no seeds"
            print(f"mean return, goals {label}: {mean}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
