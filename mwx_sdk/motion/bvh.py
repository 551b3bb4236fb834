"""BVH motion-capture files: hierarchy + motion parsing and forward kinematics.

:func:`parse_bvh` reads any BVH file (any channel order, position channels on any joint, End
Sites, CRLF or LF line endings). :func:`forward_kinematics` gives global joint positions.
:func:`load_bvh` turns a file into a :class:`~mwx_sdk.motion.human.HumanMotion`: metres, Z up,
the conversion's T-pose frame dropped, keypoints mapped from the joint names (the CMU /
cgspeed skeleton is recognised; other skeletons can pass their own ``joint_map``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .human import KEYPOINTS, HumanMotion
from .rotations import axis_rotation

__all__ = [
    "CMU_JOINT_MAP",
    "CMU_LICENSE",
    "CMU_UNIT_METRES",
    "BVHError",
    "BVHMotion",
    "BVHSkeleton",
    "forward_kinematics",
    "load_bvh",
    "parse_bvh",
]

#: One CMU ASF length unit in metres (``:units length 0.45`` -> 1/0.45 inch).
CMU_UNIT_METRES = 0.0254 / 0.45

#: Keypoint -> joint name in the CMU (cgspeed MotionBuilder-friendly) BVH skeleton.
CMU_JOINT_MAP = {
    "pelvis": "Hips",
    "left_hip": "LeftUpLeg", "left_knee": "LeftLeg", "left_ankle": "LeftFoot", "left_toe": "LeftToeBase",
    "right_hip": "RightUpLeg", "right_knee": "RightLeg", "right_ankle": "RightFoot", "right_toe": "RightToeBase",
    "chest": "Spine1", "neck": "Neck1", "head": "Head",
    "left_shoulder": "LeftArm", "left_elbow": "LeftForeArm", "left_wrist": "LeftHand",
    "right_shoulder": "RightArm", "right_elbow": "RightForeArm", "right_wrist": "RightHand",
}

CMU_LICENSE = (
    "CMU Graphics Lab Motion Capture Database (mocap.cs.cmu.edu), cgspeed BVH conversion. "
    "Free for use in research and commercial projects; the data may ship inside products but may "
    "not be resold directly, even in converted form. Acknowledgement: \"The data used in this project "
    "was obtained from mocap.cs.cmu.edu. The database was created with funding from NSF EIA-0196217.\""
)


class BVHError(ValueError):
    """A BVH file could not be parsed; the message gives the line and the cause."""


@dataclass
class BVHSkeleton:
    """Joint hierarchy of a BVH file (End Sites are kept as joints without channels)."""

    names: list[str]
    parents: list[int]
    offsets: np.ndarray  # (J, 3) in file units
    channels: list[list[str]]  # per joint, e.g. ["Zrotation", "Yrotation", "Xrotation"]
    is_end_site: list[bool]

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"BVH skeleton has no joint {name!r}; joints: {', '.join(self.real_joints)}") from None

    @property
    def real_joints(self) -> list[str]:
        return [n for n, e in zip(self.names, self.is_end_site) if not e]

    @property
    def num_channels(self) -> int:
        return sum(len(c) for c in self.channels)


@dataclass
class BVHMotion:
    """A parsed BVH file: skeleton, channel values ``(frames, channels)`` and frame time."""

    skeleton: BVHSkeleton
    frames: np.ndarray
    frame_time: float
    path: str = ""

    @property
    def fps(self) -> float:
        return 1.0 / self.frame_time

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])


def parse_bvh(path: str | os.PathLike) -> BVHMotion:
    """Parse a BVH file.

    Args:
        path: the ``.bvh`` file.

    Returns:
        The skeleton and all motion frames (including any T-pose frame 0).

    Raises:
        BVHError: malformed hierarchy or motion section; the message names the line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise FileNotFoundError(f"no BVH file at {path}") from None
    lines = text.splitlines()
    names: list[str] = []
    parents: list[int] = []
    offsets: list[list[float]] = []
    channels: list[list[str]] = []
    end_site: list[bool] = []
    stack: list[int] = []
    pending: int | None = None
    i = 0

    def err(msg: str) -> BVHError:
        return BVHError(f"{path}:{i + 1}: {msg}")

    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or lines[i].strip().upper() != "HIERARCHY":
        raise err("expected 'HIERARCHY' at the start of the file")
    i += 1
    while i < len(lines):
        tok = lines[i].split()
        if not tok:
            i += 1
            continue
        key = tok[0].upper()
        if key in ("ROOT", "JOINT") or (key == "END" and len(tok) > 1 and tok[1].upper() == "SITE"):
            if key == "ROOT" and names:
                raise err("only one ROOT is supported")
            if key != "ROOT" and not stack:
                raise err(f"{tok[0]} outside of any joint")
            is_end = key == "END"
            name = f"{names[stack[-1]]}_end" if is_end else (tok[1] if len(tok) > 1 else "")
            if not name:
                raise err(f"{tok[0]} without a name")
            names.append(name)
            parents.append(stack[-1] if stack else -1)
            offsets.append([0.0, 0.0, 0.0])
            channels.append([])
            end_site.append(is_end)
            pending = len(names) - 1
        elif key == "{":
            if pending is None:
                raise err("'{' without a joint")
            stack.append(pending)
            pending = None
        elif key == "}":
            if not stack:
                raise err("unbalanced '}'")
            stack.pop()
        elif key == "OFFSET":
            if not stack or len(tok) != 4:
                raise err("OFFSET needs 3 numbers inside a joint")
            try:
                offsets[stack[-1]] = [float(v) for v in tok[1:4]]
            except ValueError:
                raise err(f"bad OFFSET values {tok[1:4]}") from None
        elif key == "CHANNELS":
            if not stack:
                raise err("CHANNELS outside of a joint")
            try:
                n = int(tok[1])
            except (IndexError, ValueError):
                raise err("CHANNELS needs a count") from None
            chans = tok[2:]
            if len(chans) != n:
                raise err(f"CHANNELS declares {n} channels but lists {len(chans)}")
            for c in chans:
                if c not in {f"{a}{k}" for a in "XYZ" for k in ("position", "rotation")}:
                    raise err(f"unknown channel {c!r}")
            channels[stack[-1]] = chans
        elif key == "MOTION":
            if stack:
                raise err("MOTION before the hierarchy was closed")
            break
        else:
            raise err(f"unexpected {tok[0]!r} in HIERARCHY")
        i += 1
    else:
        raise BVHError(f"{path}: no MOTION section")
    if not names:
        raise BVHError(f"{path}: hierarchy has no joints")
    i += 1
    n_frames = frame_time = None
    while i < len(lines) and (n_frames is None or frame_time is None):
        s = lines[i].strip()
        if s.lower().startswith("frames:"):
            try:
                n_frames = int(s.split(":", 1)[1])
            except ValueError:
                raise err(f"'Frames:' needs a whole number, got {s.split(':', 1)[1].strip()[:40]!r}") from None
            if n_frames < 1:
                raise err(f"'Frames: {n_frames}': a clip needs at least one motion frame")
        elif s.lower().startswith("frame time:"):
            try:
                frame_time = float(s.split(":", 1)[1])
            except ValueError:
                raise err(f"'Frame Time:' needs a number of seconds, got {s.split(':', 1)[1].strip()[:40]!r}") from None
            if not np.isfinite(frame_time) or frame_time <= 0:
                raise err(f"'Frame Time: {frame_time}' must be a positive number of seconds")
        elif s:
            raise err(f"expected 'Frames:' and 'Frame Time:', got {s[:40]!r}")
        i += 1
    if n_frames is None or frame_time is None:
        raise BVHError(f"{path}: missing 'Frames:' or 'Frame Time:' after MOTION")
    skeleton = BVHSkeleton(names, parents, np.array(offsets, dtype=np.float64), channels, end_site)
    n_ch = skeleton.num_channels
    rows = [ln.split() for ln in lines[i:] if ln.strip()]
    if len(rows) < n_frames:
        raise BVHError(f"{path}: header says {n_frames} frames but only {len(rows)} data lines follow")
    rows = rows[:n_frames]
    widths = sorted({len(r) for r in rows})
    if widths != [n_ch]:
        bad = next(k for k, r in enumerate(rows) if len(r) != n_ch)
        raise BVHError(
            f"{path}: motion lines have {widths} values (first bad frame {bad}), the hierarchy declares {n_ch} channels"
        )
    try:
        data = np.array(rows, dtype=np.float64)
    except ValueError as exc:
        raise BVHError(f"{path}: non-numeric motion data ({exc})") from None
    return BVHMotion(skeleton, data, frame_time, str(path))


