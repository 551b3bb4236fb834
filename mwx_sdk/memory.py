"""Giving freed heap back to the system after one-off work (model compiles, VLM inference)."""

from __future__ import annotations

import ctypes
import sys

_LIBC = None


def trim_heap() -> bool:
    """Return the heap that glibc keeps mapped after ``free`` to the system (``malloc_trim``).

    Compiling a mesh robot's planner model or running a language model frees far more memory
    than an episode's steady state reuses, and glibc keeps those pages mapped; an episode would
    then carry them in its resident memory to the end. A no-op off Linux or without glibc.

    Returns:
        Whether a trim ran.
    """
    global _LIBC
    if not sys.platform.startswith("linux"):
        return False
    try:
        if _LIBC is None:
            _LIBC = ctypes.CDLL("libc.so.6")
        _LIBC.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        return False
    return True
