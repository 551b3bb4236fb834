"""HumanoidBench task rewards as pure, vectorised functions of named physical quantities.

Every function takes numpy arrays (or Python floats) with arbitrary leading batch dimensions,
e.g. ``(N, H)`` for a planner that scores N rollouts of H steps, and returns arrays of the same
leading shape. Vectors (velocities, positions, actuator forces) carry their components on the
last axis. Per-task functions return ``(reward, terms)`` where ``terms`` uses the names
HumanoidBench reports in its step ``info``.

The formulas follow the HumanoidBench task specification (tolerance shaping as in
dm_control). These functions are the reference: the task envs score one state per control step
with the closed forms of :mod:`mwx_sdk.envs.scalar`, which the tests check against them on
random states. Scalar inputs still work here (with a ``math`` fast path where cheap).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "STANDING_HEIGHT",
    "STANDING_MARGIN",
    "basketball_reward",
    "crawl_reward",
    "dont_move",
    "door_reward",
    "move",
    "package_reward",
    "push_reward",
    "reach_reward",
    "run_reward",
    "sit_reward",
    "small_control",
    "stand_reward",
    "standing",
    "tolerance",
    "truck_on_table",
    "truck_shaped_reward",
    "upright",
    "walk_reward",
]

STANDING_HEIGHT = 1.65
STANDING_MARGIN = 1.65 / 4

_SIGMOIDS = ("gaussian", "linear", "quadratic", "hyperbolic", "long_tail", "reciprocal", "cosine", "tanh_squared")
_SCALE_CACHE: dict[tuple[str, float], float] = {}


def _scale(sigmoid: str, v: float) -> float:
    key = (sigmoid, v)
    s = _SCALE_CACHE.get(key)
    if s is not None:
        return s
    if sigmoid not in _SIGMOIDS:
        raise ValueError(f"unknown sigmoid {sigmoid!r}; choose one of {', '.join(_SIGMOIDS)}")
    if sigmoid in ("linear", "quadratic", "cosine"):
        if not 0.0 <= v < 1.0:
            raise ValueError(f"value_at_margin must be in [0, 1) for the {sigmoid} sigmoid, got {v}")
    elif not 0.0 < v < 1.0:
        raise ValueError(f"value_at_margin must be in (0, 1) for the {sigmoid} sigmoid, got {v}")
    if sigmoid == "gaussian":
        s = math.sqrt(-2.0 * math.log(v))
    elif sigmoid == "linear":
        s = 1.0 - v
    elif sigmoid == "quadratic":
        s = math.sqrt(1.0 - v)
    elif sigmoid == "hyperbolic":
        s = math.acosh(1.0 / v)
    elif sigmoid == "long_tail":
        s = math.sqrt(1.0 / v - 1.0)
    elif sigmoid == "reciprocal":
        s = 1.0 / v - 1.0
    elif sigmoid == "cosine":
        s = math.acos(2.0 * v - 1.0) / math.pi
    else:  # tanh_squared
        s = math.atanh(math.sqrt(1.0 - v))
    _SCALE_CACHE[key] = s
    return s


def _sigmoid_scalar(d: float, sigmoid: str, s: float) -> float:
    x = d * s
    if sigmoid == "gaussian":
        return math.exp(-0.5 * x * x)
    if sigmoid == "linear":
        return 1.0 - x if abs(x) < 1.0 else 0.0
    if sigmoid == "quadratic":
        return 1.0 - x * x if abs(x) < 1.0 else 0.0
    if sigmoid == "hyperbolic":
        return 1.0 / math.cosh(x) if abs(x) < 700.0 else 0.0
    if sigmoid == "long_tail":
        return 1.0 / (x * x + 1.0)
    if sigmoid == "reciprocal":
        return 1.0 / (abs(x) + 1.0)
    if sigmoid == "cosine":
        return (1.0 + math.cos(math.pi * x)) / 2.0 if abs(x) < 1.0 else 0.0
    return 1.0 - math.tanh(x) ** 2


def _sigmoid_array(d: np.ndarray, sigmoid: str, s: float) -> np.ndarray:
    x = d * s
    if sigmoid == "gaussian":
        return np.exp(-0.5 * x * x)
    if sigmoid == "linear":
        return np.where(np.abs(x) < 1.0, 1.0 - x, 0.0)
    if sigmoid == "quadratic":
        return np.where(np.abs(x) < 1.0, 1.0 - x * x, 0.0)
    if sigmoid == "hyperbolic":
        with np.errstate(over="ignore"):
            return 1.0 / np.cosh(x)
    if sigmoid == "long_tail":
        return 1.0 / (x * x + 1.0)
    if sigmoid == "reciprocal":
        return 1.0 / (np.abs(x) + 1.0)
    if sigmoid == "cosine":
        return np.where(np.abs(x) < 1.0, (1.0 + np.cos(np.pi * x)) / 2.0, 0.0)
    return 1.0 - np.tanh(x) ** 2


def tolerance(
    x: Any,
    bounds: tuple[float, float] = (0.0, 0.0),
    margin: float = 0.0,
    sigmoid: str = "gaussian",
    value_at_margin: float = 0.1,
) -> Any:
    """Shaped interval indicator: 1 inside ``bounds``, decaying by ``sigmoid`` outside.

    Args:
        x: value(s); a float gives a float, an array gives an array of the same shape.
        bounds: ``(lo, hi)`` with ``lo <= hi``; either may be infinite.
        margin: distance over which the value decays to ``value_at_margin``; 0 makes the
            function an exact indicator of ``lo <= x <= hi``.
        sigmoid: one of gaussian, linear, quadratic, hyperbolic, long_tail, reciprocal,
            cosine, tanh_squared.
        value_at_margin: value at one margin outside the bounds (default 0.1, also for linear).

    Returns:
        Values in ``[0, 1]``.
    """
    lo, hi = bounds
    if lo > hi:
        raise ValueError(f"tolerance bounds must satisfy lo <= hi, got {bounds}")
    if margin < 0:
        raise ValueError(f"tolerance margin must be >= 0, got {margin}")
    if isinstance(x, (float, int)) and not isinstance(x, bool):
        if lo <= x <= hi:
            return 1.0
        if margin == 0:
            return 0.0
        d = (lo - x if x < lo else x - hi) / margin
        return _sigmoid_scalar(d, sigmoid, _scale(sigmoid, value_at_margin))
    x = np.asarray(x, dtype=np.float64)
    in_bounds = (lo <= x) & (x <= hi)
    if margin == 0:
        return np.where(in_bounds, 1.0, 0.0)
    s = _scale(sigmoid, value_at_margin)
    with np.errstate(invalid="ignore"):
        d = np.where(x < lo, lo - x, x - hi) / margin
    return np.where(in_bounds, 1.0, _sigmoid_array(d, sigmoid, s))


# -- shared building blocks ------------------------------------------------------------------


_GAUSS_01 = math.sqrt(-2.0 * math.log(0.1))  # gaussian scale for value_at_margin 0.1


def standing(head_height: Any, height: float = STANDING_HEIGHT, margin: float = STANDING_MARGIN) -> Any:
    """``tol(H; height, inf, margin)``: 1 when the head is at least ``height`` metres high."""
    if isinstance(head_height, float) and margin > 0:
        if head_height >= height:
            return 1.0
        x = (height - head_height) / margin * _GAUSS_01
        return math.exp(-0.5 * x * x)
    return tolerance(head_height, (height, math.inf), margin)


def upright(torso_upright: Any, lo: float = 0.9, margin: float = 1.9) -> Any:
    """``tol(U; lo, inf, margin, linear, v=0)`` on the torso z-axis z-component ``U``."""
    if isinstance(torso_upright, float) and margin > 0:
        if torso_upright >= lo:
            return 1.0
        x = (lo - torso_upright) / margin
        return 1.0 - x if x < 1.0 else 0.0
    return tolerance(torso_upright, (lo, math.inf), margin, "linear", 0.0)


def small_control(actuator_force: Any) -> Any:
    """``(4 + mean_i tol(F_i; 0, 0, 10, quadratic, v=0)) / 5`` over the last axis, in [0.8, 1]."""
    # tol(F; 0, 0, 10, quadratic, v=0) = max(0, 1 - (F/10)^2)
    if isinstance(actuator_force, np.ndarray) and actuator_force.ndim == 1:
        # one state: plain floats beat several numpy calls on the per-step path
        total = 0.0
        for f in actuator_force.tolist():
            x = f * 0.1
            if -1.0 < x < 1.0:
                total += 1.0 - x * x
        return (4.0 + total / len(actuator_force)) / 5.0
    f = np.asarray(actuator_force, dtype=np.float64)
    x = f * 0.1
    per = 1.0 - x * x
    np.maximum(per, 0.0, out=per)
    return (4.0 + per.mean(axis=-1)) / 5.0


_DONT_MOVE_K = -0.5 * (math.sqrt(-2.0 * math.log(0.1)) / 2.0) ** 2


def dont_move(com_vel: Any) -> Any:
    """Mean over x, y of ``tol(v_j; 0, 0, 2)``; ``com_vel`` has x, y (and maybe z) last."""
    if isinstance(com_vel, np.ndarray) and com_vel.ndim == 1:
        vx, vy = float(com_vel[0]), float(com_vel[1])
        return 0.5 * (math.exp(_DONT_MOVE_K * vx * vx) + math.exp(_DONT_MOVE_K * vy * vy))
    v = np.asarray(com_vel, dtype=np.float64)
    return 0.5 * (tolerance(v[..., 0], (0.0, 0.0), 2.0) + tolerance(v[..., 1], (0.0, 0.0), 2.0))


def move(com_vel_x: Any, speed: float) -> Any:
    """``(5 tol(v_x; speed, inf, speed, linear, v=0) + 1) / 6``, in [1/6, 1]."""
    if isinstance(com_vel_x, float) and speed > 0:
        t = 1.0 if com_vel_x >= speed else max(0.0, 1.0 - (speed - com_vel_x) / speed)
        return (5.0 * t + 1.0) / 6.0
    return (5.0 * tolerance(com_vel_x, (speed, math.inf), speed, "linear", 0.0) + 1.0) / 6.0


def _as(x: Any) -> Any:
    return x if isinstance(x, float) else np.asarray(x, dtype=np.float64)


def _norm(v: Any) -> Any:
    if isinstance(v, np.ndarray) and v.ndim == 1:
        return math.hypot(*v.tolist())
    v = np.asarray(v, dtype=np.float64)
    n = np.sqrt(np.sum(v * v, axis=-1))
    return float(n) if n.ndim == 0 else n


def _dist(a: Any, b: Any) -> Any:
    """Euclidean distance over the last axis (a float for single points)."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.ndim == 1 and b.ndim == 1:
        return math.dist(a.tolist(), b.tolist())  # python floats: several times faster here
    return _norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))


