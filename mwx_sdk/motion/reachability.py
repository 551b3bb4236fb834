"""How high and how low a hand of the H1 can get while the robot stands on both feet.

HumanoidBench's reach task draws its goal anywhere in [-2, 2]^2 x [0.2, 2.0] m. The robot can walk
to any point of that square, so whether a goal can be reached at all depends on its height: the
H1 has no waist pitch, and its hands go up only as far as a straight arm over straight legs
puts them and down only as far as a squat with flat feet allows. :func:`hand_height_range`
finds both extremes on the robot's own model: whole-body damped least squares on MuJoCo's
Jacobians that drives the hand up (or down) while both feet stay where they stand, flat, and the
centre of mass stays over the feet, every joint within its range. A goal outside that range
cannot be touched from any balanced standing pose, whatever the controller.

The search is quasi-static (no momentum, no stepping onto anything), goes no lower than the
floor, and ignores contact between links; ``HandRange.penetration`` reports the deepest
penetration of each extreme pose (a link into another or into the floor, the feet's own floor
contact excepted) so that a reader can see whether ignoring it mattered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._lazy import LazyModule

mujoco = LazyModule("mujoco")

__all__ = ["HandRange", "hand_height_range"]

#: Half-extents (m) around the ankles within which the centre of mass may move: the
#: H1's soles reach about 0.1 m ahead of and 0.05 m behind the ankle, and the margins keep the
#: pose away from tipping.
SUPPORT_MARGIN = (0.05, 0.02)
SETTLE = 100  # least-squares steps without the push on the hand at the end


@dataclass(frozen=True)
class HandRange:
    """The heights (m above the floor) between which a hand can be placed, standing balanced.

    Args:
        low: the lowest hand height found.
        high: the highest hand height found.
        side: the hand, ``"left"`` or ``"right"``.
        penetration: the deepest penetration (m, >= 0) of the low and the high pose: a link into
            another or into the floor, the feet's floor contact excepted.
        poses: the configurations (``qpos``) of the low and the high pose.
    """

    low: float
    high: float
    side: str
    penetration: tuple[float, float]
    poses: tuple[np.ndarray, np.ndarray]

    def contains(self, height: float, tolerance: float = 0.05) -> bool:
        """Whether a point at ``height`` is within reach; ``tolerance`` is the distance at which
        a hand counts as at a goal (HumanoidBench's reach bonus pays within 0.05 m)."""
        return self.low - tolerance <= float(height) <= self.high + tolerance


def _penetration(model: Any, data: Any, robot_bodies: np.ndarray, feet: np.ndarray) -> float:
    """The deepest contact of a robot link with another robot link or with the world, the feet on
    the floor excepted (m, >= 0)."""
    mujoco.mj_collision(model, data)
    deepest = 0.0
    for c in data.contact[: data.ncon]:
        b1, b2 = int(model.geom_bodyid[c.geom1]), int(model.geom_bodyid[c.geom2])
        if not (robot_bodies[b1] or robot_bodies[b2]) or b1 in feet or b2 in feet:
            continue
        deepest = max(deepest, -float(c.dist))
    return deepest


def _extreme(model: Any, q: Any, qpos0: np.ndarray, site: int, direction: float,
             iterations: int) -> tuple[float, np.ndarray]:
    d = mujoco.MjData(model)
    d.qpos[:] = qpos0
    mujoco.mj_kinematics(model, d)
    feet = model.site_bodyid[[q.left_foot, q.right_foot]]
    # the robot's dofs come first in HumanoidBench's models (H1Quantities.robot_nv)
    dofs = np.arange(q.robot_nv)
    hinges = [j for j in range(model.njnt) if model.jnt_dofadr[j] < q.robot_nv
              and model.jnt_type[j] == mujoco.mjtJoint.mjJNT_HINGE and model.jnt_limited[j]]
    qadr = model.jnt_qposadr[hinges]
    lo, hi = model.jnt_range[hinges].T
    foot_pos = [d.xpos[b].copy() for b in feet]
    foot_quat = [d.xquat[b].copy() for b in feet]
    sup_lo = np.min([p[:2] for p in foot_pos], axis=0) - SUPPORT_MARGIN
    sup_hi = np.max([p[:2] for p in foot_pos], axis=0) + SUPPORT_MARGIN
    jp, jr = np.zeros((3, model.nv)), np.zeros((3, model.nv))
    jc = np.zeros((3, model.nv))
    err = np.zeros(3)
    dq_full = np.zeros(model.nv)
    # the last steps hold the hand's height and let the feet and the centre of mass settle back
    # onto their targets, which the clipping at joint limits can have pulled them off
    for it in range(iterations + SETTLE):
        # the push on the hand shrinks as the search goes on, so that it settles at the extreme
        push = direction * (1.0 - it / iterations) if it < iterations else 0.0
        mujoco.mj_kinematics(model, d)
        mujoco.mj_comPos(model, d)
        rows, res = [], []
        for b, p, qt in zip(feet, foot_pos, foot_quat):
            mujoco.mj_jacBody(model, d, jp, jr, b)
            mujoco.mju_subQuat(err, qt, d.xquat[b])
            rows += [100.0 * jp[:, dofs], 100.0 * jr[:, dofs]]
            res += [100.0 * (p - d.xpos[b]), 100.0 * err]
        com = d.subtree_com[q.pelvis]
        mujoco.mj_jacSubtreeCom(model, d, jc, q.pelvis)
        rows.append(100.0 * jc[:2, dofs])
        res.append(100.0 * (np.clip(com[:2], sup_lo, sup_hi) - com[:2]))
        mujoco.mj_jacSite(model, d, jp, None, site)
        rows.append(jp[2:3, dofs])
        z = d.site_xpos[site][2]
        res.append(np.array([max(z + 0.02 * push, 0.0) - z]))  # no lower than the floor
        J, e = np.vstack(rows), np.concatenate(res)
        dq = np.linalg.solve(J.T @ J + 1e-3 * np.eye(len(dofs)), J.T @ e)
        dq_full[:] = 0.0
        dq_full[dofs] = dq
        mujoco.mj_integratePos(model, d.qpos, dq_full, 1.0)
        d.qpos[qadr] = np.clip(d.qpos[qadr], lo, hi)
    mujoco.mj_kinematics(model, d)
    return float(d.site_xpos[site][2]), d.qpos.copy()


def hand_height_range(model: Any, qpos0: np.ndarray | None = None, side: str = "left",
                      iterations: int = 800) -> HandRange:
    """The lowest and highest heights of one hand over balanced standing poses of the H1.

    Args:
        model: an ``MjModel`` holding the H1 with HumanoidBench's body, joint and site names.
        qpos0: the standing configuration to start from (the feet stay where it puts them);
            default: the model's first keyframe, else ``qpos0``.
        side: ``"left"`` or ``"right"``.
        iterations: least-squares steps toward each extreme.

    Raises:
        ValueError: an unknown side, or a model without the H1's names.
    """
    from ..envs.quantities import H1Quantities

    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    q = H1Quantities.of(model)  # checks the model's names and finds the robot's parts
    if qpos0 is None:
        qpos0 = model.key_qpos[0] if model.nkey else model.qpos0
    qpos0 = np.array(qpos0, dtype=np.float64)
    site = q.left_hand if side == "left" else q.right_hand
    low, q_low = _extreme(model, q, qpos0, site, -1.0, iterations)
    high, q_high = _extreme(model, q, qpos0, site, 1.0, iterations)
    robot = model.body_rootid == model.body_rootid[q.pelvis]
    feet = set(model.site_bodyid[[q.left_foot, q.right_foot]].tolist())
    pen = []
    for pose in (q_low, q_high):
        d = mujoco.MjData(model)
        d.qpos[:] = pose
        mujoco.mj_kinematics(model, d)
        pen.append(_penetration(model, d, robot, feet))
    return HandRange(low=low, high=high, side=side, penetration=(pen[0], pen[1]), poses=(q_low, q_high))
