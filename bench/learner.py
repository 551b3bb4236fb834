"""TD-MPC2 speed: act() and update() of this implementation next to the official one
(nicklashansen/tdmpc2), measured side by side in one process.

Settings match the official defaults: latent MPPI with horizon 3, 6 iterations, 512 samples, 64
elites, 24 policy trajectories; batch 256; compile off; non-episodic (``--episodic`` gives both a
termination head); observation 51, action 19 (the H1 tasks). Both agents are built at the same
model size and timed in alternating rounds (``--rounds``, the order flipping every round) on the
same inputs, call by call in alternation, so a machine whose load changes during the run slows
both alike. Each call is
timed in CPU time (``time.process_time``: what the process was given, which contention affects
far less than the wall clock) and wall-clock time; the table gives medians over all timed calls
and the official/ours ratio of the CPU medians. The first act() and update() calls of each
agent are warm-up and not timed.

The official code is not part of mwx. Point ``--official`` (or ``MWX_TDMPC2_OFFICIAL``) at a
checkout -- the folder holding ``tdmpc2/tdmpc2.py`` -- with ``tensordict`` importable (for
example ``pip install --target DIR tensordict pyvers`` and ``PYTHONPATH=DIR``). The official code
pins its tensors to ``cuda:0`` and its Adam to ``capturable=True`` (a CUDA-graph feature); the
bench loads those two modules with ``cuda:0`` read as ``cpu`` and ``capturable=False`` (and
without the world model's ``.to(device)``, a no-op on the CPU that fails in newer tensordict
versions on the Q ensemble's meta-device template), and calls
the agent's ``act`` and ``_update`` (``update`` minus the buffer sampling and the CUDA-graph step
marker). Without it, only this implementation is timed and a line says why. Process-wide
settings that this implementation makes (malloc's trim threshold, the torch thread count) apply
to both.

    python bench/learner.py [--sizes 1 5] [--rounds 5] [--acts 4] [--updates 4] [--threads 1]
        [--official PATH] [--episodic] [--neural WEIGHTS_DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
import types
from pathlib import Path
from typing import Any

import numpy as np

OBS, ACT = 51, 19


class OfficialUnavailable(RuntimeError):
    """The official TD-MPC2 code cannot be loaded; the message says why and what to do."""


def _official_src(path: str) -> Path:
    root = Path(path).expanduser()
    for src in (root / "tdmpc2", root):
        if (src / "tdmpc2.py").is_file() and (src / "common" / "world_model.py").is_file():
            return src
    raise OfficialUnavailable(f"{path} holds no official TD-MPC2 checkout (no tdmpc2/tdmpc2.py and tdmpc2/common/)")


def load_official(path: str) -> types.ModuleType:
    """The official ``tdmpc2`` module, loaded from the checkout at ``path`` to run on the CPU."""
    src = _official_src(path)
    try:
        import tensordict  # noqa: F401
    except ImportError:
        raise OfficialUnavailable(
            "the official TD-MPC2 needs tensordict: pip install --target DIR tensordict pyvers and set PYTHONPATH=DIR"
        ) from None
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    import common  # the official package of that name

    def load(name: str, file: Path) -> types.ModuleType:
        code = file.read_text()
        for cuda, cpu in (("torch.device('cuda:0')", "torch.device('cpu')"), ("device='cuda:0'", "device='cpu'"),
                          ("capturable=True", "capturable=False"),
                          # built on the CPU already; .to() fails on the ensemble's meta-device template
                          ("WorldModel(cfg).to(self.device)", "WorldModel(cfg)")):
            code = code.replace(cuda, cpu)
        mod = types.ModuleType(name)
        mod.__file__ = str(file)
        sys.modules[name] = mod
        exec(compile(code, str(file), "exec"), mod.__dict__)  # noqa: S102 -- the checkout the user pointed at
        return mod

    common.scale = load("common.scale", src / "common" / "scale.py")
    return load("tdmpc2_official_agent", src / "tdmpc2.py")


def official_agent(module: types.ModuleType, path: str, size: int, episodic: bool) -> Any:
    import torch
    import yaml
    from common import MODEL_SIZE

    raw = yaml.safe_load((_official_src(path) / "config.yaml").read_text())
    raw.pop("defaults", None)
    for k, v in raw.items():  # YAML 1.1 reads 3e-4 as a string; the official loader (OmegaConf) as a number
        if isinstance(v, str):
            try:
                raw[k] = float(v)
            except ValueError:
                pass
    raw.update(MODEL_SIZE[size])
    raw.update(obs="state", episodic=episodic, compile=False, multitask=False, task_dim=0, tasks=[raw["task"]],
               obs_shape={"state": (OBS,)}, action_dim=ACT, episode_length=1000,
               bin_size=(raw["vmax"] - raw["vmin"]) / (raw["num_bins"] - 1))
    fields = [(k, Any, dataclasses.field(default_factory=lambda v=v: v)) for k, v in raw.items()]
    cfg = dataclasses.make_dataclass("Config", fields)()
    cfg.get = lambda key, default=None: getattr(cfg, key, default)
    with torch.random.fork_rng():
        return module.TDMPC2(cfg)


def our_agent(size: int, episodic: bool, threads: int, fused: bool = False) -> Any:
    from mwx_sdk.learn.tdmpc2 import TDMPC2Agent, TDMPC2Config

    cfg = TDMPC2Config(obs_dim=OBS, action_dim=ACT, model_size=size, episodic=episodic, device="cpu",
                       threads=threads, guidance_lambda=0.0, fused_kernels=fused)
    return TDMPC2Agent(cfg)


def batch(horizon: int, size: int, seed: int = 0) -> dict:
    import torch

    g = torch.Generator().manual_seed(seed)
    return {
        "obs": torch.randn(horizon + 1, size, OBS, generator=g), "action": torch.rand(horizon, size, ACT, generator=g) * 2 - 1,
        "reward": torch.randn(horizon, size, 1, generator=g), "terminated": torch.zeros(horizon, size, 1),
        "a_ref": torch.zeros(horizon, size, ACT), "ref_mask": torch.zeros(horizon, size, 1),
        "imitation": torch.zeros(horizon, size, 1),
    }


class Timed:
    """act()/update() closures of one implementation and the times of its calls."""

    def __init__(self, name: str, act, update) -> None:
        self.name, self.act, self.update = name, act, update
        self.times: dict[str, list[tuple[float, float]]] = {"act": [], "update": []}

    def run(self, kind: str, n: int) -> None:
        fn = self.act if kind == "act" else self.update
        for _ in range(n):
            t, c = time.perf_counter(), time.process_time()
            fn()
            self.times[kind].append(((time.process_time() - c) * 1e3, (time.perf_counter() - t) * 1e3))

    def median(self, kind: str, wall: bool = False) -> float:
        xs = [w if wall else c for c, w in self.times[kind]]
        return statistics.median(xs) if xs else float("nan")


def compare(size: int, rounds: int, acts: int, updates: int, threads: int, episodic: bool,
            official: types.ModuleType | None, official_path: str | None, fused: bool = False) -> dict:
    import torch

    from mwx_sdk.learn.tdmpc2.layers import param_count, use_fused_kernels

    use_fused_kernels(fused)  # process-wide: as asked for this size, whatever a previous agent set
    ours = our_agent(size, episodic, threads, fused)
    torch.set_num_threads(threads)  # the same for both (the agent may have picked its own)
    b = batch(ours.cfg.horizon, ours.cfg.batch_size)
    obs = np.random.default_rng(0).standard_normal(OBS).astype(np.float32)
    impls = [Timed("ours", lambda: ours.act(obs), lambda: ours.update(b))]
    params = {"ours": param_count(ours.model)}
    if official is not None:
        off = official_agent(official, official_path, size, episodic)
        o_obs = torch.as_tensor(obs)
        o_b = (b["obs"], b["action"], b["reward"], b["terminated"])
        impls.append(Timed("official", lambda: off.act(o_obs), lambda: off._update(*o_b)))
        trained = {id(p): p for opt in (off.optim, off.pi_optim) for g in opt.param_groups for p in g["params"]}
        # its Q ensemble's template module holds meta-device copies that the optimizer skips
        params["official"] = sum(p.numel() for p in trained.values() if not p.is_meta)
    for imp in impls:  # warm-up, untimed
        imp.act()
        imp.update()
    # call by call in alternation, so a change of load hits both alike
    for r in range(rounds):
        order = impls if r % 2 == 0 else impls[::-1]
        for _ in range(acts):
            for imp in order:
                imp.run("act", 1)
        for _ in range(updates):
            for imp in order:
                imp.run("update", 1)
    out = {"size": size, "params": params, "threads": torch.get_num_threads(), "calls": {}}
    for imp in impls:
        out[imp.name] = {k: {"cpu_ms": imp.median(k), "wall_ms": imp.median(k, wall=True)} for k in ("act", "update")}
        out["calls"][imp.name] = {k: len(v) for k, v in imp.times.items()}
    return out


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
    p.add_argument("--rounds", type=int, default=5, help="rounds (the order of the two flips every round)")
    p.add_argument("--acts", type=int, default=4, help="act() calls per implementation and round")
    p.add_argument("--updates", type=int, default=4, help="update() calls per implementation and round")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads for both")
    p.add_argument("--episodic", action="store_true", help="both with a termination head (mwx's default)")
    p.add_argument("--fused", action="store_true",
                   help="ours with fused_kernels=True (Mish compiled by inductor; the first run compiles)")
    p.add_argument("--official", default=os.environ.get("MWX_TDMPC2_OFFICIAL"),
                   help="official TD-MPC2 checkout (default: $MWX_TDMPC2_OFFICIAL)")
    p.add_argument("--neural", default=None, help="also time a neural expert's act() from this weights folder")
    a = p.parse_args(argv)
    if a.neural:
        wall, cpu = neural_rate(a.neural)
        print(f"neural expert {a.neural}: {wall:,.0f} act()/s wall, {cpu:,.0f} per CPU-second")
    if not a.sizes:
        return
    official = None
    if a.official:
        try:
            official = load_official(a.official)
        except OfficialUnavailable as exc:
            print(f"official TD-MPC2 skipped: {exc}")
    else:
        print("official TD-MPC2 skipped: pass --official PATH or set MWX_TDMPC2_OFFICIAL to a checkout of "
              "nicklashansen/tdmpc2 to time it side by side")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU cores {os.cpu_count()}, load average {load:.1f}; {a.threads} thread(s); "
          f"{'fused' if a.fused else 'eager'} kernels; medians of "
          f"{a.rounds} interleaved rounds x {a.acts} act() + {a.updates} update() per implementation")
    head = (f"{'size':>4} {'params':>9} | {'act cpu ms':>10} {'official':>9} {'x':>5} {'(wall ms)':>11} | "
            f"{'upd cpu ms':>10} {'official':>9} {'x':>5} {'(wall ms)':>11}")
    print(head)
    print("-" * len(head))
    for size in a.sizes:
        r = compare(size, a.rounds, a.acts, a.updates, a.threads, a.episodic, official, a.official, a.fused)
        o, off = r["ours"], r.get("official")
        cells = []
        for k in ("act", "update"):
            if off:
                ratio = off[k]["cpu_ms"] / o[k]["cpu_ms"]
                cells.append(f"{o[k]['cpu_ms']:>10.1f} {off[k]['cpu_ms']:>9.1f} {ratio:>5.2f} "
                             f"{o[k]['wall_ms']:>5.0f}/{off[k]['wall_ms']:<5.0f}")
            else:
                cells.append(f"{o[k]['cpu_ms']:>10.1f} {'-':>9} {'-':>5} {o[k]['wall_ms']:>5.0f}/{'-':<5}")
        print(f"{size:>3}M {r['params']['ours']:>9,d} | {cells[0]} | {cells[1]}", flush=True)
        if off and r["params"]["official"] != r["params"]["ours"]:
            print(f"     (official model: {r['params']['official']:,d} parameters)")


if __name__ == "__main__":
    main()
