"""Array helpers shared by the mapper, the design-rule checks and the counters."""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``values`` (what ``np.unique(values)`` returns).

    Sort-based on purpose: numpy 2's default hash-based ``np.unique`` holds the GIL for the
    whole call and is slow on millions of distinct keys (5 M int64 keys: about 5 s against
    0.3 s here), which froze the editor while the hardware panel mapped a large design on its
    worker thread; ``np.sort`` releases the GIL.
    """
    values = np.sort(np.asarray(values).ravel())
    if values.size == 0:
        return values
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def distinct_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of ``values`` and how often each occurs (what
    ``np.unique(values, return_counts=True)`` returns), sort-based like :func:`distinct`."""
    values = np.sort(np.asarray(values).ravel())
    if values.size == 0:
        return values, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    return values[starts], np.diff(np.append(starts, values.size))
