"""Episode videos for evaluation reports, via :mod:`mwx_sdk.envs.render`.

Frames are rendered off-screen (``MUJOCO_GL=egl`` or ``osmesa`` on headless machines) every
few control steps to hit ``fps``, with the step, the reward so far and the expert weights drawn
on them, from the camera that tracks the pelvis; :class:`~mwx_sdk.envs.render.VideoRecorder`
streams them to the encoder and moves the finished mp4 into place atomically at the end.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["EpisodeVideo"]


class EpisodeVideo:
    """Record an env's episode to an mp4.

    The destination's folder is checked for writability here, before the episode runs.

    Args:
        env: a MuJoCo-backed env (its ``unwrapped`` has ``model`` and ``data``).
        path: destination ``.mp4``.
        dt: control period of the env (s).
        fps: frame rate of the video.
        width: frame width in pixels.
        height: frame height in pixels.
    """

    def __init__(self, env: Any, path: str | os.PathLike, *, dt: float = 0.02, fps: int = 25,
                 width: int = 640, height: int = 480) -> None:
        os.environ.setdefault("MUJOCO_GL", "egl")
        from mwx_sdk.envs.render import SceneRenderer, VideoRecorder

        base = env.unwrapped
        self._data = base.data
        self._video = VideoRecorder(path, fps=fps)
        self._renderer = SceneRenderer(base.model, width=width, height=height)
        self._every = max(1, round(1.0 / (fps * dt)))
        self._tick = 0

    @property
    def frames(self) -> int:
        """Frames encoded so far."""
        return self._video.frames_written

    def capture(self, step: int = 0, ret: float = 0.0, names: Sequence[str] = (),
                weights: np.ndarray | None = None) -> None:
        """Render the current state when it falls on a frame boundary, with a text overlay."""
        if self._tick % self._every == 0:
            lines = [f"step {step}  return {ret:.1f}"]
            if weights is not None and len(names) == len(weights) and np.isfinite(weights).all():
                lines.append("  ".join(f"{n} {w:.2f}" for n, w in zip(names, weights)))
            self._video.add(self._renderer.render(self._data), lines)
        self._tick += 1

    def close(self) -> Path | None:
        """Write the file (atomically) and free the renderer; returns the path."""
        try:
            return self._video.close()
        finally:
            self._renderer.close()

    def abort(self) -> None:
        """Drop the recording (the temporary file is removed) and free the renderer."""
        try:
            self._video.abort()
        finally:
            self._renderer.close()
