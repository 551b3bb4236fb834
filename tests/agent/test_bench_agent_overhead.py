"""bench/agent_overhead.py: agents timed through the one episode loop, episode after episode."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "agent_overhead.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_agent_overhead", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_step_times_count_the_asked_steps_across_episodes():
    import mwx_sdk

    bench = _bench()
    env = mwx_sdk.make_env("mwx/h1-walk-v0", max_episode_steps=7)
    times = bench._step_times(bench._Hold(), env, "stand still", 20, warm=3)
    env.close()
    # 23 steps over episodes of at most 7: warm-up skipped, exactly 20 timed
    assert times.n == 20 and times.warm == 0 and times.env_s > 0 and times.agent_s >= 0


def test_main_prints_the_overhead(capsys):
    _bench().main(["--steps", "30"])
    out = capsys.readouterr().out
    assert "agent own, 1 sub-goal" in out and "agent overhead" in out
