"""The composition loop: weights, a_ref, sub-goal advancement, replanning, caching, errors."""

from __future__ import annotations

import numpy as np
import pytest
from fakes import ConstantExpert, RecordingPlanner, ScriptedBackend, ToyEnv
from mwx_plugins.routers import FusionRouter, SemanticRouter, UniformRouter

from mwx_sdk.agent import Agent, AgentConfig, CompositionError, check_composition, compose


def _experts(**kw):
    return [
        ConstantExpert("a", 1.0, embedding=[0.0, 1.0], **kw),
        ConstantExpert("b", -1.0, embedding=[1.0, 1.0], **kw),
        ConstantExpert("c", 0.5, embedding=[2.0, 1.0], **kw),
    ]


def test_a_ref_is_weighted_sum_and_zero_weight_experts_are_skipped():
    experts = _experts()
    backend = ScriptedBackend([("go", {"a": 0.75, "b": 0.25, "c": 0.0}, None)])
    agent = Agent(experts, SemanticRouter(), RecordingPlanner(), backend)
    env = ToyEnv()
    agent.reset("go", env)
    action = agent.act(env.reset())
    assert np.allclose(action, 0.75 * 1.0 + 0.25 * -1.0)
    d = agent.diagnostics
    assert np.allclose(d.fused_weights, [0.75, 0.25, 0.0])
    assert np.allclose(d.a_ref, action)
    assert experts[2].calls == 0, "an expert with zero weight must not be evaluated"
    assert experts[0].calls == 1 and experts[1].calls == 1


def test_experts_far_below_the_lead_are_left_out_of_the_blend():
    """A few percent of another expert is a constant bias on the lead skill, not a blend: below
    min_relative_weight of the largest weight an expert is neither evaluated nor mixed in."""
    env = ToyEnv()
    for min_rel, expected, evaluated in ((0.2, 1.0, (1, 0, 0)), (0.0, 0.8 * 1.0 + 0.15 * -1.0 + 0.05 * 0.5, (1, 1, 1))):
        experts = _experts()
        backend = ScriptedBackend([("go", {"a": 0.8, "b": 0.15, "c": 0.05}, None)])
        agent = Agent(experts, SemanticRouter(), RecordingPlanner(), backend,
                      config=AgentConfig(min_relative_weight=min_rel, semantic_shortlist=0.0))
        agent.reset("go", env)
        action = agent.act(env.reset())
        d = agent.diagnostics
        assert np.allclose(d.fused_weights, [0.8, 0.15, 0.05])  # the router's output, unchanged
        if min_rel:
            # b (0.15 < 0.2 * 0.8) and c drop out; a alone is renormalised to 1
            assert np.allclose(d.blend_weights, [1.0, 0.0, 0.0]) and np.allclose(action, expected)
        else:
            assert np.allclose(d.blend_weights, [0.8, 0.15, 0.05]) and np.allclose(action, expected)
        assert tuple(e.calls for e in experts) == evaluated
    # a real contender stays in the blend
    experts = _experts()
    backend = ScriptedBackend([("go", {"a": 0.6, "b": 0.4, "c": 0.0}, None)])
    agent = Agent(experts, SemanticRouter(), RecordingPlanner(), backend)
    agent.reset("go", env)
    assert np.allclose(agent.act(env.reset()), 0.6 - 0.4)
    with pytest.raises(ValueError, match="min_relative_weight must be in"):
        AgentConfig(min_relative_weight=1.5)


def test_the_state_term_chooses_only_among_the_experts_the_instruction_calls_for():
    """An expert the semantic layer ranks below ``semantic_shortlist`` of its lead stays out of
    the blend even when the state term favours it; the lead then acts alone, bit for bit."""
    env = ToyEnv()
    obs = env.reset()
    results = {}
    for share in (0.2, 0.0):
        # b's reference is the state the toy env starts in: the state term wants b
        experts = [ConstantExpert("a", 0.3, embedding=[5.0, 5.0]),
                   ConstantExpert("b", -1.0, embedding=list(np.asarray(obs[:2], dtype=float)))]
        backend = ScriptedBackend([("go", {"a": 0.9, "b": 0.1}, None)])
        agent = Agent(experts, FusionRouter(alpha=0.5, temperature=0.05), RecordingPlanner(), backend,
                      config=AgentConfig(semantic_shortlist=share))
        agent.reset("go", env)
        action = agent.act(obs)
        d = agent.diagnostics
        assert d.state_weights[1] > 0.9, "the toy set-up must make the state term prefer b"
        results[share] = (action, d.blend_weights, experts[1].calls)
    action, blend, b_calls = results[0.2]
    assert blend.tolist() == [1.0, 0.0] and b_calls == 0
    assert action.tolist() == [0.3] * len(action)  # exactly the lead's action
    action, blend, b_calls = results[0.0]
    assert blend[1] > 0.2 and b_calls == 1 and np.all(action < 0.3)
    with pytest.raises(ValueError, match="semantic_shortlist"):
        AgentConfig(semantic_shortlist=1.5)


