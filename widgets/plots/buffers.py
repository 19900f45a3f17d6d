"""Preallocated ring buffers for live plots: memory stays fixed however long a run lasts.

Chunks from the simulation are appended; a plot asks for the data in time order when it
redraws (from a timer, never once per chunk). Nothing here imports Qt.
"""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """The last ``capacity`` samples of a multi-channel series.

    Parameters
    ----------
    capacity
        Samples kept; older ones are overwritten.
    width
        Channels per sample (columns of ``values``).
    """

    def __init__(self, capacity: int, width: int, dtype=np.float64) -> None:
        self.capacity = max(1, int(capacity))
        self.width = int(width)
        self.times = np.zeros(self.capacity)
        self.values = np.zeros((self.capacity, self.width), dtype=dtype)
        self.head = 0  # next row written
        self.size = 0

    def clear(self) -> None:
        self.head = 0
        self.size = 0

    def append(self, times: np.ndarray, values: np.ndarray) -> None:
        """Add samples; ``values`` has shape ``(len(times), width)``."""
        times = np.asarray(times, dtype=np.float64)
        k = times.size
        if k == 0:
            return
        values = np.asarray(values).reshape(k, self.width)
        if k >= self.capacity:
            times, values, k = times[-self.capacity :], values[-self.capacity :], self.capacity
        first = min(k, self.capacity - self.head)
        self.times[self.head : self.head + first] = times[:first]
        self.values[self.head : self.head + first] = values[:first]
        rest = k - first
        if rest:
            self.times[:rest] = times[first:]
            self.values[:rest] = values[first:]
        self.head = (self.head + k) % self.capacity
        self.size = min(self.capacity, self.size + k)

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the kept samples, oldest first: ``(times, values)``."""
        if self.size < self.capacity:
            return self.times[: self.size].copy(), self.values[: self.size].copy()
        order = np.r_[self.head : self.capacity, 0 : self.head]
        return self.times[order], self.values[order]


class SpikeBuffer:
    """The most recent spikes (time in ms, global neuron id), at most ``capacity`` of them.

    Spikes older than the plots' history window are dropped by :meth:`trim`; if a burst fills
    the buffer before that, the oldest spikes go first.
    """

    def __init__(self, capacity: int = 2_000_000) -> None:
        self.capacity = int(capacity)
        self.times = np.zeros(self.capacity)
        self.neurons = np.zeros(self.capacity, dtype=np.int64)
        self.start = 0
        self.stop = 0

    def clear(self) -> None:
        self.start = self.stop = 0

    def __len__(self) -> int:
        return self.stop - self.start

    def append(self, times: np.ndarray, neurons: np.ndarray) -> None:
        k = int(np.size(times))
        if k == 0:
            return
        if k >= self.capacity:
            times, neurons, k = times[-self.capacity :], neurons[-self.capacity :], self.capacity
        if self.stop + k > self.capacity:
            # compact: keep the newest spikes that fit with the new ones at the front
            keep = min(len(self), self.capacity - k)
            lo = self.stop - keep
            self.times[:keep] = self.times[lo : self.stop]
            self.neurons[:keep] = self.neurons[lo : self.stop]
            self.start, self.stop = 0, keep
        self.times[self.stop : self.stop + k] = times
        self.neurons[self.stop : self.stop + k] = neurons
        self.stop += k

    def trim(self, t_min_ms: float) -> None:
        """Forget spikes before ``t_min_ms`` (times are appended in order)."""
        self.start += int(np.searchsorted(self.times[self.start : self.stop], t_min_ms))

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Views (not copies) of the kept spikes, oldest first."""
        return self.times[self.start : self.stop], self.neurons[self.start : self.stop]


class BinnedCounts:
    """Spike counts per (time bin, row) over a sliding window, as a ring over time bins.

    Used by the raster (rows are neurons or groups of neurons) and by the rates (rows are
    populations). ``add`` takes absolute bin indices; bins that scroll out are zeroed.
    """

    def __init__(self, n_bins: int, n_rows: int, dtype=np.uint32) -> None:
        self.n_bins = max(1, int(n_bins))
        self.n_rows = max(1, int(n_rows))
        self.counts = np.zeros((self.n_bins, self.n_rows), dtype=dtype)
        self.last_bin = -1  # newest absolute bin index seen

    def clear(self) -> None:
        self.counts[:] = 0
        self.last_bin = -1

    def advance_to(self, newest_bin: int) -> None:
        """Make ``newest_bin`` the newest bin, zeroing the bins that it recycles."""
        if newest_bin <= self.last_bin:
            return
        first = self.last_bin + 1
        if newest_bin - first + 1 >= self.n_bins:
            self.counts[:] = 0
        else:
            cols = np.arange(first, newest_bin + 1) % self.n_bins
            self.counts[cols] = 0
        self.last_bin = newest_bin

    def add(self, bins: np.ndarray, rows: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Add counts at absolute ``bins`` (all within the window) and ``rows``."""
        if bins.size == 0:
            return
        keep = bins > self.last_bin - self.n_bins
        if not keep.all():
            bins, rows = bins[keep], rows[keep]
            weights = None if weights is None else weights[keep]
        flat = (bins % self.n_bins) * self.n_rows + rows
        added = np.bincount(flat, weights=weights, minlength=self.counts.size)
        self.counts += added.reshape(self.counts.shape).astype(self.counts.dtype)

    def ordered(self) -> np.ndarray:
        """Counts with the oldest bin first: shape ``(n_bins, n_rows)``; the last row of the
        result is bin :attr:`last_bin`."""
        head = (self.last_bin + 1) % self.n_bins
        return np.roll(self.counts, -head, axis=0)

    def add_block(self, bins: np.ndarray, block: np.ndarray) -> None:
        """Add whole rows: ``block[k]`` (one value per row) to absolute bin ``bins[k]``;
        ``bins`` must be distinct."""
        keep = bins > self.last_bin - self.n_bins
        self.counts[bins[keep] % self.n_bins] += block[keep].astype(self.counts.dtype)


def peak_decimate(
    times: np.ndarray, values: np.ndarray, max_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``max_points`` points per column of ``values`` (shape ``(n, width)``) that
    draw like all ``n``: the minimum and the maximum of each of ``max_points // 2`` bins, so
    spikes and peaks stay visible. Series short enough are returned as they are."""
    n = times.size
    bins = max(1, int(max_points) // 2)
    if n <= 2 * bins:
        return times, values
    per_bin = n // bins
    used = bins * per_bin
    blocks = values[:used].reshape(bins, per_bin, values.shape[1])
    out_values = np.empty((2 * bins + n - used, values.shape[1]), dtype=values.dtype)
    out_values[0 : 2 * bins : 2] = blocks.min(axis=1)
    out_values[1 : 2 * bins : 2] = blocks.max(axis=1)
    out_values[2 * bins :] = values[used:]
    edges = times[:used].reshape(bins, per_bin)
    out_times = np.empty(out_values.shape[0])
    out_times[0 : 2 * bins : 2] = edges[:, 0]
    out_times[1 : 2 * bins : 2] = edges[:, -1]
    out_times[2 * bins :] = times[used:]
    return out_times, out_values
