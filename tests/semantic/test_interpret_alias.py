"""The VLM's ``plan`` was renamed ``interpret``: the old names keep working for one release, with a warning."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from mwx_sdk.interfaces import ExpertSpec, SemanticPlan, SubGoal, VLMBackend

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agent"))
from fakes import ConstantExpert, RecordingPlanner, ScriptedBackend, ToyEnv

EXPERTS = [
    ExpertSpec("stand", "Stand upright and still.", "h1", 19),
    ExpertSpec("walk", "Walk forward to a target.", "h1", 19),
    ExpertSpec("sit", "Sit down on a chair.", "h1", 19),
]
PREDICATES = ["standing", "near(chair)", "seated"]


def _define_legacy_backend() -> type[VLMBackend]:
    # a third-party backend written before the rename: it defines plan and nothing else
    class LegacyBackend(VLMBackend):
        name = "legacy"

        def __init__(self):
            self.calls = 0

        def plan(self, instruction, experts, *, image=None, state=None, predicates=()):
            self.calls += 1
            return SemanticPlan(instruction, [SubGoal("go", {"a": 0.25, "b": 0.75})], backend=self.name)

    return LegacyBackend


LEGACY_PLUGIN = """
from mwx_sdk import hookimpl
from mwx_sdk.interfaces import SemanticPlan, SubGoal, VLMBackend


class LegacyBackend(VLMBackend):
    name = "legacy"

    def __init__(self, lead="b"):
        self.lead = lead
        self.calls = 0

    def plan(self, instruction, experts, *, image=None, state=None, predicates=()):
        self.calls += 1
        weights = {e.name: (0.75 if e.name == self.lead else 0.25) for e in experts}
        return SemanticPlan(instruction, [SubGoal("go", weights)], backend=self.name)


@hookimpl
def register_vlm_backends(register):
    register(LegacyBackend, name="legacy", description="written before the rename")
