"""The direct and mppi planners on the real H1 stand task (real MuJoCo physics)."""

from __future__ import annotations

import numpy as np
import pytest

from mwx_sdk.interfaces import StepContext


def _stand_env(seed: int = 0):
    from mwx_sdk.envs.tasks import StandEnv

    try:
        env = StandEnv()
    except FileNotFoundError as exc:  # no project scene and no ../shared reference
        pytest.skip(str(exc))
    env.reset(seed=seed)
    return env


def _stand_action(env) -> np.ndarray:
    from mwx_sdk.planning.sim import ctrl_to_action

    return ctrl_to_action(env.model.key_qpos[0, 7:], env.model.actuator_ctrlrange)


def _episode(env, planner, a_ref, steps: int, push: float = 0.0) -> tuple[float, list[np.ndarray]]:
    ctx = StepContext(env=env)
    planner.reset(env, ctx)
    if push:
        env.data.qvel[0] = push  # a shove along x at the start
    total, actions = 0.0, []
    obs = None
    for t in range(steps):
        ctx.step = t
        a = planner.plan(obs, a_ref, ctx)
        actions.append(a)
        obs, r, terminated, _, _ = env.step(a)
        total += r
        if terminated:
            break
    return total, actions


def _mppi(**cfg):
    from mwx_sdk.planning import MPPIPlanner

    base = {"task": "stand", "num_samples": 8, "horizon": 10, "num_knots": 3, "threads": 2, "seed": 0}
    base.update(cfg)
    return MPPIPlanner(**base)


def test_direct_clips_and_rejects_nan():
    from mwx_sdk.planning import DirectPlanner

    p = DirectPlanner()
    out = p.plan(None, np.array([2.0, -3.0, 0.5]), StepContext())
    np.testing.assert_array_equal(out, [1.0, -1.0, 0.5])
    with pytest.raises(ValueError, match="NaN"):
        p.plan(None, np.array([np.nan, 0.0]), StepContext())


def test_mppi_beats_direct_after_a_push():
    from mwx_sdk.planning import DirectPlanner

    env = _stand_env()
    a_ref = _stand_action(env)
    direct, _ = _episode(env, DirectPlanner(), a_ref, 60, push=0.5)
    env.reset(seed=0)
    planner = _mppi()
    mppi, _ = _episode(env, planner, a_ref, 60, push=0.5)
    planner.close()
    assert mppi > direct + 5.0, f"mppi return {mppi:.1f} vs direct {direct:.1f}"
    assert env.data.qpos[2] > 0.8, "the mppi planner let the robot fall"


def test_same_seed_same_actions_and_bounds():
    runs = []
    for _ in range(2):
        env = _stand_env(seed=3)
        planner = _mppi(seed=7)
        # a_ref outside [-1, 1] must still give actions inside it
        _, acts = _episode(env, planner, np.clip(_stand_action(env) * 3.0, -5, 5), 6)
        d = planner.diagnostics()
        planner.close()
        runs.append(np.array(acts))
    np.testing.assert_array_equal(runs[0], runs[1])
    assert np.all(np.abs(runs[0]) <= 1.0)
    assert set(d) >= {"best_cost", "mean_cost", "ess", "ms", "n_diverged"}
    assert 1.0 <= d["ess"] <= 8.0


def test_different_seed_different_actions():
    acts = []
    for seed in (1, 2):
        env = _stand_env()
        planner = _mppi(seed=seed)
        _, a = _episode(env, planner, _stand_action(env), 3)
        planner.close()
        acts.append(np.array(a))
    assert not np.allclose(acts[0], acts[1])


def test_diverged_rollouts_are_dropped():
    from mwx_sdk.planning import MPPIPlanner

    class PoisonedMPPI(MPPIPlanner):
        """Makes sample 3 blow up (NaN controls) to check it never reaches the plan."""

        def sample(self, prior):
            knots, actions = super().sample(prior)
            actions[3, 2:] = np.nan
            return knots, actions

    env = _stand_env()
    ctx = StepContext(env=env)
    planner = PoisonedMPPI(task="stand", num_samples=8, horizon=6, num_knots=2, threads=1)
    planner.reset(env, ctx)
    a = planner.plan(None, _stand_action(env), ctx)
    d = planner.diagnostics()
    assert np.all(np.isfinite(a)) and np.all(np.abs(a) <= 1.0)
    assert d["n_diverged"] == 1.0
    assert np.isinf(planner.last_costs[3]) and np.isfinite(np.delete(planner.last_costs, 3)).all()
    assert np.isfinite(d["best_cost"]) and np.isfinite(d["mean_cost"])
    planner.close()


