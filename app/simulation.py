"""Live simulation in the editor: a worker thread that owns the simulator, and the controller
that wires Run / Pause / Step / Stop, the status bar, the plots and live parameter changes.

Threads and data
----------------
The GUI thread takes a snapshot of the document (``network.copy()``) when Run is pressed; the
:class:`SimulationWorker`, moved to its own :class:`QThread`, compiles it, owns the
:class:`~engine.sim.simulator.Simulator` and loops: apply pending live changes, check the stop
and pause flags, ``advance(n)``, emit the chunk. The engine's kernels release the GIL, so the
GUI keeps running while a chunk is computed. ``n`` is sized so that a chunk takes about
:data:`CHUNK_WALL_S` of wall time; with a speed ratio (1x, 0.1x...) the worker also sleeps so
that simulated time follows wall time. At most :data:`MAX_CHUNKS_IN_FLIGHT` chunks wait for the
GUI: if it falls behind, the worker waits instead of filling the event queue.

Edits while running
-------------------
Live-tunable parameters (``ParamSpec.live`` and the simulator's ``LIVE_PARAMS``) are edited as
usual (a command on the undo stack); the controller sees the ``param_changed`` event and sends
the new value to the worker, which applies it between two chunks, keeping all state.
Structural edits (nodes, wires, other parameters, settings) are *refused* while the simulation
runs, with a message: the running snapshot could not follow them and a silent divergence
between the drawing and the run would mislead. While paused or stopped they are allowed; the
next Run then rebuilds the network (a paused run restarts from t = 0, and says so). Moving,
renaming and notes are always allowed. An edit that reaches the document anyway (undo/redo of
an older edit) is noted in the Messages panel and applies on the next run.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QDockWidget, QFileDialog, QLabel, QProgressBar

from app.commands import (
    AddAnnotationCommand,
    EditAnnotationCommand,
    MoveItemsCommand,
    RenameNodeCommand,
    SetParamCommand,
)
from engine.errors import SpikeStudioError
from engine.model.network import Network
from widgets.controls import ControlsPanel
from widgets.plots.activity import ActivityOverlay
from widgets.plots.base import RunInfo, population_color
from widgets.plots.panel import PlotsPanel

#: Wall time one chunk should take (s): short enough for smooth plots and quick pauses.
CHUNK_WALL_S = 0.03
#: Python's GIL switch interval while a simulation runs (s; Python's default is 0.005).
#: Between two kernel calls the worker needs the GIL for a moment, and while the GUI thread
#: draws (Python code) the worker waited up to the switch interval each time: with the
#: default, the 20,000-neuron CUBA network ran at half the speed with the plots shown.
GIL_SWITCH_S = 0.0005
#: Interval of the status-bar and canvas-activity refresh (ms).
VIEW_REFRESH_MS = 100
#: Chunks the GUI may have queued but not yet handled before the worker waits.
MAX_CHUNKS_IN_FLIGHT = 3
#: Speed choices: (label, ratio of simulated to wall time; 0 = as fast as possible).
SPEEDS = (
    ("max", 0.0),
    ("10x", 10.0),
    ("2x", 2.0),
    ("1x", 1.0),
    ("0.5x", 0.5),
    ("0.1x", 0.1),
    ("0.01x", 0.01),
)
#: Edits that never change what a run computes.
HARMLESS_COMMANDS = (
    MoveItemsCommand,
    RenameNodeCommand,
    AddAnnotationCommand,
    EditAnnotationCommand,
)


_gil_lock = threading.Lock()
_gil_users = 0
_gil_saved = 0.005


@contextmanager
def prompt_gil_handoff():
    """Use :data:`GIL_SWITCH_S` as the GIL switch interval while at least one run is inside."""
    global _gil_users, _gil_saved
    with _gil_lock:
        if _gil_users == 0:
            _gil_saved = sys.getswitchinterval()
            sys.setswitchinterval(GIL_SWITCH_S)
        _gil_users += 1
    try:
        yield
    finally:
        with _gil_lock:
            _gil_users -= 1
            if _gil_users == 0:
                sys.setswitchinterval(_gil_saved)


def live_params() -> dict[str, tuple[str, ...]]:
    """Parameters the simulator can change while running, by node type id."""
    from engine.sim.simulator import LIVE_PARAMS

    return LIVE_PARAMS


def run_info(simulator, duration_ms: float, network: Network) -> RunInfo:
    """What the plots need to know about a run (built in the worker, from the simulator)."""
    compiled = simulator.compiled
    thresholds = {}
    for group in compiled.groups:
        params = network.node(group.node_id).params
        for name in ("v_th", "v_peak"):
            if isinstance(params.get(name), (int, float)):
                thresholds[group.node_id] = float(params[name])
                break
    synapses, initial = {}, {}
    for projection in compiled.projections:
        if projection.plastic_index < 0:
            continue
        pre, post = simulator.synapses(projection.node_id)
        synapses[projection.node_id] = (
            pre,
            post,
            compiled.group(projection.pre).size,
            compiled.group(projection.post).size,
        )
        initial[projection.node_id] = simulator.plastic_weights(projection.node_id)
    return RunInfo(
        dt_ms=compiled.dt_ms,
        duration_ms=duration_ms,
        groups=list(compiled.groups),
        traces=list(compiled.traces),
        projections=list(compiled.projections),
        thresholds=thresholds,
        synapses=synapses,
        initial_weights=initial,
    )


def cores_beside_window() -> int:
    """Cores a run in the app may use: all but one, which the window needs to draw. On 2 cores,
    2 simulation threads made a live 40,000-neuron CUBA run 1.9x slower than one thread
    (``benchmarks/live_cuba.py --neurons 40000 --threads 2``: 0.82x real time against 1.55x)."""
    return max(1, (os.cpu_count() or 1) - 1)


class SimulationWorker(QObject):
    """Runs one simulation on the thread it is moved to.

    Parameters
    ----------
    snapshot
        A copy of the document's network; the worker compiles it and never sees the document.
    duration_ms
        Where the run ends (``None``: it runs until stopped).
    start_paused
        Build the simulator, then wait for :meth:`resume` or :meth:`request_steps`.
    first_steps
        With ``start_paused``: run this many steps first (``None``: one chunk; ``False``:
        none).

    The ``request_*``/``set_*`` methods may be called from any thread; they only set flags
    that the loop reads between chunks. Call :meth:`work` on the worker's thread (or directly,
    for a synchronous run in tests).
    """

    #: ``(RunInfo, RunRecord or None)``: the simulator is built; nothing has run yet.
    started = Signal(object, object)
    #: ``(Chunk, running wall time in s)``: results of one ``advance`` call (copied arrays).
    chunk_ready = Signal(object, float)
    #: ``(t_ms)``: the loop is waiting (paused, or after a step).
    paused = Signal(float)
    #: ``(message)``: the engine refused or failed; the run is over.
    failed = Signal(str)
    #: ``(t_ms, completed)``: the loop has ended (completed: the duration was reached).
    finished = Signal(float, bool)

    def __init__(
        self,
        snapshot: Network,
        duration_ms: float | None,
        *,
        start_paused: bool = False,
        keep_record: bool = False,
        speed: float = 0.0,
        first_steps: int | None | bool = False,
        record_path: str | None = None,
        project_name: str = "",
        threads: int = 1,
    ) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.threads = threads
        self.duration_ms = duration_ms
        self.keep_record = keep_record
        self.record_path = record_path
        self.project_name = project_name
        self.writer = None
        self.simulator = None
        self._cond = threading.Condition()
        self._stop = False
        self._pause = start_paused
        # steps requested while paused (-1: one chunk); ``first_steps`` (with start_paused):
        # a Step pressed before the run existed
        self._steps = 0 if first_steps is False else (-1 if first_steps is None else first_steps)
        self._speed = float(speed)
        self._live: list[tuple[str, str, str, float]] = []
        self._in_flight = 0
        self._chunk_steps = 1
        self._wall_s = 0.0  # wall time spent running (not paused)

    # -- requests (any thread) ------------------------------------------------------------------
    def request_stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def request_pause(self) -> None:
        with self._cond:
            self._pause = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._pause = False
            self._steps = 0
            self._cond.notify_all()

    def request_steps(self, n_steps: int | None) -> None:
        """While paused: run ``n_steps`` steps (``None``: one chunk), then pause again."""
        with self._cond:
            self._pause = True
            self._steps = -1 if n_steps is None else max(1, int(n_steps))
            self._cond.notify_all()

    def set_speed(self, ratio: float) -> None:
        """Simulated time per wall time (1.0 = real time); 0 runs as fast as possible."""
        with self._cond:
            self._speed = max(0.0, float(ratio))
            self._cond.notify_all()

    def set_live_param(self, node_id: str, type_id: str, name: str, value: float) -> None:
        """Queue a live parameter change; it applies before the next chunk."""
        with self._cond:
            self._live.append((node_id, type_id, name, float(value)))
            self._cond.notify_all()

    def chunk_handled(self) -> None:
        """The GUI has taken a chunk (back-pressure: see :data:`MAX_CHUNKS_IN_FLIGHT`)."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            self._cond.notify_all()

    # -- the loop (worker thread) ---------------------------------------------------------------
    def work(self) -> None:
        """Build the simulator and run until the duration, a stop request or an error."""
        with prompt_gil_handoff():
            self._work()

    def _work(self) -> None:
        completed = False
        try:
            from engine.io.results import RunRecord
            from engine.sim.compiler import compile_network, worthwhile_threads
            from engine.sim.simulator import Simulator

            threads = worthwhile_threads(self.snapshot, min(self.threads, cores_beside_window()))
            simulator = Simulator(compile_network(self.snapshot, threads=threads))
            self.simulator = simulator
            if self.record_path is not None:
                from engine.io.recording import RecordingWriter

                self.writer = RecordingWriter(self.record_path, simulator, self.project_name)
            record = RunRecord(simulator, "") if self.keep_record else None
            self.started.emit(run_info(simulator, self.duration_ms or 0.0, self.snapshot), record)
            self._chunk_steps = max(1, simulator.steps_for(1.0))
            completed = self._loop(simulator)
            self._close_writer("complete" if completed else "stopped")
        except SpikeStudioError as err:
            self._close_writer("failed", str(err), quiet=True)
            self.failed.emit(str(err))
        except Exception as err:  # a bug, not a user error: still end the run cleanly
            detail = "".join(traceback.format_exception_only(type(err), err)).strip()
            self._close_writer("failed", detail, quiet=True)
            self.failed.emit(f"internal error in the simulation: {detail}")
            traceback.print_exc()
        finally:
            t_ms = self.simulator.time_ms if self.simulator is not None else 0.0
            self.finished.emit(t_ms, completed)

    def _close_writer(self, status: str, message: str = "", *, quiet: bool = False) -> None:
        """End the recording (if any). A write error while closing fails the run, unless
        ``quiet`` (the run has already failed; the file keeps its complete chunks)."""
        writer, self.writer = self.writer, None
        if writer is None or writer.closed:
            return
        try:
            writer.close(status, message)
        except SpikeStudioError:
            if not quiet:
                raise

    def _total_steps(self, simulator) -> int | None:
        return None if self.duration_ms is None else simulator.steps_for(self.duration_ms)

    def _loop(self, simulator) -> bool:
        total = self._total_steps(simulator)
        announced_pause = False
        # the (wall, simulated) origin of the speed throttle; reset after a pause or new speed
        origin: tuple[float, float, float] | None = None
        while True:
            with self._cond:
                for change in self._live:
                    simulator.set_live_param(*change)
                self._live.clear()
                if self._stop:
                    return False
                if total is not None and simulator.step >= total:
                    return True
                if self._pause and self._steps == 0:
                    if not announced_pause:
                        announced_pause = True
                        self.paused.emit(simulator.time_ms)
                    origin = None
                    self._cond.wait()
                    continue
                if self._in_flight >= MAX_CHUNKS_IN_FLIGHT:
                    self._cond.wait(0.5)
                    continue
                announced_pause = False
                stepping = self._pause
                speed = self._speed
                if stepping:
                    n = self._chunk_steps if self._steps < 0 else self._steps
                    self._steps = 0
                else:
                    n = self._chunk_steps
                    if speed > 0:
                        # a chunk should not cover more than CHUNK_WALL_S of paced time
                        n = min(n, max(1, simulator.steps_for(speed * CHUNK_WALL_S * 1000.0)))
                if origin is None or origin[2] != speed:
                    origin = (time.perf_counter(), simulator.time_ms, speed)
                if total is not None:
                    n = min(n, total - simulator.step)
                self._in_flight += 1
            started = time.perf_counter()
            chunk = simulator.advance(n)
            if self.writer is not None:
                self.writer.append(chunk)  # on this thread: the disk never blocks the GUI
            elapsed = time.perf_counter() - started
            self._wall_s += elapsed
            if not stepping:
                self._resize_chunk(n, elapsed)
                if speed > 0:
                    self._wall_s += self._throttle(origin, simulator.time_ms)
            self.chunk_ready.emit(chunk, self._wall_s)

    def _resize_chunk(self, n: int, elapsed: float) -> None:
        per_step = max(elapsed / max(n, 1), 1e-9)
        target = CHUNK_WALL_S / per_step
        # move halfway towards the target, at most doubling, so one slow chunk does not jolt it
        proposal = min(2 * self._chunk_steps, int(0.5 * self._chunk_steps + 0.5 * target))
        self._chunk_steps = max(1, min(proposal, 1_000_000))

    def _throttle(self, origin: tuple[float, float, float], t_ms: float) -> float:
        """Sleep until wall time has caught up with simulated time / speed; returns the sleep."""
        wall0, sim0, speed = origin
        due = wall0 + (t_ms - sim0) / 1000.0 / speed
        waited = 0.0
        with self._cond:
            while not self._stop and not self._pause and self._speed == speed:
                remaining = due - time.perf_counter()
                if remaining <= 0:
                    break
                start = time.perf_counter()
                self._cond.wait(remaining)
                waited += time.perf_counter() - start
        return waited


