"""Clip files: round trip, validation messages, atomic writes, sampling and slicing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from mwx_sdk.motion.clip import FORMAT_VERSION, Clip, ClipFormatError, load_clip, save_clip


def make_clip(frames: int = 20, joints: int = 3, loop: bool = False) -> Clip:
    t = np.arange(frames) / 10.0
    return Clip(
        robot="h1",
        joint_names=[f"j{i}" for i in range(joints)],
        fps=10.0,
        root_pos=np.stack([t, 0 * t, 0.9 + 0 * t], 1),
        root_quat=np.tile([1.0, 0, 0, 0], (frames, 1)),
        joint_pos=np.stack([np.sin(t + i) for i in range(joints)], 1),
        contacts=np.stack([t < 1.0, t >= 1.0], 1),
        loop=loop,
        segments={"first": (0, 10)},
        joint_range=np.tile([-2.0, 2.0], (joints, 1)),
        keypoint_names=["a"],
        keypoints=np.zeros((frames, 1, 3)),
        source="test",
        license="CC0",
        meta={"note": "x"},
    )


def test_round_trip(tmp_path: Path):
    c = make_clip()
    p = save_clip(c, tmp_path / "c")  # ".npz" is appended
    assert p.name == "c.npz"
    d = load_clip(p)
    assert d.joint_names == c.joint_names and d.robot == "h1" and d.fps == 10.0
    for name in ("root_pos", "root_quat", "joint_pos", "joint_vel", "root_lin_vel", "root_ang_vel", "contacts"):
        np.testing.assert_allclose(getattr(d, name), getattr(c, name))
    assert d.segments == {"first": (0, 10)} and d.meta == {"note": "x"} and d.license == "CC0"
    np.testing.assert_allclose(d.root_lin_vel[:, 0], 1.0)  # x moves 0.1 m per 0.1 s
    # no pickle anywhere: the file loads with allow_pickle=False and holds no object arrays
    with np.load(p, allow_pickle=False) as z:
        assert int(z["format_version"]) == FORMAT_VERSION
        assert all(z[k].dtype != object for k in z.files)
    assert [f for f in os.listdir(tmp_path) if f != "c.npz"] == []  # no temp file left


def _rewrite(src: Path, dst: Path, **changes):
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    for k, v in changes.items():
        if v is None:
            arrays.pop(k)
        else:
            arrays[k] = v
    np.savez(dst, **arrays)
    return dst


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"format_version": np.array(FORMAT_VERSION + 1)}, "format_version"),
        ({"joint_pos": None}, "missing field(s) joint_pos"),
        ({"joint_names": np.array(["j0", "j1"])}, "3 columns but there are 2 joint names"),
        ({"joint_names": np.array(["j0", "j0", "j1"])}, "duplicates"),
        ({"root_quat": np.zeros((20, 3))}, "root_quat has shape"),
        ({"fps": np.array(-1.0)}, "fps must be a positive"),
        ({"segment_bounds": np.array([[5, 99]])}, "outside the clip"),
        ({"joint_vel": np.zeros((20, 2))}, "joint_vel has shape"),
        ({"meta": np.array("{not json")}, "meta is not valid JSON"),
    ],
)
def test_validation_errors_name_the_problem(tmp_path: Path, changes, message):
    src = save_clip(make_clip(), tmp_path / "ok.npz")
    bad = _rewrite(src, tmp_path / "bad.npz", **changes)
    with pytest.raises(ClipFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_clip(bad)


def test_non_finite_and_pickled_files_are_refused(tmp_path: Path):
    src = save_clip(make_clip(), tmp_path / "ok.npz")
    jp = make_clip().joint_pos
    jp[3, 1] = np.nan
    with pytest.raises(ClipFormatError, match=r"joint_pos has a non-finite value at index \(3, 1\)"):
        load_clip(_rewrite(src, tmp_path / "nan.npz", joint_pos=jp))
    obj = np.empty(1, dtype=object)
    obj[0] = {"x": 1}
    with pytest.raises(ClipFormatError, match="pickled objects"):
        load_clip(_rewrite(src, tmp_path / "obj.npz", meta=obj))
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(ClipFormatError, match="not a readable"):
        load_clip(tmp_path / "junk.npz")
    with pytest.raises(FileNotFoundError, match="mwx motion retarget"):
        load_clip(tmp_path / "absent.npz")


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch):
    good = save_clip(make_clip(), tmp_path / "c.npz")
    before = good.read_bytes()

    def broken_savez(fh, **arrays):
        fh.write(b"PK partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save_clip(make_clip(frames=30), good)
    assert good.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["c.npz"]


def test_sample_interpolates_and_wraps():
    c = make_clip(loop=True)
    s = c.sample(np.array([0.05, 1.0]))
    np.testing.assert_allclose(s["joint_pos"][0], 0.5 * (c.joint_pos[0] + c.joint_pos[1]))
    np.testing.assert_allclose(s["root_pos"][1], c.root_pos[10])
    # looping: 2.05 s wraps to 0.05 s, half way between frames 0 and 1; past-the-end of a one-shot holds
    np.testing.assert_allclose(c.sample(2.05)["joint_pos"], s["joint_pos"][0])
    one = make_clip(loop=False)
    np.testing.assert_allclose(one.sample(9.0)["joint_pos"], one.joint_pos[-1])
    # between the last and first frame a looping clip interpolates across the seam
    np.testing.assert_allclose(c.sample(1.95)["joint_pos"], 0.5 * (c.joint_pos[-1] + c.joint_pos[0]))


def test_slice_and_segment():
    c = make_clip()
    s = c.segment("first")
    assert s.num_frames == 10 and not s.loop and s.segments == {"first": (0, 10)}
    t = c.slice(5, 15)
    assert t.segments == {"first": (0, 5)}
    np.testing.assert_allclose(t.joint_pos, c.joint_pos[5:15])
    with pytest.raises(KeyError, match="segments"):
        c.segment("nope")
    with pytest.raises(ValueError, match="fewer than 2"):
        c.slice(3, 4)
    assert json.loads(json.dumps(c.meta)) == c.meta
