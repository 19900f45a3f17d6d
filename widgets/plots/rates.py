"""Population rates (Hz, smoothed) over the history window, with an ISI histogram and CV.

Rates come from ``Chunk.group_counts`` (every group, recorded or not), summed into bins of
:data:`BIN_MS` and smoothed with a Gaussian at redraw. The ISI panel uses the spikes of the
recorded populations in the window (of the first :data:`ISI_NEURONS` neurons of a larger
population); it is recomputed a few times a second, not every frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel

from widgets.plots.base import (
    LivePlot,
    RunInfo,
    compact_combo,
    plain_bottom_axis,
    population_color,
    translucent,
)
from widgets.plots.buffers import BinnedCounts, SpikeBuffer
from widgets.theme import current_theme

if TYPE_CHECKING:
    from engine.sim.simulator import Chunk

BIN_MS = 1.0
SMOOTH_MS = 10.0
#: Redraws between two ISI histograms.
ISI_EVERY = 8
#: The ISI histogram of a larger population uses the spikes of its first neurons only.
ISI_NEURONS = 1000


def smooth(values: np.ndarray, sigma_bins: float) -> np.ndarray:
    """Gaussian smoothing along axis 0 (edges use the data that exist)."""
    if sigma_bins <= 0 or values.shape[0] < 3:
        return values
    half = min(int(np.ceil(3 * sigma_bins)), (values.shape[0] - 1) // 2)
    x = np.arange(-half, half + 1)
    kernel = np.exp(-0.5 * (x / sigma_bins) ** 2)
    out = np.empty_like(values, dtype=np.float64)
    ones = np.convolve(np.ones(values.shape[0]), kernel, mode="same")
    for j in range(values.shape[1]):
        out[:, j] = np.convolve(values[:, j], kernel, mode="same") / ones
    return out


def isi_stats(times: np.ndarray, neurons: np.ndarray) -> tuple[np.ndarray, float]:
    """Interspike intervals (ms) of every neuron, pooled, and their coefficient of variation
    (std / mean of the pooled intervals; NaN with fewer than two intervals)."""
    if times.size < 2:
        return np.zeros(0), float("nan")
    # a stable sort by neuron keeps each neuron's spikes in time order when they come in time
    # order (as from the plots' buffers); several times faster than a lexsort
    if np.any(np.diff(times) < 0):
        order = np.lexsort((times, neurons))
    else:
        order = np.argsort(neurons, kind="stable")
    t, n = times[order], neurons[order]
    same = n[1:] == n[:-1]
    isi = np.diff(t)[same]
    if isi.size < 2:
        return isi, float("nan")
    return isi, float(isi.std() / isi.mean()) if isi.mean() > 0 else float("nan")


class RatePlot(LivePlot):
    """Smoothed population rates, and the ISI distribution of one population."""

    kind = "rates"

    def __init__(self, history_ms: float = 1000.0, parent=None):
        super().__init__("Rates", history_ms, parent)
        self.plot.setLabel("left", "rate", "Hz")
        self.plot.setLabel("bottom", "time", "ms")
        self.plot.setClipToView(True)
        self.legend = self.plot.addLegend(
            offset=(5, 5), labelTextSize="8pt", brush=translucent(current_theme().base, 170)
        )
        self.isi_plot = self.graphics.addPlot(row=0, col=1)
        self.isi_plot.setLabel("bottom", "ISI", "ms")
        self.isi_plot.setLabel("left", "count")
        self.isi_plot.setMaximumWidth(200)
        # the rates get three quarters of a narrow dock (their time labels need the room)
        self.graphics.ci.layout.setColumnStretchFactor(0, 3)
        self.graphics.ci.layout.setColumnStretchFactor(1, 1)
        self._add_export_actions(self.isi_plot)
        plain_bottom_axis(self.isi_plot)
        self.isi_curve = self.isi_plot.plot(
            stepMode="center", fillLevel=0, brush=(0, 114, 178, 120), pen=pg.mkPen("#0072B2")
        )
        self.isi_group = 0  # index among recorded groups
        self.isi_node: str | None = None  # the population the user picked (node id)
        self.bar().addWidget(QLabel("ISI of"))
        self.isi_combo = QComboBox()
        self.isi_combo.setToolTip("Population whose interspike intervals and CV are shown")
        compact_combo(self.isi_combo, 12)
        self.isi_combo.addItem("(run to list populations)")
        self.isi_combo.setEnabled(False)
        self.isi_combo.activated.connect(self._isi_picked)
        self.bar().addWidget(self.isi_combo)
        self.bar().addStretch(1)
        self.curves: list[pg.PlotDataItem] = []
        self.bins: BinnedCounts | None = None
        self.spikes = SpikeBuffer(500_000)
        self.sizes = np.ones(0)
        self.cv = float("nan")
        self.isi = np.zeros(0)

    def start_run(self, info: RunInfo) -> None:
        super().start_run(info)
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.legend.clear()
        self.curves = [
            self.plot.plot(
                pen=pg.mkPen(population_color(i), width=1.5), name=g.name, skipFiniteCheck=True
            )
            for i, g in enumerate(info.groups)
        ]
        self.sizes = np.array([max(g.size, 1) for g in info.groups], dtype=np.float64)
        n_bins = int(np.ceil(self.history_ms / BIN_MS))
        self.bins = BinnedCounts(n_bins, max(len(info.groups), 1), dtype=np.float64)
        self.spikes.clear()
        recorded = info.recorded_groups
        ids = [g.node_id for g in recorded]
        self.isi_group = ids.index(self.isi_node) if self.isi_node in ids else 0
        self.isi_combo.clear()
        for group in recorded:
            self.isi_combo.addItem(group.name, group.node_id)
        if not recorded:
            self.isi_combo.addItem("(no recorded population)")
        self.isi_combo.setEnabled(bool(recorded))
        self.isi_combo.setCurrentIndex(self.isi_group)
        self.isi = np.zeros(0)

    def _isi_picked(self, index: int) -> None:
        node_id = self.isi_combo.itemData(index)
        if node_id is None:
            return
        self.set_isi_population(node_id)
        self.options_changed.emit()

    def set_isi_population(self, node_id: str) -> None:
        """Show the ISI histogram and CV of population ``node_id`` (kept for the next runs)."""
        self.isi_node = node_id
        groups = self.info.recorded_groups if self.info is not None else []
        ids = [g.node_id for g in groups]
        if node_id in ids:
            self.isi_group = ids.index(node_id)
            self.isi_combo.setCurrentIndex(self.isi_group)
            self.update_isi()

    def options(self) -> dict[str, Any]:
        return {} if self.isi_node is None else {"isi_population": self.isi_node}

    def set_options(self, entry: dict[str, Any]) -> None:
        node_id = entry.get("isi_population")
        if isinstance(node_id, str) and node_id:
            self.set_isi_population(node_id)
        else:
            self.isi_node = None

    def append_chunk(self, chunk: Chunk) -> None:
        super().append_chunk(chunk)
        if self.bins is None or chunk.n_steps == 0:
            return
        steps = chunk.step_start + np.arange(chunk.n_steps)
        bins = np.floor(steps * chunk.dt_ms / BIN_MS + 1e-9).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, np.diff(bins) > 0])
        sums = np.add.reduceat(chunk.group_counts.astype(np.float64), starts, axis=0)
        self.bins.advance_to(int(bins[-1]))
        self.bins.add_block(bins[starts], sums)
        self.spikes.append(chunk.spike_times_ms, chunk.spike_neurons)
        self.spikes.trim(chunk.t_stop_ms - self.history_ms)

    def rates(self) -> tuple[np.ndarray, np.ndarray]:
        """Bin centres (ms) and smoothed rates (Hz, one column per group) of complete bins."""
        if self.bins is None or self.bins.last_bin < 0:
            return np.zeros(0), np.zeros((0, len(self.sizes)))
        last = self.bins.last_bin
        valid = min(self.bins.n_bins, last + 1)
        counts = self.bins.ordered()[-valid:]
        index = np.arange(last - valid + 1, last + 1)
        if self.t_now < (last + 1) * BIN_MS - 1e-9:  # the newest bin is still filling
            counts, index = counts[:-1], index[:-1]
        centres = (index + 0.5) * BIN_MS
        hz = counts / self.sizes[None, :] / (BIN_MS / 1000.0)
        return centres, smooth(hz, SMOOTH_MS / BIN_MS)

    def draw(self) -> None:
        centres, hz = self.rates()
        for j, curve in enumerate(self.curves):
            curve.setData(centres, hz[:, j], skipFiniteCheck=True)
        if hz.size:
            self.sticky_y(self.plot, 0.0, float(hz.max()))
        self.scroll_x()
        if self.redraws % ISI_EVERY == 1 or self.isi.size == 0:
            self.update_isi()

    def update_isi(self) -> None:
        if self.info is None or not self.info.recorded_groups:
            return
        group = self.info.recorded_groups[self.isi_group]
        times, neurons = self.spikes.data()
        # a sample of a large population gives the same distribution at a fraction of the cost
        sampled = min(group.size, ISI_NEURONS)
        mine = (neurons >= group.start) & (neurons < group.start + sampled)
        self.isi, self.cv = isi_stats(times[mine], neurons[mine])
        if self.isi.size:
            top = max(float(np.percentile(self.isi, 99)), 1.0)
            counts, edges = np.histogram(self.isi, bins=40, range=(0.0, top))
            self.isi_curve.setData(edges, counts)
        else:
            self.isi_curve.setData([0.0, 1.0], [0])
        cv = "n/a" if np.isnan(self.cv) else f"{self.cv:.2f}"
        sample = f" · {sampled} of {group.size} neurons" if sampled < group.size else ""
        self.isi_plot.setTitle(f"CV = {cv}{sample}", size="8pt")  # the picker names the group

    def data(self) -> dict[str, np.ndarray]:
        centres, hz = self.rates()
        return {"time_ms": centres, "rate_hz": hz, "isi_ms": self.isi}
