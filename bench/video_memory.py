"""Resident memory of ``mwx run`` while it records a video: the same env, agent, episode loop and
recorders as ``mwx run --video`` (``mwx_cli.run._RunView``), with the process's resident set size
read from ``/proc/self/status`` after chosen control steps.

    python bench/video_memory.py [--env mwx/h1-stand-v0] [--steps 1000] [--width 640 --height 480]

Prints RSS at step 100 and at the last step, the growth between them and the peak (Linux
``VmHWM``), and writes the figures as JSON (``--out``). The stand task never ends early, so
the episode records every step.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status (Linux only)")


class _Memory:
    """Episode callback: RSS after each control step listed in ``at`` (and after the last)."""

    def __init__(self, at: set[int]) -> None:
        self.at, self.rss_mb = at, {}

    def on_start(self, env, agent, obs, plan) -> None:
        self.rss_mb["start"] = _status_kb("VmRSS") / 1024

    def on_step(self, step) -> None:
        if step.index + 1 in self.at:
            self.rss_mb[step.index + 1] = _status_kb("VmRSS") / 1024

    def on_end(self, outcome) -> None:
        self.rss_mb[outcome.steps] = _status_kb("VmRSS") / 1024


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--env", default="mwx/h1-stand-v0")
    ap.add_argument("--instruction", default="stand still and keep your balance")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("bench_video_memory.json"))
    args = ap.parse_args(argv)
    os.environ.setdefault("MUJOCO_GL", "egl")
    from rich.console import Console

    import mwx_sdk
    from mwx_cli.run import EpisodeResult, _RunView
    from mwx_sdk.episode import run_agent_episode

    env = mwx_sdk.make_env(args.env, render_mode="rgb_array", width=args.width, height=args.height)
    agent = mwx_sdk.compose(env=env, config={"seed": args.seed})
    mem = _Memory({100, args.steps})
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "run.mp4"
        result = EpisodeResult(env_id=args.env, instruction=args.instruction, experts=agent.expert_names)
        view = _RunView(env, agent.expert_names, Console(stderr=True), False, video, None, result)
        t0 = time.perf_counter()
        with view:
            outcome = run_agent_episode(env, agent, args.instruction, seed=args.seed, steps=args.steps,
                                        callbacks=[view, mem])
        path = view.recorder.close()
        size_mb = path.stat().st_size / 2**20
        wall = time.perf_counter() - t0
    last = outcome.steps
    out = {
        "env": args.env, "steps": last, "resolution": [args.width, args.height],
        "rss_mb": {str(k): round(v, 1) for k, v in mem.rss_mb.items()},
        "growth_mb_100_to_last": round(mem.rss_mb[last] - mem.rss_mb[100], 1) if 100 in mem.rss_mb else None,
        "peak_rss_mb": round(_status_kb("VmHWM") / 1024, 1),
        "video_mb": round(size_mb, 2), "wall_s": round(wall, 1), "fell": outcome.terminated,
    }
    print(f"{args.env} {last} steps at {args.width}x{args.height}: RSS {mem.rss_mb.get(100, float('nan')):.1f} MB "
          f"at step 100, {mem.rss_mb[last]:.1f} MB at step {last} (growth {out['growth_mb_100_to_last']} MB), "
          f"peak {out['peak_rss_mb']} MB; video {size_mb:.2f} MB; {wall:.0f} s")
    args.out.write_text(json.dumps(out, indent=2))
    env.close()
    return out


if __name__ == "__main__":
    main()
