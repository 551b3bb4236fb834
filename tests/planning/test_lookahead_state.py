"""The prior horizon is a look-ahead: it must not move a stateful expert on.

The object-directed skills keep state that ``act`` advances (the arm's rate-limited last pose,
push's press stage, reach's clip position, open's stage and aim correction). A planner that asks
for the prior horizon makes the agent call ``act`` for every coming step; without the state put
back, the arms moved ``horizon`` times faster than their rate.
"""

from __future__ import annotations

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.interfaces import Planner
from mwx_sdk.planning import prior_horizon


class _HorizonPlanner(Planner):
    """Executes a_ref and keeps the horizon the agent published with it."""

    name = "horizon-recorder"
    wants_prior_horizon = 12

    def __init__(self):
        self.seen: list[tuple[np.ndarray, np.ndarray]] = []

    def plan(self, obs, a_ref, ctx):
        self.seen.append((a_ref.copy(), np.array(ctx.a_ref_horizon, copy=True)))
        return a_ref.copy()


CASES = [
    ("mwx/h1-push-v0", "push", "push the box to the goal"),
    ("mwx/h1-reach-v0", "reach", "reach the goal"),
    ("mwx/h1-door-v0", "open", "open the door"),
]


def _agent(env_id, skill, instruction, planner, seed=3):
    env = mwx_sdk.make_env(env_id)
    agent = mwx_sdk.compose(env=env, experts=[skill], planner=planner, vlm="lexical")
    obs, _ = env.reset(seed=seed)
    agent.reset(instruction, env)
    return env, agent, obs


@pytest.mark.parametrize(("env_id", "skill", "instruction"), CASES)
def test_a_look_ahead_leaves_the_next_action_unchanged(env_id, skill, instruction):
    runs = [_agent(env_id, skill, instruction, "direct") for _ in range(2)]
    for i in range(25):
        runs = [(env, agent, env.step(agent.act(obs))[0]) for env, agent, obs in runs]
        np.testing.assert_array_equal(runs[0][2], runs[1][2])
        if i in (5, 15):
            env, agent, obs = runs[0]
            ahead = prior_horizon(agent.experts[0], obs, agent.ctx, 20)
            assert ahead.shape == (20, 19)
    # the copy that looked ahead twice acts exactly as the one that never did
    for k in range(10):
        runs = [(env, agent, env.step(agent.act(obs))[0]) for env, agent, obs in runs]
        np.testing.assert_array_equal(runs[0][2], runs[1][2])
    for env, _, _ in runs:
        env.close()


@pytest.mark.parametrize(("env_id", "skill", "instruction"), CASES[:2])
def test_the_published_horizon_starts_at_the_executed_action(env_id, skill, instruction):
    planner = _HorizonPlanner()
    env, agent, obs = _agent(env_id, skill, instruction, planner)
    for _ in range(30):
        obs, *_ = env.step(agent.act(obs))
    for a_ref, horizon in planner.seen:
        assert horizon.shape == (12, 19)
        np.testing.assert_allclose(horizon[0], np.clip(a_ref, -1, 1), atol=1e-12)
    # the arm does move over the look-ahead (the horizon is not the current action repeated)
    assert max(np.abs(h[-1] - h[0]).max() for _, h in planner.seen) > 1e-3
    env.close()


def test_the_look_ahead_of_the_direct_agent_matches_a_horizon_agent():
    """With the state put back, asking for a horizon does not change what the skill does."""
    env_a, agent_a, obs_a = _agent("mwx/h1-push-v0", "push", "push the box to the goal", "direct")
    env_b, agent_b, obs_b = _agent("mwx/h1-push-v0", "push", "push the box to the goal", _HorizonPlanner())
    for _ in range(40):
        act_a, act_b = agent_a.act(obs_a), agent_b.act(obs_b)
        np.testing.assert_array_equal(act_a, act_b)
        obs_a, obs_b = env_a.step(act_a)[0], env_b.step(act_b)[0]
    env_a.close()
    env_b.close()


@pytest.mark.parametrize(("env_id", "skill", "instruction"), CASES)
def test_reading_the_reference_pose_does_not_move_the_expert_on(env_id, skill, instruction):
    """Evaluations read ``reference_qpos`` for naturalness; that must not change what the agent does."""
    runs = [_agent(env_id, skill, instruction, "direct") for _ in range(2)]
    for _ in range(30):
        env, agent, obs = runs[1]
        for _ in range(3):
            agent.experts[0].reference_qpos(agent.ctx)
        runs = [(env, agent, env.step(agent.act(obs))[0]) for env, agent, obs in runs]
        np.testing.assert_array_equal(runs[0][2], runs[1][2])
    for env, _, _ in runs:
        env.close()
