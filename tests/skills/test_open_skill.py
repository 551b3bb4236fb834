"""The ``open`` skill: the standing prior with one arm aimed by IK onto the door handle's lever."""

from __future__ import annotations

import numpy as np
import pytest

import mwx_sdk
from mwx_sdk.interfaces import StepContext, Target
from mwx_sdk.plugins import get_expert


def _run(experts, steps=30):
    env = mwx_sdk.make_env("mwx/h1-door-v0")
    agent = mwx_sdk.compose(env=env, experts=experts, planner="direct", vlm="lexical")
    obs, _ = env.reset(seed=0)
    agent.reset("open the door", env)
    for _ in range(steps):
        obs, *_ = env.step(agent.act(obs))
    return env, agent


def test_the_hand_goes_toward_the_handle():
    env, agent = _run(["open"])
    base = env.unwrapped
    handle = base.object_position("handle")
    hand = base.data.site("left_hand").xpos
    env_s, _ = _run(["stand"])
    stand_hand = env_s.unwrapped.data.site("left_hand").xpos
    # the standing prior keeps the arm at the side; the open skill brings the hand onto the lever
    assert np.linalg.norm(hand - handle) < np.linalg.norm(stand_hand - handle) - 0.2
    assert agent.experts[0].stage in ("reach", "turn", "pull")
    env.close()
    env_s.close()


def test_the_handle_pose_comes_from_the_scene_or_the_target():
    env = mwx_sdk.make_env("mwx/h1-door-v0")
    env.reset(seed=0)
    base = env.unwrapped
    open_ = get_expert("open")
    door = Target("door", base.object_position("door"), None)
    pos, rot = open_.handle_pose(StepContext(env=base, target=door))
    np.testing.assert_allclose(pos, base.object_position("handle"))  # the scene publishes its handle
    np.testing.assert_allclose(rot, base.data.xmat[base._hatch_body].reshape(3, 3), atol=1e-9)
    env.close()
    # a scene without a handle: the target itself, upright
    env = mwx_sdk.make_env("mwx/h1-stand-v0")
    env.reset(seed=0)
    point = Target("lever", np.array([0.6, 0.2, 1.2]), None)
    pos, rot = open_.handle_pose(StepContext(env=env.unwrapped, target=point))
    np.testing.assert_allclose(pos, point.position)
    assert open_.handle_pose(StepContext(env=env.unwrapped)) is None
    env.close()


def test_without_a_handle_or_target_it_stands():
    open_, stand = get_expert("open"), get_expert("stand")
    env = mwx_sdk.make_env("mwx/h1-stand-v0")
    obs, _ = env.reset(seed=0)
    ctx = StepContext(env=env.unwrapped)
    open_.reset(ctx)
    stand.reset(ctx)
    np.testing.assert_array_equal(open_.act(obs, ctx), stand.act(obs, ctx))
    env.close()


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="0 <= pull <= 0.5"):
        get_expert("open", pull=1.0)
    with pytest.raises(ValueError, match="hand must be"):
        get_expert("open", hand="both")


def test_the_door_task_composes_the_open_skill_by_default():
    env = mwx_sdk.make_env("mwx/h1-door-v0")
    env.reset(seed=0)
    agent = mwx_sdk.compose(env=env, planner="direct", vlm="lexical")
    from mwx_sdk.task import get_task

    comp = get_task("door").composition
    assert comp.lead_skill == "open" and "open" in comp.experts
    agent.reset(comp.instruction, env)
    sub = agent.plan.subgoals[0]
    assert max(sub.weights, key=sub.weights.get) == "open"
    env.close()


def test_the_aim_correction_never_points_into_the_door():
    # a hand pressed into the door pushes the robot back until it falls
    env = mwx_sdk.make_env("mwx/h1-door-v0")
    agent = mwx_sdk.compose(env=env, experts=["open"], planner="direct", vlm="lexical")
    obs, _ = env.reset(seed=2)
    agent.reset("open the door", env)
    open_ = agent.experts[0]
    into = []
    for _ in range(40):
        obs, *_ = env.step(agent.act(obs))
        normal = env.unwrapped.data.xmat[env.unwrapped._hatch_body].reshape(3, 3)[:, 0]
        into.append(float(open_._bias @ normal))
    assert max(into) < 1e-4  # the door moves a little between steps
    env.close()


def test_a_hand_already_turning_the_handle_counts_as_over_it():
    env = mwx_sdk.make_env("mwx/h1-door-v0")
    env.reset(seed=0)
    base = env.unwrapped
    open_ = get_expert("open")
    open_.reset(StepContext(env=base))
    open_.stage = "over"
    turn = 0.5  # the lever pressed down by the hand: its frame turned about the door's x
    rot = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(turn), -np.sin(turn)], [0.0, np.sin(turn), np.cos(turn)]])
    open_.hand_point(base.data, base.model, base.object_position("handle"), rot)
    assert open_.stage == "turn"
    env.close()


def test_it_pushes_a_door_that_swings_away_and_pulls_one_that_swings_toward_it():
    from mwx_sdk.envs.tasks.door import DoorEnv
    from mwx_sdk.envs.tasks.door_wall import DoorWallEnv

    assert DoorEnv.swing > 0 and DoorWallEnv.swing < 0
    points = {}
    for env_id, swing in (("mwx/h1-door-v0", "auto"), ("mwx/h1-door_wall-v0", "auto"), ("mwx/h1-door-v0", "push")):
        env = mwx_sdk.make_env(env_id)
        obs, _ = env.reset(seed=0)
        base = env.unwrapped
        open_ = get_expert("open", swing=swing)
        ctx = StepContext(env=base, target=Target("handle", base.object_position("handle"), None))
        open_.reset(ctx)
        open_.act(obs, ctx)  # reset has read how the scene's door opens
        pos, rot = open_.handle_pose(ctx)
        # past the turn the hand moves along the door's normal: toward the robot (-x) to pull,
        # away from it (+x) to push
        points[(env_id, swing)] = (open_.pushing, float((open_.swing_point(pos, rot) - pos) @ rot[:, 0]))
        env.close()
    assert points[("mwx/h1-door-v0", "auto")][0] is False and points[("mwx/h1-door_wall-v0", "auto")][0] is True
    assert points[("mwx/h1-door-v0", "push")][0] is True
    # the grip point lies 0.105 m in front of the handle's centre; the swing moves it 0.15 m
    assert points[("mwx/h1-door-v0", "auto")][1] == pytest.approx(-0.255)
    assert points[("mwx/h1-door_wall-v0", "auto")][1] == pytest.approx(0.045)
    with pytest.raises(ValueError, match="swing is 'pull', 'push' or 'auto'"):
        get_expert("open", swing="slide")
