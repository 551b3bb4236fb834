"""Plan parsing, prompt building and the response cache (no network)."""

from __future__ import annotations

import contextlib
import json
import os

import numpy as np
import pytest

from mwx_sdk.interfaces import ExpertSpec
from mwx_sdk.semantic import PlanParseError, ResponseCache, build_messages, parse_plan, scores_to_weights
from mwx_sdk.semantic.cache import cache_key, default_cache_dir

NAMES = ["stand", "walk", "sit"]


def test_tau_softmax():
    w = scores_to_weights(np.array([1.0, 0.0, 0.0]), 0.3)
    assert np.isclose(w[0] / w[1], np.exp(1 / 0.3))
    assert np.isclose(w.sum(), 1)
    assert np.allclose(scores_to_weights(np.array([1000.0, 0.0]), 0.3), [1, 0])  # stable
    with pytest.raises(ValueError, match="positive"):
        scores_to_weights(np.ones(2), 0)


@pytest.mark.parametrize(
    "text",
    [
        '{"subgoals": [{"description": "walk", "scores": {"walk": 1, "stand": 0}}]}',
        'Here you go:\n```json\n{"subgoals": [{"description": "walk", "scores": {"walk": 1, "stand": 0,},},]}\n```',
        '```\n[{"description": "walk", "scores": {"Walk": "1.0", "stand": 0}}]\n```',
        'prefix {"not": "it"} then {"description": "walk", "weights": {"walk": 10, "stand": 0}}',
    ],
)
def test_parse_tolerates_fences_prose_and_variants(text):
    plan = parse_plan(text, "walk", NAMES)
    assert plan.subgoals[0].lead == "walk"
    assert np.isclose(sum(plan.subgoals[0].weights.values()), 1)


def test_parse_scales_scores_above_one():
    a = parse_plan('{"subgoals":[{"scores":{"walk":10,"stand":5}}]}', "x", NAMES)
    b = parse_plan('{"subgoals":[{"scores":{"walk":1,"stand":0.5}}]}', "x", NAMES)
    assert a.subgoals[0].weights == pytest.approx(b.subgoals[0].weights)


@pytest.mark.parametrize(
    "text", ["", "no json here", '{"subgoals": []}', '{"subgoals": [{"scores": {"fly": 1}}]}', '{"subgoals": [{"scores": {"walk": NaN}}]}']
)
def test_parse_errors(text):
    warns = pytest.warns(UserWarning) if "fly" in text or "NaN" in text else contextlib.nullcontext()
    with warns, pytest.raises(PlanParseError):
        parse_plan(text, "x", NAMES)


def test_prompt_contents_and_errors():
    experts = [ExpertSpec("walk", "Walk   forward.\nSteadily.", "h1", 19, tags=("locomotion",))]
    msgs = build_messages("walk to the chair", experts, ["near(chair)"], {"speed": 0.12345, "ok": True})
    assert msgs[0]["role"] == "system" and "JSON" in msgs[0]["content"]
    user = msgs[1]["content"]
    assert "- walk: Walk forward. Steadily. [tags: locomotion]" in user
    assert "near(chair)" in user and "speed: 0.123" in user and "ok: true" in user
    with pytest.raises(ValueError, match="instruction is empty"):
        build_messages(" ", experts)
    with pytest.raises(ValueError, match="no experts"):
        build_messages("walk", [])


def test_cache_is_atomic_json(tmp_path, monkeypatch):
    monkeypatch.setenv("MWX_CACHE_DIR", str(tmp_path / "root"))
    assert default_cache_dir() == tmp_path / "root" / "vlm"
    cache = ResponseCache()
    key = cache_key("m", [{"role": "user", "content": "hi"}], None, temperature=0)
    assert cache.get(key) is None
    path = cache.put(key, "m", "answer")
    assert json.loads(path.read_text())["response"] == "answer"
    assert cache.get(key) == "answer" and len(cache) == 1
    assert os.listdir(cache.directory) == [path.name]  # no temporary file left behind
    path.write_text("{broken")
    assert cache.get(key) is None
    assert key != cache_key("m", [{"role": "user", "content": "hi"}], "img", temperature=0)
    with pytest.raises(ValueError, match="hex digest"):
        cache.get("../etc/passwd")
