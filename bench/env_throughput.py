"""Env steps/s of the built-in H1 tasks against a raw ``mj_step`` loop on the same model.

Each control step is 10 physics steps. The raw loop writes the same controls into ``data.ctrl``
and calls ``mj_step`` (10 substeps in one call, the fastest raw form); the env adds the action
map, ``mj_rnePostConstraint``, observation, reward terms, termination and the info dict. Both
replay the same random actions from the same states, alternating in chunks of 50 steps, timed
in thread CPU seconds, best of ``--repeats``. Episodes end (reset) every 50 steps, and the
env is stepped past termination, so both loops always simulate identical trajectories.

Usage: python bench/env_throughput.py [--tasks stand,walk] [--steps 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import mujoco
import numpy as np


def measure(cls, model_path, steps: int, repeats: int, chunk: int = 50) -> tuple[float, float]:
    """Best-of-``repeats`` (raw steps/s, env steps/s), both in control steps per CPU second.

    The two loops alternate chunk by chunk from identical states (the raw loop copies the env's
    state after each ``env.reset``), so they simulate the same trajectories under the same
    machine conditions. Thread CPU time keeps other processes' load out of the figures.
    """
    env = cls(model_path=model_path)
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, (steps, env.action_space.shape[0]))
    ctrls = env._mid + actions * env._half
    model = env.model  # same compiled model (task resets may edit it, e.g. package)
    data = mujoco.MjData(model)
    clock = time.thread_time
    best_raw, best_env = 0.0, 0.0
    for rep in range(repeats):
        t_raw = t_env = 0.0
        for start in range(0, steps, chunk):
            env.reset(seed=rep * 100000 + start)
            data.qpos[:], data.qvel[:], data.act[:] = env.data.qpos, env.data.qvel, env.data.act
            data.time = env.data.time
            mujoco.mj_forward(model, data)
            t = clock()
            for c in ctrls[start : start + chunk]:
                data.ctrl[:] = c
                mujoco.mj_step(model, data, 10)
            t_raw += clock() - t
            step = env.step
            t = clock()
            for a in actions[start : start + chunk]:
                step(a)
            t_env += clock() - t
        best_raw, best_env = max(best_raw, steps / t_raw), max(best_env, steps / t_env)
    env.close()
    return best_raw, best_env


def main() -> None:
    from mwx_sdk.envs.base import reference_model_path
    from mwx_sdk.envs.tasks import TASKS

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", default="stand,walk,sit_simple,door,push,package,truck,basketball")
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    models = [("project H1", None)]
    rows = []
    print(f"{'task':<11} {'model':<13} {'raw ctrl steps/s':>17} {'(mj_step/s)':>12} {'env steps/s':>12} {'ratio':>6}")
    for task in args.tasks.split(","):
        cls = TASKS[task]
        cands = list(models)
        ref = reference_model_path(task)
        if ref.is_file():
            cands.append(("reference H1", ref))
        for label, path in cands:
            raw, ours = measure(cls, path, args.steps, args.repeats)
            rows.append((task, label, raw, ours))
            print(f"{task:<11} {label:<13} {raw:17.0f} {raw * 10:12.0f} {ours:12.0f} {ours / raw:6.3f}", flush=True)
    ratios = [r[3] / r[2] for r in rows]
    print(f"mean ratio {np.mean(ratios):.3f}  min ratio {np.min(ratios):.3f}  (mujoco {mujoco.__version__})")


if __name__ == "__main__":
    main()
