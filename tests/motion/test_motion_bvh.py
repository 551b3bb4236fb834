"""BVH parsing and forward kinematics: a hand-checkable file, error messages, the CMU clips."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from mwx_sdk.motion.bvh import BVHError, forward_kinematics, load_bvh, parse_bvh
from mwx_sdk.motion.human import KEYPOINTS

TINY = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
  JOINT Leg
  {
    OFFSET 0 -10 0
    CHANNELS 3 Zrotation Yrotation Xrotation
    End Site
    {
      OFFSET 0 -10 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.5
1 20 3 0 0 0 0 0 0
0 20 0 90 0 0 0 0 90
"""


def test_forward_kinematics_by_hand(tmp_path: Path):
    f = tmp_path / "tiny.bvh"
    f.write_bytes(TINY.replace("\n", "\r\n").encode())  # CRLF like the cgspeed files
    m = parse_bvh(f)
    assert m.skeleton.names == ["Hips", "Leg", "Leg_end"]
    assert m.skeleton.num_channels == 9 and m.num_frames == 2 and m.fps == pytest.approx(2.0)
    pos, rot = forward_kinematics(m)
    np.testing.assert_allclose(pos[0], [[1, 20, 3], [1, 10, 3], [1, 0, 3]], atol=1e-9)
    # frame 1: Rz(90) at the root sends the leg offset (0, -10, 0) to (10, 0, 0); the leg's
    # Rx(90) sends its bone (0, -10, 0) to (0, 0, -10), which Rz(90) leaves unchanged
    np.testing.assert_allclose(pos[1, 1], [10, 20, 0], atol=1e-9)
    np.testing.assert_allclose(pos[1, 2], [10, 20, -10], atol=1e-9)


def test_channel_order_is_respected(tmp_path: Path):
    # Z then X gives a different result from X then Z: check R = Rz @ Rx (listed order)
    text = TINY.replace("CHANNELS 3 Zrotation Yrotation Xrotation", "CHANNELS 3 Xrotation Yrotation Zrotation")
    text = text.replace("0 20 0 90 0 0 0 0 90", "0 20 0 90 0 0 90 0 0")
    f = tmp_path / "xyz.bvh"
    f.write_text(text)
    pos, _ = forward_kinematics(parse_bvh(f))
    np.testing.assert_allclose(pos[1, 2], [10, 20, -10], atol=1e-9)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.replace("HIERARCHY", "HIERARCY"), "expected 'HIERARCHY'"),
        (lambda t: t.replace("CHANNELS 3 Z", "CHANNELS 4 Z"), "declares 4 channels"),
        (lambda t: t.replace("Frames: 2", "Frames: 5"), "header says 5 frames"),
        (lambda t: t.replace("1 20 3 0 0 0 0 0 0", "1 20 3 0 0 0 0 0"), "values"),
        (lambda t: t.replace("CHANNELS 3 Zrotation Yrotation Xrotation", "CHANNELS 3 Zrotation Yrotation Wrotation"),
         "unknown channel"),
    ],
)
def test_malformed_files_explain_the_problem(tmp_path: Path, edit, message):
    f = tmp_path / "bad.bvh"
    f.write_text(edit(TINY))
    with pytest.raises(BVHError, match=re.escape(message)):
        parse_bvh(f)


# (file, frames in the header) from ../shared/motion/cmu/README.md
CMU = [("07_01", 317), ("08_05", 299), ("09_01", 149), ("111_10", 450), ("113_15", 954),
       ("115_06", 358), ("143_10", 576)]
# root height ranges (m) from the README, frame 0 left out
HIPS = {"07_01": (0.89, 0.99), "08_05": (0.82, 0.94), "09_01": (0.97, 1.07), "113_15": (0.51, 0.92),
        "143_10": (0.71, 0.87)}


@pytest.mark.parametrize("name, frames", CMU)
def test_every_shared_clip_parses(cmu_dir: Path, name: str, frames: int):
    raw = parse_bvh(cmu_dir / f"{name}.bvh")
    assert raw.num_frames == frames
    assert len(raw.skeleton.real_joints) == 31 and raw.skeleton.num_channels == 96
    assert raw.fps == pytest.approx(120.0, rel=1e-3)
    h = load_bvh(cmu_dir / f"{name}.bvh")
    assert h.num_frames == frames - 1  # the T-pose frame is dropped
    assert h.positions.shape == (frames - 1, len(KEYPOINTS), 3)
    # Z is up: the head is above the pelvis, the ankles below it
    assert np.all(h["head"][:, 2] > h["left_ankle"][:, 2])
    assert "NSF EIA-0196217" in h.license
    if name in HIPS:
        lo, hi = HIPS[name]
        z = h["pelvis"][:, 2]
        assert lo - 0.015 <= z.min() and z.max() <= hi + 0.015
    # left is left: with the subject facing forward, the left hip is on its left
    left = h["left_hip"] - h["right_hip"]
    up = h["neck"] - h["pelvis"]
    fwd = np.cross(left, up)
    assert np.median(np.linalg.norm(left, axis=1)) == pytest.approx(0.2, abs=0.08)
    assert np.all(np.isfinite(fwd))