def test_divergence_detector():
    from mwx_sdk.planning import objective as obj

    state = np.zeros((3, 4, 10))
    state[:, :, 0] = 0.01 * np.arange(1, 5)
    sens = np.zeros((3, 4, 2))
    state[1, 2, 6] = 1e6  # a joint speed far above max_speed
    state[2, 3, 0] = 0.0  # clock rewound: MuJoCo reset a blown-up simulation
    bad = obj.diverged(state, sens, 0.0, 0.01, slice(5, 10), 100.0)
    assert bad.tolist() == [False, True, True]


def test_state_copy_is_exact():
    """A rollout of the env's own action on the exact model reproduces the env's next state."""
    from mwx_sdk.planning import sim

    env = _stand_env(seed=5)
    ctx = StepContext(env=env)
    planner = _mppi(planner_timestep=None, integrator=None, solver_iterations=None, ls_iterations=None,
                    self_collision=True, threads=1, horizon=2, num_knots=2)
    planner.reset(env, ctx)
    assert planner.substeps == 10
    rng = np.random.default_rng(0)
    a_ref = _stand_action(env)
    for _ in range(3):  # move away from rest so velocities and the warm start are non-trivial
        env.step(np.clip(a_ref + rng.normal(0, 0.05, a_ref.shape), -1, 1))
    a = np.clip(a_ref + rng.normal(0, 0.05, a_ref.shape), -1, 1)
    x0, warm = sim.get_state(env.model, env.data)
    env.step(a)
    # the planner maps actions to controls with the env's arithmetic, bit for bit
    ctrl = np.repeat(sim.action_to_ctrl(a[None, None], env.model.actuator_ctrlrange), 10, axis=1)
    np.testing.assert_array_equal(ctrl[0, 0], env.data.ctrl)
    state, _ = planner._roller.run(x0, warm, ctrl)
    lay = planner.layout
    q0 = lay.qpos0
    np.testing.assert_allclose(state[0, -1, q0:q0 + lay.nq], env.data.qpos, rtol=0, atol=1e-10)
    np.testing.assert_allclose(state[0, -1, q0 + lay.nq:q0 + lay.nq + lay.nv], env.data.qvel, rtol=0, atol=1e-8)
    planner.close()


def test_prior_horizon_is_checked_and_row0_is_a_ref():
    env = _stand_env()
    ctx = StepContext(env=env)
    planner = _mppi(horizon=4, num_knots=2, threads=1)
    planner.reset(env, ctx)
    a_ref = _stand_action(env)
    ctx.extras["a_ref_horizon"] = np.zeros((2, 5))
    with pytest.raises(ValueError, match="a_ref_horizon"):
        planner.plan(None, a_ref, ctx)
    ctx.extras["a_ref_horizon"] = np.zeros((2, env.model.nu))
    prior = planner._prior(a_ref, ctx)
    assert prior.shape == (4, env.model.nu)
    np.testing.assert_array_equal(prior[0], a_ref)
    np.testing.assert_array_equal(prior[1:], 0.0)
    planner.close()


