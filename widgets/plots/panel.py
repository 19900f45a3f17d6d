"""The Plots panel: live plots as docks (detachable, rearrangeable), redrawn from one timer.

Which plots are shown is part of the project's view state (``view["plots"]``, a list of
``{"kind": ...}`` entries), so each project opens with its own choice; how their docks are
arranged (side by side, tabbed, floating, their sizes) is ``view["plot_layout"]``, the panel's
:meth:`QMainWindow.saveState` in base64. Chunks go to every plot as they arrive (a cheap copy
into ring buffers); the :class:`QTimer` redraws the plots that received data, never once per
chunk. The plots take turns: with three plots shown the timer ticks every ``FRAME_MS / 3``
and redraws one of them, so each plot still refreshes every :data:`FRAME_MS` but the GUI
thread never spends a whole frame's drawing (and painting) in one go, which kept other events
waiting. A round of turns is one frame in :attr:`PlotsPanel.fps`.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel, QMainWindow, QToolBar, QWidget

from widgets.plots.base import LivePlot, RunInfo
from widgets.plots.raster import RasterPlot
from widgets.plots.rates import RatePlot
from widgets.plots.traces import TracePlot
from widgets.plots.weights import WeightPlot

if TYPE_CHECKING:
    from engine.sim.simulator import Chunk

#: Redraw interval (ms): 30 frames per second at most.
FRAME_MS = 33
PLOT_KINDS: dict[str, tuple[str, type[LivePlot]]] = {
    "raster": ("Raster", RasterPlot),
    "rates": ("Rates", RatePlot),
    "traces": ("Membrane", TracePlot),
    "weights": ("Weights", WeightPlot),
}
DEFAULT_PLOTS = ("raster", "rates", "traces")
#: Version of the dock layout saved in ``view["plot_layout"]`` (a mismatch restores nothing).
LAYOUT_VERSION = 1
HISTORY_CHOICES_MS = (200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0)


class PlotDock(QDockWidget):
    """A plot's dock; closing it (its x button) unticks the plot."""

    closed = Signal()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        super().closeEvent(event)
        self.closed.emit()


