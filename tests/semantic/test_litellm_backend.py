"""The litellm backend through real HTTP against a loopback OpenAI-compatible server."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from loopback import ChatServer

from mwx_sdk.interfaces import ExpertSpec

pytest.importorskip("litellm", reason="needs the vlm extra: pip install 'mwx-sdk[vlm]'")

KEY_ENV = "MWX_TEST_LLM_KEY"
SECRET = "sk-test-DO-NOT-LEAK-4242"
EXPERTS = [
    ExpertSpec("stand", "Stand upright and still.", "h1", 19),
    ExpertSpec("walk", "Walk forward to a target.", "h1", 19),
    ExpertSpec("sit", "Sit down on a chair.", "h1", 19),
    ExpertSpec("run", "Run forward fast.", "h1", 19),
]
PREDICATES = ["standing", "near(chair)", "seated"]
GOOD = (
    "Sure! Here is the plan:\n```json\n"
    '{"subgoals": [\n'
    ' {"description": "walk to the chair", "scores": {"walk": 0.9, "stand": 0.2, "sit": 0.3, "run": 0.1},'
    ' "predicate": "near(chair)"},\n'
    ' {"description": "sit down", "scores": {"sit": 1.0, "stand": 0.1}, "predicate": "seated"},\n'
    "]}\n```\nLet me know if you need anything else."
)


@pytest.fixture
def server():
    with ChatServer() as s:
        s.content = GOOD
        yield s


@pytest.fixture
def backend_factory(tmp_path, monkeypatch, server):
    monkeypatch.setenv(KEY_ENV, SECRET)
    from mwx_plugins.vlm_litellm import LiteLLMBackend

    def make(**kw):
        cfg = dict(
            model="openai/test-model",
            api_base=server.api_base,
            api_key_env=KEY_ENV,
            cache_dir=str(tmp_path / "cache"),
            timeout=5.0,
            retries=1,
            backoff=0.01,
            fallback="lexical",
            vision=False,
        )
        cfg.update(kw)
        return LiteLLMBackend(**cfg)

    return make


def _plan(backend, instruction="walk to the chair and sit down", **kw):
    return backend.interpret(instruction, EXPERTS, predicates=PREDICATES, **kw)


def test_plan_over_http_parsed_with_tau_softmax(server, backend_factory):
    plan = _plan(backend_factory())
    assert plan.backend == "litellm:openai/test-model"
    assert [s.predicate for s in plan.subgoals] == ["near(chair)", "seated"]
    assert [s.lead for s in plan.subgoals] == ["walk", "sit"]
    s = np.array([0.2, 0.9, 0.3, 0.1])  # stand, walk, sit, run
    expect = np.exp(s / 0.3) / np.exp(s / 0.3).sum()
    assert np.allclose([plan.subgoals[0].weights[n] for n in ("stand", "walk", "sit", "run")], expect)
    body = server.requests[0]
    assert body["model"] == "test-model" and body["temperature"] == 0.0
    prompt = json.dumps(body["messages"])
    for needle in ("walk to the chair and sit down", "Sit down on a chair.", "near(chair)", "JSON"):
        assert needle in prompt
    assert server.headers[0].get("authorization") == f"Bearer {SECRET}"
    assert "response_format" not in body
    _plan(backend_factory(json_mode=True, cache=False))
    assert server.requests[-1]["response_format"] == {"type": "json_object"}


def test_cache_hit_sends_one_request_and_never_stores_the_key(server, backend_factory, tmp_path):
    first = _plan(backend_factory())
    second = _plan(backend_factory())  # a new backend: only the disk cache is shared
    assert len(server.requests) == 1
    assert [s.weights for s in first.subgoals] == [s.weights for s in second.subgoals]
    files = list((tmp_path / "cache").glob("*.json"))
    assert len(files) == 1
    for f in files:
        assert SECRET not in f.read_text()
    _plan(backend_factory(), state={"speed": 0.5})  # a different prompt is a different entry
    assert len(server.requests) == 2


def test_state_and_image_reach_the_prompt(server, backend_factory):
    img = np.zeros((8, 8, 3), np.uint8)
    img[2:5, 2:5] = 255
    _plan(backend_factory(vision=True, cache=False), image=img, state={"head_height": 1.61, "task": "sit_simple"})
    msgs = server.requests[-1]["messages"]
    parts = msgs[1]["content"]
    assert isinstance(parts, list)
    urls = [p["image_url"]["url"] for p in parts if p.get("type") == "image_url"]
    assert urls and urls[0].startswith("data:image/png;base64,")
    assert "head_height: 1.610" in parts[0]["text"]
    _plan(backend_factory(vision=False, cache=False), image=img)
    assert isinstance(server.requests[-1]["messages"][1]["content"], str)


def test_retry_after_a_server_error_then_success(server, backend_factory):
    server.fail_first = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # success on retry must not warn
        plan = _plan(backend_factory(retries=2))
    assert len(server.requests) == 2 and plan.backend.startswith("litellm")


@pytest.mark.parametrize("mode", ["http500", "timeout", "empty_choices", "not_json"])
def test_persistent_failures_fall_back_offline(server, backend_factory, mode):
    server.mode = mode
    server.delay = 2.0
    backend = backend_factory(retries=1, timeout=0.5)
    with pytest.warns(UserWarning, match="planning offline with 'lexical'") as rec:
        plan = _plan(backend)
    assert all(SECRET not in str(w.message) for w in rec), "the API key leaked into a warning"
    assert plan.backend == "lexical"
    assert [s.lead for s in plan.subgoals] == ["walk", "sit"]
    assert len(server.requests) == 2  # first attempt + one retry
    assert backend.fallbacks == 1


def test_malformed_output_falls_back(server, backend_factory):
    server.content = "I think the robot should walk, then sit. Scores: walk high, sit high."
    with pytest.warns(UserWarning, match="no JSON object"):
        plan = _plan(backend_factory(retries=0))
    assert plan.backend == "lexical"


def test_unknown_experts_and_bad_scores_are_dropped(server, backend_factory):
    server.content = json.dumps(
        {
            "subgoals": [
                {
                    "description": "go",
                    "scores": {"fly": 1.0, "walk": float("nan"), "stand": -3, "sit": "high", "run": 0.8},
                    "predicate": "teleported",
                }
            ]
        }
    )
    with pytest.warns(UserWarning) as rec:
        plan = _plan(backend_factory())
    text = " ".join(str(w.message) for w in rec)
    assert "unknown expert" in text and "fly" in text
    assert "NaN or non-numeric" in text
    assert "teleported" in text
    sg = plan.subgoals[0]
    assert sg.lead == "run" and sg.predicate is None
    assert sg.scores["stand"] == 0.0 and sg.scores["walk"] == 0.0
    assert all(np.isfinite(v) and v >= 0 for v in sg.weights.values())


def test_missing_key_falls_back_and_names_the_variable(server, backend_factory, monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    with pytest.warns(UserWarning, match=KEY_ENV):
        plan = _plan(backend_factory(retries=0))
    assert plan.backend == "lexical" and not server.requests


def test_missing_key_falls_back_without_backoff(server, backend_factory, monkeypatch):
    import mwx_plugins.vlm_litellm as mod

    slept: list[float] = []
    monkeypatch.setattr(mod.time, "sleep", slept.append)
    monkeypatch.delenv(KEY_ENV)
    backend = backend_factory(retries=3, backoff=5.0)
    with pytest.warns(UserWarning, match=rf"after 0 attempt\(s\): environment variable {KEY_ENV} is not set"):
        plan = _plan(backend)
    assert plan.backend == "lexical" and not server.requests and not slept
    assert backend.requests == 0 and backend.fallbacks == 1


def test_an_episode_survives_a_failing_server(server, backend_factory):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agent"))
    from fakes import ConstantExpert, RecordingPlanner, ToyEnv
    from mwx_plugins.routers import FusionRouter

    from mwx_sdk.agent import Agent, AgentConfig

    server.mode = "http500"
    experts = [ConstantExpert(n, v) for n, v in (("stand", 0.0), ("walk", 1.0))]
    agent = Agent(experts, FusionRouter(), RecordingPlanner(), backend_factory(retries=0), AgentConfig(replan_every=3))
    env = ToyEnv()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agent.reset("walk forward", env)
        obs = env.reset()
        for _ in range(7):
            obs = env.step(agent.act(obs))
    assert len(agent.history) == 7 and agent.plan.backend == "lexical"
    assert agent.plan.subgoals[0].lead == "walk"
