"""Weights of plastic projections: a live matrix heatmap, a histogram and the trajectories of
a few synapses.

Every chunk carries the current weights of each plastic projection; the plot keeps the latest
vector and, for :data:`N_TRACKED` synapses spread over the projection, a ring buffer of their
values at the end of each chunk. A matrix larger than :data:`MAX_CELLS` per side is shown as
block means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from widgets.plots.base import LivePlot, RunInfo
from widgets.plots.buffers import RingBuffer

if TYPE_CHECKING:
    from engine.sim.simulator import Chunk

MAX_CELLS = 200
N_TRACKED = 8
#: Samples kept for the trajectories (one per chunk).
TRAJECTORY_SAMPLES = 4000


def weight_matrix(
    weights: np.ndarray, pre: np.ndarray, post: np.ndarray, n_pre: int, n_post: int
) -> np.ndarray:
    """Mean weight per (pre block, post block) cell, NaN where there is no synapse; blocks are
    single neurons unless a side is longer than :data:`MAX_CELLS`."""
    rows, cols = min(n_pre, MAX_CELLS), min(n_post, MAX_CELLS)
    r = (pre * rows) // max(n_pre, 1)
    c = (post * cols) // max(n_post, 1)
    flat = r * cols + c
    total = np.bincount(flat, weights=weights, minlength=rows * cols)
    count = np.bincount(flat, minlength=rows * cols)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean.reshape(rows, cols)


class WeightPlot(LivePlot):
    """Heatmap, histogram and trajectories of one plastic projection's weights."""

    kind = "weights"

    def __init__(self, history_ms: float = 1000.0, parent=None):
        super().__init__("Weights", history_ms, parent)
        self.plot.setTitle("weight matrix (pre × post)", size="8pt")
        self.plot.setLabel("bottom", "post neuron")
        self.plot.setLabel("left", "pre neuron")
        self.plot.showGrid(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.plot.addItem(self.image)
        self.hist_plot = self.graphics.addPlot(row=0, col=1)
        self.hist_plot.setTitle("histogram", size="8pt")
        self.hist_plot.setLabel("bottom", "weight", "pA")
        self._add_export_actions(self.hist_plot)
        self.hist = self.hist_plot.plot(
            stepMode="center", fillLevel=0, brush=(0, 158, 115, 120), pen=pg.mkPen("#009E73")
        )
        self.traj_plot = self.graphics.addPlot(row=0, col=2)
        self.traj_plot.setTitle("selected synapses", size="8pt")
        self.traj_plot.setLabel("bottom", "time", "ms")
        self._add_export_actions(self.traj_plot)
        self.traj_plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.traj_curves: list[pg.PlotDataItem] = []
        self.note = pg.TextItem("No plastic projection in this network", color="#888")
        self.projection_id: str | None = None
        self.weights = np.zeros(0)
        self.tracked = np.zeros(0, dtype=np.int64)
        self.trajectory: RingBuffer | None = None

    def start_run(self, info: RunInfo) -> None:
        super().start_run(info)
        plastic = [p for p in info.projections if p.plastic_index >= 0]
        if self.projection_id not in {p.node_id for p in plastic}:
            self.projection_id = plastic[0].node_id if plastic else None
        for curve in self.traj_curves:
            self.traj_plot.removeItem(curve)
        self.traj_curves = []
        if self.projection_id is None:
            if self.note.scene() is None:
                self.plot.addItem(self.note)
            self.weights = np.zeros(0)
            self.trajectory = None
            return
        if self.note.scene() is not None:
            self.plot.removeItem(self.note)
        name = next(p.name for p in plastic if p.node_id == self.projection_id)
        self.plot.setTitle(f"{name}: weight matrix (pre × post)", size="8pt")
        self.weights = np.asarray(info.initial_weights.get(self.projection_id, np.zeros(0)))
        n = self.weights.size
        self.tracked = np.unique(np.linspace(0, max(n - 1, 0), min(N_TRACKED, n)).astype(np.int64))
        self.trajectory = RingBuffer(TRAJECTORY_SAMPLES, self.tracked.size)
        if n:
            self.trajectory.append(np.zeros(1), self.weights[self.tracked][None, :])
        pre, post, _, _ = info.synapses.get(self.projection_id, (np.zeros(0),) * 4)
        self.traj_curves = [
            self.traj_plot.plot(
                pen=pg.mkPen(pg.intColor(j, hues=max(self.tracked.size, 1)), width=1),
                name=f"{int(pre[s])}→{int(post[s])}" if s < len(pre) else str(s),
            )
            for j, s in enumerate(self.tracked)
        ]

    def append_chunk(self, chunk: Chunk) -> None:
        super().append_chunk(chunk)
        if self.projection_id is None or self.projection_id not in chunk.weights:
            return
        self.weights = chunk.weights[self.projection_id]
        if self.trajectory is not None and self.tracked.size:
            self.trajectory.append(np.array([chunk.t_stop_ms]), self.weights[self.tracked][None, :])

    def draw(self) -> None:
        if self.info is None or self.projection_id is None or not self.weights.size:
            return
        pre, post, n_pre, n_post = self.info.synapses[self.projection_id]
        matrix = weight_matrix(self.weights, pre, post, n_pre, n_post)
        finite = matrix[np.isfinite(matrix)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if high <= low:
            high = low + 1.0
        self.image.setImage(np.nan_to_num(matrix.T, nan=low), levels=(low, high))
        self.image.setRect(QRectF(0, 0, n_post, n_pre))
        counts, edges = np.histogram(self.weights, bins=40)
        self.hist.setData(edges, counts)
        if self.trajectory is not None:
            times, values = self.trajectory.data()
            for j, curve in enumerate(self.traj_curves):
                curve.setData(times, values[:, j], skipFiniteCheck=True)

    def data(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {"weights": np.asarray(self.weights)}
        if self.info is not None and self.projection_id in self.info.synapses:
            pre, post, _, _ = self.info.synapses[self.projection_id]
            out.update(pre=pre, post=post)
        if self.trajectory is not None:
            times, values = self.trajectory.data()
            out.update(trajectory_times_ms=times, trajectory_weights=values)
        return out
