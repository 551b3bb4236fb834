"""TD-MPC2 speed: act() latency and update() rate at the 1M and 5M sizes (obs 51, act 19).

Settings match the official TD-MPC2 defaults: latent MPPI with horizon 3, 6 iterations, 512
samples, 64 elites, 24 policy trajectories; batch 256; compile off; non-episodic (the official
default). The reference figures were measured with the official code on this 2-core CPU.
A shared, loaded machine makes wall-clock figures slower; the "cpu" columns divide by the CPU
time this process was given (``time.process_time``), which contention affects far less. With
one thread, CPU time is what the wall clock would read on an idle core. "warm s" is the time of
the first 3 act() and 2 update() calls, excluded from the rates (with --compile it is mostly
compilation).

    python bench/learner.py [--sizes 1 5] [--acts 20] [--updates 10] [--threads 0] [--episodic]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

OFFICIAL = {1: {"params": 1.25e6, "act_ms": 240.0, "updates_per_s": 5.45},
            5: {"params": 5.0e6, "act_ms": 714.0, "updates_per_s": 1.75}}


def measure(size: int, acts: int, updates: int, threads: int, episodic: bool, compile_: bool,
            plan_dtype: str = "float32") -> dict:
    import torch

    from mwx_sdk.learn.tdmpc2 import TDMPC2Agent, TDMPC2Config
    from mwx_sdk.learn.tdmpc2.layers import param_count

    cfg = TDMPC2Config(obs_dim=51, action_dim=19, model_size=size, episodic=episodic, device="cpu",
                       threads=threads, compile=compile_, plan_dtype=plan_dtype)
    agent = TDMPC2Agent(cfg)
    rng = np.random.default_rng(0)
    obs = rng.standard_normal(51).astype(np.float32)
    a_ref = rng.uniform(-1, 1, 19).astype(np.float32)
    # warm-up (kernel caches; with --compile, the compilation) is timed apart from the rates
    warm = time.perf_counter()
    for i in range(3):
        agent.act(obs, a_ref, t0=i == 0)
    warm_act = time.perf_counter() - warm
    lat, cpu = [], []
    for _ in range(acts):
        t, c = time.perf_counter(), time.process_time()
        agent.act(obs, a_ref)
        lat.append((time.perf_counter() - t) * 1e3)
        cpu.append((time.process_time() - c) * 1e3)
    H, B = cfg.horizon, cfg.batch_size
    batch = {
        "obs": torch.randn(H + 1, B, 51), "action": torch.rand(H, B, 19) * 2 - 1, "reward": torch.randn(H, B, 1),
        "terminated": torch.zeros(H, B, 1), "a_ref": torch.rand(H, B, 19) * 2 - 1, "ref_mask": torch.ones(H, B, 1),
        "imitation": torch.zeros(H, B, 1),
    }
    warm = time.perf_counter()
    for _ in range(2):
        agent.update(batch)
    warm_update = time.perf_counter() - warm
    t, c = time.perf_counter(), time.process_time()
    for _ in range(updates):
        agent.update(batch)
    ups = updates / (time.perf_counter() - t)
    ups_cpu = updates / (time.process_time() - c)
    return {"size": size, "params": param_count(agent.model), "act_ms": statistics.median(lat),
            "act_cpu_ms": statistics.median(cpu), "updates_per_s": ups, "updates_per_cpu_s": ups_cpu,
            "threads": torch.get_num_threads(), "warm_s": warm_act + warm_update}


def neural_rate(path: str, calls: int = 5000) -> tuple[float, float]:
    """act() calls per second (wall, CPU) of a neural expert loaded from ``path``."""
    from mwx_skills.neural import _make

    from mwx_sdk.interfaces import StepContext
    from mwx_sdk.learn.mlp_policy import load_mlp

    skill = load_mlp(path).cfg.skill or "stand"
    expert = _make(skill)(weights=path)
    ctx = StepContext()
    expert.reset(ctx)
    obs = np.random.default_rng(0).standard_normal(expert.net.cfg.obs_dim)
    for _ in range(100):
        expert.act(obs, ctx)
    t, c = time.perf_counter(), time.process_time()
    for _ in range(calls):
        expert.act(obs, ctx)
    return calls / (time.perf_counter() - t), calls / max(time.process_time() - c, 1e-9)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="*", default=[1, 5])
    p.add_argument("--acts", type=int, default=20)
    p.add_argument("--updates", type=int, default=10)
    p.add_argument("--threads", type=int, default=0, help="0: the agent's automatic choice")
    p.add_argument("--episodic", action="store_true", help="with the termination head (mwx default)")
    p.add_argument("--compile", action="store_true")
    p.add_argument("--plan-dtype", default="float32", choices=("float32", "bfloat16"))
    p.add_argument("--neural", default=None, help="also time a neural expert's act() from this weights folder")
    a = p.parse_args(argv)
    if a.neural:
        wall, cpu = neural_rate(a.neural)
        print(f"neural expert {a.neural}: {wall:,.0f} act()/s wall, {cpu:,.0f} per CPU-second")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU cores {os.cpu_count()}, load average {load:.1f} (figures degrade with load); "
          f"planning in {a.plan_dtype}")
    head = f"{'size':>4} {'params':>9} {'thr':>3} | {'act ms':>8} {'cpu ms':>7} {'official':>8} {'x':>5} {'x cpu':>5} | " \
           f"{'upd/s':>6} {'/cpu-s':>6} {'official':>8} {'x':>5} {'x cpu':>5} | {'warm s':>6}"
    print(head)
    print("-" * len(head))
    for size in a.sizes:
        r = measure(size, a.acts, a.updates, a.threads, a.episodic, a.compile, a.plan_dtype)
        o = OFFICIAL.get(size, {})
        oa, ou = o.get("act_ms", float("nan")), o.get("updates_per_s", float("nan"))
        print(f"{size:>3}M {r['params']:>9,d} {r['threads']:>3} | {r['act_ms']:>8.1f} {r['act_cpu_ms']:>7.1f} {oa:>8.0f} "
              f"{oa / r['act_ms']:>5.2f} {oa / r['act_cpu_ms']:>5.2f} | {r['updates_per_s']:>6.2f} "
              f"{r['updates_per_cpu_s']:>6.2f} {ou:>8.2f} {r['updates_per_s'] / ou:>5.2f} "
              f"{r['updates_per_cpu_s'] / ou:>5.2f} | {r['warm_s']:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
