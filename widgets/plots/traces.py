"""State traces (membrane potential and other recorded variables) of selected neurons.

One small plot per state recorder, one curve per sampled neuron (at most
:data:`MAX_CURVES`), and the population's threshold as a dashed line when the variable is the
membrane potential. Samples go into a ring buffer holding the history window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg

from widgets.plots.base import LivePlot, RunInfo, add_grid, plain_bottom_axis, translucent
from widgets.plots.buffers import RingBuffer, peak_decimate
from widgets.theme import current_theme

if TYPE_CHECKING:
    from engine.sim.simulator import Chunk

#: Curves drawn per recorder at most (the recorder may sample more neurons).
MAX_CURVES = 20


class TracePlot(LivePlot):
    """Recorded state of selected neurons, one row per state recorder."""

    kind = "traces"

    def __init__(self, history_ms: float = 1000.0, parent=None):
        super().__init__("Membrane", history_ms, parent)
        self.buffers: dict[str, RingBuffer] = {}
        self.curves: dict[str, list[pg.PlotDataItem]] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        self.note = pg.TextItem("Add a State recorder to plot membrane potentials", color="#888")
        self.plot.addItem(self.note)

    def start_run(self, info: RunInfo) -> None:
        super().start_run(info)
        self.graphics.clear()
        self.buffers, self.curves, self.plots = {}, {}, {}
        if not info.traces:
            self.plot = self.graphics.addPlot()
            self._add_export_actions(self.plot)
            self.note = pg.TextItem(
                "Add a State recorder to a population to plot its membrane potential",
                color="#888",
            )
            self.plot.addItem(self.note)
            return
        first = None
        for row, trace in enumerate(info.traces):
            plot = self.graphics.addPlot(row=row, col=0)
            self._add_export_actions(plot)
            plain_bottom_axis(plot)
            add_grid(plot)
            plot.setLabel("left", trace.variable, trace.unit)
            plot.setTitle(trace.name, size="8pt")
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            interval_ms = trace.interval_steps * info.dt_ms
            capacity = int(np.ceil(self.history_ms / interval_ms)) + 2
            self.buffers[trace.recorder_id] = RingBuffer(capacity, trace.neurons.size)
            shown = trace.neurons[:MAX_CURVES]
            self.curves[trace.recorder_id] = [
                plot.plot(
                    pen=pg.mkPen(pg.intColor(j, hues=max(len(shown), 1)), width=1),
                    name=f"{trace.population} #{int(n)}",
                    skipFiniteCheck=True,
                )
                for j, n in enumerate(shown)
            ]
            group = next((g for g in info.groups if g.name == trace.population), None)
            threshold = info.thresholds.get(group.node_id) if group is not None else None
            if trace.variable == "v_m" and threshold is not None:
                plot.addItem(
                    pg.InfiniteLine(
                        threshold,
                        angle=0,
                        pen=pg.mkPen("#c0392b", width=1, style=pg.QtCore.Qt.PenStyle.DashLine),
                        label="threshold",
                        # under the line, on a backdrop: readable over the curves, never cut off
                        labelOpts={
                            "position": 0.98,
                            "color": "#c0392b",
                            "fill": translucent(current_theme().base, 210),
                            "anchors": [(1, 0), (1, 0)],
                        },
                    )
                )
            self.plots[trace.recorder_id] = plot
        self.plot = first
        self.plot.setLabel("bottom", "time", "ms")

    def append_chunk(self, chunk: Chunk) -> None:
        super().append_chunk(chunk)
        for recorder_id, trace in chunk.traces.items():
            buffer = self.buffers.get(recorder_id)
            if buffer is not None:
                buffer.append(trace.times_ms, trace.values)

    def draw(self) -> None:
        for recorder_id, buffer in self.buffers.items():
            curves = self.curves[recorder_id]
            times, values = buffer.data()
            # about two points per pixel, decimated once for every curve (pyqtgraph's own
            # downsampling works curve by curve and costs more than the drawing)
            width = int(self.plots[recorder_id].getViewBox().width())
            times, shown = peak_decimate(times, values[:, : len(curves)], 2 * max(width, 200))
            columns = np.ascontiguousarray(shown.T)
            for j, curve in enumerate(curves):
                curve.setData(times, columns[j], skipFiniteCheck=True)
            if shown.size:
                low, high = float(shown.min()), float(shown.max())
                trace = next(t for t in self.info.traces if t.recorder_id == recorder_id)
                group = next((g for g in self.info.groups if g.name == trace.population), None)
                threshold = self.info.thresholds.get(group.node_id) if group else None
                if trace.variable == "v_m" and threshold is not None:
                    low, high = min(low, threshold), max(high, threshold)
                self.sticky_y(self.plots[recorder_id], low, high)
        if self.buffers:
            self.scroll_x()

    def data(self) -> dict[str, np.ndarray]:
        out = {}
        for trace in self.info.traces if self.info else []:
            times, values = self.buffers[trace.recorder_id].data()
            key = trace.name.replace("/", "_")
            out[f"{key}/times_ms"] = times
            out[f"{key}/values"] = values
        return out
