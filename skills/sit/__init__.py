"""Bundled skill ``sit``: sit down onto a seat behind the robot (and optionally get up)."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec, StepContext
from mwx_sdk.motion.expert import MotionPriorExpert, physics_data
from mwx_sdk.motion.rotations import quat_yaw

from .._prior import load_prior, time_where

TURN_TOLERANCE = 0.3  # rad between the robot's heading and the seat's before it sits
TURN_SPEED = 0.3  # m/s of the walking prior that turns it

DESCRIPTION = (
    "Sit down: lower the hips backwards onto a chair, bench or box behind the robot and stay "
    "seated, hands resting near the thighs. Use it when the instruction asks to sit, take a "
    "seat or rest on a chair; walk to the seat first and turn your back to it. Parameters: "
    "pelvis_height (m, the pelvis height to settle at, default none = fully seated as in the "
    "capture, about 0.55 m on the H1; a higher value gives a shallower sit for a taller seat) "
    "and get_up (default false; true plays the full sit-then-stand-up motion). Its motion prior "
    "is the sit-down, seated and stand-up segments of CMU capture 113_15 (subject 113, sit in a "
    "chair and get up) retargeted to the H1. Given a target seat (\"sit on the chair\"), it first "
    "steps around on the walking prior (CMU 07_01, played slowly) until its back faces the seat."
)


class SitExpert(MotionPriorExpert):
    """Plays the sit-down segment once and holds the seated pose (or continues to stand up)."""

    spec = ExpertSpec(name="sit", description=DESCRIPTION, robot="h1", action_dim=19,
                      tags=("sit", "seat", "chair", "rest", "posture"))

    def __init__(
        self,
        pelvis_height: float | None = None,
        get_up: bool = False,
        prior: str | os.PathLike | None = None,
        **tracking,
    ) -> None:
        clip = load_prior(__file__, prior)
        a, b = clip.segments["sit_down"]
        if get_up:
            end = None
        elif pelvis_height is not None:
            z = clip.root_pos[:, 2]
            if not np.isfinite(pelvis_height) or not z[a:b].min() - 0.05 <= pelvis_height <= z[a:b].max():
                raise ValueError(
                    f"pelvis_height must be within {z[a:b].min() - 0.05:.2f}-{z[a:b].max():.2f} m "
                    f"(the prior's sitting range), got {pelvis_height}"
                )
            # the first frame of the descent that reaches the requested height
            below = np.flatnonzero(z[a:b] <= pelvis_height)
            end = (a + int(below[0])) / clip.fps if below.size else time_where(clip, z, pelvis_height, a, b)
        else:
            end = (b - 1) / clip.fps
        tracking.setdefault("blend_in", 0.4)
        super().__init__(clip, loop=False, end_time=end, **tracking)
        self._turner = None
        self._turning = False

    # -- turning the back to a target seat ----------------------------------------------------
    def _seat_yaw(self, ctx: StepContext) -> float | None:
        t = ctx.target
        if t is None or t.orientation is None:
            return None
        return quat_yaw(np.asarray(t.orientation, dtype=np.float64))

    def _heading_error(self, ctx: StepContext, seat_yaw: float) -> float:
        data = physics_data(ctx)
        return float(np.angle(np.exp(1j * (seat_yaw - quat_yaw(np.asarray(data.qpos[3:7], dtype=np.float64))))))

    def reset(self, ctx: StepContext) -> None:
        super().reset(ctx)
        seat = self._seat_yaw(ctx)
        self._turning = (seat is not None and physics_data(ctx) is not None
                         and abs(self._heading_error(ctx, seat)) > TURN_TOLERANCE)
        if self._turning:
            if self._turner is None:
                from mwx_skills.walk import WalkExpert

                self._turner = WalkExpert(speed=TURN_SPEED)
            self._turner.reset(ctx)

    def save_state(self) -> dict:
        turner = self._turner.save_state() if self._turner is not None else None
        return dict(super().save_state(), turning=self._turning, turner=turner)

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self._turning = state["turning"]
        if state["turner"] is not None:
            self._turner.load_state(state["turner"])

    def act(self, obs: np.ndarray, ctx: StepContext) -> np.ndarray:
        if self._turning:
            seat = self._seat_yaw(ctx)
            if seat is None or abs(self._heading_error(ctx, seat)) <= TURN_TOLERANCE:
                self._turning = False
                super().reset(ctx)  # the sit-down segment starts now, from the pose the turn left
            else:
                # step around on the walking prior, slowly, until the back faces the seat (the
                # turner is this skill's own: its heading is the seat's, not toward the target)
                self._turner.config.heading = seat
                return self._turner.act(obs, replace(ctx, target=None))
        return super().act(obs, ctx)


@hookimpl
def register_experts(register):
    register(SitExpert, name="sit")
