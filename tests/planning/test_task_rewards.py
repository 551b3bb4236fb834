"""The mppi planner plans every built-in task, scoring it with the task's own reward."""

from __future__ import annotations

import numpy as np
import pytest

from mwx_sdk.interfaces import StepContext
from mwx_sdk.planning import objective as obj
from mwx_sdk.planning import sim
from mwx_sdk.plugins import get_planner, list_envs, make_env

H1_ENVS = sorted(e.name for e in list_envs() if e.name.startswith("mwx/h1-"))


def _env(env_id: str, seed: int = 0):
    env = make_env(env_id)
    obs, _ = env.reset(seed=seed)
    base = env.unwrapped
    return env, base, obs, StepContext(env=base, dt=base.dt, rng=np.random.default_rng(seed))


def test_every_builtin_task_is_listed():
    tasks = {e.split("-")[1] for e in H1_ENVS}
    assert {"sit_simple", "sit_hard", "crawl", "reach", "door", "push", "package", "truck", "basketball"} <= tasks


@pytest.mark.parametrize("env_id", H1_ENVS)
def test_mppi_plans_one_step_on_every_task(env_id):
    env, base, obs, ctx = _env(env_id)
    planner = get_planner("mppi", num_samples=4, horizon=3, num_knots=2, threads=1)
    planner.reset(base, ctx)
    assert planner.config.task == base.task
    a_ref = sim.ctrl_to_action(base.data.ctrl.copy(), base.model.actuator_ctrlrange)
    action = planner.plan(obs, np.clip(a_ref, -1, 1), ctx)
    assert action.shape == (base.model.nu,)
    assert np.all(np.abs(action) <= 1.0)
    diag = planner.diagnostics()
    assert all(np.isfinite(v) for v in diag.values()), diag
    assert planner.last_reward.shape == (4, 3) and np.all(np.isfinite(planner.last_reward))
    env.step(action)
    planner.close()
    env.close()


@pytest.mark.parametrize("env_id", H1_ENVS)
def test_planner_reward_matches_the_env_reward(env_id):
    """With the env's own physics, the planner's reward of a rollout equals the env's reward."""
    env, base, _, ctx = _env(env_id, seed=1)
    planner = get_planner("mppi", num_samples=2, horizon=1, num_knots=2, threads=1, planner_timestep=None,
                          integrator=None, solver_iterations=None, ls_iterations=None, self_collision=True)
    planner.reset(base, ctx)
    rng = np.random.default_rng(0)
    a = np.clip(rng.normal(0.0, 0.1, base.model.nu), -1, 1)
    for _ in range(2):  # leave the reset state so velocities and forces are non-trivial
        env.step(a)
    x0, warm = sim.get_state(base.model, base.data)
    ctrl = np.repeat(sim.action_to_ctrl(a[None, None], base.model.actuator_ctrlrange), planner.substeps, axis=1)
    state, sens = planner._roller.run(x0, warm, ctrl)
    constants = planner.adapter.read_constants(base)
    _, r_env, *_ = env.step(a)
    q = obj.quantities(sens[:, -1:], state[:, -1:], planner.layout)
    r_plan = planner.adapter.reward(q, constants)
    if planner.adapter.objective is None:
        np.testing.assert_allclose(r_plan[0, 0], r_env, rtol=1e-6, atol=1e-6)
    else:
        # a declared objective of its own (tested with its task): it differs from the env's
        # reward here, or the declaration would be wrong
        assert np.isfinite(r_plan[0, 0]) and not np.isclose(r_plan[0, 0], r_env, rtol=1e-6, atol=1e-6)
    planner.close()
    env.close()


def test_only_tasks_with_a_walk_up_declare_an_objective_of_their_own():
    from mwx_sdk.planning.rewards_adapter import task_adapter
    from mwx_sdk.task import get_task

    declared = {e.split("-")[1] for e in H1_ENVS
                if task_adapter(get_task(e.split("-")[1])).objective is not None}
    assert declared == {"walk_sit", "reach", "door_wall", "box_table"}


def test_truck_shaped_reward_is_elementwise_over_batches():
    from mwx_sdk.envs import rewards as R

    rng = np.random.default_rng(0)
    up, base = rng.uniform(0.5, 1.0, (4, 3)), rng.normal(size=(4, 3, 3))
    table = np.array([2.0, -1.7, 0.6])
    on_truck = [rng.normal(size=(4, 3, 3)) * 0.3 for _ in range(3)]
    picked = [rng.normal(size=(4, 3, 3)) * 0.3 for _ in range(2)]
    batch, _ = R.truck_shaped_reward(up, base, table, on_truck, picked)
    for i in range(4):
        for j in range(3):
            one, _ = R.truck_shaped_reward(float(up[i, j]), base[i, j], table, [p[i, j] for p in on_truck],
                                           [p[i, j] for p in picked])
            assert isinstance(one, float) and one == pytest.approx(batch[i, j], abs=1e-12)