def test_the_plan_lets_go_of_the_prior_after_a_shove_and_keeps_its_actions():
    """Past ``recovery_capture`` the prior's share of the plan falls; the residual takes up what
    the prior gives back, so the actions the plan holds do not jump. It returns slowly."""
    import mujoco

    env = _stand_env()
    planner = _mppi(recovery_capture=0.06, recovery_span=0.1, recovery_time=1.0)
    ctx = StepContext(env=env)
    planner.reset(env, ctx)
    a_ref = _stand_action(env)
    planner.plan(None, a_ref, ctx)
    assert planner.capture_offset() < 0.06
    assert planner.diagnostics()["prior_trust"] == 1.0
    prior = planner._prior(a_ref, ctx)

    def held(scaled):
        return scaled + planner.basis @ planner.residual

    before = held(prior)
    env.data.qvel[1] = 1.0  # the whole robot moving sideways at 1 m/s: a shove
    mujoco.mj_forward(env.model, env.data)
    assert planner.capture_offset() > 0.16
    scaled = planner._let_go(prior)
    assert planner.trust == 0.0
    np.testing.assert_allclose(scaled, 0.0)
    np.testing.assert_allclose(held(scaled), before, atol=1e-12)
    # caught: the trust comes back over recovery_time, the actions still continuous
    env.data.qvel[:] = 0.0
    mujoco.mj_forward(env.model, env.data)
    before = held(scaled)
    scaled = planner._let_go(prior)
    assert 0.0 < planner.trust < 0.05
    np.testing.assert_allclose(held(scaled), before, atol=1e-12)
    a = planner.plan(None, a_ref, ctx)
    assert np.all(np.isfinite(a)) and 0.0 < planner.diagnostics()["prior_trust"] < 0.1
    from mwx_sdk.planning.config import SHAPING_TERMS

    assert "action" in planner.last_terms and set(planner.last_terms) <= set(SHAPING_TERMS)
    planner.close()
    off = _mppi(recovery_capture=0.0)
    off.reset(env, ctx)
    off.plan(None, a_ref, ctx)
    assert "prior_trust" not in off.diagnostics()
    off.close()
    with pytest.raises(ValueError, match="recovery_span"):
        _mppi(recovery_span=0.0)


def test_only_a_shove_the_model_did_not_predict_arms_the_let_go():
    """With ``recovery_surprise`` the capture point lets go only after the root's velocity
    departs from the planner model's prediction for the action taken (a shove); the watch
    itself changes no action."""
    import mujoco

    env = _stand_env()
    a_ref = _stand_action(env)
    ctx = StepContext(env=env)
    planner = _mppi(recovery_capture=0.06, recovery_surprise=0.2)
    planner.reset(env, ctx)
    for t in range(15):
        ctx.step = t
        env.step(planner.plan(None, a_ref, ctx))
    quiet = planner.diagnostics()["surprise"]
    assert 0.0 <= quiet < 0.1 and planner.trust == 1.0
    env.data.qvel[1] += 1.0  # a sideways shove of 1 m/s the planner was not told about
    mujoco.mj_forward(env.model, env.data)
    planner.plan(None, a_ref, ctx)
    assert planner.diagnostics()["surprise"] > 0.8
    assert planner.trust == 0.0
    planner.close()

    # the same shove with a threshold above it: the capture point alone does not let go
    env = _stand_env()
    deaf = _mppi(recovery_capture=0.06, recovery_surprise=5.0)
    deaf.reset(env, ctx)
    env.step(deaf.plan(None, a_ref, ctx))
    env.data.qvel[1] += 1.0
    mujoco.mj_forward(env.model, env.data)
    assert deaf.capture_offset() > 0.16
    deaf.plan(None, a_ref, ctx)
    assert deaf.trust == 1.0 and deaf.diagnostics()["surprise"] > 0.8
    deaf.close()

    # an unpushed episode is the same with and without the watch, action for action
    runs = []
    for opts in ({"recovery_capture": 1e9}, {"recovery_capture": 1e9, "recovery_surprise": 1e9}):
        env = _stand_env()
        runs.append(_episode(env, _mppi(**opts), a_ref, 10)[1])
    np.testing.assert_array_equal(np.array(runs[0]), np.array(runs[1]))
    with pytest.raises(ValueError, match="surprise_time"):
        _mppi(surprise_time=0.0)


def test_recovery_terms_name_objective_terms():
    from mwx_sdk.planning import MPPIConfig

    assert MPPIConfig(recovery_terms="speed").recovery_terms == ("speed",)
    with pytest.raises(ValueError, match="not objective terms"):
        MPPIConfig(recovery_terms=("action", "sped"))
