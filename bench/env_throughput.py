"""Env steps/s of the built-in H1 tasks against a raw ``mj_step`` loop on the same model.

Each control step is 10 physics steps. The raw loop writes the same controls into ``data.ctrl``
and calls ``mj_step`` with ``nstep=10`` (the fastest raw form); the env adds the action map,
``mj_rnePostConstraint``, observation, reward terms, termination and the info dict.

Measurement (robust on a shared, loaded machine):

- both loops replay the same random actions from bit-identical states: after every
  ``env.reset`` the env's ``mjSTATE_INTEGRATION`` state (warm-start accelerations included, so
  the constraint solver does the same work) is copied into the raw ``MjData`` and forwarded
  (``mj_copyData`` is not in the mujoco 3.1 bindings), and the env is stepped past
  termination, so both simulate the same trajectories;
- they alternate in chunks of ``--chunk`` control steps, and which loop goes first alternates
  from chunk to chunk, so slow drifts of the machine hit both equally;
- time is the thread's CPU time (other processes' load does not count), and the figure per
  task and model is the median over ``--repeats`` repeats of the per-repeat ratio.

Usage: python -m bench.env_throughput [--tasks stand,walk] [--steps 600] [--repeats 5] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

import mujoco
import numpy as np

FRAME_SKIP = 10
DEFAULT_TASKS = "stand,walk,sit_simple,door,push,package,truck,basketball"


def _raw_stepper(model, data):
    """``mj_step`` x ``FRAME_SKIP`` in one call where the bindings accept ``nstep``."""
    step = mujoco.mj_step
    try:
        scratch = mujoco.MjData(model)
        step(model, scratch, nstep=1)
    except TypeError:  # bindings without nstep

        def run() -> None:
            for _ in range(FRAME_SKIP):
                step(model, data)

        return run

    def run() -> None:
        step(model, data, FRAME_SKIP)

    return run


def measure(cls, model_path, steps: int, repeats: int, chunk: int = 25) -> tuple[float, float, float]:
    """Median raw and env control steps per CPU second, and the median per-repeat ratio.

    Args:
        cls: task env class.
        model_path: MJCF path, or None for the project's default scene.
        steps: control steps per repeat and loop.
        repeats: number of repeats (the medians are over these).
        chunk: control steps per interleaved chunk (an episode is reset every chunk).

    Returns:
        ``(raw steps/s, env steps/s, env/raw ratio)``.
    """
    env = cls(model_path=model_path)
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, (steps, env.action_space.shape[0]))
    ctrls = env._mid + actions * env._half  # same arithmetic as the env's action map
    model = env.model  # the same compiled model (task resets may edit it, e.g. package)
    data = mujoco.MjData(model)
    raw_step = _raw_stepper(model, data)
    spec = int(mujoco.mjtState.mjSTATE_INTEGRATION)
    state = np.empty(mujoco.mj_stateSize(model, spec))
    env_step = env.step
    ctrl = data.ctrl
    clock = time.thread_time
    raws, envs, ratios = [], [], []
    for rep in range(repeats):
        t_raw = t_env = 0.0
        for k, start in enumerate(range(0, steps, chunk)):
            env.reset(seed=rep * 100003 + start)
            mujoco.mj_getState(model, env.data, state, spec)  # positional: the keyword name differs by version
            mujoco.mj_setState(model, data, state, spec)
            mujoco.mj_forward(model, data)
            block_c, block_a = ctrls[start : start + chunk], actions[start : start + chunk]
            for which in ((0, 1) if (k + rep) % 2 == 0 else (1, 0)):
                if which == 0:
                    t = clock()
                    for c in block_c:
                        ctrl[:] = c
                        raw_step()
                    t_raw += clock() - t
                else:
                    t = clock()
                    for a in block_a:
                        env_step(a)
                    t_env += clock() - t
        raws.append(steps / t_raw)
        envs.append(steps / t_env)
        ratios.append(t_raw / t_env)
    env.close()
    return statistics.median(raws), statistics.median(envs), statistics.median(ratios)


def main(argv: list[str] | None = None) -> None:
    """Print the throughput table.

    Args:
        argv: command-line arguments (``--tasks``, ``--steps``, ``--repeats``, ``--chunk``,
            ``--quick``).
    """
    from mwx_sdk.envs.base import reference_model_path
    from mwx_sdk.envs.tasks import TASKS

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", default=DEFAULT_TASKS)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--chunk", type=int, default=25)
    p.add_argument("--quick", action="store_true", help="stand and door, 200 steps, 3 repeats")
    args = p.parse_args(argv)
    tasks = args.tasks.split(",")
    if args.quick:
        tasks, args.steps, args.repeats = ["stand", "door"], 200, 3
    unknown = [t for t in tasks if t not in TASKS]
    if unknown:
        raise SystemExit(f"unknown task(s) {', '.join(unknown)}; choose from {', '.join(TASKS)}")
    rows = []
    print(f"{'task':<11} {'model':<13} {'raw ctrl steps/s':>17} {'(mj_step/s)':>12} {'env steps/s':>12} {'ratio':>6}")
    for task in tasks:
        cands = [("project H1", None)]
        ref = reference_model_path(task)
        if ref.is_file():
            cands.append(("reference H1", ref))
        for label, path in cands:
            raw, ours, ratio = measure(TASKS[task], path, args.steps, args.repeats, args.chunk)
            rows.append(ratio)
            print(f"{task:<11} {label:<13} {raw:17.0f} {raw * FRAME_SKIP:12.0f} {ours:12.0f} {ratio:6.3f}", flush=True)
    print(
        f"ratio = median over {args.repeats} repeats of env/raw (thread CPU time); "
        f"mean {np.mean(rows):.3f}  min {np.min(rows):.3f}  (mujoco {mujoco.__version__})"
    )


if __name__ == "__main__":
    main()
