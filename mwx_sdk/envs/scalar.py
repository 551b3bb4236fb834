"""Closed-form scalar versions of the reward building blocks, for the per-step env path.

The vectorised functions in :mod:`mwx_sdk.envs.rewards` are the reference (planners score
batches of rollouts with them). An env scores one state per control step, where numpy calls on
3-vectors cost more than the arithmetic; these functions take Python floats (and a list for the
actuator forces) and follow the reference's operation order exactly (same subtractions,
divisions and scale constants, sequential sums, ``math.sqrt`` of the summed squares for
distances), so the only possible difference is the last bit of ``exp`` (libm against numpy's
SIMD loops). ``tests/envs/test_env_rewards.py`` checks every task on random states.
"""

from __future__ import annotations

import math

from .rewards import STANDING_HEIGHT, STANDING_MARGIN, _scale

GAUSS_01 = _scale("gaussian", 0.1)  # gaussian sigmoid scale at value_at_margin 0.1
LINEAR_01 = _scale("linear", 0.1)  # linear sigmoid scale at value_at_margin 0.1 (= 0.9)
LINEAR_0 = _scale("linear", 0.0)  # linear sigmoid scale at value_at_margin 0 (= 1.0)

_exp = math.exp
_sqrt = math.sqrt


def gauss_tol(x: float, lo: float, hi: float, margin: float) -> float:
    """``tolerance(x, (lo, hi), margin)`` (gaussian, value 0.1 at the margin); ``margin > 0``."""
    if lo <= x <= hi:
        return 1.0
    z = (lo - x if x < lo else x - hi) / margin * GAUSS_01
    return _exp(-0.5 * z * z)


def linear_tol(x: float, lo: float, hi: float, margin: float, scale: float) -> float:
    """``tolerance(x, (lo, hi), margin, "linear", v)`` with ``scale = 1 - v``; ``margin > 0``."""
    if lo <= x <= hi:
        return 1.0
    z = (lo - x if x < lo else x - hi) / margin * scale
    return 1.0 - z if abs(z) < 1.0 else 0.0


def standing(head_z: float) -> float:
    """:func:`rewards.standing` for one head height."""
    if head_z >= STANDING_HEIGHT:
        return 1.0
    z = (STANDING_HEIGHT - head_z) / STANDING_MARGIN * GAUSS_01
    return _exp(-0.5 * z * z)


def upright(u: float, lo: float, margin: float) -> float:
    """:func:`rewards.upright` (linear, value 0 at the margin) for one torso zz."""
    if u >= lo:
        return 1.0
    z = (lo - u) / margin * LINEAR_0
    return 1.0 - z if abs(z) < 1.0 else 0.0


def small_control(forces: list) -> float:
    """:func:`rewards.small_control` for one state; ``forces`` is a list of floats."""
    total = 0.0
    for f in forces:
        # |f| >= 10 gives (f / 10)^2 >= 1 and a zero term: skip it without arithmetic
        if -10.0 < f < 10.0:
            z = f * 0.1
            total += 1.0 - z * z
    return (4.0 + total / len(forces)) / 5.0


def dont_move(vx: float, vy: float) -> float:
    """:func:`rewards.dont_move` for one centre-of-mass velocity."""
    zx = abs(vx) / 2.0 * GAUSS_01
    zy = abs(vy) / 2.0 * GAUSS_01
    return 0.5 * (_exp(-0.5 * zx * zx) + _exp(-0.5 * zy * zy))


def move(vx: float, speed: float) -> float:
    """:func:`rewards.move` for one forward velocity; ``speed > 0``."""
    t = 1.0 if vx >= speed else linear_tol(vx, speed, math.inf, speed, LINEAR_0)
    return (5.0 * t + 1.0) / 6.0


def dist(a: list, b: list) -> float:
    """Euclidean distance of two 3-lists, summed in the reference's order."""
    dx, dy, dz = a[0] - b[0], a[1] - b[1], a[2] - b[2]
    return _sqrt(dx * dx + dy * dy + dz * dz)