def forward_kinematics(motion: BVHMotion) -> tuple[np.ndarray, np.ndarray]:
    """Global joint positions and rotations in the file's units and axes.

    Rotation channels compose in the order listed (``Zrotation Yrotation Xrotation`` gives
    ``R = Rz @ Ry @ Rx``), angles in degrees; positions add to the joint's offset.

    Args:
        motion: a parsed file.

    Returns:
        ``positions (T, J, 3)`` and ``rotations (T, J, 3, 3)`` for every joint incl. End Sites.
    """
    sk = motion.skeleton
    t = motion.num_frames
    n = len(sk.names)
    pos = np.zeros((t, n, 3))
    rot = np.zeros((t, n, 3, 3))
    col = 0
    for j in range(n):
        local_r = np.broadcast_to(np.eye(3), (t, 3, 3)).copy()
        local_p = np.broadcast_to(sk.offsets[j], (t, 3)).copy()
        for c in sk.channels[j]:
            v = motion.frames[:, col]
            col += 1
            axis = c[0].lower()
            if c.endswith("rotation"):
                local_r = local_r @ axis_rotation(axis, np.deg2rad(v))
            else:
                local_p[:, "xyz".index(axis)] += v
        p = sk.parents[j]
        if p < 0:
            pos[:, j] = local_p
            rot[:, j] = local_r
        else:
            pos[:, j] = pos[:, p] + np.einsum("tij,tj->ti", rot[:, p], local_p)
            rot[:, j] = rot[:, p] @ local_r
    return pos, rot


