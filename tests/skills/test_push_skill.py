"""The ``push`` skill: the standing prior with one arm aimed by IK behind the target object."""

from __future__ import annotations

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.plugins import get_expert


def _run(experts, steps=40, seed=3):
    env = mwx_sdk.make_env("mwx/h1-push-v0")
    agent = mwx_sdk.compose(env=env, experts=experts, planner="direct", vlm="lexical")
    obs, _ = env.reset(seed=seed)
    agent.reset("push the box to the goal", env)
    for _ in range(steps):
        obs, *_ = env.step(agent.act(obs))
    return env, agent


def test_the_pushing_hand_goes_toward_the_point_behind_the_box():
    env, agent = _run(["push"])
    push = agent.experts[0]
    base = env.unwrapped
    point = push.hand_point(base.data, base.model, agent.ctx.target)
    side = push.arms._side
    hand = base.data.site(f"{side}_hand").xpos
    env_s, agent_s = _run(["stand"])
    stand_hand = env_s.unwrapped.data.site(f"{side}_hand").xpos
    # the standing prior keeps the arm at the side; the push skill brings the hand well toward the box
    assert np.linalg.norm(hand - point) < np.linalg.norm(stand_hand - point) - 0.1
    env.close()
    env_s.close()


def test_without_a_target_it_stands():
    push, stand = get_expert("push"), get_expert("stand")
    env = mwx_sdk.make_env("mwx/h1-stand-v0")
    obs, _ = env.reset(seed=0)
    from mwx_sdk.interfaces import StepContext

    ctx = StepContext(env=env.unwrapped)
    push.reset(ctx)
    stand.reset(ctx)
    np.testing.assert_array_equal(push.act(obs, ctx), stand.act(obs, ctx))
    env.close()


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="0 <= press < offset"):
        get_expert("push", offset=0.1, press=0.2)
    with pytest.raises(ValueError, match="hand must be"):
        get_expert("push", hand="both")
