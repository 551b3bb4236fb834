"""Off-screen rendering of H1 scenes and atomic mp4 recording with text overlays.

Rendering goes through ``mujoco.Renderer``. Headless machines select the OpenGL backend with
the ``MUJOCO_GL`` environment variable *before* mujoco is imported: ``egl`` (Debian package
``libegl1``) or ``osmesa`` (``libosmesa6``). :class:`SceneRenderer` turns a failed context
creation into an error that says exactly that.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..fileio import atomic_path

GL_HELP = (
    "could not create an OpenGL context for MuJoCo rendering (MUJOCO_GL={gl!r}): {err}. "
    "On a headless machine set MUJOCO_GL=egl (needs the Debian package libegl1) or "
    "MUJOCO_GL=osmesa (needs libosmesa6) before Python imports mujoco, e.g. "
    "`apt-get install -y libegl1 && MUJOCO_GL=egl python ...`."
)


class RenderError(RuntimeError):
    """No usable OpenGL backend for off-screen rendering."""


class SceneRenderer:
    """RGB frames of a model from a fixed camera or a camera tracking a body.

    Args:
        model: the ``mujoco.MjModel``.
        width: image width in pixels (at most the model's offscreen buffer width).
        height: image height in pixels.
        camera: fixed camera name or id; ``None`` tracks ``track_body``.
        track_body: body followed by the tracking camera.
        distance: tracking camera distance (m).
        elevation: tracking camera elevation (degrees, negative looks down).
        azimuth: tracking camera azimuth (degrees).

    Raises:
        RenderError: when no OpenGL backend works (the message names the Debian packages).
    """

    def __init__(
        self,
        model: Any,
        width: int = 256,
        height: int = 256,
        camera: str | int | None = None,
        track_body: str = "pelvis",
        distance: float = 4.0,
        elevation: float = -15.0,
        azimuth: float = 150.0,
    ) -> None:
        import mujoco

        if width <= 0 or height <= 0:
            raise ValueError(f"render size must be positive, got {width}x{height}")
        if width > model.vis.global_.offwidth or height > model.vis.global_.offheight:
            # the offscreen buffer is part of the model; grow it rather than fail
            model.vis.global_.offwidth = max(width, model.vis.global_.offwidth)
            model.vis.global_.offheight = max(height, model.vis.global_.offheight)
        try:
            self._renderer = mujoco.Renderer(model, height=height, width=width)
        except Exception as exc:  # backend-specific errors: AttributeError, RuntimeError, GLError...
            raise RenderError(GL_HELP.format(gl=os.environ.get("MUJOCO_GL"), err=f"{type(exc).__name__}: {exc}")) from exc
        self.model = model
        if camera is None:
            cam = mujoco.MjvCamera()
            cam.type = mujoco.mjtCamera.mjCAMERA_TRACKING
            body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, track_body)
            if body < 0:
                raise ValueError(f"no body named {track_body!r} to track; pass camera= or track_body=")
            cam.trackbodyid = body
            cam.distance, cam.elevation, cam.azimuth = distance, elevation, azimuth
            cam.lookat[:] = (0.0, 0.0, 0.9)
            self.camera: Any = cam
        else:
            if isinstance(camera, str) and mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, camera) < 0:
                raise ValueError(f"the model has no camera named {camera!r}")
            self.camera = camera

    def render(self, data: Any) -> np.ndarray:
        """``(height, width, 3)`` uint8 frame of ``data`` (its kinematics must be current)."""
        self._renderer.update_scene(data, camera=self.camera)
        return self._renderer.render()

    def close(self) -> None:
        """Free the OpenGL context."""
        r = getattr(self, "_renderer", None)
        if r is not None:
            r.close()
            self._renderer = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown: the GL library may be gone already
            pass


def overlay_text(frame: np.ndarray, lines: Sequence[str], origin: tuple[int, int] = (4, 4)) -> np.ndarray:
    """Draw text lines (white on a dark box) onto a copy of an RGB frame.

    Uses Pillow's built-in bitmap font (Pillow ships with matplotlib, the ``[plot]`` extra).

    Args:
        frame: ``(H, W, 3)`` uint8 image.
        lines: text lines, top to bottom.
        origin: top-left pixel of the text block.

    Returns:
        A new ``(H, W, 3)`` uint8 image.
    """
    if not lines:
        return frame
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError as exc:
        raise ImportError("text overlays need Pillow: pip install pillow (or mwx-sdk[plot])") from exc
    img = Image.fromarray(np.ascontiguousarray(frame))
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    x, y = origin
    for line in lines:
        box = draw.textbbox((x, y), line, font=font)
        draw.rectangle((box[0] - 2, box[1] - 1, box[2] + 2, box[3] + 1), fill=(0, 0, 0))
        draw.text((x, y), line, fill=(255, 255, 255), font=font)
        y = box[3] + 3
    return np.asarray(img)


class VideoRecorder:
    """Collect frames and write an mp4 atomically (temp file in the same folder, then rename).

    Args:
        path: output ``.mp4`` path.
        fps: frames per second (the H1 tasks run at 50 Hz).

    Use as a context manager or call :meth:`close`; :meth:`add` takes optional text lines
    drawn onto the frame (e.g. expert weights).
    """

    def __init__(self, path: str | os.PathLike, fps: int = 50) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() != ".mp4":
            raise ValueError(f"video path must end in .mp4, got {self.path}")
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.fps = int(fps)
        self.frames: list[np.ndarray] = []

    def add(self, frame: np.ndarray, lines: Sequence[str] | None = None) -> None:
        """Append an ``(H, W, 3)`` uint8 frame, with ``lines`` of text drawn on it."""
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"frames must be (H, W, 3) RGB arrays, got shape {frame.shape}")
        if self.frames and frame.shape != self.frames[0].shape:
            raise ValueError(f"frame shape {frame.shape} differs from the first frame {self.frames[0].shape}")
        self.frames.append(overlay_text(frame, lines) if lines else frame.astype(np.uint8, copy=True))

    def close(self) -> Path | None:
        """Encode and write the video; returns its path (``None`` if no frame was added)."""
        if not self.frames:
            return None
        import imageio.v2 as imageio

        # macro_block_size=1 keeps odd frame sizes instead of resizing them
        with (
            atomic_path(self.path) as tmp,
            imageio.get_writer(tmp, fps=self.fps, codec="libx264", macro_block_size=1, quality=7) as w,
        ):
            for f in self.frames:
                w.append_data(f)
        self.frames = []
        return self.path

    def __enter__(self) -> VideoRecorder:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
