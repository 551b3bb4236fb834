"""Env steps/s of the built-in H1 tasks against a raw ``mj_step`` loop on the same model.

Each control step is 10 physics steps. The raw loop writes the same controls into ``data.ctrl``
and calls ``mj_step`` (10 substeps in one call, the fastest raw form); the env adds the action
map, ``mj_rnePostConstraint``, observation, reward terms, termination and the info dict. Both
replay the same random actions from the same resets, interleaved, best of ``--repeats``.

Usage: python bench/env_throughput.py [--tasks stand,walk] [--steps 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import mujoco
import numpy as np


def _raw(model, data, ctrls, reset_every: int) -> float:
    key = 0
    total = 0.0
    for i, c in enumerate(ctrls):
        if i % reset_every == 0:
            mujoco.mj_resetDataKeyframe(model, data, key)
            mujoco.mj_forward(model, data)
        t = time.perf_counter()
        data.ctrl[:] = c
        mujoco.mj_step(model, data, 10)
        total += time.perf_counter() - t
    return len(ctrls) / total


def _env(env, actions, reset_every: int) -> float:
    total = 0.0
    step = env.step
    for i, a in enumerate(actions):
        if i % reset_every == 0:
            env.reset(seed=i)
        t = time.perf_counter()
        step(a)
        total += time.perf_counter() - t
    return len(actions) / total


def measure(cls, model_path, steps: int, repeats: int, reset_every: int = 100) -> tuple[float, float]:
    """Best-of-``repeats`` (raw steps/s, env steps/s), both in control steps per second."""
    env = cls(model_path=model_path)
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, (steps, env.action_space.shape[0]))
    ctrls = env._mid + actions * env._half
    model = mujoco.MjModel.from_xml_path(str(env.model_path))
    data = mujoco.MjData(model)
    raw, ours = 0.0, 0.0
    for _ in range(repeats):
        raw = max(raw, _raw(model, data, ctrls, reset_every))
        ours = max(ours, _env(env, actions, reset_every))
    env.close()
    return raw, ours


def main() -> None:
    from mwx_sdk.envs.base import reference_model_path
    from mwx_sdk.envs.tasks import TASKS

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", default="stand,walk,door,push")
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