def _vx(com_vel: Any) -> Any:
    return float(com_vel[0]) if isinstance(com_vel, np.ndarray) and com_vel.ndim == 1 else np.asarray(com_vel)[..., 0]


def _stand(head_height: Any, torso_upright: Any, up_lo: float = 0.9, up_margin: float = 1.9):
    s = standing(head_height)
    u = upright(torso_upright, up_lo, up_margin)
    return s * u, s, u


# -- locomotion ---------------------------------------------------------------------------------


def stand_reward(head_height: Any, torso_upright: Any, com_vel: Any, actuator_force: Any):
    """stand: ``SC * STAND * DONTMOVE``.

    Args:
        head_height: z of site ``head``.
        torso_upright: ``xmat(torso_link)[2, 2]``.
        com_vel: robot centre-of-mass velocity ``(..., 3)`` (sensor ``pelvis_subtreelinvel``).
        actuator_force: ``(..., nu)`` actuator forces.

    Returns:
        ``(reward, terms)``; terms: small_control, stand_reward, dont_move, standing, upright.
    """
    s = standing(head_height)
    u = upright(torso_upright)
    st = s * u
    sc = small_control(actuator_force)
    dm = dont_move(com_vel)
    return sc * st * dm, {"small_control": sc, "stand_reward": st, "dont_move": dm, "standing": s, "upright": u}


