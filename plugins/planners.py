"""Bundled planners: ``direct`` (a_ref as is) and ``mppi`` (sampling MPC on simulator copies).

The planner classes live in :mod:`mwx_sdk.planning`; they are imported when the hook runs,
and that module imports mujoco only when a planner is reset on an environment.
"""

from __future__ import annotations

from mwx_sdk import hookimpl


@hookimpl
def register_planners(register):
    from mwx_sdk.planning.mppi import DirectPlanner, MPPIPlanner

    register(DirectPlanner, name="direct", description="Send the experts' fused action a_ref unchanged.")
    register(
        MPPIPlanner,
        name="mppi",
        description="Sampling MPC on copies of the MuJoCo simulator, seeded by a_ref, scored by the task reward.",
    )
