"""Clip editing: find and close gait loops, hold a still pose, time-reverse.

Used by the prior builder to turn retargeted captures into clips an expert can play forever
(walk and run cycles) or hold (standing).
"""

from __future__ import annotations

import numpy as np

from .clip import Clip
from .rotations import quat_from_yaw, quat_mul, quat_normalize, quat_yaw

__all__ = ["find_loop", "make_loop", "reverse_clip", "still_clip"]


def _pose_distance(clip: Clip, a: int, b: int) -> float:
    dq = clip.joint_pos[a] - clip.joint_pos[b]
    dv = (clip.joint_vel[a] - clip.joint_vel[b]) / 10.0
    dz = clip.root_pos[a, 2] - clip.root_pos[b, 2]
    return float(np.sqrt(np.mean(dq**2) + np.mean(dv**2) + dz**2))


def find_loop(clip: Clip, min_duration: float, max_duration: float | None = None) -> tuple[int, int, float]:
    """Frames ``[start, stop)`` whose ends match best, so that frame ``stop`` ~ frame ``start``.

    Args:
        clip: the clip to search.
        min_duration: shortest loop (s), e.g. one gait cycle.
        max_duration: longest loop (s); the whole clip by default.

    Returns:
        ``(start, stop, distance)``; distance is an RMS mix of joint position (rad), joint
        velocity (rad/s / 10) and root height (m) differences between frames start and stop.
    """
    n = clip.num_frames
    lo = int(np.ceil(min_duration * clip.fps))
    hi = n - 1 if max_duration is None else min(n - 1, int(max_duration * clip.fps))
    if lo > hi:
        raise ValueError(f"clip of {clip.duration:.2f} s has no loop of at least {min_duration} s")
    best = (0, lo, np.inf)
    for a in range(n - lo):
        for b in range(a + lo, min(a + hi, n - 1) + 1):
            d = _pose_distance(clip, a, b)
            if d < best[2]:
                best = (a, b, d)
    return best


def make_loop(clip: Clip, start: int, stop: int, blend_frames: int = 5) -> Clip:
    """Frames ``[start, stop)`` as a looping clip whose end flows into its start.

    The joint mismatch between frame ``stop`` and frame ``start`` is spread linearly over the
    last ``blend_frames`` frames; the root keeps its motion (each replay continues from where
    the previous one ended), so the clip's joint trajectories are continuous when wrapped.
    """
    out = clip.slice(start, stop, loop=True)
    jp = out.joint_pos.copy()
    mismatch = clip.joint_pos[stop] - clip.joint_pos[start] if stop < clip.num_frames else 0.0
    k = max(1, min(blend_frames, len(jp) - 1))
    w = np.zeros(len(jp))
    # the virtual frame after the last one is frame `stop`; shifting it by the full mismatch
    # makes it equal to frame `start`, so the ramp reaches k/(k+1) on the last stored frame
    w[-k:] = np.arange(1, k + 1) / (k + 1)
    jp -= w[:, None] * mismatch
    return Clip(
        robot=out.robot, joint_names=out.joint_names, fps=out.fps, root_pos=out.root_pos,
        root_quat=out.root_quat, joint_pos=jp, contacts=out.contacts, loop=True, segments=out.segments,
        joint_range=out.joint_range, keypoint_names=out.keypoint_names, keypoints=out.keypoints,
        source=out.source, license=out.license, meta=dict(out.meta, loop_frames=[int(start), int(stop)]),
    )


def still_clip(clip: Clip, start: int, stop: int, frames: int = 25) -> Clip:
    """A looping clip that holds the mean pose of frames ``[start, stop)``.

    The root is placed at the origin facing +x at the mean height; contacts are both feet.
    """
    sl = slice(start, stop)
    jp = clip.joint_pos[sl].mean(axis=0)
    z = clip.root_pos[sl, 2].mean()
    q = quat_normalize(clip.root_quat[sl].mean(axis=0))
    q = quat_mul(quat_from_yaw(-quat_yaw(q)), q)  # keep the pelvis tilt, drop its heading
    kp = None
    if clip.keypoints is not None:
        kp = clip.keypoints[sl].mean(axis=0)
        root = clip.root_pos[sl].mean(axis=0)
        yaw = quat_yaw(clip.root_quat[sl].mean(axis=0))
        c, s = np.cos(-yaw), np.sin(-yaw)
        rz = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
        kp = (kp - [root[0], root[1], 0.0]) @ rz.T
        kp = np.repeat(kp[None], frames, axis=0)
    return Clip(
        robot=clip.robot, joint_names=clip.joint_names, fps=clip.fps,
        root_pos=np.repeat([[0.0, 0.0, z]], frames, axis=0), root_quat=np.repeat(q[None], frames, axis=0),
        joint_pos=np.repeat(jp[None], frames, axis=0), contacts=np.ones((frames, 2), dtype=bool), loop=True,
        joint_range=clip.joint_range, keypoint_names=clip.keypoint_names, keypoints=kp,
        source=clip.source, license=clip.license, meta=dict(clip.meta, still_frames=[int(start), int(stop)]),
    )


def reverse_clip(clip: Clip) -> Clip:
    """The clip played backwards (e.g. a stand-up capture turned into sitting down)."""
    segs = {k: (clip.num_frames - b, clip.num_frames - a) for k, (a, b) in clip.segments.items()}
    return Clip(
        robot=clip.robot, joint_names=clip.joint_names, fps=clip.fps, root_pos=clip.root_pos[::-1],
        root_quat=clip.root_quat[::-1], joint_pos=clip.joint_pos[::-1], contacts=clip.contacts[::-1],
        loop=clip.loop, segments=segs, joint_range=clip.joint_range, keypoint_names=clip.keypoint_names,
        keypoints=None if clip.keypoints is None else clip.keypoints[::-1], source=clip.source,
        license=clip.license, meta=dict(clip.meta, reversed=True),
    )

