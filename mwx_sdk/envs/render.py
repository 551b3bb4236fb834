"""Off-screen rendering of H1 scenes, and mp4 / GIF recording with text overlays.

Rendering goes through ``mujoco.Renderer``. Headless machines select the OpenGL backend with
the ``MUJOCO_GL`` environment variable *before* mujoco is imported: ``egl`` (Debian package
``libegl1``) or ``osmesa`` (``libosmesa6``). :class:`SceneRenderer` turns a failed context
creation into an error that says exactly that.

Recorders stream: :class:`VideoRecorder` hands each frame to an ffmpeg process and
:class:`GifRecorder` to imageio's GIF writer as it arrives, so memory stays flat however long
the episode. Both write a hidden temporary file beside the target and rename it over the target
at :meth:`~VideoRecorder.close`; an error (or :meth:`~VideoRecorder.abort`) removes the
temporary file and leaves any previous target untouched. The target's folder is checked for
writability when the recorder is built, so a bad path fails before the episode runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..fileio import atomic_path, check_writable

GL_HELP = (
    "could not create an OpenGL context for MuJoCo rendering (MUJOCO_GL={gl!r}): {err}. "
    "On a headless machine set MUJOCO_GL=egl (needs the Debian package libegl1) or "
    "MUJOCO_GL=osmesa (needs libosmesa6) before Python imports mujoco, e.g. "
    "`apt-get install -y libegl1 && MUJOCO_GL=egl python ...`."
)

#: Default size of recorded videos (``mwx run``, evaluation videos).
VIDEO_WIDTH, VIDEO_HEIGHT = 640, 480


class RenderError(RuntimeError):
    """No usable OpenGL backend for off-screen rendering."""


class SceneRenderer:
    """RGB frames of a model from a fixed camera or a camera tracking a body.

    The tracking camera follows ``track_body`` (the pelvis) at a fixed distance and angle, and
    the scene's shadow-casting lights follow it horizontally, so the robot keeps a crisp shadow
    wherever it walks: a fixed light's shadow map covers only the floor around its own position.

    Args:
        model: the ``mujoco.MjModel``.
        width: image width in pixels (at most the model's offscreen buffer width).
        height: image height in pixels.
        camera: fixed camera name or id; ``None`` tracks ``track_body``.
        track_body: body followed by the tracking camera.
        distance: tracking camera distance (m).
        elevation: tracking camera elevation (degrees, negative looks down).
        azimuth: tracking camera azimuth (degrees).
        shadow_clip: ``model.vis.map.shadowclip`` for this renderer when tracking (the shadow
            map's half-size in units of the model extent); a small one keeps shadows sharp and
            free of the grazing-angle speckles a large one leaves on a distant floor. ``None``
            keeps the model's value.

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
        distance: float = 3.5,
        elevation: float = -20.0,
        azimuth: float = 150.0,
        shadow_clip: float | None = 1.0,
    ) -> None:
        import mujoco

        if width <= 0 or height <= 0:
            raise ValueError(f"render size must be positive, got {width}x{height}")
        if width > model.vis.global_.offwidth or height > model.vis.global_.offheight:
            # the offscreen buffer is part of the model; grow it rather than fail
            model.vis.global_.offwidth = max(width, model.vis.global_.offwidth)
            model.vis.global_.offheight = max(height, model.vis.global_.offheight)
        self.model = model
        self._track = -1
        if camera is None:
            body = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, track_body)
            if body < 0:
                raise ValueError(f"no body named {track_body!r} to track; pass camera= or track_body=")
            cam = mujoco.MjvCamera()
            cam.type = mujoco.mjtCamera.mjCAMERA_TRACKING
            cam.trackbodyid = body
            cam.distance, cam.elevation, cam.azimuth = distance, elevation, azimuth
            cam.lookat[:] = (0.0, 0.0, 0.9)
            self.camera: Any = cam
            self._track = body
        else:
            if isinstance(camera, str) and mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, camera) < 0:
                raise ValueError(f"the model has no camera named {camera!r}")
            self.camera = camera
        # the context copies shadowclip when it is created, so the model keeps its own value
        clip = model.vis.map.shadowclip
        if shadow_clip is not None and self._track >= 0:
            model.vis.map.shadowclip = float(shadow_clip)
        try:
            self._renderer = mujoco.Renderer(model, height=height, width=width)
        except Exception as exc:  # backend-specific errors: AttributeError, RuntimeError, GLError...
            raise RenderError(GL_HELP.format(gl=os.environ.get("MUJOCO_GL"), err=f"{type(exc).__name__}: {exc}")) from exc
        finally:
            model.vis.map.shadowclip = clip

    def render(self, data: Any) -> np.ndarray:
        """``(height, width, 3)`` uint8 frame of ``data`` (its kinematics must be current)."""
        r = self._renderer
        r.update_scene(data, camera=self.camera)
        if self._track >= 0:
            x, y = data.xpos[self._track, :2]
            scn = r.scene
            for j in range(scn.nlight):
                light = scn.lights[j]
                if light.castshadow and not light.headlight:
                    light.pos[0] += x
                    light.pos[1] += y
        return r.render()

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


