"""Object-directed arms: a motion prior whose arm joints are edited by IK toward the sub-goal's target.

The CMU clips the skills are built from have no pushing or door clip, and the H1 has no hands:
an object-directed skill keeps its clip for the legs and torso (balance, squat, gait) and
re-aims one arm at a point derived from the target the agent resolved for the active sub-goal
(:attr:`mwx_sdk.interfaces.StepContext.target`): the object itself (reach, touch), a point
behind it on the far side from the destination (push), a handle (open). The other arm keeps
the clip's motion. :class:`ArmAimer` holds the per-model IK solvers and does the editing; the
skills in ``skills/`` decide where the hand goes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ik import ARM_JOINTS, ArmIK

__all__ = ["ArmAimer", "hand_position"]

_SIDES = ("left", "right")


def hand_position(data: Any, model: Any, side: str) -> np.ndarray:
    """World position of the ``<side>_hand`` site in the live ``data`` (a copy)."""
    return np.asarray(data.site(f"{side}_hand").xpos, dtype=np.float64).copy()


class ArmAimer:
    """Edits the arm joints of a prior's joint targets so that a hand reaches a point.

    Args:
        joint_names: the prior's joint names, in its (actuator) order.
        hand: ``"left"``, ``"right"`` or ``"nearest"`` (the hand nearer the point, kept until the
            other is ``switch_margin`` nearer, so the arms do not trade places mid-motion).
        switch_margin: metres by which the other hand must be nearer to take over.
        rate: the largest change of an aimed arm joint per control step (rad): the arm moves
            toward the IK solution at a human pace instead of jumping to it.
    """

    def __init__(self, joint_names: tuple[str, ...] | list[str], hand: str = "nearest",
                 switch_margin: float = 0.1, rate: float = 0.08) -> None:
        if hand not in ("left", "right", "nearest"):
            raise ValueError(f"hand must be 'left', 'right' or 'nearest', got {hand!r}")
        names = list(joint_names)
        missing = [f"{s}_{j}" for s in _SIDES for j in ARM_JOINTS if f"{s}_{j}" not in names]
        if missing:
            raise ValueError(f"the prior has no joints {missing}: object-directed arms need the H1's arms")
        self.hand = hand
        self.switch_margin = float(switch_margin)
        self.rate = float(rate)
        self._cols = {s: np.array([names.index(f"{s}_{j}") for j in ARM_JOINTS]) for s in _SIDES}
        self._ik: dict[str, ArmIK] = {}
        self._model_key: int | None = None
        self._side: str | None = None
        self._last: dict[str, np.ndarray] = {}
        self.last_error: float = float("nan")

    def reset(self) -> None:
        """Forget the chosen hand and the arm's last pose (a new episode or sub-goal)."""
        self._side = None
        self._last = {}
        self.last_error = float("nan")

    def save_state(self) -> tuple:
        """The chosen hand and the arms' last poses (what :meth:`aim` advances)."""
        return self._side, {k: v.copy() for k, v in self._last.items()}, self.last_error

    def load_state(self, state: tuple) -> None:
        side, last, err = state
        self._side, self._last, self.last_error = side, {k: v.copy() for k, v in last.items()}, err

    def _solvers(self, model: Any) -> dict[str, ArmIK]:
        if id(model) != self._model_key:
            self._ik = {s: ArmIK(model, s) for s in _SIDES}
            self._model_key = id(model)
        return self._ik

    def side_for(self, data: Any, model: Any, point: np.ndarray) -> str:
        """The hand that goes to ``point`` (see ``hand``)."""
        if self.hand != "nearest":
            return self.hand
        d = {s: float(np.linalg.norm(hand_position(data, model, s) - point)) for s in _SIDES}
        best = min(d, key=d.__getitem__)
        if self._side is None or d[self._side] - d[best] > self.switch_margin:
            self._side = best
        return self._side

    def aim(self, joints: np.ndarray, data: Any, model: Any, point: np.ndarray, side: str | None = None) -> np.ndarray:
        """``joints`` (prior order) with one arm's joints moved toward the IK solution for ``point``.

        Args:
            joints: the prior's joint targets now (actuator order).
            data: the live ``MjData`` (root pose and legs are taken from it).
            model: its ``MjModel``.
            point: the world point (3,) for the hand.
            side: the hand to use; ``None`` picks one with :meth:`side_for`.

        Returns:
            A copy of ``joints`` with the aimed arm edited.
        """
        point = np.asarray(point, dtype=np.float64).reshape(3)
        side = side or self.side_for(data, model, point)
        ik = self._solvers(model)[side]
        cols = self._cols[side]
        current = np.asarray(data.qpos, dtype=np.float64)[ik.qadr]
        res = ik.solve(data.qpos, point, start=current)
        self.last_error = res.error
        prev = self._last.get(side, current)
        step = np.clip(res.joints - prev, -self.rate, self.rate)
        out = np.array(joints, dtype=np.float64, copy=True)
        out[cols] = prev + step
        self._last[side] = out[cols].copy()
        return out
