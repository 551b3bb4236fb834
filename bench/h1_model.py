"""Load time and raw physics rate of the bundled H1 scenes, side by side with HumanoidBench's.

    python -m bench.h1_model               # stand, sit_hard, truck; 5000 steps each
    python -m bench.h1_model --quick       # stand only, 2000 steps
    python -m bench.h1_model --tasks door push --steps 10000

The robot holds its keyframe joint targets, so a run covers standing, falling and lying on
the floor (the contact-rich part). The reference columns appear only when the HumanoidBench
assets are found (``../shared`` or ``$MWX_HB_ASSETS``).
"""

from __future__ import annotations

import argparse
import time


def _measure(path: str, steps: int) -> tuple[float, float]:
    import mujoco

    start = time.perf_counter()
    model = mujoco.MjModel.from_xml_path(path)
    load = time.perf_counter() - start
    data = mujoco.MjData(model)
    mujoco.mj_resetDataKeyframe(model, data, 0)
    data.ctrl[:] = data.qpos[7 : 7 + model.nu]
    start = time.perf_counter()
    for _ in range(steps):
        mujoco.mj_step(model, data)
    rate = steps / (time.perf_counter() - start)
    return load, rate


def main(argv: list[str] | None = None) -> None:
    """Print load time (ms) and mj_step rate (steps/s) per task for both models.

    Args:
        argv: Command-line arguments (``--quick``, ``--tasks``, ``--steps``).
    """
    from mwx_sdk.envs.assets import reference_scene_path, scene_path

    parser = argparse.ArgumentParser(prog="python -m bench.h1_model")
    parser.add_argument("--quick", action="store_true", help="stand only, 2000 steps")
    parser.add_argument("--tasks", nargs="+", default=["stand", "sit_hard", "truck"])
    parser.add_argument("--steps", type=int, default=5000)
    args = parser.parse_args(argv)
    tasks, steps = (["stand"], 2000) if args.quick else (args.tasks, args.steps)

    print(f"{'task':<12}{'own load ms':>12}{'ref load ms':>12}{'own steps/s':>13}{'ref steps/s':>13}{'ratio':>7}")
    for task in tasks:
        own_load, own_rate = _measure(str(scene_path(task)), steps)
        ref = reference_scene_path(task)
        if ref is None:
            print(f"{task:<12}{own_load * 1e3:>12.1f}{'-':>12}{own_rate:>13.0f}{'-':>13}{'-':>7}")
            continue
        ref_load, ref_rate = _measure(str(ref), steps)
        ratio = own_rate / ref_rate
        print(
            f"{task:<12}{own_load * 1e3:>12.1f}{ref_load * 1e3:>12.1f}{own_rate:>13.0f}{ref_rate:>13.0f}{ratio:>7.2f}"
        )


if __name__ == "__main__":
    main()
