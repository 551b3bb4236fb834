"""What the manipulation tasks (reach, door, push, package, basketball, truck) share."""

from __future__ import annotations

import numpy as np

from .. import rewards as R

DOOR_OPEN_ANGLE = 0.8  # rad; the open term q|q| reaches 0.64 here
HATCH_OPEN_ANGLE = 0.75  # rad; lower bound of the hatch tolerance
HOLD_DISTANCE = 0.35  # m; each hand within this of an object's centre to count as holding it
LIFT_HEIGHT = 0.15  # m above its resting height for a held object to count as lifted

#: ``mppi`` defaults of whole-body manipulation: the robot stands while the arms work, so the
#: arms get the full sampling noise.
MANIPULATION_PLANNING = {"num_samples": 24, "horizon": 15, "num_knots": 3, "noise_weights": {"torso": 0.25}}


def _dist(a, b) -> float:
    return float(R._dist(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)))


def push_point(obj: np.ndarray, goal: np.ndarray, offset: float) -> np.ndarray:
    """Where a hand goes to push ``obj`` toward ``goal``: ``offset`` behind it on the far side
    from the goal, in the horizontal plane, at the object's height. Batched over leading axes."""
    u = goal[..., :2] - obj[..., :2]
    u = u / np.maximum(np.linalg.norm(u, axis=-1, keepdims=True), 1e-6)
    out = np.array(obj, dtype=np.float64, copy=True)
    out[..., :2] -= offset * u
    return out


def nearest_hand_distance(q, point: np.ndarray) -> np.ndarray:
    """Distance from ``point`` to the nearer of the two hands (planner quantities ``left_hand`` and
    ``right_hand``): the H1 has no fingers, so either forearm end may do the work."""
    return np.minimum(np.linalg.norm(q["left_hand"] - point, axis=-1),
                      np.linalg.norm(q["right_hand"] - point, axis=-1))


def walk_toward(pelvis_pos, target_xy, head_height, torso_upright, com_vel, actuator_force):
    """HumanoidBench's walk reward with the forward speed measured toward ``target_xy``, and the
    pelvis's horizontal distance to it: the reward of a task's walk up to an object.

    A manipulation task's own reward is flat far from its object (reach pays 5 for being upright
    anywhere beyond 1 m), so a half-second plan sees no gain in walking there; this pays the
    gait the walk task pays it, in the object's direction. Batched over leading axes.

    Returns:
        ``(reward, distance)``.
    """
    to_target = np.asarray(target_xy, dtype=np.float64)[..., :2] - pelvis_pos[..., :2]
    dist = np.linalg.norm(to_target, axis=-1)
    unit = to_target / np.maximum(dist, 1e-6)[..., None]
    toward = np.sum(com_vel[..., :2] * unit, axis=-1)
    vel = np.concatenate([toward[..., None], com_vel[..., 1:]], axis=-1)
    walk, _ = R.walk_reward(head_height, torso_upright, vel, actuator_force)
    return walk, dist


def short_of(pelvis_x, spot_x, span: tuple[float, float]):
    """How far the pelvis still is from reaching ``spot_x`` along x: 1 while it is more than
    ``span[1]`` short of it, 0 from ``span[0]`` short on (and past it), linear between. The weight
    of a walk-up reward that hands over to the task's own reward along the way in, so that a plan
    past the spot is not pulled back to it. Batched over leading axes."""
    lo, hi = span
    return np.clip((spot_x - pelvis_x - lo) / (hi - lo), 0.0, 1.0)
