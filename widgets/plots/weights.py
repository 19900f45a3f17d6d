"""Weights of plastic projections: a live matrix heatmap, a histogram and the trajectories of
chosen synapses.

Every chunk carries the current weights of each plastic projection; the plot keeps the latest
vector and, for the tracked synapses, a ring buffer of their values at the end of each chunk.
The user picks the projection and which synapses to track: ``N`` spread evenly over the
projection (the default, :data:`N_TRACKED`), ``N`` at random (a fixed draw, so a reopened
project tracks the same ones), or chosen ``pre → post`` pairs. A new choice starts its
trajectories at the current time (the weights of untracked synapses are not kept). A matrix
larger than :data:`MAX_CELLS` per side is shown as block means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox, QToolButton

from widgets.plots.base import LivePlot, RunInfo, compact_combo, plain_bottom_axis
from widgets.plots.buffers import RingBuffer

if TYPE_CHECKING:
    from engine.sim.simulator import Chunk

MAX_CELLS = 200
N_TRACKED = 8
#: Synapses tracked at most (curves on one small plot).
MAX_TRACKED = 64
SYNAPSE_MODES = {"spread": "evenly spread", "random": "random", "pairs": "pre → post"}
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
    grid = False  # the heatmap covers the plot

    def __init__(self, history_ms: float = 1000.0, parent=None):
        super().__init__("Weights", history_ms, parent)
        self.plot.setTitle("weight matrix (pre × post)", size="8pt")
        self.plot.setLabel("bottom", "post neuron")
        self.plot.setLabel("left", "pre neuron")
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
        plain_bottom_axis(self.traj_plot)
        self.traj_curves: list[pg.PlotDataItem] = []
        self.note = pg.TextItem("No plastic projection in this network", color="#888")
        self.projection_id: str | None = None
        self.weights = np.zeros(0)
        self.tracked = np.zeros(0, dtype=np.int64)
        self.trajectory: RingBuffer | None = None
        self.mode = "spread"
        self.n_tracked = N_TRACKED
        self.pairs: list[tuple[int, int]] = []
        self._latest: dict[str, np.ndarray] = {}  # every plastic projection's, last chunk
        self._build_bar()

    def _build_bar(self) -> None:
        bar = self.bar()
        self.projection_combo = QComboBox()
        self.projection_combo.setToolTip("Plastic projection shown")
        compact_combo(self.projection_combo, 14)
        self.projection_combo.activated.connect(self._projection_picked)
        self.projection_combo.hide()  # until a run lists the plastic projections
        bar.addWidget(self.projection_combo)
        self.mode_combo = QComboBox()
        self.mode_combo.setToolTip("Which synapses' weights are drawn over time")
        compact_combo(self.mode_combo, 8)
        for mode, label in SYNAPSE_MODES.items():
            self.mode_combo.addItem(label, mode)
        self.mode_combo.activated.connect(
            lambda i: self.set_synapses(self.mode_combo.itemData(i), user=True)
        )
        bar.addWidget(self.mode_combo)
        self.n_spin = QSpinBox()
        self.n_spin.setRange(1, MAX_TRACKED)
        self.n_spin.setValue(N_TRACKED)
        self.n_spin.setToolTip("Number of synapses tracked")
        self.n_spin.valueChanged.connect(lambda n: self.set_synapses(self.mode, n, user=True))
        bar.addWidget(self.n_spin)
        self.pre_spin, self.post_spin = QSpinBox(), QSpinBox()
        self.pre_spin.setToolTip("Presynaptic neuron (index within its population)")
        self.post_spin.setToolTip("Postsynaptic neuron (index within its population)")
        self.arrow = QLabel("→")
        self.add_button = QToolButton()
        self.add_button.setText("+")
        self.add_button.setToolTip("Track the synapse from pre to post")
        self.add_button.clicked.connect(
            lambda: self.add_pair(self.pre_spin.value(), self.post_spin.value(), user=True)
        )
        self.clear_button = QToolButton()
        self.clear_button.setText("×")
        self.clear_button.setToolTip("Track no synapse (then add them one by one)")
        self.clear_button.clicked.connect(lambda: self.set_synapses("pairs", pairs=[], user=True))
        for widget in (self.pre_spin, self.arrow, self.post_spin, self.add_button):
            bar.addWidget(widget)
        bar.addWidget(self.clear_button)
        bar.addStretch(1)
        self._sync_bar()

    def _sync_bar(self) -> None:
        self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(self.mode))
        self.mode_combo.blockSignals(False)
        self.n_spin.blockSignals(True)
        self.n_spin.setValue(self.n_tracked)
        self.n_spin.blockSignals(False)
        pairs = self.mode == "pairs"
        self.n_spin.setVisible(not pairs)
        for widget in (self.pre_spin, self.arrow, self.post_spin, self.add_button):
            widget.setVisible(pairs)
        self.clear_button.setVisible(pairs)

    def start_run(self, info: RunInfo) -> None:
        super().start_run(info)
        plastic = [p for p in info.projections if p.plastic_index >= 0]
        if self.projection_id not in {p.node_id for p in plastic}:
            self.projection_id = plastic[0].node_id if plastic else None
        self.projection_combo.clear()
        for projection in plastic:
            self.projection_combo.addItem(projection.name, projection.node_id)
        # with one plastic projection the heatmap's title names it; no choice to offer
        self.projection_combo.setVisible(len(plastic) > 1)
        if self.projection_id is None:
            if self.note.scene() is None:
                self.plot.addItem(self.note)
            self.weights = np.zeros(0)
            self._track(np.zeros(0, dtype=np.int64))
            return
        self.projection_combo.setCurrentIndex(self.projection_combo.findData(self.projection_id))
        if self.note.scene() is not None:
            self.plot.removeItem(self.note)
        name = next(p.name for p in plastic if p.node_id == self.projection_id)
        self.plot.setTitle(f"{name}: weight matrix (pre × post)", size="8pt")
        self.weights = np.asarray(info.initial_weights.get(self.projection_id, np.zeros(0)))
        _, _, n_pre, n_post = info.synapses[self.projection_id]
        self.pre_spin.setRange(0, max(n_pre - 1, 0))
        self.post_spin.setRange(0, max(n_post - 1, 0))
        self._track(self._chosen_synapses())

    # -- which synapses ----------------------------------------------------------------------
    def _chosen_synapses(self) -> np.ndarray:
        """Indices (into the projection's weight vector) of the synapses to track."""
        if self.info is None or self.projection_id is None:
            return np.zeros(0, dtype=np.int64)
        pre, post, _, _ = self.info.synapses[self.projection_id]
        n = len(pre)
        if self.mode == "pairs":
            found = [self._synapse_index(p, q) for p, q in self.pairs]
            return np.array([i for i in found if i is not None], dtype=np.int64)
        k = min(self.n_tracked, n)
        if self.mode == "random":
            # a fixed draw: the same project tracks the same synapses every run
            return np.sort(np.random.default_rng(0).choice(n, size=k, replace=False))
        return np.unique(np.linspace(0, max(n - 1, 0), k).astype(np.int64))

    def _synapse_index(self, pre_index: int, post_index: int) -> int | None:
        pre, post, _, _ = self.info.synapses[self.projection_id]
        hits = np.flatnonzero((pre == pre_index) & (post == post_index))
        return int(hits[0]) if hits.size else None

    def _track(self, synapses: np.ndarray) -> None:
        """Start trajectories of ``synapses`` at the current time."""
        for curve in self.traj_curves:
            self.traj_plot.removeItem(curve)
        self.tracked = np.asarray(synapses, dtype=np.int64)
        self.trajectory = RingBuffer(TRAJECTORY_SAMPLES, self.tracked.size)
        if self.weights.size and self.tracked.size:
            self.trajectory.append(np.array([self.t_now]), self.weights[self.tracked][None, :])
        pre, post, _, _ = (
            self.info.synapses.get(self.projection_id, (np.zeros(0),) * 4)
            if self.info is not None
            else (np.zeros(0),) * 4
        )
        self.traj_curves = [
            self.traj_plot.plot(
                pen=pg.mkPen(pg.intColor(j, hues=max(self.tracked.size, 1)), width=1),
                name=f"{int(pre[s])}→{int(post[s])}" if s < len(pre) else str(s),
            )
            for j, s in enumerate(self.tracked)
        ]
        self.traj_plot.setTitle(self._traj_title(pre, post), size="8pt")
        self.dirty = True

    def _traj_title(self, pre: np.ndarray, post: np.ndarray) -> str:
        if self.mode == "pairs":
            shown = ", ".join(f"{int(pre[s])}→{int(post[s])}" for s in self.tracked[:4])
            more = f" +{self.tracked.size - 4}" if self.tracked.size > 4 else ""
            return f"synapses {shown}{more}" if shown else "no synapse chosen"
        return f"{self.tracked.size} {SYNAPSE_MODES[self.mode]} synapses"

    def set_synapses(
        self,
        mode: str,
        n: int | None = None,
        pairs: list[tuple[int, int]] | None = None,
        *,
        user: bool = False,
    ) -> None:
        """Track ``n`` synapses (``mode`` "spread" or "random") or the ``pairs`` of (pre, post)
        local indices (``mode`` "pairs"; ``None`` keeps the current pairs)."""
        if mode not in SYNAPSE_MODES:
            raise ValueError(f"synapse mode must be one of {sorted(SYNAPSE_MODES)}, got {mode!r}")
        self.mode = mode
        if n is not None:
            self.n_tracked = max(1, min(int(n), MAX_TRACKED))
        if pairs is not None:
            self.pairs = [(int(p), int(q)) for p, q in pairs][:MAX_TRACKED]
        self._sync_bar()
        if self.info is not None:
            self._track(self._chosen_synapses())
        if user:
            self.options_changed.emit()

    def add_pair(self, pre_index: int, post_index: int, *, user: bool = False) -> bool:
        """Track the synapse ``pre_index → post_index``; says so and returns ``False`` when the
        projection has no such synapse."""
        if self.info is not None and self.projection_id is not None:
            if self._synapse_index(pre_index, post_index) is None:
                name = self.projection_combo.currentText()
                self.message.emit(
                    f"Weights: {name} has no synapse from pre {pre_index} to post {post_index}"
                )
                return False
        pairs = [p for p in self.pairs if p != (pre_index, post_index)]
        self.set_synapses("pairs", pairs=[*pairs, (pre_index, post_index)], user=user)
        return True

    def _projection_picked(self, index: int) -> None:
        node_id = self.projection_combo.itemData(index)
        if node_id is None or node_id == self.projection_id:
            return
        self.projection_id = node_id
        if self.info is not None:
            latest = self._latest.get(node_id)
            self.start_run_keep_time()
            if latest is not None and self.t_now > 0:  # mid-run: not the initial weights
                self.weights = latest
                self._track(self._chosen_synapses())
        self.options_changed.emit()

    def options(self) -> dict[str, Any]:
        synapses: dict[str, Any] = {"mode": self.mode}
        if self.mode == "pairs":
            synapses["pairs"] = [list(p) for p in self.pairs]
        else:
            synapses["n"] = self.n_tracked
        out: dict[str, Any] = {"synapses": synapses}
        if self.projection_id is not None:
            out["projection"] = self.projection_id
        return out

    def set_options(self, entry: dict[str, Any]) -> None:
        projection = entry.get("projection")
        self.projection_id = projection if isinstance(projection, str) else None
        synapses = entry.get("synapses")
        synapses = synapses if isinstance(synapses, dict) else {}
        mode = synapses.get("mode") if synapses.get("mode") in SYNAPSE_MODES else "spread"
        n = synapses.get("n")
        n = n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else N_TRACKED
        raw = synapses.get("pairs")
        pairs = [
            (p[0], p[1])
            for p in (raw if isinstance(raw, list) else [])
            if isinstance(p, list)
            and len(p) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in p)
        ]
        self.set_synapses(mode, n, pairs)

    def append_chunk(self, chunk: Chunk) -> None:
        super().append_chunk(chunk)
        if self.projection_id is None or self.projection_id not in chunk.weights:
            return
        self._latest = chunk.weights
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