def test_fusion_blends_semantic_and_state_weights():
    experts = _experts()
    backend = ScriptedBackend([("go", {"a": 0.0, "b": 0.0, "c": 1.0}, None)])
    agent = Agent(experts, FusionRouter(alpha=0.7), RecordingPlanner(), backend)
    env = ToyEnv()
    agent.reset("go", env)
    agent.act(env.reset())  # x = 0: nearest reference is expert a
    d = agent.diagnostics
    assert np.allclose(d.fused_weights, 0.7 * d.semantic_weights + 0.3 * d.state_weights)
    assert int(np.argmax(d.state_weights)) == 0
    assert abs(d.fused_weights.sum() - 1) < 1e-12


def test_subgoal_advances_when_predicate_holds_after_min_steps():
    experts = _experts()
    backend = ScriptedBackend([("move out", {"a": 1.0}, "far"), ("come back", {"b": 1.0}, "home")])
    agent = Agent(experts, SemanticRouter(), RecordingPlanner(), backend, AgentConfig(min_subgoal_steps=3))
    env = ToyEnv()
    agent.reset("move out then come back", env)
    assert backend.seen_predicates == ("far", "home")
    obs = env.reset()
    idx = []
    for _ in range(30):
        obs = env.step(agent.act(obs))
        idx.append(agent.diagnostics.subgoal_index)
    assert idx[0] == 0 and 1 in idx, idx
    first_switch = idx.index(1)
    assert first_switch >= 3
    assert agent.history[first_switch].subgoal == "come back"
    assert experts[0].resets >= 2, "experts are reset when the sub-goal changes"
    assert env.x < 0.6  # after switching, expert b (action -1) drives it back


def test_an_implied_step_is_passed_over_when_its_predicate_already_holds():
    cfg = AgentConfig(min_subgoal_steps=3)
    # at home already: the implied walk home is passed over at reset, a said one is not
    for implied, start in ((True, 1), (False, 0)):
        backend = ScriptedBackend([("walk home", {"a": 1.0}, "home", implied), ("move out", {"a": 1.0}, "far")])
        agent = Agent(_experts(), SemanticRouter(), RecordingPlanner(), backend, cfg)
        agent.reset("move out", ToyEnv())
        assert agent.ctx.subgoal_index == start
    # not there yet: the implied step runs until its predicate holds
    backend = ScriptedBackend([("go far", {"a": 1.0}, "far", True), ("come back", {"b": 1.0}, "home")])
    agent = Agent(_experts(), SemanticRouter(), RecordingPlanner(), backend, cfg)
    env = ToyEnv()
    agent.reset("come back", env)
    assert agent.ctx.subgoal_index == 0
    # reached mid-plan: "move out" ends far away, where the implied "go far" already holds
    backend = ScriptedBackend([("move out", {"a": 1.0}, "far"), ("go far", {"a": 1.0}, "far", True),
                               ("come back", {"b": 1.0}, "home")])
    agent = Agent(_experts(), SemanticRouter(), RecordingPlanner(), backend, cfg)
    env = ToyEnv()
    agent.reset("move out then come back", env)
    obs = env.reset()
    for _ in range(30):
        obs = env.step(agent.act(obs))
    assert next(d.subgoal_index for d in agent.history if d.subgoal_index) == 2
    assert "go far" not in {d.subgoal for d in agent.history}


def test_subgoal_without_predicate_advances_after_timeout():
    experts = _experts()
    backend = ScriptedBackend([("walk a bit", {"a": 1.0}, None), ("stop", {"c": 1.0}, "never")])
    cfg = AgentConfig(min_subgoal_steps=2, subgoal_timeout_steps=5)
    agent = Agent(experts, SemanticRouter(), RecordingPlanner(), backend, cfg)
    agent.reset("walk a bit then stop", ToyEnv())
    for _ in range(12):
        agent.act(np.zeros(2))
    idx = [d.subgoal_index for d in agent.history]
    assert idx[:5] == [0] * 5 and idx[5:] == [1] * 7, idx
    never = Agent(_experts(), SemanticRouter(), RecordingPlanner(), backend, AgentConfig(min_subgoal_steps=0, subgoal_timeout_steps=0))
    never.reset("walk a bit then stop", ToyEnv())
    for _ in range(200):
        never.act(np.zeros(2))
    assert never.ctx.subgoal_index == 0


def test_plan_cache_and_replan():
    experts = _experts()
    backend = ScriptedBackend([("go", {"a": 1.0}, None)])
    agent = Agent(experts, SemanticRouter(), RecordingPlanner(), backend, AgentConfig(replan_every=5))
    env = ToyEnv()
    agent.reset("go", env)
    agent.reset("go", env)
    assert backend.calls == 1, "a repeated plan must come from the cache"
    obs = env.reset()
    for _ in range(12):
        obs = env.step(agent.act(obs))
    # replans at steps 5 and 10 see a new state summary (x moved), so they reach the backend
    assert backend.calls == 3
    agent.reinterpret("go back")
    agent.act(obs)
    assert backend.calls == 4 and agent.ctx.instruction == "go back"