#: Y-up (BVH) to Z-up: a +90 degree rotation about x, (x, y, z) -> (x, -z, y).
Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


def load_bvh(
    path: str | os.PathLike,
    *,
    scale: float = CMU_UNIT_METRES,
    drop_first_frame: bool = True,
    y_up: bool = True,
    joint_map: dict[str, str] | None = None,
    license: str | None = None,
) -> HumanMotion:
    """Load a BVH file as human keypoints in metres, Z up.

    Args:
        path: the ``.bvh`` file.
        scale: metres per file unit (CMU: 0.056444).
        drop_first_frame: drop frame 0 (the cgspeed conversion's T-pose reference frame).
        y_up: the file is Y-up (converted to Z-up); pass False for a Z-up file.
        joint_map: keypoint -> BVH joint name; the CMU map by default.
        license: terms of use to carry along; CMU's when the skeleton is the CMU one.

    Returns:
        The motion's keypoints.
    """
    motion = parse_bvh(path)
    jm = joint_map or CMU_JOINT_MAP
    missing = [k for k in KEYPOINTS if k not in jm]
    if missing:
        raise BVHError(f"joint_map lacks keypoint(s) {missing}; map every one of {list(KEYPOINTS)}")
    try:
        idx = [motion.skeleton.index(jm[k]) for k in KEYPOINTS]
    except KeyError as exc:
        raise BVHError(f"{path}: {exc.args[0]}. Pass joint_map= for a non-CMU skeleton.") from None
    pos, _ = forward_kinematics(motion)
    if drop_first_frame:
        if motion.num_frames < 3:
            raise BVHError(f"{path}: too few frames to drop the T-pose frame")
        pos = pos[1:]
    pos = pos[:, idx] * scale
    if y_up:
        pos = pos @ Y_UP_TO_Z_UP.T
    is_cmu = joint_map is None
    return HumanMotion(
        positions=pos,
        fps=motion.fps,
        source=f"bvh:{Path(path).name}",
        license=license if license is not None else (CMU_LICENSE if is_cmu else ""),
        meta={"file": Path(path).name, "frames_in_file": motion.num_frames, "scale": scale},
    )
