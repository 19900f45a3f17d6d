"""The spike raster: every spike of the recorded populations, one image item for all of them.

Spikes are binned into a fixed image of (time bins x rows) as chunks arrive; a redraw only
turns that image into colours. For a few hundred spikes a curve with ``connect="pairs"`` would
do, but an image costs the same for 200 spikes or 200 000 (about 250 redraws per second against
20 for a curve at 200k spikes), so one code path serves small and large networks. When the
recorded neurons outnumber :attr:`RasterPlot.max_rows` several neurons share a row, and the
plot says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from widgets.plots.base import LivePlot, RunInfo, population_color
from widgets.plots.buffers import BinnedCounts, SpikeBuffer

if TYPE_CHECKING:
    from engine.sim.simulator import Chunk

#: Rows of the raster image at most (a plot panel is rarely taller in pixels).
MAX_ROWS = 600
#: Time bins across the window (about one per horizontal pixel).
TIME_BINS = 1000


class RasterPlot(LivePlot):
    """Spikes of the recorded populations, colour per population, scrolling in time."""

    kind = "raster"
    grid = False  # the image covers the plot

    def __init__(self, history_ms: float = 1000.0, max_rows: int = MAX_ROWS, parent=None):
        super().__init__("Raster", history_ms, parent)
        self.max_rows = int(max_rows)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.plot.addItem(self.image)
        self.plot.setLabel("bottom", "time", "ms")
        self.plot.setLabel("left", "neuron")
        self.plot.setMouseEnabled(x=False, y=True)
        # the decimation note, shown as the plot's title
        self.note = pg.TextItem()
        self.spikes = SpikeBuffer()
        self.bins: BinnedCounts | None = None
        self._row_of = np.zeros(0, dtype=np.int64)
        self._row_group = np.zeros(0, dtype=np.uint8)
        self._lines: list = []
        self.n_shown = 0
        self.bin_ms = 1.0
        self.neurons_per_row = 1.0

    def start_run(self, info: RunInfo) -> None:
        super().start_run(info)
        for item in self._lines:
            self.plot.removeItem(item)
        self._lines = []
        groups = info.recorded_groups
        n_total = max((g.start + g.size for g in info.groups), default=0)
        self.n_shown = sum(g.size for g in groups)
        n_rows = max(1, min(self.n_shown, self.max_rows))
        self.neurons_per_row = self.n_shown / n_rows if self.n_shown else 1.0
        # global neuron id -> row (-1: not recorded); y of a neuron is its rank among shown
        self._row_of = np.full(max(n_total, 1), -1, dtype=np.int64)
        # the image holds, per pixel, 0 (no spike) or 1 + the population's index; a lookup
        # table turns that into colours (4x less data to build per frame than RGBA)
        self._row_group = np.zeros(n_rows, dtype=np.uint8)
        lut = np.zeros((len(info.groups) + 1, 4), dtype=np.uint8)
        rank = 0
        for index, group in enumerate(info.groups):
            if not group.recorded:
                continue
            ranks = rank + np.arange(group.size)
            rows = (ranks * n_rows) // max(self.n_shown, 1)
            self._row_of[group.start : group.start + group.size] = rows
            color = population_color(index)
            self._row_group[rows] = min(index + 1, 255)
            lut[index + 1] = (color.red(), color.green(), color.blue(), 255)
            if rank:
                line = pg.InfiniteLine(rank, angle=0, pen=pg.mkPen("#999", width=1))
                self.plot.addItem(line)
                self._lines.append(line)
            # in the middle of the population's block: the top one is not cut off, and labels
            # of small neighbouring blocks do not overlap
            label = pg.TextItem(group.name, color=color, anchor=(0, 0.5))
            label.setPos(0, rank + group.size / 2)
            self.plot.addItem(label)
            self._lines.append(label)
            rank += group.size
        self.image.setLookupTable(lut)
        self.image.setLevels([0, len(info.groups)])
        self.bin_ms = max(info.dt_ms, self.history_ms / TIME_BINS)
        n_bins = int(np.ceil(self.history_ms / self.bin_ms))
        self.bins = BinnedCounts(n_bins, n_rows, dtype=np.uint16)
        self.spikes.clear()
        self.plot.setYRange(0, max(self.n_shown, 1), padding=0.02)
        if self.n_shown > n_rows:
            self.note.setText(
                f"{self.n_shown} neurons in {n_rows} rows ({self.neurons_per_row:.0f} per row)"
            )
            self.plot.setTitle(self.note.toPlainText(), size="8pt", color="#888")
        else:
            self.note.setText("")
            self.plot.setTitle(None)
        self.image.clear()

    def append_chunk(self, chunk: Chunk) -> None:
        super().append_chunk(chunk)
        if self.bins is None:
            return
        times = chunk.spike_times_ms
        neurons = chunk.spike_neurons
        self.spikes.append(times, neurons)
        self.spikes.trim(chunk.t_stop_ms - self.history_ms)
        newest = int(np.floor((chunk.t_stop_ms - 1e-9) / self.bin_ms))
        self.bins.advance_to(newest)
        if times.size:
            rows = self._row_of[neurons]
            shown = rows >= 0
            bins = np.minimum(
                np.floor((times[shown] - 1e-9) / self.bin_ms).astype(np.int64), newest
            )
            self.bins.add(bins, rows[shown])

    def draw(self) -> None:
        if self.bins is None:
            return
        counts = self.bins.ordered()
        pixels = np.where(counts > 0, self._row_group[None, :], np.uint8(0))
        self.image.setImage(pixels, autoLevels=False, levels=(0, len(self.info.groups)))
        t1 = (self.bins.last_bin + 1) * self.bin_ms
        width = self.bins.n_bins * self.bin_ms
        self.image.setRect(QRectF(t1 - width, 0.0, width, float(max(self.n_shown, 1))))
        for item in self._lines:
            if isinstance(item, pg.TextItem):
                item.setPos(max(t1 - width, 0.0), item.pos().y())
        self.scroll_x()

    def data(self) -> dict[str, np.ndarray]:
        times, neurons = self.spikes.data()
        return {"spike_times_ms": times.copy(), "spike_neurons": neurons.copy()}