def test_reference_qpos_is_fused_for_the_planner():
    experts = [
        ConstantExpert("a", 1.0, ref=[0.0, 0.0]),
        ConstantExpert("b", 1.0, ref=[1.0, 2.0]),
        ConstantExpert("c", 1.0),
    ]
    planner = RecordingPlanner()
    backend = ScriptedBackend([("go", {"a": 0.5, "b": 0.25, "c": 0.25}, None)])
    agent = Agent(experts, SemanticRouter(), planner, backend)
    assert agent._use_ref  # a planner without a pose weight may use it
    agent.reset("go", ToyEnv())
    agent.act(np.zeros(2))
    # weighted over the experts that provide a pose: (0.5 * [0, 0] + 0.25 * [1, 2]) / 0.75
    assert np.allclose(planner.refs[-1], [1 / 3, 2 / 3])
    skip = compose(experts=experts, planner="direct", vlm="lexical")
    assert not skip._use_ref, "the direct planner ignores the pose: do not compute it"
    agent2 = Agent([ConstantExpert("x", 0.0)], UniformRouter(), RecordingPlanner(), ScriptedBackend([("g", {"x": 1}, None)]))
    agent2.reset("g", ToyEnv())
    agent2.act(np.zeros(2))
    assert agent2.planner.refs[-1] is None


def test_composition_errors():
    with pytest.raises(CompositionError, match="different robots"):
        check_composition([ConstantExpert("a", 0), ConstantExpert("b", 0, robot="g1")])
    with pytest.raises(CompositionError, match="different action sizes"):
        check_composition([ConstantExpert("a", 0), ConstantExpert("b", 0, dim=5)])
    with pytest.raises(CompositionError, match="unique"):
        check_composition([ConstantExpert("a", 0), ConstantExpert("a", 1)])
    with pytest.raises(CompositionError, match="at least one"):
        check_composition([])
    agent = Agent(_experts(), UniformRouter(), RecordingPlanner(), ScriptedBackend([("g", {"a": 1}, None)]))
    with pytest.raises(CompositionError, match="env expects 6"):
        agent.reset("go", ToyEnv(dim=6))
    with pytest.raises(RuntimeError, match="reset"):
        Agent(_experts(), UniformRouter(), RecordingPlanner(), ScriptedBackend([])).act(np.zeros(2))


def test_compose_by_name_with_instances():
    agent = compose(experts=_experts(), router="fusion", planner="direct", vlm="lexical", router_config={"alpha": 0.5})
    assert agent.router.alpha == 0.5 and agent.planner.name == "direct"
    env = ToyEnv()
    plan = agent.reset("go somewhere", env)
    assert plan.backend == "lexical"
    a = agent.act(env.reset())
    assert a.shape == (4,) and np.all(np.abs(a) <= 1)
    with pytest.raises(KeyError, match="no router named 'fusoin'.*did you mean 'fusion'"):
        compose(experts=_experts(), router="fusoin", vlm="lexical")
    with pytest.raises(CompositionError, match="must be a list"):
        compose(experts="walk", vlm="lexical")


class _RampExpert(ConstantExpert):
    """Action = value + 0.1 * step: its horizon rows differ, so their fusion is checkable."""

    def act(self, obs, ctx):
        self.calls += 1
        return np.full(self.spec.action_dim, self.value + 0.1 * ctx.step)


class _HorizonPlanner(RecordingPlanner):
    """Asks the agent for the fused prior over its horizon and records it."""

    def __init__(self, steps):
        super().__init__()
        self.wants_prior_horizon = steps
        self.horizons = []

    def plan(self, obs, a_ref, ctx):
        self.horizons.append(ctx.extras.get("a_ref_horizon"))
        return super().plan(obs, a_ref, ctx)


def test_prior_horizon_is_fused_only_when_the_planner_asks():
    experts = [_RampExpert("a", 0.5), _RampExpert("b", -0.5), _RampExpert("c", 0.0)]
    planner = _HorizonPlanner(3)
    agent = Agent(experts, SemanticRouter(), planner, ScriptedBackend([("go", {"a": 0.75, "b": 0.25, "c": 0.0}, None)]))
    agent.reset("go", ToyEnv())
    agent.act(np.zeros(2))
    agent.act(np.zeros(2))
    hor = planner.horizons[-1]  # step 1: rows are steps 1, 2, 3
    assert hor.shape == (3, 4)
    expected = 0.75 * 0.5 + 0.25 * -0.5 + 0.1 * np.array([1.0, 2.0, 3.0])
    assert np.allclose(hor, expected[:, None])
    assert np.allclose(hor[0], agent.diagnostics.a_ref)
    assert experts[2].calls == 0, "a zero-weight expert's horizon is not computed either"
    # a planner that does not ask gets no horizon, and the experts act once per step
    quiet = _HorizonPlanner(0)
    experts2 = [_RampExpert("a", 1.0)]
    agent2 = Agent(experts2, UniformRouter(), quiet, ScriptedBackend([("g", {"a": 1}, None)]))
    agent2.reset("g", ToyEnv())
    agent2.act(np.zeros(2))
    assert quiet.horizons == [None] and experts2[0].calls == 1
