"""What every live plot shares: the run's layout, the redraw contract and export.

A plot is told what a run looks like (:class:`RunInfo`, once, when the run starts), receives
every chunk through :meth:`LivePlot.append_chunk` (cheap: copies into ring buffers) and draws
only when :meth:`LivePlot.redraw` is called by the panel's timer. Its context menu exports the
picture (PNG, SVG) and the data it shows (NPZ, CSV).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from widgets.theme import current_theme

if TYPE_CHECKING:
    from engine.sim.build import GroupInfo, ProjectionInfo, TraceInfo
    from engine.sim.simulator import Chunk

pg.setConfigOptions(antialias=False, useOpenGL=False)

#: Population colours (colour-blind safe, Okabe-Ito), used by every plot and the canvas.
POPULATION_COLORS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)


def population_color(index: int) -> QColor:
    return QColor(POPULATION_COLORS[index % len(POPULATION_COLORS)])


@dataclass
class RunInfo:
    """The shape of a run, as the plots need it (taken from the compiled network).

    Attributes
    ----------
    thresholds
        Spike threshold (mV) of each population by node id, for threshold lines.
    synapses
        ``(pre, post, n_pre, n_post)`` of each plastic projection by node id: local indices of
        every synapse, in the order of ``Chunk.weights``.
    initial_weights
        Weights of each plastic projection when the run started.
    """

    dt_ms: float
    duration_ms: float
    groups: list[GroupInfo]
    traces: list[TraceInfo] = field(default_factory=list)
    projections: list[ProjectionInfo] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)
    synapses: dict[str, tuple[np.ndarray, np.ndarray, int, int]] = field(default_factory=dict)
    initial_weights: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def recorded_groups(self) -> list[GroupInfo]:
        return [g for g in self.groups if g.recorded]

    def group_index(self, node_id: str) -> int:
        return next(i for i, g in enumerate(self.groups) if g.node_id == node_id)

    def group_name(self, node_id: str) -> str:
        return next((g.name for g in self.groups if g.node_id == node_id), node_id)


def compact_combo(combo: QComboBox, characters: int) -> None:
    """Let ``combo`` be as narrow as ``characters`` letters (long names are cut), so a plot's
    controls do not force its dock wide."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)


def translucent(color: str, alpha: int) -> QColor:
    """``color`` with opacity ``alpha`` (0-255)."""
    result = QColor(color)
    result.setAlpha(alpha)
    return result


def plain_bottom_axis(plot: pg.PlotItem) -> None:
    """Values on the x axis as they are (ms, not "x1e3")."""
    plot.getAxis("bottom").enableAutoSIPrefix(False)


def add_grid(plot: pg.PlotItem) -> None:
    """Faint grid lines behind the data of ``plot``.

    Not the axes' own grid (``showGrid``): that makes each axis as large as the whole plot, so
    every redraw of a curve repaints the axes and their tick labels too, which was most of a
    live frame's cost. A :class:`pyqtgraph.GridItem` draws lines only, from a picture kept
    until the range changes.
    """
    grid = pg.GridItem(pen=pg.mkPen(translucent(current_theme().text, 40), width=0), textPen=None)
    grid.setTickSpacing(x=[None], y=[None])
    grid.setZValue(-100)
    plot.addItem(grid, ignoreBounds=True)