def walk_reward(head_height: Any, torso_upright: Any, com_vel: Any, actuator_force: Any, speed: float = 1.0):
    """walk (speed 1) / run (speed 5): ``SC * STAND * MOVE(speed)``.

    Returns:
        ``(reward, terms)``; terms: stand_reward, small_control, move, standing, upright.
    """
    st, s, u = _stand(head_height, torso_upright)
    sc = small_control(actuator_force)
    mv = move(_vx(com_vel), speed)
    return sc * st * mv, {"stand_reward": st, "small_control": sc, "move": mv, "standing": s, "upright": u}


def run_reward(head_height: Any, torso_upright: Any, com_vel: Any, actuator_force: Any):
    """run: :func:`walk_reward` with speed 5."""
    return walk_reward(head_height, torso_upright, com_vel, actuator_force, speed=5.0)


_CRAWL_QUAT = np.array([0.75, 0.0, 0.65, 0.0])


def crawl_reward(head_height: Any, imu_pos: Any, pelvis_quat: Any, com_vel: Any, actuator_force: Any):
    """crawl: stay low (head and imu in [0.6, 1]), pitch forward, move at 1 m/s, inside |y| <= 1.

    Args:
        head_height: z of site ``head``.
        imu_pos: ``(..., 3)`` world position of site ``imu``.
        pelvis_quat: ``(..., 4)`` ``xquat(pelvis)`` (w, x, y, z), compared raw.
        com_vel: ``(..., 3)`` centre-of-mass velocity.
        actuator_force: ``(..., nu)``.

    Returns:
        ``(reward, terms)``; terms: crawling, crawling_head, small_control, move, in_tunnel.
    """
    imu = np.asarray(imu_pos, dtype=np.float64)
    scalar = imu.ndim == 1
    imu_z = float(imu[2]) if scalar else imu[..., 2]
    imu_y = float(imu[1]) if scalar else imu[..., 1]
    sc = small_control(actuator_force)
    head = tolerance(head_height, (0.6, 1.0), 1.0)
    crawl_imu = tolerance(imu_z, (0.6, 1.0), 1.0)
    xq = tolerance(_dist(np.asarray(pelvis_quat, dtype=np.float64), _CRAWL_QUAT), (0.0, 0.0), 1.0)
    in_tunnel = tolerance(imu_y, (-1.0, 1.0), 0.0)
    mv = move(_vx(com_vel), 1.0)
    low = min(crawl_imu, head) if scalar else np.minimum(crawl_imu, head)
    r = (0.1 * sc + 0.25 * low + 0.4 * mv + 0.25 * xq) * in_tunnel
    return r, {"crawling": crawl_imu, "crawling_head": head, "small_control": sc, "move": mv, "in_tunnel": in_tunnel}


