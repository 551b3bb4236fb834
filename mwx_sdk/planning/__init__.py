"""Planners that turn the experts' reference action a_ref into the action sent to the env.

- :class:`DirectPlanner` (``direct``): a_ref, clipped to [-1, 1].
- :class:`MPPIPlanner` (``mppi``): sampling MPC on planner-owned copies of the MuJoCo
  simulator, seeded by a_ref and scored with the task's own reward plus shaping terms.
- :class:`GaitPrior`: a phase-oscillator walking prior used when no walk expert is installed.

Step-context fields the planner reads (all optional; :class:`mwx_sdk.interfaces.StepContext`):
- ``reference_qpos``: the joint targets of the expert's motion prior now
  (``Expert.reference_qpos``); tracked when ``pose_weight > 0``.
- ``a_ref_horizon``: (T, nu) prior actions for the coming control steps, row 0 = now
  (:func:`prior_horizon` computes it from an expert); without it a_ref is held constant.

Importing this package does not import mujoco; that happens when a planner is reset.
"""

from .config import MPPIConfig
from .gait import GaitPrior, GaitPriorConfig
from .mppi import DirectPlanner, MPPIPlanner, knot_basis
from .objective import A_REF_HORIZON_KEY, REFERENCE_QPOS_KEY
from .prior import prior_horizon

__all__ = [
    "A_REF_HORIZON_KEY",
    "REFERENCE_QPOS_KEY",
    "DirectPlanner",
    "GaitPrior",
    "GaitPriorConfig",
    "MPPIConfig",
    "MPPIPlanner",
    "knot_basis",
    "prior_horizon",
]
