"""Keep freed image buffers from staying in a long-lived process's heap.

glibc serves allocations above `M_MMAP_THRESHOLD` (128 KiB) with mmap and returns them to the
system when freed, but it raises that threshold each time such a block is freed (up to 32 MiB).
After a few decoded images every later image buffer lands on the heap, where a freed one is
rarely given back: each worker process kept ~10 MiB more after its first jobs (measured with
Pillow compositions). Setting the threshold explicitly turns the dynamic adjustment off.

This is what `MALLOC_MMAP_THRESHOLD_=131072` in the environment does; doing it in code makes it
hold however the process is started. No effect (and no error) where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_MMAP_THRESHOLD = -3
DEFAULT_THRESHOLD = 128 * 1024


def pin_mmap_threshold(threshold: int | None = None) -> bool:
    """Fix glibc's mmap threshold; returns whether it was applied."""
    if threshold is None:
        threshold = int(os.environ.get("MALLOC_MMAP_THRESHOLD_", DEFAULT_THRESHOLD))
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, threshold) == 1