def sit_reward(
    pelvis_pos: Any,
    chair_pos: Any,
    head_height: Any,
    imu_height: Any,
    torso_upright: Any,
    com_vel: Any,
    actuator_force: Any,
):
    """sit_simple / sit_hard: pelvis 0.68-0.72 m high over the chair seat, upright posture, still.

    Args:
        pelvis_pos: ``(..., 3)`` root free-joint position ``q[0:3]``.
        chair_pos: ``(..., 3)`` ``xpos(chair)`` (only x, y are used).
        head_height: z of site ``head``.
        imu_height: z of site ``imu``.
        torso_upright: ``xmat(torso_link)[2, 2]``.
        com_vel: ``(..., 3)`` centre-of-mass velocity.
        actuator_force: ``(..., nu)``.

    Returns:
        ``(reward, terms)``; terms: small_control, sit_reward, dont_move, sitting, upright,
        sitting_posture.
    """
    p = np.asarray(pelvis_pos, dtype=np.float64)
    c = np.asarray(chair_pos, dtype=np.float64)
    scalar = p.ndim == 1
    px, py, pz = (float(p[0]), float(p[1]), float(p[2])) if scalar else (p[..., 0], p[..., 1], p[..., 2])
    cx, cy = (float(c[0]), float(c[1])) if c.ndim == 1 and scalar else (c[..., 0], c[..., 1])
    sitting = tolerance(pz, (0.68, 0.72), 0.2)
    on_chair = tolerance(px - cx, (-0.19, 0.19), 0.2) * tolerance(py - cy, (0.0, 0.0), 0.1)
    posture = tolerance(_as(head_height) - _as(imu_height), (0.35, 0.45), 0.3)
    up = upright(torso_upright, 0.95, 0.9)
    sc = small_control(actuator_force)
    dm = dont_move(com_vel)
    sit = 0.5 * sitting + 0.5 * on_chair
    r = sc * sit * up * posture * dm
    return r, {
        "small_control": sc,
        "sit_reward": sit,
        "dont_move": dm,
        "sitting": sitting,
        "upright": up,
        "sitting_posture": posture,
    }


# -- manipulation -------------------------------------------------------------------------------


