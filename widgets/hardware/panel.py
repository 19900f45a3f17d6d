"""The hardware panel: pick a chip, see the design mapped onto its cores, what breaks its
limits and what running it would cost.

Mapping runs off the GUI thread (a :class:`MappingJob` on a one-thread pool) and is redone
300 ms after the last edit of the design; a result older than the latest request is dropped.
While a simulation runs, the spikes of every chunk are added up per neuron and the energy is
recomputed from them at most twice a second (:func:`hardware.counts.count_spike_totals`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.errors import SpikeStudioError
from engine.model.network import CHANGE_EVENTS
from hardware import drc
from hardware.counts import EventRoutes, count_spike_totals
from hardware.mapping import Mapping
from hardware.power import TIME_BASES, estimate_energy
from hardware.profiles import Profile, ProfileError, list_profiles, load_profile
from hardware.report import map_and_report
from widgets.hardware.comparison import ComparisonDialog
from widgets.hardware.core_grid import METRICS, CoreGrid, GridData, UtilizationLegend
from widgets.hardware.energy import EnergyChart
from widgets.hardware.violations import ViolationsTable
from widgets.theme import current_theme, theme_signals

#: Quiet time after an edit before the design is mapped again (ms).
REMAP_DELAY_MS = 300
#: Mapping shorter than this shows no busy indicator (ms).
BUSY_DELAY_MS = 100
#: Energy is recomputed at most this often while a simulation runs (ms).
ENERGY_INTERVAL_MS = 500
TOOLTIP_ROLE = Qt.ItemDataRole.ToolTipRole
TIME_BASE_LABELS = {
    "real_time": "Real time at the chip's tick",
    "as_fast_as_possible": "As fast as possible",
}


@dataclass
class MappingResult:
    """One finished mapping: the CLI's report and the mapping it was made from."""

    generation: int
    report: dict[str, Any]
    mapping: Mapping
    seconds: float
    #: what a spike of each neuron costs on this placement (built with the mapping, off the
    #: GUI thread: 0.4 s for a 20,000-neuron network)
    routes: EventRoutes | None = None


class _JobSignals(QObject):
    finished = Signal(object)
    failed = Signal(int, str)


class MappingJob(QRunnable):
    """Maps a snapshot of the design on one profile, as ``spikestudio map`` does."""

    def __init__(self, generation: int, network, profile: Profile) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.generation, self.network, self.profile = generation, network, profile
        self.signals = _JobSignals()

    def run(self) -> None:
        start = time.perf_counter()
        try:
            report, mapping = map_and_report(self.network, self.profile)
        except SpikeStudioError as err:
            self.signals.failed.emit(self.generation, str(err))
            return
        except Exception as err:  # noqa: BLE001 - a bug must not leave the panel busy forever
            self.signals.failed.emit(self.generation, f"{type(err).__name__}: {err}")
            return
        seconds = time.perf_counter() - start
        routes = EventRoutes(mapping)
        self.signals.finished.emit(MappingResult(self.generation, report, mapping, seconds, routes))


class EnergyJob(QRunnable):
    """Prices the spikes of the run so far (a copy) on a mapping, off the GUI thread: for
    tens of thousands of neurons this takes tens of ms, which would stall the live plots."""

    def __init__(self, routes: EventRoutes, spikes, duration_ms: float, dt_ms: float,
                 time_base: str) -> None:  # fmt: skip
        super().__init__()
        self.setAutoDelete(False)
        self.routes, self.spikes = routes, spikes
        self.duration_ms, self.dt_ms, self.time_base = duration_ms, dt_ms, time_base
        self.signals = _EnergySignals()
        self.seq = 0

    def run(self) -> None:
        try:
            self.signals.finished.emit(price_spikes(self.routes, self.spikes, self.duration_ms,
                                                    self.dt_ms, self.time_base))  # fmt: skip
        except Exception as err:  # noqa: BLE001 - the chart then simply keeps its last state
            self.signals.failed.emit(f"{type(err).__name__}: {err}")


class _EnergySignals(QObject):
    finished = Signal(object)
    failed = Signal(str)


