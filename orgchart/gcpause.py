"""Pausing Python's cyclic garbage collector around bulk work.

Building or changing a national org creates millions of long-lived objects at once; the
collector then rescans them again and again (it more than doubled an org graph build and
took a fifth of a bulk batch). Reference counting still frees what is dropped meanwhile;
only cycles wait for the collector, which runs again when the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused(when: bool = True) -> Iterator[None]:
    """Disable the cyclic collector in the block (if ``when``), then restore it as it was.

    Nests: an inner block leaves the collector to the outer one. Also a decorator:
    ``@gc_paused()`` pauses it for each call of the function.
    """
    pause = when and gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.enable()
