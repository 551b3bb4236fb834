"""Recorders stream frames to their encoders (memory stays flat), finish atomically, leave no
temporary file and no half-written target on failure, and refuse an unwritable path up front;
GIF output is small; overlay text from model replies is cleaned and fitted to the frame."""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from mwx_sdk.envs.render import GifRecorder, VideoRecorder, overlay_text, write_gif
from mwx_sdk.fileio import check_writable


def _frames(n: int, h: int = 48, w: int = 64):
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    for i in range(n):
        yield np.roll(base, i, axis=1)


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_video_recorder_holds_no_frames(tmp_path: Path):
    out = tmp_path / "long.mp4"
    frames = list(_frames(200))  # 200 x 9 KB, allocated before tracing starts
    rec = VideoRecorder(out, fps=50)
    rec.add(frames[0])  # starts the ffmpeg writer
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for f in frames[1:]:
            rec.add(f)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    total = sum(f.nbytes for f in frames[1:])
    assert grown < total / 10, f"the recorder kept {grown} bytes for {total} bytes of frames"
    assert rec.frames_written == 200
    assert rec.close() == out and out.stat().st_size > 0
    assert _listing(tmp_path) == ["long.mp4"]


def test_an_exception_while_recording_keeps_the_old_target(tmp_path: Path):
    out = tmp_path / "run.mp4"
    out.write_bytes(b"previous video")
    with pytest.raises(RuntimeError, match="episode failed"), VideoRecorder(out) as rec:
        for f in _frames(5):
            rec.add(f)
        assert len(_listing(tmp_path)) == 2  # the temporary file beside the target
        raise RuntimeError("episode failed")
    assert out.read_bytes() == b"previous video"
    assert _listing(tmp_path) == ["run.mp4"]


def test_a_failed_encode_is_reported_and_keeps_the_old_target(tmp_path: Path):
    out = tmp_path / "tiny.mp4"
    out.write_bytes(b"previous video")
    rec = VideoRecorder(out)
    # 1x1 frames lose their odd row and column for H.264: ffmpeg has nothing to encode
    with pytest.raises(RuntimeError, match=r"ffmpeg could not encode .*tiny\.mp4"):
        for _ in range(3):
            rec.add(np.zeros((1, 1, 3), np.uint8))
        rec.close()
    assert out.read_bytes() == b"previous video"
    assert _listing(tmp_path) == ["tiny.mp4"]


def test_odd_frame_sizes_are_encoded(tmp_path: Path):
    import imageio.v2 as imageio

    out = tmp_path / "odd.mp4"
    with VideoRecorder(out, fps=10) as rec:
        for f in _frames(4, h=33, w=47):
            rec.add(f)
    frames = [f for f in imageio.get_reader(out)]  # list() would ask len(), unknown for mp4
    assert len(frames) == 4 and frames[0].shape == (32, 46, 3)


def test_unwritable_targets_fail_at_construction_naming_the_path(tmp_path: Path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    target = blocker / "runs" / "walk.mp4"
    with pytest.raises(NotADirectoryError, match=rf"cannot write {target}: {blocker} is a file"):
        VideoRecorder(target)
    (tmp_path / "dir.gif").mkdir()
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        GifRecorder(tmp_path / "dir.gif")
    # missing folders are fine (they are created when the file is written)
    assert check_writable(tmp_path / "a" / "b" / "c.mp4") == tmp_path / "a" / "b" / "c.mp4"
    assert not (tmp_path / "a").exists()
    assert _listing(tmp_path) == ["dir.gif", "notes.txt"]  # the probe file is gone


@pytest.mark.skipif(sys.platform != "linux", reason="uses a Linux pseudo-filesystem nobody can write")
def test_a_read_only_folder_is_refused(tmp_path: Path):
    with pytest.raises(OSError, match=r"cannot write /proc/walk\.gif: the folder /proc is not writable"):
        GifRecorder("/proc/walk.gif")


def test_gif_keeps_every_third_frame_downscaled(tmp_path: Path):
    from PIL import Image

    out = tmp_path / "walk.gif"
    rec = GifRecorder(out, fps=50)
    assert rec.every == 3
    for i, f in enumerate(_frames(10, h=480, w=640)):
        if rec.wants_frame():
            rec.add(f, [f"step {i}"])
        else:
            rec.add(None)  # skipped frames need not be rendered
    assert rec.frames_written == 4 and rec.close() == out
    with Image.open(out) as im:
        assert im.size == (320, 240) and im.n_frames == 4
        assert im.info["duration"] == 60  # ms: the GIF plays in real time
    assert _listing(tmp_path) == ["walk.gif"]


def test_write_gif_streams_an_iterable(tmp_path: Path):
    from PIL import Image

    out = write_gif(tmp_path / "g.gif", _frames(7), fps=20, every=2, width=32)
    with Image.open(out) as im:
        assert im.size == (32, 24) and im.n_frames == 4
    assert write_gif(tmp_path / "none.gif", iter(())) is None
    assert _listing(tmp_path) == ["g.gif"]
    with pytest.raises(ValueError, match=r"must end in \.gif"):
        GifRecorder(tmp_path / "x.mp4")


def test_overlay_text_cleans_and_fits_model_text():
    frame = np.full((60, 160, 3), 90, np.uint8)
    same = overlay_text(frame, ["walk forward"])
    assert np.array_equal(overlay_text(frame, ["walk\x1b[31m forward\x07"]), same)  # escapes, BEL
    assert np.array_equal(overlay_text(frame, ["walk\n\rforward"]), same)  # newlines folded
    assert np.array_equal(overlay_text(frame, ["walk \u202eforward"]), same)  # bidi override
    t = time.perf_counter()
    long = overlay_text(frame, ["x" * 2_000_000, "y" * 300] + ["z"] * 50)
    assert time.perf_counter() - t < 2.0
    assert long.shape == frame.shape
    # the long line is cut to the frame: the text box ends before the right edge
    assert np.all(long[:, -2:] == 90)
