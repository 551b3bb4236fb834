"""The robot motion clip: a retargeted reference trajectory and its ``.npz`` file format.

A :class:`Clip` holds, for one robot, a root trajectory (position and wxyz quaternion), joint
position trajectories in the robot's actuator order, their time derivatives, per-foot contact
labels, named frame segments (e.g. ``sit_down``) and where the motion came from (source and
license text). Files are plain ``.npz`` archives read with ``allow_pickle=False``: every field
is a numeric or fixed-width unicode array, and free-form metadata is one JSON string.

Layout of a clip file (``format_version`` 1)::

    format_version  ()        int      1
    robot           ()        str      "h1"
    joint_names     (J,)      str      actuator order
    fps             ()        float    frames per second
    root_pos        (T, 3)    float    world position of the root body, metres, Z up
    root_quat       (T, 4)    float    world orientation of the root body, w x y z
    joint_pos       (T, J)    float    radians
    root_lin_vel    (T, 3)    float    world frame, m/s        (derived)
    root_ang_vel    (T, 3)    float    world frame, rad/s      (derived)
    joint_vel       (T, J)    float    rad/s                   (derived)
    contacts        (T, 2)    bool     left foot, right foot in contact with the ground
    loop            ()        bool     the clip may be played in a loop
    segment_names   (S,)      str      named frame ranges
    segment_bounds  (S, 2)    int      [start, stop) frame indices
    joint_range     (J, 2)    float    joint limits used while retargeting (may be empty)
    keypoint_names  (K,)      str      robot keypoints stored for analysis (may be empty)
    keypoints       (T, K, 3) float    their world positions
    source          ()        str      where the motion comes from
    license         ()        str      terms of use and acknowledgement text
    meta            ()        str      JSON object (retargeting settings, quality figures)
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..fileio import atomic_path
from .rotations import quat_normalize, quat_to_angular_velocity

__all__ = ["FORMAT_VERSION", "Clip", "ClipFormatError", "load_clip", "save_clip"]

FORMAT_VERSION = 1


class ClipFormatError(ValueError):
    """A clip file or clip object is malformed; the message says what to fix."""


@dataclass
class Clip:
    """A robot reference motion.

    Args:
        robot: robot name (``"h1"``).
        joint_names: joint names in actuator order.
        fps: frames per second.
        root_pos: ``(T, 3)`` root positions in metres.
        root_quat: ``(T, 4)`` root orientations, wxyz (normalised on construction).
        joint_pos: ``(T, J)`` joint positions in radians.
        contacts: ``(T, 2)`` booleans (left, right foot on the ground); all False if unknown.
        loop: whether the motion can be played cyclically.
        segments: name -> ``(start, stop)`` frame range.
        joint_range: ``(J, 2)`` joint limits, or ``None``.
        keypoint_names: names of stored robot keypoints.
        keypoints: ``(T, K, 3)`` keypoint positions, or ``None``.
        source: where the motion comes from.
        license: terms of use and acknowledgement text of the source data.
        meta: JSON-serialisable extra information.
        root_lin_vel, root_ang_vel, joint_vel: derived by finite differences when ``None``.
    """

    robot: str
    joint_names: tuple[str, ...]
    fps: float
    root_pos: np.ndarray
    root_quat: np.ndarray
    joint_pos: np.ndarray
    contacts: np.ndarray | None = None
    loop: bool = False
    segments: dict[str, tuple[int, int]] = field(default_factory=dict)
    joint_range: np.ndarray | None = None
    keypoint_names: tuple[str, ...] = ()
    keypoints: np.ndarray | None = None
    source: str = ""
    license: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    root_lin_vel: np.ndarray | None = None
    root_ang_vel: np.ndarray | None = None
    joint_vel: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.joint_names = tuple(str(n) for n in self.joint_names)
        self.keypoint_names = tuple(str(n) for n in self.keypoint_names)
        self.fps = float(self.fps)
        self.root_pos = np.asarray(self.root_pos, dtype=np.float64)
        self.joint_pos = np.asarray(self.joint_pos, dtype=np.float64)
        quat = np.asarray(self.root_quat, dtype=np.float64)
        if quat.ndim == 2 and quat.shape[1] == 4 and np.all(np.isfinite(quat)):
            quat = quat_normalize(quat)
        self.root_quat = quat
        t = self.root_pos.shape[0] if self.root_pos.ndim == 2 else 0
        if self.contacts is None:
            self.contacts = np.zeros((t, 2), dtype=bool)
        self.contacts = np.asarray(self.contacts, dtype=bool)
        if self.joint_range is not None:
            self.joint_range = np.asarray(self.joint_range, dtype=np.float64)
        if self.keypoints is not None:
            self.keypoints = np.asarray(self.keypoints, dtype=np.float64)
        self.segments = {str(k): (int(a), int(b)) for k, (a, b) in self.segments.items()}
        self.loop = bool(self.loop)
        _validate(self)
        dt = 1.0 / self.fps
        if self.joint_vel is None:
            self.joint_vel = _derivative(self.joint_pos, dt, self.loop)
        if self.root_lin_vel is None:
            self.root_lin_vel = _derivative(self.root_pos, dt, self.loop)
        if self.root_ang_vel is None:
            self.root_ang_vel = quat_to_angular_velocity(self.root_quat, dt)
        for name in ("joint_vel", "root_lin_vel", "root_ang_vel"):
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            setattr(self, name, arr)
        _validate_derived(self)

    # -- convenience ---------------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        return int(self.joint_pos.shape[0])

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def duration(self) -> float:
        """Length in seconds (``num_frames / fps``)."""
        return self.num_frames / self.fps

    @property
    def qpos(self) -> np.ndarray:
        """``(T, 7 + J)`` MuJoCo generalised positions: root pos, root quat, joints."""
        return np.concatenate([self.root_pos, self.root_quat, self.joint_pos], axis=1)

    def frame_position(self, time: np.ndarray | float, loop: bool | None = None) -> np.ndarray:
        """Fractional frame index of ``time`` seconds (wrapped when looping, else clamped)."""
        f = np.asarray(time, dtype=np.float64) * self.fps
        if self.loop if loop is None else loop:
            return np.mod(f, self.num_frames)
        return np.clip(f, 0.0, self.num_frames - 1)

    def sample(self, time: np.ndarray | float, loop: bool | None = None) -> dict[str, np.ndarray]:
        """Linearly interpolated ``joint_pos``, ``joint_vel``, ``root_pos``, ``root_quat`` at ``time``.

        Args:
            time: seconds from the start, scalar or array of any shape.
            loop: wrap around the end (defaults to ``self.loop``); a looping clip interpolates
                from its last frame back to its first.

        Returns:
            Arrays with ``time``'s shape followed by the field's trailing shape.
        """
        from .rotations import quat_slerp

        f = self.frame_position(time, loop)
        i0 = np.floor(f).astype(int)
        a = f - i0
        i0 = np.clip(i0, 0, self.num_frames - 1)
        i1 = (i0 + 1) % self.num_frames if (self.loop if loop is None else loop) else np.minimum(i0 + 1, self.num_frames - 1)
        out = {}
        for name in ("joint_pos", "joint_vel", "root_pos"):
            arr = getattr(self, name)
            out[name] = arr[i0] * (1 - a)[..., None] + arr[i1] * a[..., None]
        out["root_quat"] = quat_slerp(self.root_quat[i0], self.root_quat[i1], a)
        return out

    def segment(self, name: str) -> Clip:
        """A new clip holding only the frames of segment ``name`` (not looping)."""
        if name not in self.segments:
            raise KeyError(f"clip has no segment {name!r}; segments: {sorted(self.segments)}")
        a, b = self.segments[name]
        return self.slice(a, b, loop=False)

    def slice(self, start: int, stop: int, loop: bool | None = None) -> Clip:
        """Frames ``[start, stop)`` as a new clip; segments are shifted and clipped."""
        start, stop, _ = slice(start, stop).indices(self.num_frames)
        if stop - start < 2:
            raise ValueError(f"slice [{start}, {stop}) keeps fewer than 2 frames")
        segs = {}
        for k, (a, b) in self.segments.items():
            a2, b2 = max(a, start) - start, min(b, stop) - start
            if b2 > a2:
                segs[k] = (a2, b2)
        sl = slice(start, stop)
        return Clip(
            robot=self.robot,
            joint_names=self.joint_names,
            fps=self.fps,
            root_pos=self.root_pos[sl],
            root_quat=self.root_quat[sl],
            joint_pos=self.joint_pos[sl],
            contacts=self.contacts[sl],
            loop=self.loop if loop is None else loop,
            segments=segs,
            joint_range=self.joint_range,
            keypoint_names=self.keypoint_names,
            keypoints=None if self.keypoints is None else self.keypoints[sl],
            source=self.source,
            license=self.license,
            meta=dict(self.meta),
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write the clip atomically; see :func:`save_clip`."""
        return save_clip(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Clip:
        """Read and validate a clip file; see :func:`load_clip`."""
        return load_clip(path)


def _derivative(x: np.ndarray, dt: float, loop: bool) -> np.ndarray:
    if x.shape[0] < 2:
        return np.zeros_like(x)
    if loop and x.shape[0] > 2:
        # central differences that wrap: a looping clip has no first or last frame
        return (np.roll(x, -1, axis=0) - np.roll(x, 1, axis=0)) / (2 * dt)
    return np.gradient(x, dt, axis=0)


def _fail(msg: str) -> None:
    raise ClipFormatError(msg)


def _validate(c: Clip) -> None:
    if not c.robot:
        _fail("clip.robot is empty; set the robot name, e.g. 'h1'")
    if not np.isfinite(c.fps) or c.fps <= 0:
        _fail(f"clip.fps must be a positive number, got {c.fps}")
    if c.joint_pos.ndim != 2:
        _fail(f"joint_pos must be (frames, joints), got shape {c.joint_pos.shape}")
    t, j = c.joint_pos.shape
    if t < 1:
        _fail("clip has no frames")
    if j != len(c.joint_names):
        _fail(f"joint_pos has {j} columns but there are {len(c.joint_names)} joint names")
    if len(set(c.joint_names)) != len(c.joint_names):
        _fail("joint_names contains duplicates")
    expect = {"root_pos": (t, 3), "root_quat": (t, 4), "contacts": (t, 2)}
    for name, shape in expect.items():
        arr = getattr(c, name)
        if arr.shape != shape:
            _fail(f"{name} has shape {arr.shape}, expected {shape} ({t} frames)")
    for name in ("root_pos", "root_quat", "joint_pos"):
        if not np.all(np.isfinite(getattr(c, name))):
            bad = np.argwhere(~np.isfinite(getattr(c, name)))[0]
            _fail(f"{name} has a non-finite value at index {tuple(int(i) for i in bad)}")
    norms = np.linalg.norm(c.root_quat, axis=1)
    if np.any(np.abs(norms - 1) > 1e-6):
        _fail("root_quat rows must be unit quaternions (w, x, y, z)")
    if c.joint_range is not None and c.joint_range.size:
        if c.joint_range.shape != (j, 2):
            _fail(f"joint_range has shape {c.joint_range.shape}, expected ({j}, 2)")
        if np.any(c.joint_range[:, 0] > c.joint_range[:, 1]):
            _fail("joint_range has a lower bound above its upper bound")
    if c.keypoints is not None and c.keypoints.size:
        k = len(c.keypoint_names)
        if c.keypoints.shape != (t, k, 3):
            _fail(f"keypoints has shape {c.keypoints.shape}, expected ({t}, {k}, 3)")
        if not np.all(np.isfinite(c.keypoints)):
            _fail("keypoints has non-finite values")
    for name, (a, b) in c.segments.items():
        if not (0 <= a < b <= t):
            _fail(f"segment {name!r} = [{a}, {b}) is outside the clip's {t} frames")


def _validate_derived(c: Clip) -> None:
    t, j = c.joint_pos.shape
    for name, shape in (("joint_vel", (t, j)), ("root_lin_vel", (t, 3)), ("root_ang_vel", (t, 3))):
        arr = getattr(c, name)
        if arr.shape != shape:
            _fail(f"{name} has shape {arr.shape}, expected {shape}")
        if not np.all(np.isfinite(arr)):
            _fail(f"{name} has non-finite values")


_ARRAY_FIELDS = (
    "root_pos", "root_quat", "joint_pos", "root_lin_vel", "root_ang_vel", "joint_vel", "contacts",
)


def save_clip(clip: Clip, path: str | os.PathLike) -> Path:
    """Write ``clip`` to ``path`` (``.npz``) atomically: temp file in the same folder, then rename.

    Args:
        clip: the clip to write.
        path: destination; ``.npz`` is appended when missing.

    Returns:
        The path written.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(clip.segments)
    arrays: dict[str, np.ndarray] = {
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "robot": np.array(clip.robot),
        "joint_names": np.array(clip.joint_names, dtype=str),
        "fps": np.array(clip.fps, dtype=np.float64),
        "loop": np.array(clip.loop),
        "segment_names": np.array(names, dtype=str).reshape(len(names)),
        "segment_bounds": np.array([clip.segments[n] for n in names], dtype=np.int64).reshape(-1, 2),
        "joint_range": (
            np.zeros((0, 2)) if clip.joint_range is None else clip.joint_range.astype(np.float64)
        ),
        "keypoint_names": np.array(clip.keypoint_names, dtype=str).reshape(len(clip.keypoint_names)),
        "keypoints": (
            np.zeros((0, 0, 3), np.float32) if clip.keypoints is None else clip.keypoints.astype(np.float32)
        ),
        "source": np.array(clip.source),
        "license": np.array(clip.license),
        "meta": np.array(json.dumps(clip.meta, sort_keys=True)),
    }
    for name in _ARRAY_FIELDS:
        arrays[name] = np.asarray(getattr(clip, name))
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    return path


_REQUIRED = (
    "format_version", "robot", "joint_names", "fps", "root_pos", "root_quat", "joint_pos", "contacts",
)


def load_clip(path: str | os.PathLike) -> Clip:
    """Read a clip file written by :func:`save_clip`, validating every field.

    Args:
        path: a ``.npz`` clip file.

    Returns:
        The clip.

    Raises:
        ClipFormatError: the file is missing fields, has a newer format version, wrong shapes,
            duplicate names or non-finite values; the message names the problem.
        FileNotFoundError: no file at ``path``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no clip file at {path}; create one with `mwx motion retarget`")
    if not zipfile.is_zipfile(path):
        raise ClipFormatError(f"{path} is not a readable .npz archive (not a zip file)")
    try:
        with np.load(path, allow_pickle=False) as z:
            npz = {k: z[k] for k in z.files}  # read eagerly: object arrays fail here, not later
    except ValueError as exc:
        raise ClipFormatError(
            f"{path} holds pickled objects, which clip files never contain ({exc}); "
            "re-create it with mwx_sdk.motion.save_clip"
        ) from exc
    except Exception as exc:  # zipfile.BadZipFile, OSError, ...
        raise ClipFormatError(f"{path} is not a readable .npz archive: {exc}") from exc
    missing = [k for k in _REQUIRED if k not in npz]
    if missing:
        raise ClipFormatError(f"{path} is not a clip file: missing field(s) {', '.join(missing)}")
    version = int(npz["format_version"])
    if version > FORMAT_VERSION or version < 1:
        raise ClipFormatError(
            f"{path} has clip format_version {version}; this mwx reads versions 1..{FORMAT_VERSION} "
            "(upgrade mwx-sdk or re-create the clip)"
        )
    get = npz.get
    seg_names = [str(s) for s in get("segment_names", np.zeros(0, str))]
    seg_bounds = get("segment_bounds", np.zeros((0, 2), np.int64)).reshape(-1, 2)
    if len(seg_names) != len(seg_bounds):
        raise ClipFormatError(f"{path}: {len(seg_names)} segment names but {len(seg_bounds)} bounds")
    jr = get("joint_range")
    kp = get("keypoints")
    try:
        meta = json.loads(str(get("meta", np.array("{}"))))
    except json.JSONDecodeError as exc:
        raise ClipFormatError(f"{path}: meta is not valid JSON ({exc})") from exc
    try:
        return Clip(
            robot=str(npz["robot"]),
            joint_names=tuple(str(n) for n in npz["joint_names"]),
            fps=float(npz["fps"]),
            root_pos=npz["root_pos"],
            root_quat=npz["root_quat"],
            joint_pos=npz["joint_pos"],
            contacts=npz["contacts"],
            loop=bool(get("loop", np.array(False))),
            segments={n: (int(a), int(b)) for n, (a, b) in zip(seg_names, seg_bounds)},
            joint_range=None if jr is None or jr.size == 0 else jr,
            keypoint_names=tuple(str(n) for n in get("keypoint_names", np.zeros(0, str))),
            keypoints=None if kp is None or kp.size == 0 else kp.astype(np.float64),
            source=str(get("source", np.array(""))),
            license=str(get("license", np.array(""))),
            meta=meta,
            root_lin_vel=get("root_lin_vel"),
            root_ang_vel=get("root_ang_vel"),
            joint_vel=get("joint_vel"),
        )
    except ClipFormatError as exc:
        raise ClipFormatError(f"{path}: {exc}") from exc
