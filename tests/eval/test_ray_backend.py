"""The Ray backend gives exactly the local backend's numbers for the same seeds."""

from __future__ import annotations

import json

import pytest

from mwx_sdk.eval.backends import run_many
from mwx_sdk.eval.episode import TIMING_KEYS
from mwx_sdk.eval.spec import AgentSpec, EnvSpec, EpisodeSpec

ray = pytest.importorskip("ray", reason="the Ray backend needs the [ray] extra")


def _spec(seed: int) -> EpisodeSpec:
    return EpisodeSpec(env=EnvSpec(factory="eval_fakes:make_h1"), agent=AgentSpec(factory="eval_fakes:scripted_agent"),
                       seed=seed, steps=25, tags={"task": "stand", "method": "scripted"})


def test_ray_matches_local_exactly():
    specs = [_spec(0), _spec(1)]
    local = run_many(specs, workers=1)
    try:
        remote = run_many(specs, workers=1, backend="ray")
    finally:
        ray.shutdown()
    for a, b in zip(local, remote):
        keys = (set(a) | set(b)) - set(TIMING_KEYS)
        diff = {k: (a.get(k), b.get(k)) for k in keys
                if json.dumps(a.get(k), sort_keys=True) != json.dumps(b.get(k), sort_keys=True) and k != "trace"}
        assert diff == {}
        assert a["trace"] == b["trace"]
        assert a["return"] == b["return"]  # exact, not approximate
