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
