"""mwx_sdk.memory.trim_heap gives freed heap back to the system."""

from __future__ import annotations

import sys

import pytest


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS line")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_freed_small_blocks_go_back_to_the_system():
    from mwx_sdk.memory import trim_heap

    # many small blocks live on the heap (not mmap'ed), so freeing them alone returns little
    blocks = [bytearray(4096) for _ in range(40_000)]  # about 160 MiB
    held = _rss_kib()
    keep = blocks[-1]  # the heap top stays in use: only a trim releases the pages beneath it
    del blocks
    after_free = _rss_kib()
    assert trim_heap() is True
    after_trim = _rss_kib()
    assert after_trim < after_free - 100 * 1024, (held, after_free, after_trim)
    assert len(keep) == 4096
