"""Bundled skill ``run``: a human running stride cycle retargeted to the H1."""

from __future__ import annotations

import os

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec
from mwx_sdk.motion.expert import MotionPriorExpert

from .._prior import load_prior

DESCRIPTION = (
    "Run forward fast with a human running stride: flight phases, strong knee lift and arm "
    "swing. Use it when the robot must cover distance quickly or the instruction says run, "
    "hurry, sprint or jog. Parameters: speed (m/s, default 3.5; the stride cycle is played "
    "faster or slower, 1.5-6.0 m/s), heading (world yaw in radians, default none) and arm_swing "
    "(scale of the arm swing, default 1). Its motion prior is one stride of CMU capture 09_01 "
    "(subject 9, run, about 3.5 m/s) retargeted to the H1."
)


class RunExpert(MotionPriorExpert):
    """Plays the looping run cycle at a requested speed, steering to an optional heading."""

    spec = ExpertSpec(name="run", description=DESCRIPTION, robot="h1", action_dim=19,
                      tags=("locomotion", "run", "fast", "sprint", "jog"))

    def __init__(
        self,
        speed: float = 3.5,
        heading: float | None = None,
        prior: str | os.PathLike | None = None,
        **tracking,
    ) -> None:
        if not np.isfinite(speed) or not 1.5 <= speed <= 6.0:
            raise ValueError(f"run speed must be within 1.5-6.0 m/s, got {speed}")
        clip = load_prior(__file__, prior)
        base = float(clip.meta.get("mean_speed", 3.5)) or 3.5
        self.target_speed = float(speed)
        super().__init__(clip, speed=speed / base, heading=heading, **tracking)


@hookimpl
def register_experts(register):
    register(RunExpert, name="run")
