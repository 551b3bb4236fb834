"""Bundled skill ``reach``: move both hands down towards the floor or up to chest height."""

from __future__ import annotations

import os

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec
from mwx_sdk.motion.expert import MotionPriorExpert

from .._prior import load_prior, time_where

DESCRIPTION = (
    "Reach with both hands to a height: squat and stretch the hands down towards an object "
    "near the floor, or lift them up in front of the chest, then hold. Use it to reach, touch, "
    "grasp or lift something in front of the robot, or to press a target at a given height. "
    "Parameters: target_height (m above the floor for the hands, default 0.3 = near the floor; "
    "about 0.25-1.2 m is reachable). Its motion prior is CMU capture 115_06 (subject 115, "
    "picking a box up, bending knees), 0.3-2.2 s, retargeted to the H1."
)


class ReachExpert(MotionPriorExpert):
    """Plays the reach-down or reach-up part of the prior until the hands reach the target height."""

    spec = ExpertSpec(name="reach", description=DESCRIPTION, robot="h1", action_dim=19,
                      tags=("manipulation", "reach", "hands", "arm", "grasp", "touch"))

    def __init__(self, target_height: float = 0.3, prior: str | os.PathLike | None = None, **tracking) -> None:
        clip = load_prior(__file__, prior)
        names = list(clip.keypoint_names)
        if clip.keypoints is None or "left_wrist" not in names:
            raise ValueError("the reach prior lacks wrist keypoints; rebuild it with scripts/build_priors.py")
        hands = 0.5 * (clip.keypoints[:, names.index("left_wrist"), 2] + clip.keypoints[:, names.index("right_wrist"), 2])
        lo, hi = float(hands.min()), float(hands.max())
        if not np.isfinite(target_height) or not lo - 0.1 <= target_height <= hi + 0.1:
            raise ValueError(f"target_height must be within {lo - 0.1:.2f}-{hi + 0.1:.2f} m, got {target_height}")
        if target_height <= hands[0]:
            a, b = clip.segments["reach_down"]
            start = 0.0
        else:
            a, b = clip.segments["rise"][0], clip.segments["reach_up"][1]
            # join the rise where the hands pass their standing height: the body is upright there
            start = time_where(clip, hands, float(hands[0]), a, b)
            a = int(round(start * clip.fps))
        self.target_height = float(target_height)
        end = time_where(clip, hands, target_height, a, b)
        tracking.setdefault("start_time", min(start, end))
        super().__init__(clip, loop=False, end_time=end, **tracking)


@hookimpl
def register_experts(register):
    register(ReachExpert, name="reach")
