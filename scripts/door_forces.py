"""How far a steady push at the handle opens door_wall's door, with the handle held at a turn.

The robot is moved out of the way; a horizontal force along +x (away from where the robot
stands) acts on the door at the handle's centre for ``--seconds``, the handle held at each
``--turns`` angle; the door's opening angle at the end is printed per force. It shows the latch
holding a closed door until the handle turns, and the force the spring asks for.

    python scripts/door_forces.py [--forces 20 40 60 80] [--turns 0 0.5 0.9 1.2] [--seconds 2]
"""

from __future__ import annotations

import argparse

import numpy as np

import mwx_sdk


def opening(env, force: float, turn: float | None, seconds: float) -> float:
    """The door's opening angle (rad) after ``seconds`` of ``force`` N at the handle, the handle
    held at ``turn`` rad (``None``: left free)."""
    import mujoco

    u = env.unwrapped
    m, d = u.model, u.data
    env.reset(seed=0)
    d.qpos[u.q.root_qposadr] = 0.0  # the robot 3.8 m from the door
    mujoco.mj_forward(m, d)
    door_body = m.body("door").id
    hatch_q, hatch_v = u._joint("door_hatch_hinge")
    for _ in range(round(seconds / m.opt.timestep)):
        if turn is not None:
            d.qpos[hatch_q], d.qvel[hatch_v] = turn, 0.0
        d.qfrc_applied[:] = 0.0
        mujoco.mj_applyFT(m, d, np.array([force, 0.0, 0.0]), np.zeros(3), d.xpos[u._hatch_body].copy(),
                          door_body, d.qfrc_applied)
        mujoco.mj_step(m, d)
    return float(u.swing * d.qpos[u._door])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forces", type=float, nargs="+", default=[20.0, 40.0, 60.0, 80.0], help="N")
    ap.add_argument("--turns", type=float, nargs="+", default=[0.0, 0.5, 0.9, 1.2], help="handle turns (rad)")
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args(argv)
    if args.seconds <= 0 or any(f < 0 for f in args.forces):
        ap.error("--seconds must be positive and --forces non-negative")
    env = mwx_sdk.make_env("mwx/h1-door_wall-v0")
    print("| handle turn (rad) | " + " | ".join(f"{f:g} N" for f in args.forces) + " |")
    print("|---|" + "---|" * len(args.forces))
    for turn in args.turns:
        angles = [opening(env, f, turn, args.seconds) for f in args.forces]
        print(f"| {turn:g} | " + " | ".join(f"{a:.3f}" for a in angles) + " |")
    env.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