def reach_reward(left_hand: Any, goal: Any, pelvis_upright: Any, robot_qvel: Any):
    """reach: ``5 U_pelvis - 1e-4 sum qvel^2 + 5 [d < 1] + 10 [d < 0.05]`` with ``d = |LH - g|``.

    Args:
        left_hand: ``(..., 3)`` site ``left_hand``.
        goal: ``(..., 3)`` goal position.
        pelvis_upright: ``xmat(pelvis)[2, 2]``.
        robot_qvel: ``(..., dof - 1)`` robot velocities (root included).

    Returns:
        ``(reward, terms)``; terms: hand_dist, healthy_reward, motion_penalty, reward_close,
        reward_success.
    """
    d = _dist(left_hand, goal)
    qv = np.asarray(robot_qvel, dtype=np.float64)
    if qv.ndim == 1:
        penalty = float(np.dot(qv, qv))
        close, succ = 5.0 * (d < 1.0), 10.0 * (d < 0.05)
    else:
        penalty = np.sum(qv * qv, axis=-1)
        close, succ = 5.0 * (d < 1.0).astype(np.float64), 10.0 * (d < 0.05).astype(np.float64)
    healthy = 5.0 * _as(pelvis_upright)
    r = healthy - 1e-4 * penalty + close + succ
    return r, {
        "hand_dist": d,
        "healthy_reward": healthy,
        "motion_penalty": penalty,
        "reward_close": close,
        "reward_success": succ,
    }


def door_reward(
    door_angle: Any,
    hatch_angle: Any,
    hatch_pos: Any,
    left_hand: Any,
    right_hand: Any,
    imu_x: Any,
    head_height: Any,
    torso_upright: Any,
    actuator_force: Any,
):
    """door: open the door (hinge angle), turn the hatch, keep a hand on it, walk through.

    Returns:
        ``(reward, terms)``; terms: stand_reward, small_control, door_openness_reward,
        door_hatch_openness_reward, hand_hatch_proximity_reward, passage_reward.
    """
    st, _, _ = _stand(head_height, torso_upright, 0.9, 0.9)
    sc = small_control(actuator_force)
    q = _as(door_angle)
    hatch = tolerance(_as(hatch_angle), (0.75, 2.0), 0.75, "linear")
    if isinstance(q, float):
        open_ = min(1.0, q * abs(q))
        dist = min(_dist(hatch_pos, left_hand), _dist(hatch_pos, right_hand))
    else:
        open_ = np.minimum(1.0, q * np.abs(q))
        dist = np.minimum(_dist(hatch_pos, left_hand), _dist(hatch_pos, right_hand))
    prox = tolerance(dist, (0.0, 0.25), 1.0, "linear")
    passage = tolerance(_as(imu_x), (1.2, math.inf), 1.0, "linear", 0.0)
    r = 0.1 * st * sc + 0.45 * open_ + 0.05 * hatch + 0.05 * prox + 0.35 * passage
    return r, {
        "stand_reward": st,
        "small_control": sc,
        "door_openness_reward": open_,
        "door_hatch_openness_reward": hatch,
        "hand_hatch_proximity_reward": prox,
        "passage_reward": passage,
    }


def push_reward(box_pos: Any, goal: Any, left_hand: Any):
    """push: ``-0.1 |LH - box| - |box - goal| + 1000 [|box - goal| < 0.05]``.

    Returns:
        ``(reward, terms)``; terms: target_dist, hand_dist, reward_success, success.
    """
    gd = _dist(box_pos, goal)
    hd = _dist(left_hand, box_pos)
    success = gd < 0.05
    bonus = 1000.0 * (success if isinstance(success, bool) else success.astype(np.float64))
    r = -0.1 * hd - gd + bonus
    return r, {"target_dist": gd, "hand_dist": hd, "reward_success": bonus, "success": success}


def package_reward(
    package_pos: Any,
    destination: Any,
    left_hand: Any,
    right_hand: Any,
    head_height: Any,
    torso_upright: Any,
    actuator_force: Any,
):
    """package: carry ``package_a`` to the destination site.

    Returns:
        ``(reward, terms)``; terms: stand_reward, small_control, dist_package_destination,
        dist_hand_package_right, dist_hand_package_left, package_height, success.
    """
    st, _, _ = _stand(head_height, torso_upright, 0.8, 1.9)
    sc = small_control(actuator_force)
    dd = _dist(package_pos, destination)
    dl = _dist(left_hand, package_pos)
    dr = _dist(right_hand, package_pos)
    success = dd < 0.1
    if isinstance(success, bool):
        h = min(float(package_pos[2]), 1.0)
        bonus = 1000.0 * success
    else:
        h = np.minimum(np.asarray(package_pos, dtype=np.float64)[..., 2], 1.0)
        bonus = 1000.0 * success.astype(np.float64)
    r = st * sc - 3.0 * dd - 0.1 * (dl + dr) + h + bonus
    return r, {
        "stand_reward": st,
        "small_control": sc,
        "dist_package_destination": dd,
        "dist_hand_package_right": dr,
        "dist_hand_package_left": dl,
        "package_height": h,
        "success": success,
    }


