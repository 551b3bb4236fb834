"""Bundled skill ``sit``: sit down onto a seat behind the robot (and optionally get up)."""

from __future__ import annotations

import os

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec
from mwx_sdk.motion.expert import MotionPriorExpert

from .._prior import load_prior, time_where

DESCRIPTION = (
    "Sit down: lower the hips backwards onto a chair, bench or box behind the robot and stay "
    "seated, hands resting near the thighs. Use it when the instruction asks to sit, take a "
    "seat or rest on a chair; walk to the seat first and turn your back to it. Parameters: "
    "pelvis_height (m, the pelvis height to settle at, default none = fully seated as in the "
    "capture, about 0.55 m on the H1; a higher value gives a shallower sit for a taller seat) "
    "and get_up (default false; true plays the full sit-then-stand-up motion). Its motion prior "
    "is the sit-down, seated and stand-up segments of CMU capture 113_15 (subject 113, sit in a "
    "chair and get up) retargeted to the H1."
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


@hookimpl
def register_experts(register):
    register(SitExpert, name="sit")
