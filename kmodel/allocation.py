"""How the engines' hot loops treat CPython's cyclic garbage collector.

The model's values are acyclic: a state, an index, a scheduler cache or a fingerprint's parts are trees of
tuples, frozen records and persistent maps, which reference counting frees the moment nothing holds them. A loop
that makes such values by the thousand (a search, a burst of scheduling cycles) would still trigger a generation-0
collection every 700 allocations, and each one scans the young values again for cycles they cannot have: 10 to
15% of an exploration's time and of a scheduling burst's. `few_collections` raises the generation-0 threshold for
the duration of such a loop and restores it afterwards; collection still happens, a hundred times less often.
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator

THRESHOLD = 100_000


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Raise the generation-0 threshold to `THRESHOLD` while the block runs (unless the collector is disabled
    or already set higher), and put the previous thresholds back, whatever happens in the block."""
    old = gc.get_threshold()
    if old[0] and old[0] < THRESHOLD:
        gc.set_threshold(THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