def price_spikes(routes: EventRoutes, spikes, duration_ms: float, dt_ms: float,
                 time_base: str) -> dict[str, Any]:  # fmt: skip
    """Energy of ``spikes`` (per neuron, over ``duration_ms``) on ``routes``' mapping."""
    mapping = routes.mapping
    counts = count_spike_totals(routes, spikes, duration_ms, dt_ms, drc.chip_dt_ms(mapping))
    energy, _ = estimate_energy(mapping, counts, time_base)
    energy["notes"] = list(energy["notes"]) + counts.notes
    return energy


class LiveSpikes:
    """Spikes per neuron of the running simulation, in the mapping's index space.

    Recorded groups are counted neuron by neuron from the chunk's spikes; for groups without
    a spike recorder only the per-group totals exist, and they are spread evenly over the
    group's neurons (an estimate, said in :attr:`notes`).
    """

    def __init__(self, info, mapping: Mapping) -> None:
        compiled = mapping.compiled
        by_id = {g.node_id: g for g in compiled.groups}
        self.n_neurons = compiled.n_neurons
        self.spikes = np.zeros(self.n_neurons)
        self.duration_ms = 0.0
        self.dt_ms = info.dt_ms
        self.index = np.full(sum(g.size for g in info.groups), -1, dtype=np.int64)
        self.estimated: list[tuple[int, int, int]] = []  # (run group, start, size)
        self.notes: list[str] = []
        self.matches = all(
            g.node_id in by_id and by_id[g.node_id].size == g.size for g in info.groups
        ) and len(info.groups) == len(compiled.groups)
        if not self.matches:
            return
        for k, g in enumerate(info.groups):
            target = by_id[g.node_id]
            self.index[g.start : g.start + g.size] = np.arange(
                target.start, target.start + target.size
            )
            if not g.recorded:
                self.estimated.append((k, target.start, target.size))
        if self.estimated:
            names = ", ".join(info.groups[k].name for k, _, _ in self.estimated)
            self.notes.append(f"Not recorded, spikes spread evenly over the neurons: {names}.")

    def add(self, chunk) -> None:
        if not self.matches:
            return
        self.duration_ms += chunk.n_steps * chunk.dt_ms
        if chunk.spike_neurons.size:
            self.spikes += np.bincount(self.index[chunk.spike_neurons], minlength=self.n_neurons)
        if self.estimated and chunk.group_counts.size:
            totals = chunk.group_counts.sum(axis=0)
            for k, start, size in self.estimated:
                self.spikes[start : start + size] += totals[k] / size


