"""Bundled skill ``stand``: hold a quiet, upright human standing pose."""

from __future__ import annotations

import os

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec
from mwx_sdk.motion.expert import MotionPriorExpert

from .._prior import load_prior

DESCRIPTION = (
    "Stand still and upright on both feet, arms relaxed at the sides. Use it to keep balance "
    "while nothing else needs doing, to recover a steady posture after another motion, or "
    "before and after walking, sitting or reaching. Parameters: none besides the balance feedback "
    "gains. Its motion prior is the mean pose of the first 0.4 s of CMU capture 115_06, where the "
    "subject stands quietly before lifting a box (no dedicated still clip exists), retargeted to "
    "the H1 and held constant."
)


class StandExpert(MotionPriorExpert):
    """Holds the retargeted quiet-standing pose with capture-point ankle feedback.

    Holding the pose alone is an inverted pendulum that topples forward within 2-3 s; the
    ankle strategy (``capture_gain`` 12 rad/m, ``capture_roll_gain`` 3 rad/m) keeps it up with
    the ``direct`` planner.
    """

    spec = ExpertSpec(name="stand", description=DESCRIPTION, robot="h1", action_dim=19,
                      tags=("balance", "posture", "idle", "upright"))

    def __init__(self, prior: str | os.PathLike | None = None, **tracking) -> None:
        tracking.setdefault("blend_in", 0.5)
        tracking.setdefault("capture_gain", 12.0)
        tracking.setdefault("capture_roll_gain", 3.0)
        super().__init__(load_prior(__file__, prior), **tracking)


@hookimpl
def register_experts(register):
    register(StandExpert, name="stand")
