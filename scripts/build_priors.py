#!/usr/bin/env python
"""Regenerate every motion prior shipped with the bundled skills from the CMU BVH clips.

    python scripts/build_priors.py [--cmu ../shared/motion/cmu] [--only walk,run] [--out skills]

Each recipe names its source clip, the time window (seconds after the T-pose frame is dropped),
and how the retargeted clip is edited (loop closing, still pose, segments). The figures printed
at the end are the clips' quality metrics (see mwx_sdk.motion.quality).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mwx_sdk.motion.bvh import load_bvh
from mwx_sdk.motion.clip import Clip
from mwx_sdk.motion.editing import find_loop, make_loop, still_clip
from mwx_sdk.motion.retarget import RetargetConfig, retarget

FPS = 50.0


def _window(human, start_s: float, stop_s: float | None):
    a = int(round(start_s * human.fps))
    b = None if stop_s is None else int(round(stop_s * human.fps))
    return human.frames(a, b)


def _secs(pairs: dict[str, tuple[float, float]], n: int) -> dict[str, tuple[int, int]]:
    return {k: (int(round(a * FPS)), min(n, int(round(b * FPS)))) for k, (a, b) in pairs.items()}


def _forward_speed(clip: Clip) -> float:
    d = clip.root_pos[-1, :2] - clip.root_pos[0, :2]
    return float(np.linalg.norm(d) / max(clip.duration - 1.0 / clip.fps, 1e-6))


def build_walk(cmu: Path) -> Clip:
    full = retarget(load_bvh(cmu / "07_01.bvh"), RetargetConfig(fps=FPS))
    a, b, dist = find_loop(full, min_duration=0.9, max_duration=1.6)
    clip = make_loop(full, a, b)
    clip.meta.update(recipe="07_01 (CMU subject 7, walk); one gait cycle found by find_loop and closed",
                     loop_distance=dist, mean_speed=_forward_speed(clip), quality=full.meta["quality"])
    return clip


def build_walk_stride(cmu: Path) -> Clip:
    full = retarget(load_bvh(cmu / "08_05.bvh"), RetargetConfig(fps=FPS))
    a, b, dist = find_loop(full, min_duration=0.9, max_duration=1.6)
    clip = make_loop(full, a, b)
    clip.meta.update(recipe="08_05 (CMU subject 8, walk/stride); one gait cycle found by find_loop and closed",
                     loop_distance=dist, mean_speed=_forward_speed(clip), quality=full.meta["quality"])
    return clip


def build_run(cmu: Path) -> Clip:
    full = retarget(load_bvh(cmu / "09_01.bvh"), RetargetConfig(fps=FPS))
    a, b, dist = find_loop(full, min_duration=0.55, max_duration=1.0)
    clip = make_loop(full, a, b)
    clip.meta.update(recipe="09_01 (CMU subject 9, run); one stride cycle found by find_loop and closed",
                     loop_distance=dist, mean_speed=_forward_speed(clip), quality=full.meta["quality"])
    return clip


def build_stand(cmu: Path) -> Clip:
    # 115_06 starts with ~0.45 s of quiet standing before the subject squats
    seg = retarget(_window(load_bvh(cmu / "115_06.bvh"), 0.0, 0.4), RetargetConfig(fps=FPS))
    clip = still_clip(seg, 0, seg.num_frames, frames=25)
    clip.meta.update(recipe="115_06 0.0-0.4 s (quiet standing before the lift), mean pose held",
                     quality=seg.meta["quality"])
    return clip


def build_sit(cmu: Path) -> Clip:
    human = _window(load_bvh(cmu / "113_15.bvh"), 1.3, 5.8)
    n = human.resample(FPS).num_frames
    segs = _secs({"sit_down": (0.0, 1.9), "seated": (1.9, 3.1), "stand_up": (3.1, 4.5)}, n)
    clip = retarget(human, RetargetConfig(fps=FPS), segments=segs)
    clip.meta.update(recipe="113_15 1.3-5.8 s (CMU subject 113, sit in chair and get up)")
    return clip


def build_carry(cmu: Path) -> Clip:
    human = _window(load_bvh(cmu / "143_10.bvh"), 1.0, 3.0)
    n = human.resample(FPS).num_frames
    segs = _secs({"pick_up": (0.0, 0.8), "carry_walk": (0.8, 2.0)}, n)
    clip = retarget(human, RetargetConfig(fps=FPS), segments=segs)
    clip.meta.update(recipe="143_10 1.0-3.0 s (CMU subject 143, walk and pick up tool box): pick up, turn, walk back")
    return clip


def build_reach(cmu: Path) -> Clip:
    human = _window(load_bvh(cmu / "115_06.bvh"), 0.3, 2.2)
    n = human.resample(FPS).num_frames
    segs = _secs({"reach_down": (0.0, 0.55), "rise": (0.55, 0.95), "reach_up": (0.95, 1.5), "lower": (1.5, 1.9)}, n)
    clip = retarget(human, RetargetConfig(fps=FPS), segments=segs)
    clip.meta.update(recipe="115_06 0.3-2.2 s (CMU subject 115, picking a box up): hands down to the floor, then up to chest height")
    return clip


# skill -> (file name in the skill package, builder)
RECIPES = {
    "stand": ("prior.npz", build_stand),
    "walk": ("prior.npz", build_walk),
    "walk_stride": ("prior_stride.npz", build_walk_stride),
    "run": ("prior.npz", build_run),
    "sit": ("prior.npz", build_sit),
    "carry": ("prior.npz", build_carry),
    "reach": ("prior.npz", build_reach),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cmu", type=Path, default=REPO.parent / "shared" / "motion" / "cmu")
    ap.add_argument("--out", type=Path, default=REPO / "skills")
    ap.add_argument("--only", default="", help="comma-separated skills (default: all)")
    args = ap.parse_args(argv)
    if not args.cmu.is_dir():
        print(f"no CMU BVH folder at {args.cmu}; pass --cmu", file=sys.stderr)
        return 2
    names = [n for n in args.only.split(",") if n] or list(RECIPES)
    unknown = sorted(set(names) - set(RECIPES))
    if unknown:
        print(f"unknown skill(s) {unknown}; choose from {sorted(RECIPES)}", file=sys.stderr)
        return 2
    for name in names:
        filename, build = RECIPES[name]
        clip = build(args.cmu)
        path = clip.save(args.out / name.split("_")[0] / filename)
        q = clip.meta.get("quality", {})
        keep = ("keypoint_error_mean", "sliding_mean", "foot_penetration_max", "joint_limit_violation_max")
        print(f"{name:6s} {clip.num_frames:4d} frames {clip.duration:5.2f} s loop={clip.loop!s:5s} "
              f"{path.stat().st_size / 1024:6.1f} KiB  " + json.dumps({k: round(q[k], 4) for k in keep if k in q}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