class LivePlot(QWidget):
    """Base of the live plots: one :class:`pyqtgraph.PlotWidget` plus export actions.

    Parameters
    ----------
    title
        Shown in the panel's dock title and used as the default export file name.
    history_ms
        How much simulated time the plot keeps and shows.
    """

    #: ``(message)``: something the user should know (an export written, rows decimated).
    message = Signal(str)
    #: The user changed what the plot shows (see :meth:`options`): the view state follows.
    options_changed = Signal()
    kind = "plot"
    #: Whether the main plot gets grid lines (see :func:`add_grid`).
    grid = True

    def __init__(self, title: str, history_ms: float = 1000.0, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.history_ms = float(history_ms)
        self.info: RunInfo | None = None
        self.t_now = 0.0
        self.dirty = False
        self.redraws = 0
        self.graphics = pg.GraphicsLayoutWidget()
        theme = current_theme()
        self.graphics.setBackground(theme.base)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._layout.addWidget(self.graphics)
        self._bar: QHBoxLayout | None = None
        self.plot = self.graphics.addPlot()
        plain_bottom_axis(self.plot)
        self.plot.setMenuEnabled(True)
        if self.grid:
            add_grid(self.plot)
        self._add_export_actions(self.plot)

    def bar(self) -> QHBoxLayout:
        """A row of small controls above the plot (created on first use)."""
        if self._bar is None:
            row = QWidget()
            # never forces the dock wider: in a narrow dock the controls are cut, not the plots
            row.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            self._bar = QHBoxLayout(row)
            self._bar.setContentsMargins(4, 2, 4, 2)
            self._bar.setSpacing(4)
            self._layout.insertWidget(0, row)
        return self._bar

    def options(self) -> dict[str, Any]:
        """What the user chose to show, saved in the plot's ``view["plots"]`` entry."""
        return {}

    def set_options(self, entry: dict[str, Any]) -> None:
        """Apply options read from a ``view["plots"]`` entry; malformed ones are ignored."""

    # -- the contract ---------------------------------------------------------------------------
    def start_run(self, info: RunInfo) -> None:
        """A run starts (or restarts from t = 0): size the buffers for it."""
        self.info = info
        self.t_now = 0.0
        self._x_end = None
        self.dirty = True

    def append_chunk(self, chunk: Chunk) -> None:
        """Copy what this plot needs from ``chunk`` into its buffers (no drawing)."""
        self.t_now = chunk.t_stop_ms
        self.dirty = True

    def redraw(self) -> None:
        """Draw the buffers (called by the panel's timer, at most ~30 times a second)."""
        if self.dirty:
            self.dirty = False
            self.redraws += 1
            self.draw()

    def draw(self) -> None:
        raise NotImplementedError

    def set_history_ms(self, history_ms: float) -> None:
        self.history_ms = float(history_ms)
        if self.info is not None:
            self.start_run_keep_time()

    def start_run_keep_time(self) -> None:
        """Resize buffers for a new history window (their contents are dropped)."""
        assert self.info is not None
        t = self.t_now
        self.start_run(self.info)
        self.t_now = t

    def scroll_x(self) -> None:
        """Show the last ``history_ms``, moving the range in steps of a quarter window: the
        axes then repaint a few times per window instead of every frame (axis painting is
        most of a frame's cost)."""
        step = self.history_ms / 4.0
        t1 = max(self.history_ms, np.ceil(self.t_now / step - 1e-9) * step)
        if getattr(self, "_x_end", None) != t1:
            self._x_end = t1
            self.plot.setXRange(t1 - self.history_ms, t1, padding=0)

    @staticmethod
    def sticky_y(plot: pg.PlotItem, low: float, high: float) -> None:
        """Fit the y range to [low, high] only when the data leave it or fill under a third of
        it, so that the y axis (costly to paint) does not change every frame."""
        if not (np.isfinite(low) and np.isfinite(high)):
            return
        if high <= low:
            high = low + 1.0
        plot.enableAutoRange(y=False)
        y0, y1 = plot.getViewBox().viewRange()[1]
        if low < y0 or high > y1 or (high - low) < (y1 - y0) / 3:
            margin = 0.1 * (high - low)
            plot.setYRange(low - margin, high + margin, padding=0)

    # -- export ---------------------------------------------------------------------------------
    def data(self) -> dict[str, np.ndarray]:
        """The data shown, as named arrays (what NPZ and CSV export write)."""
        return {}

    def _add_export_actions(self, plot_item: pg.PlotItem) -> None:
        menu = plot_item.getViewBox().menu
        menu.addSeparator()
        for text, slot in (
            ("Export as PNG…", lambda: self._ask_export("png")),
            ("Export as SVG…", lambda: self._ask_export("svg")),
            ("Export data as NPZ…", lambda: self._ask_export("npz")),
            ("Export data as CSV…", lambda: self._ask_export("csv")),
        ):
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)

    def _ask_export(self, kind: str) -> None:
        name = self.title.lower().replace(" ", "_")
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {self.title}", f"{name}.{kind}", f"{kind.upper()} (*.{kind})"
        )
        if path:
            self.export(path)

    def export(self, path: str | Path) -> Path:
        """Write the picture (``.png``, ``.svg``) or the data (``.npz``, ``.csv``) to ``path``."""
        path = Path(path)
        suffix = path.suffix.lower()
        self.redraw()
        if suffix == ".png":
            if not self.graphics.grab().save(str(path)):
                raise OSError(f"could not write {path}")
        elif suffix == ".svg":
            from pyqtgraph.exporters import SVGExporter

            SVGExporter(self.graphics.scene()).export(str(path))
        elif suffix == ".npz":
            np.savez_compressed(path, **self.data())
        elif suffix == ".csv":
            write_csv(path, self.data())
        else:
            raise ValueError(f"cannot export to {suffix!r}: use .png, .svg, .npz or .csv")
        self.message.emit(f"{self.title} exported to {path}")
        return path


def write_csv(path: Path, data: dict[str, np.ndarray]) -> None:
    """Write named 1-D or 2-D arrays as columns (2-D arrays give ``name[j]`` columns); shorter
    columns are padded with empty cells."""
    columns: list[tuple[str, np.ndarray]] = []
    for name, array in data.items():
        array = np.asarray(array)
        if array.ndim == 0:
            array = array.reshape(1)
        if array.ndim == 1:
            columns.append((name, array))
        else:
            flat = array.reshape(array.shape[0], -1)
            columns.extend((f"{name}[{j}]", flat[:, j]) for j in range(flat.shape[1]))
    length = max((c.size for _, c in columns), default=0)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([name for name, _ in columns])
        for i in range(length):
            writer.writerow([c[i] if i < c.size else "" for _, c in columns])