class PlotsPanel(QMainWindow):
    """Live plots of the running simulation.

    Parameters
    ----------
    history_ms
        Simulated time every plot keeps (the ring buffers' size).
    """

    #: ``(message)`` for the status bar and the Messages panel.
    message = Signal(str)
    #: The set of shown plots changed: the new ``view["plots"]`` list.
    plots_changed = Signal(list)

    def __init__(self, history_ms: float = 1000.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlags(Qt.WindowType.Widget)
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AnimatedDocks
        )
        self.history_ms = float(history_ms)
        self.info: RunInfo | None = None
        self.plots: dict[str, LivePlot] = {}
        self.docks: dict[str, QDockWidget] = {}  # every kind's, shown or not
        self.frames = 0
        self._frame_times: list[float] = []
        self.fps = 0.0
        central = QLabel("Press Run (F5) to simulate; the plots fill as the network runs.")
        central.setObjectName("placeholder")
        central.setAlignment(Qt.AlignmentFlag.AlignCenter)
        central.setMaximumSize(QSize(0, 0))
        self.setCentralWidget(central)

        self.toolbar = QToolBar("Plots")
        self.toolbar.setObjectName("plots_toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setIconSize(QSize(14, 14))
        self.toggles: dict[str, QAction] = {}
        for kind, (title, _) in PLOT_KINDS.items():
            action = self.toolbar.addAction(title)
            action.setCheckable(True)
            action.setToolTip(f"Show the {title.lower()} plot")
            action.toggled.connect(lambda on, k=kind: self._toggled(k, on))
            self.toggles[kind] = action
        self.toolbar.addSeparator()
        self.toolbar.addWidget(QLabel(" window "))
        self.history_combo = QComboBox()
        self.history_combo.setToolTip("Simulated time the plots keep and show")
        for ms in HISTORY_CHOICES_MS:
            self.history_combo.addItem(f"{ms / 1000:g} s" if ms >= 1000 else f"{ms:g} ms", ms)
        self.history_combo.setCurrentIndex(HISTORY_CHOICES_MS.index(1000.0))
        self.history_combo.currentIndexChanged.connect(
            lambda i: self.set_history_ms(self.history_combo.itemData(i))
        )
        self.toolbar.addWidget(self.history_combo)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._turn_tick)
        self._turn = 0
        self._drew_in_round = False
        for kind in PLOT_KINDS:
            self._add_dock(kind)
        self._default_layout = self.saveState(LAYOUT_VERSION)
        self.set_plot_choice([{"kind": k} for k in DEFAULT_PLOTS])

    # -- which plots ------------------------------------------------------------------------------
    def plot_choice(self) -> list[dict[str, Any]]:
        """What ``view["plots"]`` should hold for the current choice."""
        return [
            {"kind": kind, **self.plots[kind].options()}
            for kind in PLOT_KINDS
            if kind in self.plots
        ]

    def set_plot_choice(self, entries: list[Any]) -> None:
        """Show the plots named by ``entries`` (``view["plots"]``; unknown kinds are ignored;
        an empty list means the default choice)."""
        chosen = {e.get("kind"): e for e in entries if isinstance(e, dict)}
        kinds = [k for k in chosen if k in PLOT_KINDS] or list(DEFAULT_PLOTS)
        for kind in kinds:
            self.docks[kind].widget().set_options(chosen.get(kind, {}))
        for kind, action in self.toggles.items():
            action.blockSignals(True)
            action.setChecked(kind in kinds)
            action.blockSignals(False)
            self._show(kind, kind in kinds)

    def layout_state(self) -> str:
        """The arrangement of the plot docks, as text for ``view["plot_layout"]``."""
        return base64.b64encode(bytes(self.saveState(LAYOUT_VERSION))).decode("ascii")

    def restore_layout(self, text: Any) -> bool:
        """Arrange the docks as :meth:`layout_state` saved them; ``False`` (and no change) for
        anything that is not such a state (an old or hand-edited file)."""
        if not isinstance(text, str) or not text:
            return False
        try:
            data = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            return False
        return self._restore(QByteArray(data))

    def reset_layout(self) -> None:
        """Plots side by side, none floating (a project that saved no layout)."""
        self._restore(self._default_layout)

    def _restore(self, state: QByteArray) -> bool:
        if not self.restoreState(state, LAYOUT_VERSION):
            return False
        for kind, dock in self.docks.items():  # the plot choice decides what is shown
            dock.setVisible(kind in self.plots)
        return True

    def _toggled(self, kind: str, on: bool) -> None:
        self._show(kind, on)
        if on:  # share the width evenly, or the new plot squeezes the others to slivers
            docked = [self.docks[k] for k in self.plots if not self.docks[k].isFloating()]
            width = self.width() // max(len(docked), 1)
            self.resizeDocks(docked, [width] * len(docked), Qt.Orientation.Horizontal)
        self.plots_changed.emit(self.plot_choice())

    def _add_dock(self, kind: str) -> None:
        title, cls = PLOT_KINDS[kind]
        plot = cls(self.history_ms)
        plot.message.connect(self.message)
        plot.options_changed.connect(lambda: self.plots_changed.emit(self.plot_choice()))
        dock = PlotDock(title, self)
        dock.setObjectName(f"plot_{kind}")
        dock.setWidget(plot)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        dock.closed.connect(lambda k=kind: self.toggles[k].setChecked(False))
        if self.docks:
            self.splitDockWidget(list(self.docks.values())[-1], dock, Qt.Orientation.Horizontal)
        else:
            self.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, dock)
        dock.hide()
        self.docks[kind] = dock

    def _show(self, kind: str, on: bool) -> None:
        # every kind has a dock from the start, hidden when not chosen: a saved layout then
        # always names the same docks (a dock missing at restore would leave a gap)
        dock = self.docks[kind]
        if on and kind not in self.plots:
            plot = dock.widget()
            self.plots[kind] = plot
            if self.info is not None:
                plot.start_run(self.info)
            dock.show()
        elif not on and kind in self.plots:
            self.plots.pop(kind)
            dock.hide()
        self.timer.setInterval(max(5, FRAME_MS // max(len(self.plots), 1)))

    # -- data -------------------------------------------------------------------------------------
    def start_run(self, info: RunInfo) -> None:
        """A new run: every plot resets its buffers for ``info``."""
        self.info = info
        for plot in self.plots.values():
            plot.start_run(info)
        self.redraw()

    def append_chunk(self, chunk: Chunk) -> None:
        for plot in self.plots.values():
            plot.append_chunk(chunk)
        if not self.timer.isActive():
            self.timer.start()

    def set_running(self, running: bool) -> None:
        """Redraw on the timer while running; once more when it stops."""
        if running:
            self.timer.start()
        else:
            self.timer.stop()
            self.redraw()
            rates = self.plots.get("rates")
            if rates is not None:
                rates.update_isi()  # otherwise only every few frames

    def set_history_ms(self, history_ms: float) -> None:
        self.history_ms = float(history_ms)
        for plot in self.plots.values():
            plot.set_history_ms(history_ms)

    def redraw(self) -> None:
        """Redraw every plot that has new data now (after a pause, for an export...)."""
        drew = False
        for plot in self.plots.values():
            if plot.dirty:
                plot.redraw()
                drew = True
        if drew:
            self._count_frame()

    def _turn_tick(self) -> None:
        """The timer: redraw the next plot in turn; a full round is one frame."""
        plots = list(self.plots.values())
        if not plots:
            return
        self._turn %= len(plots)
        plot = plots[self._turn]
        self._drew_in_round |= plot.dirty
        plot.redraw()
        self._turn += 1
        if self._turn == len(plots):
            self._turn = 0
            if self._drew_in_round:
                self._count_frame()
            self._drew_in_round = False

    def _count_frame(self) -> None:
        self.frames += 1
        now = time.perf_counter()
        self._frame_times.append(now)
        while self._frame_times and now - self._frame_times[0] > 1.0:
            self._frame_times.pop(0)
        self.fps = float(len(self._frame_times))

    def plot(self, kind: str) -> LivePlot | None:
        return self.plots.get(kind)