def _fit_line(draw: Any, font: Any, text: str, width: int) -> str:
    """``text`` cut (with an ellipsis) to at most ``width`` pixels."""
    if width <= 0 or draw.textlength(text, font=font) <= width:
        return text
    lo, hi = 0, len(text)  # the longest prefix that fits, by bisection
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if draw.textlength(text[:mid] + "…", font=font) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


def overlay_text(frame: np.ndarray, lines: Sequence[str], origin: tuple[int, int] = (4, 4)) -> np.ndarray:
    """Draw text lines (white on a dark box) onto a copy of an RGB frame.

    The lines may come from model replies (sub-goal descriptions), so each is cleaned first
    (:func:`mwx_sdk.textsafe.for_overlay`: escape sequences, control and bidi characters
    removed, newlines folded) and cut to the frame's width; lines that would fall below the
    frame are dropped. Uses Pillow's built-in font (Pillow ships with matplotlib, the
    ``[plot]`` extra).

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
    from ..textsafe import for_overlay

    img = Image.fromarray(np.ascontiguousarray(frame))
    draw = ImageDraw.Draw(img)
    try:  # text grows with the frame (a 640x480 video gets 13 px)
        font = ImageFont.load_default(size=max(10, round(img.height / 36)))
    except (TypeError, ImportError, OSError):  # Pillow < 10.1 or no FreeType: the one bitmap size
        font = ImageFont.load_default()
    x, y = origin
    room = img.width - x - 4
    for raw in lines:
        # a glyph is at least ~5 px wide, which bounds the work on a long line before fitting it
        line = _fit_line(draw, font, for_overlay(raw, max(room // 5, 1)), room)
        if not line:
            continue
        box = draw.textbbox((x, y), line, font=font)
        if box[3] > img.height:
            break
        draw.rectangle((box[0] - 2, box[1] - 1, box[2] + 2, box[3] + 1), fill=(0, 0, 0))
        draw.text((x, y), line, fill=(255, 255, 255), font=font)
        y = box[3] + 3
    return np.asarray(img)


def _check_frame(frame: Any, first: tuple[int, ...] | None) -> np.ndarray:
    frame = np.asarray(frame)
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"frames must be (H, W, 3) RGB arrays, got shape {frame.shape}")
    if first is not None and frame.shape != first:
        raise ValueError(f"frame shape {frame.shape} differs from the first frame {first}")
    if frame.dtype != np.uint8:
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    return frame


class _StreamRecorder:
    """Frames streamed to an imageio writer on a temporary file, renamed over ``path`` at close.

    Subclasses set ``SUFFIX`` and implement :meth:`_open_writer` and :meth:`_prepare`.
    """

    SUFFIX = ""

    def __init__(self, path: str | os.PathLike, fps: int) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() != self.SUFFIX:
            raise ValueError(f"{type(self).__name__} path must end in {self.SUFFIX}, got {self.path}")
        if not fps or fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        check_writable(self.path)
        self.fps = int(fps)
        #: frames handed to the encoder so far
        self.frames_written = 0
        self._shape: tuple[int, ...] | None = None
        self._atomic: Any = None
        self._tmp: Path | None = None
        self._writer: Any = None
        self._committed = False

    def _open_writer(self, tmp: Path) -> Any:
        raise NotImplementedError

    def _check_output(self, tmp: Path) -> None:
        """Raise when the finished temporary file is not a valid file of its kind."""

    def _prepare(self, frame: np.ndarray, lines: Sequence[str] | None) -> np.ndarray | None:
        """The frame to encode (``None`` skips it)."""
        raise NotImplementedError

    def add(self, frame: np.ndarray, lines: Sequence[str] | None = None) -> None:
        """Encode an ``(H, W, 3)`` uint8 frame, with ``lines`` of text drawn on it."""
        frame = _check_frame(frame, self._shape)
        self._shape = frame.shape
        out = self._prepare(frame, lines)
        if out is None:
            return
        try:
            if self._writer is None:
                self._atomic = atomic_path(self.path)
                self._tmp = self._atomic.__enter__()
                self._writer = self._open_writer(self._tmp)
            self._writer.append_data(out)
        except BaseException:
            self.abort()
            raise
        self.frames_written += 1

    def close(self) -> Path | None:
        """Finish the file and move it into place; returns its path (``None`` if no frame came).

        Closing again (e.g. after the ``with`` block closed it) returns the same answer.
        """
        if self._writer is None:
            return self.path if self._committed else None
        writer, atomic = self._writer, self._atomic
        self._writer = self._atomic = None
        try:
            writer.close()
            self._check_output(self._tmp)
        except BaseException as exc:
            atomic.__exit__(type(exc), exc, exc.__traceback__)  # removes the temporary file
            raise
        atomic.__exit__(None, None, None)  # fsync, then rename over the target
        self._committed = True
        return self.path

    def abort(self) -> None:
        """Stop without writing: the temporary file is removed, the target left as it was."""
        writer, atomic = self._writer, self._atomic
        self._writer = self._atomic = None
        if writer is not None:
            try:
                writer.close()
            except Exception:  # noqa: BLE001, S110 - the file is being thrown away
                pass
        if atomic is not None:
            err = RuntimeError("recording aborted")
            atomic.__exit__(RuntimeError, err, None)

    def __enter__(self) -> _StreamRecorder:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.abort()

    def __del__(self) -> None:
        # a recorder dropped without close() (an exception in the caller) leaves no temp file
        try:
            self.abort()
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown: modules may be gone already
            pass


class VideoRecorder(_StreamRecorder):
    """Stream frames into an H.264 mp4, written atomically (temp file beside it, then rename).

    Each frame goes straight to an ffmpeg process (imageio-ffmpeg), so the recorder holds no
    frames. Use as a context manager (an exception aborts) or call :meth:`close` / :meth:`abort`.

    Args:
        path: output ``.mp4`` path; its folder must be writable (checked here).
        fps: frames per second (the H1 tasks run at 50 Hz).
        quality: imageio's ffmpeg quality, 0-10.

    Raises:
        ValueError: a path not ending in ``.mp4`` or a non-positive fps.
        OSError: the path cannot be written (the message names it).
    """

    SUFFIX = ".mp4"

    def __init__(self, path: str | os.PathLike, fps: int = 50, *, quality: float = 7) -> None:
        super().__init__(path, fps)
        self.quality = quality

    def _open_writer(self, tmp: Path) -> Any:
        import imageio.v2 as imageio

        # macro_block_size=1 keeps odd frame sizes instead of resizing them
        return imageio.get_writer(
            tmp, format="FFMPEG", mode="I", fps=self.fps, codec="libx264", macro_block_size=1, quality=self.quality
        )

    def _prepare(self, frame: np.ndarray, lines: Sequence[str] | None) -> np.ndarray:
        # H.264 in yuv420p needs even sizes: an odd last row or column is dropped
        h, w = frame.shape[:2]
        frame = frame[: h - h % 2, : w - w % 2]
        return overlay_text(frame, lines) if lines else frame

    def _check_output(self, tmp: Path) -> None:
        # imageio-ffmpeg does not report a failed encode (ffmpeg's messages go to stderr): an
        # mp4 that does not start with its 'ftyp' box means there is no video
        with open(tmp, "rb") as fh:
            head = fh.read(8)
        if head[4:8] != b"ftyp":
            raise RuntimeError(f"ffmpeg could not encode {self.path} (see its messages above); nothing was written")


class GifRecorder(_StreamRecorder):
    """Stream a small animated GIF: every ``every``-th frame, downscaled to ``width`` pixels.

    Frames are shrunk before the text is drawn, so overlays stay legible. The GIF plays at
    ``fps / every`` frames per second (real time) and loops. Written atomically like
    :class:`VideoRecorder`.

    Args:
        path: output ``.gif`` path; its folder must be writable (checked here).
        fps: rate at which frames are added (the H1 tasks: 50).
        every: keep one frame in ``every``; ``None`` picks the one giving about 16 frames/s.
        width: GIF width in pixels (frames narrower than this keep their size).

    Raises:
        ValueError: a path not ending in ``.gif``, a non-positive fps, every or width.
        OSError: the path cannot be written (the message names it).
    """

    SUFFIX = ".gif"

    def __init__(self, path: str | os.PathLike, fps: int = 50, *, every: int | None = None, width: int = 320) -> None:
        super().__init__(path, fps)
        self.every = max(1, round(self.fps / 16)) if every is None else int(every)
        if self.every < 1 or int(width) < 1:
            raise ValueError(f"every and width must be >= 1, got every={every}, width={width}")
        self.width = int(width)
        self._seen = 0

    def _open_writer(self, tmp: Path) -> Any:
        import imageio.v2 as imageio

        # GIF-PIL is imageio's streaming GIF writer (one frame encoded per call); its palette
        # size is left at 256 and subrectangles off, the combination it writes correctly
        return imageio.get_writer(
            tmp, format="GIF-PIL", mode="I", duration=self.every / self.fps, loop=0, subrectangles=False
        )

    def wants_frame(self) -> bool:
        """Whether the next :meth:`add` keeps its frame (a caller may skip rendering otherwise)."""
        return self._seen % self.every == 0

    def add(self, frame: np.ndarray | None, lines: Sequence[str] | None = None) -> None:
        """Count a frame and encode it when it is one of every ``every``; ``None`` may stand in
        for a frame that :meth:`wants_frame` said would be skipped."""
        keep = self.wants_frame()
        if not keep:
            self._seen += 1
            return
        if frame is None:
            raise ValueError("GifRecorder.add needs a frame when wants_frame() is true")
        super().add(frame, lines)
        self._seen += 1

    def _prepare(self, frame: np.ndarray, lines: Sequence[str] | None) -> np.ndarray:
        small = downscale(frame, self.width)
        return overlay_text(small, lines) if lines else small


def downscale(frame: np.ndarray, width: int) -> np.ndarray:
    """``frame`` resized to ``width`` pixels wide (aspect kept, box filter); narrower ones as they are."""
    h, w = frame.shape[:2]
    if w <= width:
        return frame
    from PIL import Image

    height = max(1, round(h * width / w))
    return np.asarray(Image.fromarray(np.ascontiguousarray(frame)).resize((width, height), Image.Resampling.BOX))


def write_gif(
    path: str | os.PathLike,
    frames: Iterable[np.ndarray],
    fps: int = 50,
    *,
    every: int | None = None,
    width: int = 320,
) -> Path | None:
    """Write frames (any iterable, e.g. a generator: nothing is kept) as a small looping GIF.

    Args:
        path: output ``.gif``; written atomically.
        frames: ``(H, W, 3)`` uint8 frames at ``fps``.
        fps: their rate.
        every: keep one frame in ``every`` (see :class:`GifRecorder`).
        width: GIF width in pixels.

    Returns:
        The path, or ``None`` when ``frames`` was empty.
    """
    rec = GifRecorder(path, fps, every=every, width=width)
    try:
        for f in frames:
            rec.add(f)
    except BaseException:
        rec.abort()
        raise
    return rec.close()
