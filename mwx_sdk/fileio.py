"""Atomic file writes: a temporary file in the destination folder, then ``os.replace``.

A reader (a resumed suite, a second process reading a cache entry or a checkpoint) never sees a
half-written file, a failed write leaves any previous file untouched, and no temporary file is
left behind. The temporary file sits in the same folder because ``os.replace`` is atomic only
within one filesystem.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "check_writable"]


def check_writable(path: str | os.PathLike) -> Path:
    """Fail now, with a one-line message naming ``path``, if :func:`atomic_path` could not write it.

    A long job (an episode, a training run) calls this before it starts, so a bad output path
    does not surface at the end as an error about a hidden temporary file. The nearest existing
    folder on the way to ``path`` is probed by creating and removing a temporary file there
    (permission bits alone say nothing for root, read-only mounts or ACLs); missing folders
    below it are left to be created at write time.

    Args:
        path: the file to be written.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        IsADirectoryError: ``path`` is a folder.
        NotADirectoryError: a component of its folder is a file.
        OSError: the folder cannot be written (``PermissionError`` without permission, a plain
            ``OSError`` on a read-only filesystem ...).
    """
    path = Path(path)
    folder = path.parent
    try:
        if path.is_dir():
            raise IsADirectoryError(f"cannot write {path}: it is a folder; give a file name")
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            raise NotADirectoryError(f"cannot write {path}: {folder} is a file, not a folder")
        fd, probe = tempfile.mkstemp(prefix=".write-check.", dir=folder)
    except (IsADirectoryError, NotADirectoryError):
        raise
    except OSError as exc:  # the same exception type (PermissionError ...), with a message naming path
        raise type(exc)(
            f"cannot write {path}: the folder {folder} is not writable ({exc.strerror or exc}); choose another path"
        ) from None
    os.close(fd)
    os.unlink(probe)
    return path


def _new_file_mode() -> int:
    """0666 less the process umask (read without changing it where /proc tells it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; it replaces ``path`` when the block ends without error.

    The temporary name starts with a dot and keeps the destination's suffix, so writers that
    pick a format from the extension (imageio, matplotlib, ``np.savez``) behave as for ``path``.

    Args:
        path: destination file; its folder is created when missing.

    Yields:
        The temporary file's path (the file exists and is empty).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # flush the data to disk before the rename, so a crash cannot leave an empty file in place
        with open(tmp, "r+b") as fh:  # writable: Windows refuses to flush a read-only handle
            os.fsync(fh.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open() would have
        os.chmod(tmp, _new_file_mode())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically.

    Args:
        path: destination file; its folder is created when missing.
        data: the bytes to write.

    Returns:
        The destination path.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically.

    Args:
        path: destination file; its folder is created when missing.
        text: the text to write.

    Returns:
        The destination path.
    """
    return atomic_write_bytes(path, text.encode("utf-8"))
