"""Sub-goals with targets: the interpreters name scene objects, the agent resolves them every step
into ``StepContext.target`` and refuses objects the scene lacks."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

import mwx_sdk
from mwx_sdk.interfaces import ExpertSpec
from mwx_sdk.semantic.parsing import parse_plan, plan_to_json
from mwx_sdk.semantic.prompt import user_text
from mwx_sdk.semantic.targets import UnknownObjectError


def _push(**kw):
    env = mwx_sdk.make_env("mwx/h1-push-v0")
    agent = mwx_sdk.compose(env=env, experts=["stand", "push"], planner="direct", vlm="lexical", **kw)
    return env, agent


def test_the_agent_resolves_the_target_every_step():
    env, agent = _push()
    obs, _ = env.reset(seed=2)
    plan = agent.reset("push the box to the goal", env)
    assert (plan.subgoals[0].target, plan.subgoals[0].destination) == ("box", "goal")
    base = env.unwrapped
    for _ in range(3):
        box_now = base.data.body("object").xpos.copy()
        obs, *_ = env.step(agent.act(obs))
        t = agent.ctx.target
        assert t.name == "box" and t.destination == "goal"
        np.testing.assert_array_equal(t.position, box_now)
        np.testing.assert_array_equal(t.destination_position, base.goal)
        assert t.orientation.shape == (4,)
    env.close()


def test_object_words_do_not_pick_the_skill_and_no_target_without_objects():
    env = mwx_sdk.make_env("mwx/h1-sit_simple-v0")
    agent = mwx_sdk.compose(env=env, experts=["stand", "walk", "sit"], planner="direct", vlm="lexical")
    env.reset(seed=0)
    plan = agent.reset("walk to the chair and sit down", env)
    first, second = plan.subgoals
    assert (first.lead, first.target, first.predicate) == ("walk", "chair", "near(chair)")
    assert (second.lead, second.target) == ("sit", "chair")  # a clause naming nothing keeps the target
    assert agent.ctx.target.name == "chair"
    env.close()


def test_an_object_the_scene_lacks_is_refused_in_one_line():
    env, agent = _push()
    env.reset(seed=0)
    with pytest.raises(UnknownObjectError, match="names 'sofa', which the push scene does not have "
                                                 r"\(its objects: box, goal, table\)"):
        agent.reset("push the sofa to the goal", env)
    env.close()
    from mwx_cli.main import app

    res = CliRunner().invoke(app, ["run", "walk to the fridge", "--env", "mwx/h1-sit_simple-v0", "--steps", "1",
                                   "--no-live", "--no-save"])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if "error:" in ln]  # a library's own log lines aside
    assert len(lines) == 1 and "'fridge'" in lines[0] and "its objects: chair" in lines[0]
    assert "Traceback" not in res.output


def test_the_prompt_lists_the_objects_and_the_reply_names_them():
    spec = ExpertSpec(name="push", description="push things", robot="h1", action_dim=19)
    state = {"task": "push", "objects": {"box": [], "goal": ["target"], "table": []}}
    text = user_text("push the box to the goal", [spec], ["at_goal"], state)
    assert "Scene objects: box, goal (also: target), table" in text
    reply = json.dumps({"subgoals": [{"description": "push the box", "scores": {"push": 1.0},
                                      "predicate": "at_goal", "target": "Box", "destination": "shelf"}]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = parse_plan(reply, "push the box", ["push"], ["at_goal"], objects=["box", "goal", "table"])
    sg = plan.subgoals[0]
    assert (sg.target, sg.destination) == ("box", None)
    assert any("destination 'shelf' is not an object of the scene" in str(w.message) for w in caught)
    again = parse_plan(plan_to_json(plan), "push the box", ["push"], ["at_goal"], objects=["box", "goal", "table"])
    assert again.subgoals[0].target == "box"
