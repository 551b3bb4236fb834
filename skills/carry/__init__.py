"""Bundled skill ``carry``: pick an object up from the floor and walk carrying it."""

from __future__ import annotations

import os

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec
from mwx_sdk.motion.expert import MotionPriorExpert

from .._prior import load_prior

DESCRIPTION = (
    "Carry an object: bend down, grasp a box or tool box from the floor with one hand, stand "
    "up and walk while holding it at the side. Use it to transport a package, bag or box to "
    "another place. Parameters: stage ('pick_up' = bend, grasp and start walking, the default; "
    "'carry_walk' = only the walking-while-holding part) and speed (playback rate, default 1.0). "
    "Its motion prior is CMU capture 143_10 (subject 143, walk and pick up a tool box), "
    "1.0-3.0 s: pick up, turn, walk back, retargeted to the H1."
)

_STAGES = ("pick_up", "carry_walk")


class CarryExpert(MotionPriorExpert):
    """Plays the pick-up-and-carry capture once from the chosen stage."""

    spec = ExpertSpec(name="carry", description=DESCRIPTION, robot="h1", action_dim=19,
                      tags=("manipulation", "carry", "transport", "box", "package", "hold"))

    def __init__(self, stage: str = "pick_up", prior: str | os.PathLike | None = None, **tracking) -> None:
        if stage not in _STAGES:
            raise ValueError(f"carry stage must be one of {_STAGES}, got {stage!r}")
        clip = load_prior(__file__, prior)
        self.stage = stage
        tracking.setdefault("start_time", clip.segments[stage][0] / clip.fps)
        super().__init__(clip, loop=False, **tracking)


@hookimpl
def register_experts(register):
    register(CarryExpert, name="carry")
