"""Kinematic replay videos of motion priors (no physics: the clip's poses are set directly).

:func:`render_prior_video` takes a :class:`~mwx_sdk.motion.clip.Clip`, a clip file or a
:class:`~mwx_sdk.motion.expert.MotionPriorExpert` (whose phase settings, e.g. a one-shot end
time or playback speed, are honoured) and writes an mp4. Headless machines need
``MUJOCO_GL=egl`` (or ``osmesa``) set before mujoco is imported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .clip import Clip, load_clip

__all__ = ["render_prior_video", "replay_frames"]


def _clip_and_times(source: Any, seconds: float | None, fps: float) -> tuple[Clip, np.ndarray, str]:
    from .expert import MotionPriorExpert

    if isinstance(source, MotionPriorExpert):
        from ..interfaces import StepContext

        clip = source.clip
        dt = 1.0 / fps
        n = int(round((seconds if seconds is not None else _default_seconds(clip, source)) * fps))
        ctx = StepContext(step=0, dt=dt)
        source.reset(ctx)
        times = []
        for i in range(max(n, 1)):
            ctx.step = i
            times.append(source.phase_time(ctx))
        return clip, np.array(times), source.spec.name
    clip = source if isinstance(source, Clip) else load_clip(Path(source))
    total = seconds if seconds is not None else clip.duration * (2 if clip.loop else 1)
    n = max(1, int(round(total * fps)))
    return clip, np.arange(n) / fps, clip.source or "clip"


def _default_seconds(clip: Clip, expert: Any) -> float:
    if expert.loop:
        return 2.0 * clip.duration / max(expert.config.speed, 1e-6)
    end = expert.config.end_time if expert.config.end_time is not None else clip.duration
    return (end - expert.config.start_time) / max(expert.config.speed, 1e-6) + 0.5


def replay_frames(clip: Clip, times: np.ndarray) -> np.ndarray:
    """``(len(times), 7 + J)`` qpos of the clip at ``times``; a looping clip keeps moving forward.

    Each pass through a looping clip continues from where the previous pass ended (the root
    displacement per cycle is added), so walking cycles travel instead of jumping back.
    """
    s = clip.sample(times)
    root = s["root_pos"].copy()
    if clip.loop and clip.num_frames > 1:
        cycles = np.floor(np.asarray(times) * clip.fps / clip.num_frames)
        step = clip.root_pos[-1] - clip.root_pos[0] + clip.root_lin_vel[-1] / clip.fps
        step[2] = 0.0
        root += cycles[:, None] * step
    return np.concatenate([root, s["root_quat"], s["joint_pos"]], axis=1)


def render_prior_video(
    expert_or_clip: Any,
    path: str | os.PathLike,
    *,
    seconds: float | None = None,
    fps: float = 50.0,
    width: int = 480,
    height: int = 360,
    model_path: str | os.PathLike | None = None,
    camera: str | None = None,
    caption: bool = True,
) -> Path:
    """Write an mp4 of the robot replaying a motion prior kinematically.

    Args:
        expert_or_clip: a ``MotionPriorExpert``, a ``Clip`` or a clip file path.
        path: output ``.mp4`` path (written atomically).
        seconds: length of the video; default two loops, or the one-shot motion plus 0.5 s.
        fps: video frame rate.
        width, height: frame size in pixels.
        model_path: robot scene XML; default :func:`~mwx_sdk.motion.robots.robot_model_path`.
        camera: a named model camera; default a camera tracking the pelvis.
        caption: draw the prior's name and time on the frames (needs Pillow; skipped without).

    Returns:
        The path written.
    """
    import mujoco

    from ..envs.render import SceneRenderer, VideoRecorder
    from .robots import robot_model_path

    path = Path(path)
    if path.suffix.lower() != ".mp4":
        raise ValueError(f"video path must end in .mp4, got {path}")
    clip, times, label = _clip_and_times(expert_or_clip, seconds, fps)
    model = mujoco.MjModel.from_xml_path(str(model_path or robot_model_path(clip.robot)))
    # large shadow maps dominate software (llvmpipe) rendering time and add little to a replay
    model.vis.quality.shadowsize = min(int(model.vis.quality.shadowsize), 1024)
    data = mujoco.MjData(model)
    jadr = []
    for n in clip.joint_names:
        jid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, n)
        if jid < 0:
            raise ValueError(f"the robot model has no joint {n!r} named by the clip")
        jadr.append(int(model.jnt_qposadr[jid]))
    qpos = replay_frames(clip, times)
    renderer = SceneRenderer(model, width, height, camera=camera)
    rec = VideoRecorder(path, fps=int(round(fps)))
    try:
        for t, q in zip(times, qpos):
            data.qpos[:7] = q[:7]
            data.qpos[jadr] = q[7:]
            mujoco.mj_forward(model, data)
            frame = renderer.render(data)
            if caption:
                try:
                    rec.add(frame, [f"{label}  t={t:5.2f} s"])
                    continue
                except ImportError:  # no Pillow: the rest of the video goes without captions
                    caption = False
            rec.add(frame)
    finally:
        renderer.close()
    rec.close()
    return path