class HardwarePanel(QWidget):
    """Platform selector, core grid, violations and energy of the current design.

    Signals
    -------
    nodes_selected(list)
        Node ids to select in the editor (a core was clicked).
    node_activated(str)
        A node to select and bring into view (a violation was activated).
    mapped(object)
        A :class:`MappingResult` is shown.
    mapping_failed(str)
        The design could not be mapped; the message is shown in the summary line.
    energy_updated(object)
        The energy estimate shown changed (the dict of :func:`estimate_energy`).
    profile_changed(str)
        The profile in use changed (its id).
    choices_changed(dict)
        The user changed the profile, metric or time base (:meth:`choices`).
    """

    nodes_selected = Signal(list)
    node_activated = Signal(str)
    mapped = Signal(object)
    mapping_failed = Signal(str)
    energy_updated = Signal(object)
    profile_changed = Signal(str)
    choices_changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.network = None
        self.profile: Profile = load_profile("loihi")
        self.user_profiles: dict[str, Profile] = {}
        self.result: MappingResult | None = None
        self.energy: dict[str, Any] | None = None
        self.live: LiveSpikes | None = None
        self._run_info = None
        self._routes: EventRoutes | None = None
        self._generation = 0
        self._running_job: MappingJob | None = None
        self._pending = False
        self._energy_dirty = False
        self._energy_job: EnergyJob | None = None
        self._energy_seq = 0
        self._comparison: ComparisonDialog | None = None
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._build()
        self._remap_timer = QTimer(self)
        self._remap_timer.setSingleShot(True)
        self._remap_timer.setInterval(REMAP_DELAY_MS)
        self._remap_timer.timeout.connect(self.remap)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(self._show_busy)
        self._energy_timer = QTimer(self)
        self._energy_timer.setInterval(ENERGY_INTERVAL_MS)
        self._energy_timer.timeout.connect(self._refresh_energy)
        theme_signals().changed.connect(self._theme_changed)

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        self.platform_combo = QComboBox()
        self.platform_combo.setToolTip(
            "The neuromorphic platform to map the design onto; the "
            "design is mapped again as soon as you pick one"
        )
        for name in list_profiles():
            profile = load_profile(name)
            self.platform_combo.addItem(profile.short_name, name)
            self.platform_combo.setItemData(
                self.platform_combo.count() - 1, profile.name, TOOLTIP_ROLE
            )
        self.platform_combo.setCurrentIndex(self.platform_combo.findData("loihi"))
        self.platform_combo.currentIndexChanged.connect(self._platform_chosen)
        self.load_button = QPushButton("Load profile…")
        self.load_button.setToolTip(
            "Use your own hardware profile (a JSON file in the format "
            "of resources/hardware/generic.json)"
        )
        self.load_button.clicked.connect(self.ask_load_profile)
        self.compare_button = QPushButton("Compare…")
        self.compare_button.setToolTip(
            "Map and price this design on every platform, side by side (runs the simulation once)"
        )
        self.compare_button.clicked.connect(self.open_comparison)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(60)
        self.busy.setMaximumHeight(12)
        self.busy.setToolTip("Mapping…")
        self.busy.hide()
        top = QHBoxLayout()
        top.addWidget(self.platform_combo, 1)
        top.addWidget(self.busy)
        top.addWidget(self.load_button)
        top.addWidget(self.compare_button)

        self.summary = QLabel("Open or draw a network to map it.")
        self.summary.setObjectName("hardware_summary")
        self.summary.setWordWrap(True)
        self.summary.setToolTip(
            "Whether the design fits this platform, and how many chips and cores it uses"
        )

        self.grid = CoreGrid()
        self.grid.core_clicked.connect(self._core_clicked)
        self.metric_combo = QComboBox()
        self.metric_combo.setToolTip(
            "What the colour of a core shows: the fraction of its "
            "neuron, synaptic-memory or input-axon limit in use"
        )
        for key, label in METRICS.items():
            self.metric_combo.addItem(label, key)
        self.metric_combo.currentIndexChanged.connect(self._metric_chosen)
        self.legend = UtilizationLegend()
        cores_page, cores_layout = _page_with_choice("Colour by", self.metric_combo)
        cores_layout.addWidget(self.grid, 1)
        cores_layout.addWidget(self.legend)

        self.violations = ViolationsTable()
        self.violations.node_activated.connect(self.node_activated)

        self.chart = EnergyChart()
        self.time_base_combo = QComboBox()
        self.time_base_combo.setToolTip(
            "Wall time of the chip that static power is charged "
            "for: throttled to its tick (real time), or each tick as "
            "long as its busiest core needs"
        )
        for key in TIME_BASES:
            self.time_base_combo.addItem(TIME_BASE_LABELS[key], key)
        self.time_base_combo.currentIndexChanged.connect(self._time_base_chosen)
        energy_page, energy_layout = _page_with_choice("Time base", self.time_base_combo)
        energy_layout.addWidget(self.chart)
        energy_layout.addStretch(1)
        energy_scroll = QScrollArea()
        energy_scroll.setWidgetResizable(True)
        energy_scroll.setFrameShape(QFrame.Shape.NoFrame)
        energy_scroll.setWidget(energy_page)

        self.tabs = QTabWidget()
        self.tabs.addTab(cores_page, "Cores")
        self.tabs.addTab(self.violations, "Violations")
        self.tabs.addTab(energy_scroll, "Energy")
        self.tabs.setTabToolTip(0, "The cores of every chip used, coloured by utilization")
        self.tabs.setTabToolTip(1, "Every limit the design breaks on this platform")
        self.tabs.setTabToolTip(2, "Energy of the simulated activity on this platform")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)

    # -- the design ----------------------------------------------------------------------------
    def set_network(self, network) -> None:
        """Follow ``network`` (the document's): map it now and after every edit."""
        if self.network is not None:
            for event in CHANGE_EVENTS:
                self.network.events.disconnect(event, self._network_changed)
        self.network = network
        self.live = None
        self._run_info = None
        self.chart.clear("Run the simulation to estimate energy from its spikes.")
        if network is not None:
            for event in CHANGE_EVENTS:
                network.events.connect(event, self._network_changed)
        self.remap()

    def _network_changed(self, *_: Any, **__: Any) -> None:
        self._remap_timer.start()

    # -- profiles ------------------------------------------------------------------------------
    def profiles(self) -> list[Profile]:
        """Every profile the selector offers, in its order."""
        return [self._profile_at(k) for k in range(self.platform_combo.count())]

    def _profile_at(self, index: int) -> Profile:
        key = self.platform_combo.itemData(index)
        return self.user_profiles.get(key) or load_profile(key)

    def select_profile(self, key: str) -> None:
        """Use the shipped profile ``key`` (or a loaded one, by its path)."""
        index = self.platform_combo.findData(key)
        if index < 0:
            raise KeyError(key)
        self.platform_combo.setCurrentIndex(index)

    def _platform_chosen(self, index: int) -> None:
        if index < 0:
            return
        self.profile = self._profile_at(index)
        self.profile_changed.emit(self.profile.profile_id)
        self.choices_changed.emit(self.choices())
        self.remap()

    def _metric_chosen(self, _: int) -> None:
        self.grid.set_metric(self.metric_combo.currentData())
        self.choices_changed.emit(self.choices())

    def _time_base_chosen(self, _: int) -> None:
        self._refresh_energy(True)
        self.choices_changed.emit(self.choices())

    def choices(self) -> dict[str, str]:
        """What the user chose (for the project's view state): the profile (a shipped id, or
        ``profile_file``: the path of a loaded one), the grid's metric and the time base."""
        key = self.platform_combo.currentData()
        where = "profile_file" if key in self.user_profiles else "profile"
        return {where: key, "metric": self.metric_combo.currentData(),
                "time_base": self.time_base_combo.currentData()}  # fmt: skip

    def restore_choices(self, choices: dict[str, Any]) -> None:
        """Show the choices :meth:`choices` gave (as saved with a project), without mapping;
        unknown values and a profile file that cannot be loaded any more are skipped."""
        if not isinstance(choices, dict):
            return
        key = choices.get("profile")
        path = choices.get("profile_file")
        if isinstance(path, str) and self.platform_combo.findData(path) < 0:
            try:
                profile = load_profile(Path(path))
            except ProfileError:
                profile = None
            if profile is not None:
                self.user_profiles[path] = profile
                self.platform_combo.blockSignals(True)
                self.platform_combo.addItem(f"{profile.short_name} (your file)", path)
                self.platform_combo.blockSignals(False)
                key = path
        for combo, value in ((self.platform_combo, key),
                             (self.metric_combo, choices.get("metric")),
                             (self.time_base_combo, choices.get("time_base"))):  # fmt: skip
            index = combo.findData(value) if isinstance(value, str) else -1
            if index >= 0:
                combo.blockSignals(True)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)
        self.profile = self._profile_at(self.platform_combo.currentIndex())
        self.grid.set_metric(self.metric_combo.currentData())

    def ask_load_profile(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Load hardware profile", "", "Hardware profiles (*.json);;All files (*)"
        )
        if path:
            self.load_profile_file(path)

    def load_profile_file(self, path: str | Path) -> bool:
        """Load a user's profile and use it; a malformed file is refused with a message that
        names the fields, and the current profile stays in use."""
        try:
            profile = load_profile(Path(path))
        except ProfileError as err:
            problems = "\n".join(f"• {p}" for p in err.problems[:12])
            more = len(err.problems) - 12
            if more > 0:
                problems += f"\n… and {more} more"
            QMessageBox.warning(
                self,
                "Cannot use this profile",
                f"{Path(path).name} is not a valid hardware profile:\n\n{problems}\n\n"
                f"{self.profile.short_name} stays in use.",
            )
            return False
        key = str(Path(path).resolve())
        self.user_profiles[key] = profile
        index = self.platform_combo.findData(key)
        if index < 0:
            self.platform_combo.addItem(f"{profile.short_name} (your file)", key)
            index = self.platform_combo.count() - 1
        self.platform_combo.setItemData(index, key, TOOLTIP_ROLE)
        if index == self.platform_combo.currentIndex():
            self._platform_chosen(index)
        else:
            self.platform_combo.setCurrentIndex(index)
        return True

    # -- mapping -------------------------------------------------------------------------------
    def remap(self) -> None:
        """Map the design again on the current profile (off the GUI thread)."""
        self._remap_timer.stop()
        self._generation += 1
        if self.network is None:
            return
        if self._running_job is not None:
            self._pending = True
            return
        self._start_job()

    def _start_job(self) -> None:
        job = MappingJob(self._generation, self.network.copy(), self.profile)
        job.signals.finished.connect(self._job_finished)
        job.signals.failed.connect(self._job_failed)
        self._running_job = job
        self._busy_timer.start()
        self.pool.start(job)

    def is_mapping(self) -> bool:
        return self._running_job is not None or self._remap_timer.isActive()

    def _show_busy(self) -> None:
        if self._running_job is not None:
            self.busy.show()
            self._set_summary(f"Mapping onto {self.profile.short_name}…")

    def _job_done(self) -> bool:
        """Bookkeeping after a job; whether its result is the latest."""
        job, self._running_job = self._running_job, None
        self._busy_timer.stop()
        latest = job is not None and job.generation == self._generation
        if self._pending or not latest:
            self._pending = False
            if self.network is not None:
                self._start_job()
        else:
            self.busy.hide()
        return latest

    def _job_failed(self, generation: int, message: str) -> None:
        if not self._job_done() or generation != self._generation:
            return
        self.result = None
        self.grid.set_data(None)
        self.violations.set_violations([], {})
        self._set_summary(f"Cannot map onto {self.profile.short_name}: {message}")
        self.mapping_failed.emit(message)

    def _job_finished(self, result: MappingResult) -> None:
        if not self._job_done() or result.generation != self._generation:
            return  # a newer request is on its way
        self.show_result(result)

    def show_result(self, result: MappingResult) -> None:
        self.result = result
        report, profile = result.report, result.mapping.profile
        self.grid.set_data(GridData.from_report(report, profile))
        names = {node.id: node.name for node in result.mapping.network.nodes}
        self.violations.set_violations(report["violations"], names)
        severities = [v["severity"] for v in report["violations"]]
        errors, warnings = severities.count("error"), severities.count("warning")
        self.tabs.setTabText(1, f"Violations ({len(severities)})")
        self._set_summary(summary_line(report, profile, errors, warnings))
        self._set_summary_colour(report["fits"])
        self._routes = result.routes
        if self._run_info is not None:
            # the spikes of the run so far are priced on the new mapping (another platform, or
            # a parameter change that leaves the neurons as they were)
            previous, self.live = self.live, LiveSpikes(self._run_info, result.mapping)
            if self.live.matches and previous is not None and previous.matches:
                self.live.spikes[:] = previous.spikes
                self.live.duration_ms = previous.duration_ms
                self._refresh_energy(True)
            else:
                self.chart.clear(
                    "The design changed since the run started; energy follows the next run."
                )
        self.mapped.emit(result)

    def _set_summary(self, text: str) -> None:
        self.summary.setText(text)
        self._fit_summary()

    def _fit_summary(self) -> None:
        # a word-wrapped label in a box layout gets one line's height unless told otherwise
        width = max(self.contentsRect().width() - 8, 100)  # the layout's margins
        lines = 2 * self.summary.fontMetrics().lineSpacing()
        self.summary.setMinimumHeight(max(self.summary.heightForWidth(width), lines))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_summary()

    def _set_summary_colour(self, fits: bool) -> None:
        theme = current_theme()
        colour = theme.text if fits else theme.error
        self.summary.setStyleSheet(f"QLabel#hardware_summary {{ color: {colour}; }}")

    def _theme_changed(self, *_: Any) -> None:
        self.chart.apply_theme()
        self.grid.update()
        self.legend.update()
        if self.result is not None:
            self._set_summary_colour(self.result.report["fits"])
            names = {node.id: node.name for node in self.result.mapping.network.nodes}
            self.violations.set_violations(self.result.report["violations"], names)

    def _core_clicked(self, core: int) -> None:
        if self.result is None:
            return
        nodes = [piece["node"] for piece in self.result.report["placement"]["cores"][core]["nodes"]]
        self.nodes_selected.emit(nodes)

    # -- live energy ---------------------------------------------------------------------------
    def start_run(self, info) -> None:
        """A simulation (re)starts from t = 0: count its spikes from now on."""
        self._run_info = info
        self.live = LiveSpikes(info, self.result.mapping) if self.result is not None else None
        if self.live is not None and not self.live.matches:
            self.chart.clear("The design changed since it was mapped; energy follows the next run.")
        self._energy_timer.start()

    def append_chunk(self, chunk) -> None:
        """Add a chunk's spikes (cheap; the chart is redrawn by a timer)."""
        if self.live is not None:
            self.live.add(chunk)
            self._energy_dirty = True

    def finish_run(self) -> None:
        self._energy_timer.stop()
        self._refresh_energy(force=True)

    def _refresh_energy(self, force: bool = False) -> None:
        """Price the run's spikes so far: at once when ``force`` (a choice changed, the run
        ended), else in the background (the timer, while a run goes)."""
        live, result = self.live, self.result
        if live is None or result is None or not live.matches or live.duration_ms <= 0:
            return
        if not (self._energy_dirty or force):
            return
        if self._routes is None or self._routes.mapping is not result.mapping:
            self._routes = EventRoutes(result.mapping)
        time_base = self.time_base_combo.currentData()
        if not force:
            if self._energy_job is not None:
                return  # still pricing the previous spikes; the next tick takes the rest
            self._energy_dirty = False
            self._energy_seq += 1
            job = EnergyJob(self._routes, live.spikes.copy(), live.duration_ms, live.dt_ms,
                            time_base)  # fmt: skip
            job.seq = self._energy_seq
            job.signals.finished.connect(self._energy_priced)
            job.signals.failed.connect(self._energy_failed)
            self._energy_job = job
            self.pool.start(job)
            return
        self._energy_dirty = False
        self._energy_seq += 1  # a background result still on its way is now stale
        energy = price_spikes(self._routes, live.spikes, live.duration_ms, live.dt_ms, time_base)
        self._show_energy(energy)

    def _energy_priced(self, energy: dict[str, Any]) -> None:
        job, self._energy_job = self._energy_job, None
        if job is None or job.seq != self._energy_seq or job.routes is not self._routes:
            return  # newer spikes, or another mapping, were priced meanwhile
        self._show_energy(energy)

    def _energy_failed(self, message: str) -> None:
        self._energy_job = None

    def _show_energy(self, energy: dict[str, Any]) -> None:
        if self.live is not None:
            energy["notes"] = list(energy["notes"]) + self.live.notes
        self.energy = energy
        self.chart.set_energy(energy)
        self.energy_updated.emit(energy)

    # -- comparison ----------------------------------------------------------------------------
    def open_comparison(self) -> ComparisonDialog | None:
        """Open the side-by-side comparison of every profile (computed in the background)."""
        if self.network is None:
            return None
        dialog = ComparisonDialog(self.network.copy(), self.profiles(), parent=self)
        self._comparison = dialog
        dialog.show()
        dialog.start()
        return dialog

    def shutdown(self) -> None:
        """Wait for a running mapping (at exit)."""
        self._remap_timer.stop()
        self._energy_timer.stop()
        self.pool.waitForDone(30_000)


def _page_with_choice(label: str, combo: QComboBox) -> tuple[QWidget, QVBoxLayout]:
    """A tab page whose first row is a labelled choice; add the rest to its layout."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(2, 2, 2, 2)
    row = QHBoxLayout()
    row.addWidget(QLabel(label))
    row.addWidget(combo, 1)
    layout.addLayout(row)
    return page, layout


def summary_line(report: dict[str, Any], profile: Profile, errors: int, warnings: int) -> str:
    """ "Fits on Loihi: 1 chip, 1 core" / "Does not fit ...: 2 errors"."""
    chips, cores = report["chips_used"], report["cores_used"]
    where = (
        f"{chips} chip{'s' * (chips != 1)}, {cores} core{'s' * (cores != 1)} "
        f"(of {profile.cores_per_chip} per chip)"
    )
    if report["fits"]:
        text = f"Fits on {profile.short_name}: {where}"
    else:
        text = (
            f"Does not fit on {profile.short_name} ({errors} error{'s' * (errors != 1)}): {where}"
        )
    if warnings:
        text += f"; {warnings} warning{'s' * (warnings != 1)}"
    return text + "."