"""


def test_plugin_backend_defining_only_plan_works_through_a_composed_agent_and_warns(tmp_path, monkeypatch):
    import importlib.metadata as md

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "foundation"))
    from _dists import write_dist_info

    from mwx_sdk.agent import compose
    from mwx_sdk.plugins import PluginHost

    (tmp_path / "legacy_vlm_plugin.py").write_text(LEGACY_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "legacy_vlm_plugin", raising=False)
    write_dist_info(tmp_path, "legacy-vlm", {"legacy": "legacy_vlm_plugin"})
    (dist,) = [d for d in md.distributions(path=[str(tmp_path)]) if d.metadata["Name"] == "legacy-vlm"]
    host = PluginHost(entry_points=list(dist.entry_points), strict=True, allow=None)
    with pytest.warns(DeprecationWarning, match=r"legacy_vlm_plugin\.LegacyBackend defines VLMBackend\.plan.*"
                      r"rename the method to interpret") as rec:
        host.load()
    assert rec[0].filename.endswith("legacy_vlm_plugin.py"), "the warning must point at the plugin's class"
    backend = host.build("vlm_backend", "legacy")

    experts = [ConstantExpert("a", 1.0), ConstantExpert("b", -1.0)]
    agent = compose(experts=experts, router="semantic", planner=RecordingPlanner(), vlm=backend)
    env = ToyEnv()
    with warnings.catch_warnings():
        # the agent itself calls interpret: running it raises no further deprecation warning
        warnings.simplefilter("error", DeprecationWarning)
        plan = agent.reset("go", env)
        obs = env.reset()
        for _ in range(3):
            obs = env.step(agent.act(obs))
        agent.reinterpret("go again")
        agent.act(obs)
    assert plan.backend == "legacy" and backend.calls == 2
    assert agent.diagnostics.fused_weights.tolist() == [0.25, 0.75]


def test_plan_on_any_backend_warns_and_returns_what_interpret_returns():
    from mwx_plugins.vlm_embedding import LexicalBackend

    backend = LexicalBackend()
    want = backend.interpret("walk to the chair and sit down", EXPERTS, predicates=PREDICATES)
    with pytest.warns(DeprecationWarning, match=r"LexicalBackend\.plan is deprecated: call interpret") as rec:
        got = backend.plan("walk to the chair and sit down", EXPERTS, predicates=PREDICATES)
    assert rec[0].filename == __file__
    assert got is want  # the backend's cache: the same call, under either name

    with pytest.warns(DeprecationWarning, match="LegacyBackend"):
        legacy = _define_legacy_backend()()
    with pytest.warns(DeprecationWarning, match=r"LegacyBackend\.plan is deprecated: call interpret"):
        assert legacy.plan("go", EXPERTS).subgoals[0].weights == legacy.interpret("go", EXPERTS).subgoals[0].weights


def test_old_style_override_of_a_renamed_backend_reaches_the_parent():
    """A subclass that overrides ``plan`` and calls ``super().plan`` must not loop back into itself."""
    from mwx_plugins.vlm_embedding import LexicalBackend

    with pytest.warns(DeprecationWarning, match="OnlySit"):

        class OnlySit(LexicalBackend):
            def plan(self, instruction, experts, **kw):
                base = super().plan(instruction, experts, **kw)
                return SemanticPlan(instruction, [s for s in base.subgoals if s.lead == "sit"], backend="only-sit")

    with pytest.warns(DeprecationWarning):  # its super().plan call is the old name too
        plan = OnlySit().interpret("walk to the chair and sit down", EXPERTS, predicates=PREDICATES)
    assert plan.backend == "only-sit" and [s.lead for s in plan.subgoals] == ["sit"]


def test_backend_defining_neither_method_cannot_be_built():
    class Empty(VLMBackend):
        name = "empty"

    with pytest.raises(TypeError, match="abstract method.*interpret"):
        Empty()


def test_offline_planner_name_still_imports_and_plans():
    import mwx_sdk.semantic
    from mwx_sdk.semantic import LexicalScorer, OfflineInterpreter

    # importing the package, its star-import and the bundled backends uses no deprecated name
    code = (
        "import warnings; warnings.filterwarnings('error', r'.*\\b(OfflinePlanner|plan)\\b', DeprecationWarning)\n"
        "import mwx_sdk.semantic; from mwx_sdk.semantic import *; import mwx_plugins.vlm_embedding, mwx_plugins.vlm_litellm"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

    with pytest.warns(DeprecationWarning, match=r"mwx_sdk\.semantic\.OfflinePlanner is renamed OfflineInterpreter"):
        from mwx_sdk.semantic import OfflinePlanner
    assert OfflinePlanner is OfflineInterpreter
    with pytest.warns(DeprecationWarning, match=r"mwx_sdk\.semantic\.offline\.OfflinePlanner is renamed"):
        from mwx_sdk.semantic.offline import OfflinePlanner as FromModule
    assert FromModule is OfflineInterpreter

    old = OfflinePlanner(LexicalScorer(), backend="lexical")
    with pytest.warns(DeprecationWarning, match=r"OfflineInterpreter\.plan is deprecated: call interpret"):
        plan = old.plan("walk to the chair and sit down", EXPERTS, PREDICATES)
    assert plan == old.interpret("walk to the chair and sit down", EXPERTS, PREDICATES)
    assert [s.lead for s in plan.subgoals] == ["walk", "sit"]
    with pytest.raises(AttributeError, match="has no attribute 'OfflinePlaner'"):
        mwx_sdk.semantic.OfflinePlaner  # noqa: B018


def test_agent_replan_warns_and_reinterprets():
    from mwx_plugins.routers import SemanticRouter

    from mwx_sdk.agent import Agent

    backend = ScriptedBackend([("go", {"a": 1.0}, None)])
    agent = Agent([ConstantExpert("a", 1.0)], SemanticRouter(), RecordingPlanner(), backend)
    env = ToyEnv()
    agent.reset("go", env)
    with pytest.warns(DeprecationWarning, match="Agent.replan is deprecated: call reinterpret") as rec:
        agent.replan("go back")
    assert rec[0].filename == __file__
    agent.act(env.reset())
    assert backend.calls == 2 and agent.ctx.instruction == "go back"
