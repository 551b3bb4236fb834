"""The default-run counterpart of ``test_run_planning.py`` (marked slow): the same wiring of the
run skill into ``mppi`` with the run task's defaults, for a few steps of real physics."""

from __future__ import annotations

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.interfaces import StepContext


def test_mppi_with_the_run_prior_plans_bounded_actions():
    from mwx_sdk.planning import MPPIPlanner, prior_horizon
    from mwx_sdk.task import get_task

    env = mwx_sdk.make_env("mwx/h1-run-v0")
    u = env.unwrapped
    obs, _ = env.reset(seed=0)
    ctx = StepContext(env=u, dt=u.dt, rng=np.random.default_rng(0))
    planner = MPPIPlanner(task="run", seed=0)
    planner.reset(u, ctx)
    assert planner.config.target_speed == pytest.approx(get_task("run").planning["target_speed"])
    expert = mwx_sdk.get_expert("run", **get_task("run").composition.options_for("run"))
    expert.reset(ctx)
    try:
        for t in range(4):
            ctx.step = t
            a_ref = expert.act(obs, ctx)
            ctx.extras["a_ref_horizon"] = prior_horizon(expert, obs, ctx, planner.config.horizon)
            action = planner.plan(obs, a_ref, ctx)
            assert action.shape == env.action_space.shape and np.all(np.abs(action) <= 1.0)
            obs, _, terminated, _, _ = env.step(action)
            assert not terminated
    finally:
        planner.close()
        env.close()
