"""How far the capture point strays from the feet in unpushed episodes of a task's default agent,
and how much of the root's motion the planner fails to predict.

``mppi``'s ``recovery_capture`` must sit beyond what the task's own motion produces, or the plan
lets go of the prior without a shove; ``recovery_surprise`` (when the task sets it) must sit
beyond the unpushed prediction error. This runs the task's default composition (as ``mwx eval``
builds it) with no pushes and prints both statistics per seed::

    python scripts/capture_offsets.py --env mwx/h1-walk-v0 --seeds 0 1 --steps 400

The offset is the one the planner reports in its diagnostics (``capture_offset``): the
horizontal distance of the centre of mass, moved ahead by ``capture_time`` times its velocity
(relative to the commanded speed where the task sets ``capture_relative``), from the feet's
midpoint. The surprise is the planner's ``surprise`` diagnostic: the leaky sum of the root's
horizontal velocity minus the planner model's one-step prediction (m/s). The task's recovery
thresholds are kept out of play for the measurement.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np


def measure(env_id: str, seed: int, steps: int, vlm: str = "embedding") -> tuple[np.ndarray, np.ndarray, bool]:
    """Capture offsets (m) and surprise (m/s) per control step, and whether the episode ended early."""
    import mwx_sdk
    from mwx_sdk.agent import compose
    from mwx_sdk.episode import EpisodeCallback, run_agent_episode
    from mwx_sdk.task import task_for_env

    class Record(EpisodeCallback):
        def __init__(self) -> None:
            self.offsets: list[float] = []
            self.surprise: list[float] = []

        def on_step(self, step) -> None:
            diag = agent.diagnostics.planner
            self.offsets.append(diag["capture_offset"])
            self.surprise.append(diag["surprise"])

    env = mwx_sdk.make_env(env_id)
    try:
        task = task_for_env(env)
        if task is None or task.composition is None:
            raise SystemExit(f"{env_id} has no task with a default composition; pick an mwx/h1-<task>-v0 id")
        # thresholds no motion reaches: both are reported, the prior is never let go of
        agent = compose(env=env, router="fusion", planner="mppi", vlm=vlm,
                        planner_config={"recovery_capture": 1e9, "recovery_surprise": 1e9},
                        config={"seed": seed, "keep_history": False})
        try:
            rec = Record()
            # the loop mwx eval runs: the same seeding, so the episode is the one it evaluates
            out = run_agent_episode(env, agent, task.composition.instruction, seed=seed, steps=steps,
                                    callbacks=[rec])
            return np.asarray(rec.offsets), np.asarray(rec.surprise), out.terminated
        finally:
            agent.close()
    finally:
        env.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/capture_offsets.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="mwx/h1-walk-v0")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--vlm", default="embedding", help="VLM backend (mwx eval's default: embedding)")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be >= 1")
    print(f"{args.env}: capture offset from the feet's midpoint (m) and surprise (m/s), unpushed, "
          f"{args.steps} steps")
    print(f"{'':12}{'capture offset':^32}{'surprise':^24}")
    print(f"{'seed':>5}{'steps':>7}{'mean':>8}{'p90':>8}{'p99':>8}{'max':>8}{'p90':>8}{'p99':>8}{'max':>8}")
    for seed in args.seeds:
        off, sur, ended = measure(args.env, seed, args.steps, args.vlm)
        note = "  (the episode ended: a fall)" if ended else ""
        print(f"{seed:>5}{len(off):>7}{off.mean():>8.3f}{np.percentile(off, 90):>8.3f}"
              f"{np.percentile(off, 99):>8.3f}{off.max():>8.3f}{np.percentile(sur, 90):>8.3f}"
              f"{np.percentile(sur, 99):>8.3f}{sur.max():>8.3f}{note}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
