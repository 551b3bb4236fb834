"""Atomic writes: the destination changes only when the whole write succeeded."""

from __future__ import annotations

import os

import numpy as np
import pytest

from mwx_sdk.fileio import atomic_path, atomic_write_bytes, atomic_write_text


def test_atomic_write_creates_folders_and_replaces(tmp_path):
    path = tmp_path / "a" / "b" / "out.json"
    assert atomic_write_text(path, "one") == path
    assert path.read_text() == "one"
    atomic_write_bytes(path, b"two")
    assert path.read_bytes() == b"two"
    assert os.listdir(path.parent) == ["out.json"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "clip.npz"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="encoder died"), atomic_path(path) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("encoder died")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["clip.npz"]


def test_temp_name_keeps_the_suffix_for_format_sniffing_writers(tmp_path):
    path = tmp_path / "arrays.npz"
    with atomic_path(path) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".npz" and tmp.name.startswith(".")
        np.savez(tmp, x=np.arange(3))  # appends .npz when the name lacks it
    with np.load(path) as z:
        assert z["x"].tolist() == [0, 1, 2]
    assert os.listdir(tmp_path) == ["arrays.npz"]


def test_atomic_files_get_the_mode_a_plain_open_gives(tmp_path):
    """mkstemp makes its file 0600; the finished file has 0666 less the umask, like open()."""
    import os

    from mwx_sdk.fileio import atomic_write_text

    mask = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        with open(tmp_path / "b.txt", "w") as fh:
            fh.write("x")
    finally:
        os.umask(mask)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == (tmp_path / "b.txt").stat().st_mode & 0o777 == 0o644
