"""Bundled skill ``walk``: a human walking gait cycle retargeted to the H1."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec, StepContext
from mwx_sdk.motion.expert import MotionPriorExpert, physics_data

from .._prior import load_prior

DESCRIPTION = (
    "Walk forward with a natural human gait: alternating steps, arms swinging. Use it to move "
    "the robot across the floor to a place (a door, a chair, a table, a goal) at walking pace. "
    "Parameters: speed (m/s, default: the captured pace of about 1.35 m/s; the gait cycle is "
    "played faster or slower, 0.3-2.0 m/s), heading (world yaw in radians to steer towards, "
    "default none = keep the current direction) and style ('normal', or 'stride' for longer "
    "steps). Its motion priors are one gait cycle of CMU capture 07_01 (subject 7, walk, about "
    "1.35 m/s) and, for 'stride', of 08_05 (subject 8, walk/stride), retargeted to the H1. "
    "Torso pitch and roll feedback on the hips and ankles is on by default (balance gains 0.3)."
)


_STYLES = {"normal": "prior.npz", "stride": "prior_stride.npz"}


class WalkExpert(MotionPriorExpert):
    """Plays the looping walk cycle at a requested speed, steering to an optional heading."""

    spec = ExpertSpec(name="walk", description=DESCRIPTION, robot="h1", action_dim=19,
                      tags=("locomotion", "walk", "move", "go to", "forward"))

    def __init__(
        self,
        speed: float | None = None,
        heading: float | None = None,
        style: str = "normal",
        prior: str | os.PathLike | None = None,
        **tracking,
    ) -> None:
        if speed is not None and (not np.isfinite(speed) or not 0.3 <= speed <= 2.0):
            raise ValueError(f"walk speed must be within 0.3-2.0 m/s, got {speed}")
        if style not in _STYLES:
            raise ValueError(f"walk style must be one of {sorted(_STYLES)}, got {style!r}")
        if prior is None and _STYLES[style] != "prior.npz":
            prior = Path(__file__).with_name(_STYLES[style])
        self.style = style
        # torso pitch/roll feedback on hips and ankles: with the mppi planner it turned falls
        # within 300-450 steps into full 1000-step walks
        for gain in ("balance_pitch_gain", "balance_ankle_gain", "balance_roll_gain"):
            tracking.setdefault(gain, 0.3)
        clip = load_prior(__file__, prior)
        base = float(clip.meta.get("mean_speed", 1.0)) or 1.0
        # the captured cadence is the most natural one, and the planner balances it best
        self.target_speed = base if speed is None else float(speed)
        super().__init__(clip, speed=self.target_speed / base, heading=heading, **tracking)

    def heading(self, ctx: StepContext) -> float | None:
        # a sub-goal with a target ("walk to the chair") steers the gait toward its bearing
        data = physics_data(ctx)
        if ctx.target is not None and data is not None:
            d = np.asarray(ctx.target.position[:2], dtype=np.float64) - np.asarray(data.qpos[:2], dtype=np.float64)
            if float(np.hypot(d[0], d[1])) > 0.1:
                return float(np.arctan2(d[1], d[0]))
        return self.config.heading


@hookimpl
def register_experts(register):
    register(WalkExpert, name="walk")