def basketball_reward(
    ball_pos: Any,
    hoop_pos: Any,
    left_hand: Any,
    right_hand: Any,
    head_height: Any,
    torso_upright: Any,
    actuator_force: Any,
    throw_stage: Any,
):
    """basketball: catch the incoming ball (both hands close), then throw it through the hoop.

    Args:
        throw_stage: False/0 in the catch stage, True/1 after the ball first touched anything.

    Returns:
        ``(reward, terms)``; terms: reward_hand_proximity, reward_ball_success, stand_reward,
        small_control, success.
    """
    st, _, _ = _stand(head_height, torso_upright)
    sc = small_control(actuator_force)
    dl, dr = _dist(left_hand, ball_pos), _dist(right_hand, ball_pos)
    d = _dist(ball_pos, hoop_pos)
    stand_sc = st * sc
    if isinstance(d, float):
        prox = tolerance(max(dl, dr), (0.0, 0.2), 1.0)
        hoop = tolerance(d, (0.0, 0.0), 7.0, "linear")
        if throw_stage if isinstance(throw_stage, bool) else bool(np.all(throw_stage)):
            r = 0.15 * stand_sc + 0.05 * prox + 0.8 * hoop
        else:
            r = 0.5 * stand_sc + 0.5 * prox
        success = d < 0.05
        r += 1000.0 * success
    else:
        prox = tolerance(np.maximum(dl, dr), (0.0, 0.2), 1.0)
        hoop = tolerance(d, (0.0, 0.0), 7.0, "linear")
        throw = np.asarray(throw_stage, dtype=bool)
        r = np.where(throw, 0.15 * stand_sc + 0.05 * prox + 0.8 * hoop, 0.5 * stand_sc + 0.5 * prox)
        success = d < 0.05
        r = r + 1000.0 * success
    return r, {
        "reward_hand_proximity": prox,
        "reward_ball_success": hoop,
        "stand_reward": st,
        "small_control": sc,
        "success": success,
    }


def truck_on_table(package_pos: Any) -> Any:
    """Whether package body positions ``(..., 3)`` lie on the truck-task table region."""
    p = np.asarray(package_pos, dtype=np.float64)
    ok = (1.65 < p[..., 0]) & (p[..., 0] < 2.35) & (-2.05 < p[..., 1]) & (p[..., 1] < -1.35) & (p[..., 2] > 0.5)
    return bool(ok) if ok.ndim == 0 else ok


def _min_tol(dists: list) -> Any:
    """Linear tolerance of the smallest distance (0 for none); elementwise over batched distances."""
    if not dists:
        return 0.0
    m = np.min(np.stack([np.asarray(d, dtype=np.float64) for d in dists]), axis=0)
    return tolerance(float(m) if m.ndim == 0 else m, (0.0, 0.2), 4.0, "linear", 0.0)


def truck_shaped_reward(
    torso_upright: float,
    base_pos: Any,
    table_pos: Any,
    on_truck_pos: list,
    picked_pos: list,
):
    """truck, shaped part: ``up * (1 + t1 + t2 + t3)`` (the pick/place bonuses are stateful).

    Args:
        torso_upright: ``xmat(torso_link)[2, 2]`` (a float or a batch ``(...,)``).
        base_pos: root free-joint position ``q[0:3]`` (``(..., 3)``).
        table_pos: ``xpos(table)``.
        on_truck_pos: positions of packages still on the truck (each ``(..., 3)``).
        picked_pos: positions of picked-up packages (each ``(..., 3)``).

    Returns:
        ``(reward, terms)``; terms: upright, reward_robot_package_truck,
        reward_robot_package_picked_up, reward_package_table.
    """
    up = upright(torso_upright, 0.9, 1.9)
    base = np.asarray(base_pos, dtype=np.float64)
    table = np.asarray(table_pos, dtype=np.float64)
    t1 = _min_tol([_dist(np.asarray(p), base) for p in on_truck_pos])
    t2 = _min_tol([_dist(np.asarray(p), base) for p in picked_pos])
    t3 = _min_tol([_dist(np.asarray(p), table) for p in picked_pos])
    r = up * (1.0 + t1 + t2 + t3)
    return r, {
        "upright": up,
        "reward_robot_package_truck": t1,
        "reward_robot_package_picked_up": t2,
        "reward_package_table": t3,
    }
