"""Arm inverse kinematics for the object-directed skills: the arm joints that put a hand at a point.

The H1's arms have four joints each (shoulder pitch, roll and yaw, elbow) and the task scenes
give every hand a site (``left_hand`` / ``right_hand``) at the end of the forearm. An object-
directed skill keeps its motion prior for the legs and torso and asks :class:`ArmIK` for the
arm: damped least squares on MuJoCo's own site Jacobian, started from the prior's arm pose so
the answer stays close to the human motion, each step clipped to the joints' ranges.

A four-joint arm is a small, well-conditioned problem with box limits only, which a few
Gauss-Newton steps on a scratch ``MjData`` solve; a QP-based IK library would add a solver
dependency for nothing this needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._lazy import LazyModule

mujoco = LazyModule("mujoco")

__all__ = ["ARM_JOINTS", "ArmIK", "IKResult"]

#: The joints of one arm, shoulder to elbow, without the side prefix.
ARM_JOINTS: tuple[str, ...] = ("shoulder_pitch", "shoulder_roll", "shoulder_yaw", "elbow")


@dataclass(frozen=True)
class IKResult:
    """What :meth:`ArmIK.solve` found.

    Args:
        joints: the arm's joint angles (radians, ``ARM_JOINTS`` order).
        error: the distance (m) left between the hand and the target.
        reachable: whether ``error`` is within the solver's tolerance.
    """

    joints: np.ndarray
    error: float
    reachable: bool


class ArmIK:
    """Damped least-squares IK for one arm of the H1 in a MuJoCo model.

    Args:
        model: the ``MjModel`` of the scene (robot joints named as in HumanoidBench).
        side: ``"left"`` or ``"right"``.
        damping: the Levenberg-Marquardt damping (m); larger is steadier near the reach limit.
        tolerance: the distance (m) at which a target counts as reached.
        iterations: Gauss-Newton steps at most per call.
        max_step: the largest change of any joint per step (rad).

    Raises:
        ValueError: ``side`` is neither side, or the model lacks the arm's joints or hand site.
    """

    def __init__(self, model: Any, side: str = "left", *, damping: float = 0.03, tolerance: float = 0.01,
                 iterations: int = 12, max_step: float = 0.3) -> None:
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        self.model = model
        self.side = side
        self.data = mujoco.MjData(model)
        names = [f"{side}_{j}" for j in ARM_JOINTS]
        ids = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, n) for n in names]
        missing = [n for n, i in zip(names, ids) if i < 0]
        site = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, f"{side}_hand")
        if missing or site < 0:
            raise ValueError(
                f"the model lacks {missing or []}{' and the site ' + side + '_hand' if site < 0 else ''}: "
                "ArmIK needs an H1 with HumanoidBench's joint and site names"
            )
        self.site = site
        self.qadr = np.array([model.jnt_qposadr[i] for i in ids])
        self.dadr = np.array([model.jnt_dofadr[i] for i in ids])
        self.lo = np.array([model.jnt_range[i][0] for i in ids])
        self.hi = np.array([model.jnt_range[i][1] for i in ids])
        self.damping = float(damping)
        self.tolerance = float(tolerance)
        self.iterations = int(iterations)
        self.max_step = float(max_step)
        self._jac = np.zeros((3, model.nv))

    def hand(self, qpos: np.ndarray) -> np.ndarray:
        """The hand site's world position for the configuration ``qpos``."""
        self.data.qpos[:] = qpos
        mujoco.mj_kinematics(self.model, self.data)
        return self.data.site_xpos[self.site].copy()

    def solve(self, qpos: np.ndarray, target: np.ndarray, start: np.ndarray | None = None) -> IKResult:
        """The arm joints that bring the hand closest to ``target`` with the rest of ``qpos`` held.

        Args:
            qpos: the full configuration (root pose and every joint), e.g. the live state with
                the prior's legs and torso.
            target: the world point (3,) for the hand.
            start: the arm angles to start from (the prior's); defaults to those in ``qpos``.

        Returns:
            The solution; for a target out of reach, the closest pose found and its error.
        """
        target = np.asarray(target, dtype=np.float64).reshape(3)
        if not np.all(np.isfinite(target)):
            raise ValueError(f"IK target must be three finite numbers, got {target}")
        d, m = self.data, self.model
        d.qpos[:] = qpos
        q = np.clip(np.asarray(qpos, dtype=np.float64)[self.qadr] if start is None else np.asarray(start, float),
                    self.lo, self.hi)
        lam2 = self.damping ** 2
        err = np.inf
        for _ in range(self.iterations + 1):
            d.qpos[self.qadr] = q
            mujoco.mj_kinematics(m, d)
            e = target - d.site_xpos[self.site]
            err = float(np.linalg.norm(e))
            if err < self.tolerance * 0.5:
                break
            mujoco.mj_comPos(m, d)
            mujoco.mj_jacSite(m, d, self._jac, None, self.site)
            J = self._jac[:, self.dadr]
            dq = J.T @ np.linalg.solve(J @ J.T + lam2 * np.eye(3), e)
            big = np.max(np.abs(dq))
            if big > self.max_step:
                dq *= self.max_step / big
            q = np.clip(q + dq, self.lo, self.hi)
        return IKResult(joints=q, error=err, reachable=err <= self.tolerance)