class SimulationController(QObject):
    """Connects a :class:`~app.main_window.MainWindow` to live simulation.

    Owns the Plots panel, the Controls panel, the status-bar widgets and, during a run, the
    worker and its thread.
    """

    #: ``(state)``: "idle", "starting", "running", "paused" or "finished".
    state_changed = Signal(str)
    #: ``(Chunk)`` after the plots took it.
    chunk_received = Signal(object)
    #: ``(RunInfo)`` when a new run's simulator is built.
    run_started = Signal(object)
    #: ``(t_ms, completed)`` when a run's thread has ended.
    run_finished = Signal(float, bool)
    #: ``(message)`` when the engine stopped the run with an error.
    run_failed = Signal(str)
    #: ``(t_ms)`` when the worker has paused (after Pause or a Step).
    run_paused = Signal(float)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.state = "idle"
        self.worker: SimulationWorker | None = None
        self.thread: QThread | None = None
        self.info: RunInfo | None = None
        self.record = None
        self.keep_record = False
        self.t_ms = 0.0
        self.wall_s = 0.0
        self.chunks = 0
        self.stale = False  # the document changed in a way the current run does not reflect
        self._pending_steps: int | None | bool = False  # a step asked for before the build
        self._network: Network | None = None
        self._activity: ActivityOverlay | None = None
        self._rate_window: list[np.ndarray] = []

        self.panel = PlotsPanel()
        self.panel.message.connect(lambda text: window.log(text))
        self.panel.plots_changed.connect(self._plots_changed)
        export = self.panel.toolbar.addAction("Export run…")
        export.setToolTip("Save the recorded data of the last run (NPZ)")
        export.triggered.connect(self._ask_export_run)
        self.keep_action = self.panel.toolbar.addAction("Keep whole run")
        self.keep_action.setCheckable(True)
        self.keep_action.setToolTip(
            "Keep every spike and sample of the next runs in memory, for export after the run "
            "(off: only the plots' history window is kept)"
        )
        self.keep_action.toggled.connect(lambda on: setattr(self, "keep_record", on))
        self.record_path: str | None = None  # where the next run is recorded
        self._recording: str | None = None  # where the current run is recorded
        self.record_action = QAction("Record Next Run to Disk…", self)
        self.record_action.setCheckable(True)
        self.record_action.setToolTip(
            "Write every spike and recorded sample of the next run to a file as it runs "
            "(.spkrec; memory stays bounded however long the run)"
        )
        self.record_action.triggered.connect(self._ask_record_path)
        self.panel.toolbar.addAction(self.record_action)
        if getattr(window, "simulation_menu", None) is not None:
            window.simulation_menu.addSeparator()
            window.simulation_menu.addAction(self.record_action)
        window.set_plots_widget(self.panel)

        self.controls = ControlsPanel()
        self.controls.param_edit_requested.connect(window.set_param)
        self.controls.pins_changed.connect(self._pins_changed)
        self.controls_dock = QDockWidget("Controls", window)
        self.controls_dock.setObjectName("controls_dock")
        self.controls_dock.setWidget(self.controls)
        window.addDockWidget(window.dockWidgetArea(window.inspector_dock), self.controls_dock)
        window.splitDockWidget(window.inspector_dock, self.controls_dock, Qt.Orientation.Vertical)
        self.controls_dock.hide()
        window.inspector.pin_requested.connect(self.pin)

        self._build_status_widgets()
        self._connect_actions()
        self._view_timer = QTimer(self)
        self._view_timer.setInterval(VIEW_REFRESH_MS)
        self._view_timer.timeout.connect(self._refresh_views)
        window.edit_guard = self.refusal
        window.about_to_save.connect(self._store_view)
        window.project_changed.connect(self._project_changed)
        self._project_changed(window.document.project)
        self._update_actions()

    # -- construction --------------------------------------------------------------------------
    def _build_status_widgets(self) -> None:
        status = self.window.statusBar()
        self.time_label = QLabel()
        self.time_label.setObjectName("sim_time")
        self.time_label.setToolTip("Simulated time · wall time · real-time factor")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(120)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.speed_combo = QComboBox()
        self.speed_combo.setToolTip(
            "Simulation speed: as fast as possible, or a ratio to real time"
        )
        for label, ratio in SPEEDS:
            self.speed_combo.addItem(f"speed {label}", ratio)
        self.speed_combo.currentIndexChanged.connect(self._speed_changed)
        status.insertPermanentWidget(0, self.speed_combo)
        status.insertPermanentWidget(1, self.progress)
        status.insertPermanentWidget(2, self.time_label)
        self._update_time()

    def _connect_actions(self) -> None:
        a = self.window.menu_actions
        a.run.triggered.connect(lambda: self.run())
        a.pause.triggered.connect(lambda: self.pause())
        a.step.triggered.connect(lambda: self.step(None))
        a.step_dt.triggered.connect(lambda: self.step(1))
        a.stop.triggered.connect(lambda: self.stop())
        a.reset_layout.triggered.connect(self.panel.reset_layout)

    # -- document ------------------------------------------------------------------------------
    def _project_changed(self, project) -> None:
        if self.state not in ("idle", "finished"):
            self.stop()
        if self._network is not None:
            self._network.events.disconnect("param_changed", self._param_changed)
            for event in ("node_added", "node_removed", "link_added", "link_removed"):
                self._network.events.disconnect(event, self._structure_changed)
            self._network.events.disconnect("settings_changed", self._structure_changed)
        self._network = project.network
        self._network.events.connect("param_changed", self._param_changed)
        for event in ("node_added", "node_removed", "link_added", "link_removed"):
            self._network.events.connect(event, self._structure_changed)
        self._network.events.connect("settings_changed", self._structure_changed)
        self._clear_activity()
        self.panel.set_plot_choice(project.view.get("plots", []))
        if not self.panel.restore_layout(project.view.get("plot_layout")):
            self.panel.reset_layout()
        self.controls.set_network(project.network, self._pinned_from(project.view))
        self.controls_dock.setVisible(bool(self.controls.pins()))
        self.stale = False
        self.t_ms = 0.0
        self.wall_s = 0.0
        self._update_time()

    def _plots_changed(self, entries: list) -> None:
        self._write_view_plots()

    def _pins_changed(self, pins: list) -> None:
        self._write_view_plots()
        self.controls_dock.setVisible(bool(pins))

    def _write_view_plots(self) -> None:
        view = self.window.document.project.view
        view["plots"] = self.panel.plot_choice() + [
            {"kind": "control", "node": node_id, "param": name}
            for node_id, name in self.controls.pins()
        ]

    def _store_view(self, project) -> None:
        """Before a save: the arrangement of the plot docks (``view["plots"]`` follows every
        change already)."""
        project.view["plot_layout"] = self.panel.layout_state()

    @staticmethod
    def _pinned_from(view: dict) -> list[tuple[str, str]]:
        return [
            (e["node"], e["param"])
            for e in view.get("plots", [])
            if isinstance(e, dict) and e.get("kind") == "control" and "node" in e and "param" in e
        ]

    def pin(self, node_id: str, name: str) -> None:
        """Pin a slider for a live parameter to the Controls panel."""
        self.controls.pin(node_id, name)
        self.controls_dock.show()
        self.controls_dock.raise_()

    # -- edits while running ---------------------------------------------------------------------
    def is_live(self, node_id: str, name: str) -> bool:
        node = self.window.network.node(node_id)
        return name in live_params().get(node.type_id, ())

    def refusal(self, command) -> str | None:
        """Why ``command`` may not be pushed now, or ``None`` (see the module notes)."""
        if self.state not in ("starting", "running"):
            return None
        if isinstance(command, HARMLESS_COMMANDS):
            return None
        if isinstance(command, SetParamCommand):
            if self.is_live(command.node_id, command.name):
                return None
            message = (
                f"'{command.name}' cannot change while the simulation runs; pause or stop it "
                "first (live parameters such as rates and currents can change at any time)"
            )
            self.window.inspector.refuse_edit(command.node_id, command.name, message)
            return message
        return (
            "The network cannot be changed while the simulation runs: pause or stop it "
            "first, then run again to use the new network"
        )

    def _param_changed(self, node, name: str, old: Any, new: Any) -> None:
        if self.state in ("idle", "finished"):
            return
        if self.is_live(node.id, name) and isinstance(new, (int, float)):
            if self.worker is not None:
                self.worker.set_live_param(node.id, node.type_id, name, float(new))
        else:
            self._structure_changed()

    def _structure_changed(self, *_: Any, **__: Any) -> None:
        if self.state in ("idle", "finished") or self.stale:
            return
        self.stale = True
        if self.state == "paused":
            self.window.log("The network changed: the next Run rebuilds it and starts at t = 0.")
        else:
            self.window.log(
                "The network changed during the run; the running simulation keeps the network "
                "it started with, and the change applies on the next run.",
                "warning",
            )

    # -- commands ------------------------------------------------------------------------------
    def run(self, duration_ms: float | None = None) -> None:
        """Start a run, or resume a paused one (rebuilt if the network changed).

        ``duration_ms`` overrides the project's duration for a new run (``--run MS``)."""
        if self.state == "paused" and not self.stale:
            self.worker.resume()
            self._set_state("running")
            return
        if self.state == "paused" and self.stale:
            self.window.log("Rebuilding the changed network; the run restarts at t = 0.")
            self._abandon()
        if self.state in ("running", "starting"):
            return
        self._start(paused=False, duration_ms=duration_ms)

    def pause(self) -> None:
        if self.state in ("running", "starting") and self.worker is not None:
            self.worker.request_pause()
            self._set_state("paused")

    def step(self, n_steps: int | None) -> None:
        """Advance one chunk (``None``) or ``n_steps`` steps, then stay paused."""
        if self.state == "paused" and self.stale:
            self._abandon()
        if self.state in ("idle", "finished"):
            self._pending_steps = n_steps
            self._start(paused=True)
            return
        if self.worker is not None:
            self.worker.request_steps(n_steps)
            self._set_state("paused")

    def stop(self) -> None:
        """End the run; the plots keep its last window, the next Run starts at t = 0."""
        if self.worker is not None:
            self.worker.request_stop()
        if self.state not in ("idle", "finished"):
            self._set_state("finished")

    def _abandon(self) -> None:
        """Stop the current run without waiting (its late signals are ignored)."""
        if self.worker is not None:
            self.worker.request_stop()
            self._disconnect_worker(self.worker)
        self.worker = None
        self._set_state("idle")

    def _start(self, paused: bool, duration_ms: float | None = None) -> None:
        if self.window.document is None:
            return
        snapshot = self.window.network.copy()
        duration = float(snapshot.settings["duration_ms"] if duration_ms is None else duration_ms)
        worker = SimulationWorker(
            snapshot,
            duration,
            start_paused=paused,
            first_steps=self._pending_steps if paused else False,
            keep_record=self.keep_record,
            speed=self.speed_combo.currentData(),
            record_path=self.record_path,
            project_name=self.window.document.project.name,
            threads=self.window.settings.simulation_threads,
        )
        self._recording = self.record_path
        if self.record_path is not None:
            self.window.log(f"Recording this run to {self.record_path}.")
            self.set_record_path(None)
        thread = QThread()
        thread.setObjectName("simulation")
        worker.moveToThread(thread)
        thread.started.connect(worker.work)
        worker.started.connect(self._started)
        worker.chunk_ready.connect(self._chunk_ready)
        worker.paused.connect(self._paused)
        worker.failed.connect(self._failed)
        worker.finished.connect(self._finished)
        worker.finished.connect(thread.quit)
        thread.finished.connect(thread.deleteLater)
        thread.finished.connect(worker.deleteLater)
        self.worker, self.thread = worker, thread
        self._threads = getattr(self, "_threads", set())
        self._threads.add(thread)
        thread.finished.connect(lambda t=thread: self._threads.discard(t))
        self.stale = False
        self.t_ms = 0.0
        self.wall_s = 0.0
        self.chunks = 0
        self.duration_ms = duration
        self._set_state("starting")
        self.window.statusBar().showMessage("Building the network…")
        dock = self.window.plots_dock
        if dock.isVisible() and dock.height() < 300:
            self.window.resizeDocks([dock], [340], Qt.Orientation.Vertical)
        dock.raise_()
        thread.start()

    def _disconnect_worker(self, worker: SimulationWorker) -> None:
        for signal, slot in (
            (worker.started, self._started),
            (worker.chunk_ready, self._chunk_ready),
            (worker.paused, self._paused),
            (worker.failed, self._failed),
            (worker.finished, self._finished),
        ):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass

    # -- from the worker ------------------------------------------------------------------------
    def _is_current(self) -> bool:
        return self.sender() is None or self.sender() is self.worker

    def _started(self, info: RunInfo, record) -> None:
        if not self._is_current():
            return
        self.info = info
        self.record = record
        self._clear_activity()
        self.panel.start_run(info)
        self.window.statusBar().clearMessage()
        if self._pending_steps is not False:  # the worker was built with these steps
            self._pending_steps = False
            self._set_state("paused")
        else:
            self._set_state("running")
        self.panel.set_running(True)
        self.run_started.emit(info)

    def _chunk_ready(self, chunk, wall_s: float) -> None:
        worker = self.worker
        if not self._is_current() or worker is None:
            return
        worker.chunk_handled()
        self.chunks += 1
        self.t_ms = chunk.t_stop_ms
        self.wall_s = wall_s
        if self.record is not None:
            self.record.append(chunk)
        self.panel.append_chunk(chunk)
        self._collect_rates(chunk)
        self.chunk_received.emit(chunk)

    def _paused(self, t_ms: float) -> None:
        if not self._is_current():
            return
        self.panel.redraw()
        self._refresh_views()
        self.run_paused.emit(t_ms)

    def _failed(self, message: str) -> None:
        if not self._is_current():
            return
        self.window.log(f"Simulation stopped: {message}", "error")
        self._recording = None  # the message says what the recording holds
        self.run_failed.emit(message)

    def _finished(self, t_ms: float, completed: bool) -> None:
        if not self._is_current():
            return
        self.worker = None
        self.thread = None
        self.panel.set_running(False)
        self._set_state("finished")
        self._refresh_views()
        if completed:
            self.window.log(f"Run complete: {t_ms:.1f} ms simulated in {self.wall_s:.2f} s.")
        if self._recording is not None:
            self.window.log(f"Recording of {t_ms:.1f} ms written to {self._recording}.")
            self._recording = None
        self._update_time()
        self.run_finished.emit(t_ms, completed)

    # -- views -------------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        if state == self.state:
            return
        self.state = state
        if state == "running":
            self.panel.set_running(True)
            self._view_timer.start()
        elif state != "starting":
            self.panel.set_running(False)
            self._view_timer.stop()
            self._refresh_views()
        self._update_actions()
        self._update_time()
        self.state_changed.emit(state)

    def _update_actions(self) -> None:
        a = self.window.menu_actions
        busy = self.state in ("running", "starting")
        a.run.setEnabled(not busy)
        a.run.setText("&Resume" if self.state == "paused" else "&Run")
        a.pause.setEnabled(busy)
        a.step.setEnabled(self.state != "starting")
        a.step_dt.setEnabled(self.state != "starting")
        a.stop.setEnabled(self.state in ("running", "starting", "paused"))

    def _speed_changed(self, index: int) -> None:
        if self.worker is not None:
            self.worker.set_speed(self.speed_combo.itemData(index))

    def set_speed(self, ratio: float) -> None:
        """Choose a speed (one of :data:`SPEEDS`' ratios)."""
        index = self.speed_combo.findData(ratio)
        if index >= 0:
            self.speed_combo.setCurrentIndex(index)

    @property
    def real_time_factor(self) -> float:
        return self.t_ms / 1000.0 / self.wall_s if self.wall_s > 0 else 0.0

    def _update_time(self) -> None:
        state = {"starting": "building", "paused": "paused", "finished": "ended"}.get(
            self.state, ""
        )
        text = f"t = {self.t_ms / 1000:.3f} s"
        if self.wall_s > 0:
            text += f" · wall {self.wall_s:.1f} s · RT {self.real_time_factor:.2f}x"
        if self.state == "running":
            text += f" · {self.panel.fps:.0f} fps"
        if state:
            text += f" · {state}"
        self.time_label.setText(text)
        duration = getattr(self, "duration_ms", 0.0)
        show = self.state in ("running", "paused", "starting") and duration > 0
        self.progress.setVisible(show)
        if show:
            self.progress.setValue(int(1000 * min(1.0, self.t_ms / duration)))
            self.progress.setMaximum(1000)

    def _collect_rates(self, chunk) -> None:
        """Keep the spike counts of about the last 100 ms of simulated time (for the canvas)."""
        if chunk.n_steps == 0:
            return
        self._rate_window.append((chunk.group_counts.sum(axis=0), chunk.n_steps * chunk.dt_ms))
        span = 0.0
        for k in range(len(self._rate_window) - 1, -1, -1):
            span += self._rate_window[k][1]
            if span >= 100.0:
                self._rate_window = self._rate_window[k:]
                break

    def _refresh_views(self) -> None:
        """Status bar and canvas activity, a few times a second (not once per chunk)."""
        self._update_time()
        self._update_activity()

    def _update_activity(self) -> None:
        if self.info is None or self.window.scene is None or not self._rate_window:
            return
        counts = np.sum([c for c, _ in self._rate_window], axis=0)
        per_ms = counts / sum(ms for _, ms in self._rate_window)
        rates = {
            g.node_id: float(per_ms[i]) * 1000.0 / max(g.size, 1)
            for i, g in enumerate(self.info.groups)
        }
        colors = {g.node_id: population_color(i) for i, g in enumerate(self.info.groups)}
        if self._activity is None or self._activity.scene is not self.window.scene:
            self._activity = ActivityOverlay(self.window.scene)
        self._activity.set_rates(rates, colors)

    def _clear_activity(self) -> None:
        self._rate_window = []
        if self._activity is not None:
            try:
                self._activity.clear()
            except RuntimeError:  # the scene went away with its items
                pass
            self._activity = None

    # -- export -----------------------------------------------------------------
    def export_run(self, path: str) -> str:
        """Write the last run's data to ``path`` (NPZ): the whole run if it was kept ("Keep
        whole run"), otherwise what the plots hold (their history window)."""
        if self.record is not None and self.record.n_steps:
            self.record.save_npz(path)
            return path
        data: dict[str, np.ndarray] = {}
        for kind, plot in self.panel.plots.items():
            for key, value in plot.data().items():
                data[f"{kind}/{key}"] = np.asarray(value)
        if not data:
            raise ValueError("nothing recorded yet: run the simulation first")
        np.savez_compressed(path, **data)
        return path

    def _ask_export_run(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export run data", "run.npz", "NumPy archive (*.npz)"
        )
        if not path:
            return
        try:
            self.export_run(path)
        except (OSError, ValueError) as err:
            self.window.log(f"Could not export the run: {err}", "error")
            return
        self.window.log(f"Run data written to {path}")

    # -- recording to disk -----------------------------------------------------------------
    def set_record_path(self, path: str | None) -> None:
        """Record the next run to ``path`` (a ``.spkrec`` file), or not (``None``)."""
        self.record_path = None if not path else str(path)
        self.record_action.setChecked(self.record_path is not None)

    def _ask_record_path(self, checked: bool) -> None:
        if not checked:
            self.set_record_path(None)
            return
        from engine.io.recording import SUFFIX

        path, _ = QFileDialog.getSaveFileName(
            self.window,
            "Record next run to disk",
            f"{self.window.document.project.name or 'run'}{SUFFIX}",
            f"SpikeStudio recording (*{SUFFIX})",
        )
        if path and not path.endswith(SUFFIX):
            path += SUFFIX
        self.set_record_path(path or None)
        if path:
            self.window.log(f"The next run will be recorded to {path}.")

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop the run and wait for its thread (the window is closing)."""
        worker, thread = self.worker, self.thread
        if worker is not None:
            worker.request_stop()
        if thread is not None:
            try:
                thread.quit()
                thread.wait(timeout_ms)
            except RuntimeError:
                pass
        self.worker = None
        self.thread = None


def wait_for(predicate, timeout_s: float) -> bool:
    """Run the event loop until ``predicate()`` is true (for the ``--run`` screenshot and the
    benchmarks); it checks every few ms from a timer, so the GUI thread never sleeps."""
    from PySide6.QtCore import QEventLoop

    if predicate():
        return True
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s
    check = QTimer()
    check.setInterval(5)
    check.timeout.connect(
        lambda: loop.quit() if predicate() or time.perf_counter() > deadline else None
    )
    check.start()
    loop.exec()
    check.stop()
    return bool(predicate())
