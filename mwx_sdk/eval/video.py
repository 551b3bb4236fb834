"""Episode videos for evaluation reports (headless MuJoCo rendering, mp4 via imageio-ffmpeg).

Frames are rendered every few control steps to hit ``fps`` and streamed to a temporary mp4 in
the destination folder, which replaces the destination only when the episode ends, so an
interrupted run never leaves a truncated video under the final name.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["EpisodeVideo"]


class EpisodeVideo:
    """Record an env's episode to an mp4.

    Args:
        env: a MuJoCo-backed env (its ``unwrapped`` has ``model`` and ``data``).
        path: destination ``.mp4``.
        dt: control period of the env (s).
        fps: frame rate of the video.
        width: frame width in pixels.
        height: frame height in pixels.
    """

    def __init__(self, env: Any, path: str | os.PathLike, *, dt: float = 0.02, fps: int = 25,
                 width: int = 480, height: int = 360) -> None:
        os.environ.setdefault("MUJOCO_GL", "egl")
        import imageio.v2 as imageio
        import mujoco

        base = env.unwrapped
        self._data = base.data
        model = base.model
        # The offscreen buffer must be at least the frame size.
        model.vis.global_.offwidth = max(int(model.vis.global_.offwidth), width)
        model.vis.global_.offheight = max(int(model.vis.global_.offheight), height)
        self._renderer = mujoco.Renderer(model, height=height, width=width)
        self._camera = mujoco.MjvCamera()
        self._camera.type = mujoco.mjtCamera.mjCAMERA_TRACKING
        body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "pelvis")
        self._camera.trackbodyid = body if body >= 0 else 0
        self._camera.distance = 4.0
        self._camera.elevation = -15.0
        self._camera.azimuth = 135.0
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".mp4", dir=self.path.parent)
        os.close(fd)
        self._writer = imageio.get_writer(self._tmp, fps=fps, codec="libx264", quality=6, macro_block_size=8)
        self._every = max(1, round(1.0 / (fps * dt)))
        self._tick = 0
        self.frames = 0

    def capture(self) -> None:
        """Render the current state when it falls on a frame boundary."""
        if self._tick % self._every == 0:
            self._renderer.update_scene(self._data, camera=self._camera)
            self._writer.append_data(self._renderer.render())
            self.frames += 1
        self._tick += 1

    def close(self) -> Path:
        """Finish the file and move it into place; returns the final path."""
        self._writer.close()
        self._renderer.close()
        os.replace(self._tmp, self.path)
        return self.path
