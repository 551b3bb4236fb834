"""Non-finite and mis-shaped actions: the env refuses NaN / inf by default (or flags them in
``info`` when asked to pass them through), and the agent names the expert that produced a bad
action instead of broadcasting it or passing NaN on to the planner."""

from __future__ import annotations

import numpy as np
import pytest

from mwx_sdk.agent import Agent, ExpertOutputError
from mwx_sdk.interfaces import Expert, ExpertSpec, Planner, SemanticPlan, SubGoal, VLMBackend
from mwx_sdk.plugins import make_env

NU = 19


@pytest.fixture(scope="module")
def env():
    e = make_env("mwx/h1-stand-v0")
    yield e
    e.close()


def test_nan_action_is_refused_naming_the_joints(env):
    env.reset(seed=0)
    qpos = env.unwrapped.data.qpos.copy()
    a = np.zeros(NU)
    a[[0, 5]] = np.nan
    a[7] = np.inf
    with pytest.raises(ValueError, match=r"NaN at joints \['left_hip_yaw', 'right_hip_yaw'\]") as err:
        env.step(a)
    msg = str(err.value)
    assert "inf at joints" in msg and "nonfinite_actions='pass'" in msg
    np.testing.assert_array_equal(env.unwrapped.data.qpos, qpos)  # the simulation was not stepped
    for bad in (np.full(NU, -np.inf, dtype=np.float32), [np.nan] * NU):
        with pytest.raises(ValueError, match="action has"):
            env.step(bad)


def test_finite_actions_carry_no_flag(env):
    env.reset(seed=0)
    _, _, _, _, info = env.step(np.zeros(NU))
    assert "nonfinite_action" not in info
    # huge finite values fail the cheap check but are finite: clipped, as the ctrlrange clamp would
    env.reset(seed=0)
    big = np.full(NU, 1e308)
    big[::2] *= -1
    obs_big, reward, _, _, info = env.step(big)
    assert np.isfinite(reward) and "nonfinite_action" not in info
    env.reset(seed=0)
    obs_clipped, *_ = env.step(np.sign(big))
    np.testing.assert_array_equal(obs_big, obs_clipped)


def test_pass_mode_steps_like_humanoid_bench_and_flags_the_step():
    env = make_env("mwx/h1-stand-v0", nonfinite_actions="pass")
    try:
        env.reset(seed=0)
        _, reward, _, _, info = env.step(np.full(NU, np.nan))
        assert info["nonfinite_action"] is True and np.isfinite(reward)
        _, _, _, _, info = env.step(np.zeros(NU))
        assert "nonfinite_action" not in info
    finally:
        env.close()
    with pytest.raises(ValueError, match="nonfinite_actions must be 'raise' or 'pass'"):
        make_env("mwx/h1-stand-v0", nonfinite_actions="ignore")


class _Fixed(Expert):
    def __init__(self, name: str, out):
        self.spec = ExpertSpec(name, f"{name} skill", "h1", NU)
        self.out = out

    def act(self, obs, ctx):
        return self.out


class _Plan(VLMBackend):
    name = "fixed"

    def interpret(self, instruction, experts, *, image=None, state=None, predicates=()):
        return SemanticPlan(instruction, [SubGoal("go", {e.name: 1.0 for e in experts})], backend=self.name)


class _Direct(Planner):
    name = "passthrough"

    def plan(self, obs, a_ref, ctx):
        return np.array(a_ref, dtype=float)


def _agent(bad):
    from mwx_plugins.routers import SemanticRouter

    agent = Agent([_Fixed("steady", np.zeros(NU)), _Fixed("broken", bad)], SemanticRouter(), _Direct(), _Plan())
    agent.reset("go", None)
    return agent


def test_agent_names_the_expert_returning_nan():
    out = np.zeros(NU)
    out[3] = np.nan
    with pytest.raises(ExpertOutputError, match=r"expert 'broken' returned NaN at joints \['3'\]"):
        _agent(out).act(np.zeros(2))


@pytest.mark.parametrize(
    ("bad", "got"),
    [(np.zeros(7), r"an action of shape \(7,\)"), (0.5, "a scalar"), (np.zeros(1), r"an action of shape \(1,\)"),
     (np.zeros((1, NU)), r"an action of shape \(1, 19\)")],
)
def test_agent_refuses_wrong_shapes_naming_the_expert(bad, got):
    with pytest.raises(ExpertOutputError, match=rf"expert 'broken' returned {got}; expected shape \(19,\)"):
        _agent(bad).act(np.zeros(2))


def test_agent_labels_bad_joints_with_the_env_actuator_names(env):
    out = np.zeros(NU)
    out[0] = np.inf
    agent = _agent(out)
    obs, _ = env.reset(seed=0)
    agent.reset("go", env)
    with pytest.raises(ExpertOutputError, match=r"inf at joints \['left_hip_yaw'\]"):
        agent.act(obs)
