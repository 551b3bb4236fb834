"""The litellm backend against hostile replies and a leaky provider, over real loopback HTTP.

Every mode must end, within seconds, in a parsed plan with safe text or in the documented offline
fallback with a warning, and no API key may reach a warning, captured output or a cache file.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "semantic"))
from loopback import ChatServer

from mwx_sdk.interfaces import ExpertSpec

pytest.importorskip("litellm", reason="needs the vlm extra: pip install 'mwx-sdk[vlm]'")

# no "sk-" prefix: only the value found in the environment can redact it
SECRET = "test-DO-NOT-LEAK-4242-hostile"
KEY_ENV = "MWX_HOSTILE_KEY"
EXPERTS = [
    ExpertSpec("stand", "Stand upright and still.", "h1", 19),
    ExpertSpec("walk", "Walk forward to a target.", "h1", 19),
    ExpertSpec("sit", "Sit down on a chair.", "h1", 19),
]
PREDICATES = ["standing", "near(chair)", "seated"]
# endpoint variables litellm reads when no api_base is configured
ENDPOINT_VARS = ("OPENAI_API_BASE", "OPENAI_BASE_URL")


def _reply(description: str, **scores: float) -> str:
    scores = scores or {"walk": 1.0, "stand": 0.1}
    return json.dumps({"subgoals": [{"description": description, "scores": scores, "predicate": None}]})


@pytest.fixture
def server():
    with ChatServer() as s:
        s.content = _reply("walk")
        yield s


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


@pytest.fixture
def make(server, cache_dir, monkeypatch):
    monkeypatch.setenv(KEY_ENV, SECRET)
    for name in ENDPOINT_VARS:
        monkeypatch.delenv(name, raising=False)
    from mwx_plugins.vlm_litellm import LiteLLMBackend

    def build(**kw):
        cfg = {"model": "openai/test-model", "api_base": server.api_base, "api_key_env": KEY_ENV,
               "cache_dir": str(cache_dir), "timeout": 5.0, "retries": 0, "backoff": 0.01,
               "fallback": "lexical", "vision": False}
        cfg.update(kw)
        return LiteLLMBackend(**cfg)

    return build


def _plan(backend, instruction="walk forward"):
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        plan = backend.interpret(instruction, EXPERTS, predicates=PREDICATES)
    assert time.perf_counter() - t0 < 20.0
    return plan, [str(w.message) for w in rec]


def _cache_text(cache_dir: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in cache_dir.rglob("*") if p.is_file())


def _no_secret(*texts: str) -> None:
    for t in texts:
        assert SECRET not in t, "the API key leaked"


def test_markup_and_escape_codes_are_kept_out_of_the_plan_text(server, make, cache_dir, capfd):
    server.content = _reply("[/] [bold red]boom[/] \x1b[2J\x1b]0;pwned\x07 sit\r\x00 down")
    plan, msgs = _plan(make())
    desc = plan.subgoals[0].description
    assert plan.backend.startswith("litellm") and desc == "[/] [bold red]boom[/] sit down"
    entry = _cache_text(cache_dir)
    assert "\\u001b" not in entry and "\x1b" not in entry and "pwned" not in entry
    again, _ = _plan(make())  # a later run replays the validated plan
    assert len(server.requests) == 1 and again.subgoals[0].description == desc
    _no_secret(*msgs, *capfd.readouterr())


def test_a_5mb_reply_is_refused_before_parsing_and_caching(server, make, cache_dir):
    server.content = _reply("x" * 5_000_000)
    t0 = time.perf_counter()
    plan, msgs = _plan(make(retries=1))
    assert time.perf_counter() - t0 < 10.0
    assert plan.backend == "lexical" and len(server.requests) == 2
    assert any("above max_reply_bytes=65536" in m and "planning offline" in m for m in msgs), msgs
    assert all(len(m) < 2000 for m in msgs)
    assert not cache_dir.exists() or not list(cache_dir.iterdir())


@pytest.mark.parametrize("content", ["[" * 100_000, "[" * 60_000, '{"subgoals": ' + "[" * 60_000])
def test_deep_nesting_falls_back_instead_of_raising(server, make, content):
    server.content = content
    backend = make(max_reply_bytes=200_000)  # let 100,000 brackets reach the parser
    plan, msgs = _plan(backend)  # raised RecursionError out of the retry loop
    assert plan.backend == "lexical" and backend.fallbacks == 1
    assert any("deep" in m and "planning offline" in m for m in msgs), msgs


def test_all_negative_scores_warn(server, make):
    server.content = _reply("??", walk=-0.5, stand=-1.0, sit=-2.0)
    plan, msgs = _plan(make())
    assert plan.backend.startswith("litellm")
    assert np.allclose(list(plan.subgoals[0].weights.values()), 1 / 3)
    assert any("no positive score" in m and "same weight" in m for m in msgs), msgs


def test_a_reply_echoing_the_key_is_redacted_and_not_cached(server, make, cache_dir, capfd):
    server.mode = "echo_auth_reply"
    server.content = _reply("walk; your key is {key}")
    plan, msgs = _plan(make())
    assert server.headers[0]["authorization"] == f"Bearer {SECRET}"  # the key did go out
    assert plan.subgoals[0].description == "walk; your key is ***"
    _no_secret(plan.raw or "", repr(plan), *msgs, *capfd.readouterr())
    assert any("not cached" in m for m in msgs), msgs
    assert not cache_dir.exists() or not list(cache_dir.iterdir())
    _plan(make())
    assert len(server.requests) == 2  # nothing was replayed


def test_provider_error_echoing_the_default_key_is_redacted(server, make, cache_dir, monkeypatch, capfd):
    # the documented default: no api_key_env, litellm reads OPENAI_API_KEY itself
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.delenv(KEY_ENV)
    server.mode = "echo_auth_error"
    plan, msgs = _plan(make(api_key_env=None))
    assert server.headers[0]["authorization"] == f"Bearer {SECRET}"
    assert plan.backend == "lexical"
    assert any("planning offline" in m and "***" in m for m in msgs), msgs
    out, err = capfd.readouterr()
    _no_secret(*msgs, out, err, _cache_text(cache_dir))


@pytest.mark.parametrize("var", ENDPOINT_VARS)
def test_an_endpoint_from_the_environment_is_part_of_the_cache_key(make, monkeypatch, var):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with ChatServer() as one, ChatServer() as two:
        one.content = _reply("walk", walk=1.0)
        two.content = _reply("sit", sit=1.0)
        monkeypatch.setenv(var, one.api_base)
        first, _ = _plan(make(api_base=None, api_key_env=None))
        monkeypatch.setenv(var, two.api_base)
        second, _ = _plan(make(api_base=None, api_key_env=None))
        assert len(one.requests) == 1 and len(two.requests) == 1, "one server's plan was replayed for another"
        assert first.subgoals[0].lead == "walk" and second.subgoals[0].lead == "sit"
        _plan(make(api_base=None, api_key_env=None))
        assert len(two.requests) == 1  # same endpoint: served from the cache


def test_only_the_validated_plan_is_cached(server, make, cache_dir):
    server.content = ("Here you go!\n```json\n"
                      + _reply("walk", walk=0.9, fly=1.0, stand=float("nan"))
                      + "\n```\nAnything else?")
    _plan(make())
    entries = list(cache_dir.glob("*.json"))
    assert len(entries) == 1
    stored = json.loads(json.loads(entries[0].read_text())["response"])
    assert list(stored) == ["subgoals"] and "fly" not in json.dumps(stored)
    assert stored["subgoals"][0]["description"] == "walk"


def test_a_raw_reply_cached_by_an_older_version_is_not_replayed(server, make, cache_dir):
    backend = make()
    _plan(backend)
    (entry,) = cache_dir.glob("*.json")
    old = {"version": 1, "key": entry.stem, "model": "openai/test-model", "created": 0,
           "response": _reply("[/] poisoned \x1b[2J")}
    entry.write_text(json.dumps(old))
    plan, _ = _plan(make())
    assert len(server.requests) == 2 and plan.subgoals[0].description == "walk"


def test_max_reply_bytes_is_validated():
    from mwx_plugins.vlm_litellm import LiteLLMConfig

    with pytest.raises(ValueError, match="max_reply_bytes"):
        LiteLLMConfig(max_reply_bytes=10)
