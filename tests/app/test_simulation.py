"""Live simulation in the main window: the worker thread, Run/Pause/Step/Stop, live parameter
changes, edits while running, errors, plots and exports. Every wait is on a signal or a
condition (``waitSignal``/``waitUntil``), never a fixed sleep."""

from __future__ import annotations

import os

import numpy as np
import pytest

from app.main_window import Document, MainWindow, run
from app.settings import AppSettings
from app.simulation import SimulationWorker
from engine.io.project_file import save_project
from engine.model.project import Project
from engine.sim.simulator import Simulator

TIMEOUT = 60_000


def small_project(duration_ms: float = 300.0, rate_hz: float = 20.0) -> Project:
    project = Project(name="small")
    net = project.network
    net.settings["duration_ms"] = duration_ms
    source = net.add_node("encoder.poisson", "Input", {"size": 40, "rate_hz": rate_hz})
    exc = net.add_node("population.lif", "Exc", {"size": 30})
    projection = net.connect_groups(source.id, exc.id)
    net.set_param(projection.id, "weight", 300.0)
    spikes = net.add_node("recorder.spikes", "Spikes")
    net.add_link(exc.id, "out", spikes.id, "source")
    net.add_link(source.id, "out", spikes.id, "source")
    state = net.add_node("recorder.state", "Vm", {"neurons": [0, 1, 2]})
    net.add_link(exc.id, "out", state.id, "source")
    project.view["positions"] = {n.id: [float(240 * i), 0.0] for i, n in enumerate(net.nodes)}
    return project


@pytest.fixture
def window(tmp_path, new_window) -> MainWindow:
    w = new_window(tmp_path / "settings.ini")
    w.set_document(Document(small_project()))
    w.show()
    yield w
    w.simulation.shutdown()


def collect(window: MainWindow) -> list:
    chunks: list = []
    window.simulation.chunk_received.connect(chunks.append)
    return chunks


def joined(chunks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    steps = np.concatenate([c.spike_steps for c in chunks])
    neurons = np.concatenate([c.spike_neurons for c in chunks])
    counts = np.concatenate([c.group_counts for c in chunks])
    return steps, neurons, counts


def reference(window: MainWindow, duration_ms: float):
    sim = Simulator(window.network)
    return sim.advance(sim.steps_for(duration_ms))


def test_actions_are_enabled_and_follow_the_state(qtbot, window) -> None:
    a, sim = window.menu_actions, window.simulation
    window.set_setting("duration_ms", 1e6)
    assert a.run.isEnabled() and a.step.isEnabled() and not a.pause.isEnabled()
    with qtbot.waitSignal(sim.run_started, timeout=TIMEOUT):
        a.run.trigger()
    assert not a.run.isEnabled() and a.pause.isEnabled() and a.stop.isEnabled()
    with qtbot.waitSignal(sim.run_paused, timeout=TIMEOUT):
        a.pause.trigger()
    assert sim.state == "paused" and a.run.isEnabled() and a.run.text() == "&Resume"
    with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
        a.stop.trigger()
    assert sim.state == "finished" and not a.stop.isEnabled()


def test_an_uninterrupted_run_matches_the_engine_and_shows_progress(qtbot, window) -> None:
    chunks = collect(window)
    with qtbot.waitSignal(window.simulation.run_finished, timeout=TIMEOUT) as blocker:
        window.simulation.run()
    assert blocker.args == [pytest.approx(300.0), True]
    expected = reference(window, 300.0)
    steps, neurons, counts = joined(chunks)
    assert np.array_equal(steps, expected.spike_steps)
    assert np.array_equal(neurons, expected.spike_neurons)
    assert np.array_equal(counts, expected.group_counts)
    assert "t = 0.300 s" in window.simulation.time_label.text()
    assert "RT" in window.simulation.time_label.text()


def test_the_threads_preference_runs_in_parallel_mode_with_the_same_results(
    qtbot, window, monkeypatch
) -> None:
    """A network large enough for the parallel mode runs on the preferred threads with the
    spikes of one thread; a small one runs on one thread, which is faster for it; and one core
    is always left to the window."""
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    window.settings.simulation_threads = 2
    threads = []
    sim = window.simulation
    sim.run_started.connect(lambda *_: threads.append(sim.worker.simulator.threads))
    with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
        sim.run()
    assert threads == [1]
    exc = window.network.node_by_name("Exc")
    window.network.set_param(exc.id, "size", 40_000)
    window.network.set_param(exc.id, "i_e", 500.0)  # fires every ~16 ms, jittered by the input
    window.set_setting("duration_ms", 100.0)
    chunks = collect(window)
    with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
        sim.run()
    assert threads[-1] == 2
    expected = reference(window, 100.0)  # one thread
    steps, neurons, _ = joined(chunks)
    group = Simulator(window.network).compiled.group(exc.id)
    assert np.count_nonzero((neurons >= group.start) & (neurons < group.start + group.size)) > 50
    assert np.array_equal(steps, expected.spike_steps)
    assert np.array_equal(neurons, expected.spike_neurons)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # two cores: one for the window
    with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
        sim.run()
    assert threads[-1] == 1


def test_pause_step_and_resume_give_the_same_results(qtbot, window) -> None:
    sim = window.simulation
    chunks = collect(window)
    with qtbot.waitSignal(sim.run_paused, timeout=TIMEOUT):
        sim.step(1)  # from idle: build, one dt, stay paused
    assert sim.t_ms == pytest.approx(0.1) and sim.state == "paused"
    with qtbot.waitSignal(sim.run_paused, timeout=TIMEOUT):
        sim.step(7)
    assert sim.t_ms == pytest.approx(0.8)
    with qtbot.waitSignal(sim.run_paused, timeout=TIMEOUT):
        sim.step(None)  # one chunk
    assert sim.t_ms > 0.8
    sim.set_speed(1.0)  # real time, so that the pause comes well before the end
    sim.run()  # resume
    qtbot.waitUntil(lambda: sim.t_ms > 100.0, timeout=TIMEOUT)
    with qtbot.waitSignal(sim.run_paused, timeout=TIMEOUT):
        sim.pause()
    # paused before the end, so that the rest of the run resumes from the paused state
    assert sim.state == "paused" and sim.t_ms < 300.0
    sim.set_speed(0.0)
    with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
        sim.run()
    expected = reference(window, 300.0)
    steps, neurons, counts = joined(chunks)
    assert np.array_equal(steps, expected.spike_steps)
    assert np.array_equal(neurons, expected.spike_neurons)
    assert np.array_equal(counts, expected.group_counts)


def test_the_worker_runs_synchronously_too() -> None:
    project = small_project(duration_ms=50.0)
    worker = SimulationWorker(project.network.copy(), 50.0)
    chunks, ends = [], []
    worker.chunk_ready.connect(lambda chunk, wall: (chunks.append(chunk), worker.chunk_handled()))
    worker.finished.connect(lambda t, completed: ends.append((t, completed)))
    worker.work()
    assert ends == [(pytest.approx(50.0), True)]
    assert sum(c.n_steps for c in chunks) == 500


def test_a_live_rate_change_takes_effect_without_a_rebuild(qtbot, window) -> None:
    sim = window.simulation
    source = window.network.node_by_name("Input")
    window.set_setting("duration_ms", 1e6)
    sim.set_speed(2.0)  # paced, so that the change lands soon after 300 ms
    chunks = collect(window)
    with qtbot.waitSignal(sim.run_started, timeout=TIMEOUT):
        sim.run()
    qtbot.waitUntil(lambda: sim.t_ms >= 300.0, timeout=TIMEOUT)
    window.set_param(source.id, "rate_hz", 100.0)  # an ordinary, undoable edit
    assert window.network.node(source.id).params["rate_hz"] == 100.0
    assert window.undo_stack.undoText().startswith("Set Input.rate_hz")
    t_change = sim.t_ms
    sim.set_speed(0.0)
    qtbot.waitUntil(lambda: sim.t_ms >= t_change + 600.0, timeout=TIMEOUT)
    with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
        sim.stop()

    counts = np.concatenate([c.group_counts[:, 0] for c in chunks])

    def rate(t0: float, t1: float) -> float:
        return counts[int(t0 / 0.1) : int(t1 / 0.1)].sum() / 40 / ((t1 - t0) / 1000.0)

    assert (
        chunks[0].step_start == 0
        and all(  # one run, never rebuilt
            b.step_start == a.step_start + a.n_steps
            for a, b in zip(chunks, chunks[1:], strict=False)
        )
    )
    before, after = rate(0.0, 300.0), rate(t_change + 100.0, t_change + 600.0)
    assert 10.0 < before < 30.0
    assert 70.0 < after < 130.0


def test_structural_edits_are_refused_while_running(qtbot, window) -> None:
    sim = window.simulation
    window.set_setting("duration_ms", 1e6)
    with qtbot.waitSignal(sim.run_started, timeout=TIMEOUT):
        sim.run()
    nodes = len(window.network.nodes)
    assert (
        window.add_node("population.lif", (0.0, 300.0)) is None
        or len(window.network.nodes) == nodes
    )
    assert len(window.network.nodes) == nodes
    exc = window.network.node_by_name("Exc")
    window.set_param(exc.id, "tau_m", 20.0)  # not live: refused
    assert window.network.node(exc.id).params["tau_m"] == 10.0
    assert "cannot change while the simulation runs" in window.log_view.toPlainText()
    with qtbot.waitSignal(sim.run_paused, timeout=TIMEOUT):
        sim.pause()
    window.set_param(exc.id, "tau_m", 20.0)  # paused: allowed, rebuilt on the next run
    assert window.network.node(exc.id).params["tau_m"] == 20.0
    assert sim.stale
    with qtbot.waitSignal(sim.run_started, timeout=TIMEOUT):
        sim.run()
    assert "restarts at t = 0" in window.log_view.toPlainText()
    with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
        sim.stop()


def test_engine_errors_stop_the_run_with_their_message(qtbot, window) -> None:
    window.network.add_node("projection.synapses", "Dangling")  # a projection with no ends
    with qtbot.waitSignal(window.simulation.run_failed, timeout=TIMEOUT) as failed:
        with qtbot.waitSignal(window.simulation.run_finished, timeout=TIMEOUT):
            window.simulation.run()
    assert "Dangling" in failed.args[0]
    assert window.simulation.state == "finished"
    assert "Simulation stopped" in window.log_view.toPlainText()
    assert window.menu_actions.run.isEnabled()


def test_plots_receive_data_and_the_run_exports(qtbot, window, tmp_path) -> None:
    sim = window.simulation
    sim.keep_action.setChecked(True)
    with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
        sim.run()
    raster, rates, traces = (sim.panel.plot(k) for k in ("raster", "rates", "traces"))
    assert raster.redraws > 0 and raster.bins.counts.sum() > 0
    assert rates.rates()[1].max() > 0
    assert traces.buffers and next(iter(traces.buffers.values())).size > 0
    assert sim._activity is not None and sim._activity.rates
    path = sim.export_run(str(tmp_path / "run.npz"))
    data = np.load(path, allow_pickle=False)
    assert data["spike_times_ms"].size > 0 and float(data["duration_ms"]) == pytest.approx(300.0)
    sim.keep_action.setChecked(False)
    sim.record = None
    path = sim.export_run(str(tmp_path / "window.npz"))
    assert np.load(path)["raster/spike_times_ms"].size > 0


def test_plot_choice_is_saved_in_the_view_state(qtbot, window) -> None:
    panel = window.simulation.panel
    panel.toggles["weights"].setChecked(True)
    assert "weights" in [e["kind"] for e in window.document.project.view["plots"]]
    source = window.network.node_by_name("Input")
    window.simulation.pin(source.id, "rate_hz")
    assert {"kind": "control", "node": source.id, "param": "rate_hz"} in (
        window.document.project.view["plots"]
    )


def test_open_run_screenshot_renders_the_live_plots(qtbot, tmp_path) -> None:
    path = tmp_path / "small.snnproj"
    save_project(small_project(duration_ms=100.0), path)
    out = tmp_path / "shot.png"
    assert run(str(path), str(out), AppSettings(tmp_path / "s.ini"), run_ms=100.0) == 0
    from PySide6.QtGui import QImage

    assert not QImage(str(out)).isNull()


def test_a_run_recorded_to_disk_loads_back_with_the_engine_spikes(qtbot, window, tmp_path) -> None:
    from engine.io.recording import load_recording

    sim = window.simulation
    path = tmp_path / "live.spkrec"
    sim.set_record_path(str(path))
    assert sim.record_action.isChecked()
    with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
        sim.run()
    assert not sim.record_action.isChecked()  # only the next run is recorded
    assert sim.chunks > 1  # the run was chunked; the file must still hold one whole run
    loaded = load_recording(path)
    expected = reference(window, 300.0)
    assert loaded.status == "complete" and loaded.duration_ms == pytest.approx(300.0)
    assert np.array_equal(loaded.spike_steps, expected.spike_steps)
    assert np.array_equal(loaded.spike_neurons, expected.spike_neurons)
    assert np.array_equal(loaded.group_counts, expected.group_counts)
    (trace,) = loaded.traces.values()
    assert np.array_equal(trace.values, next(iter(expected.traces.values())).values)
    assert f"written to {path}" in window.log_view.toPlainText()


def test_a_failing_disk_stops_the_run_with_a_clear_message(
    qtbot, window, tmp_path, monkeypatch
) -> None:
    import errno

    from engine.io import recording

    real_open = open

    class FullDisk:
        def __init__(self, handle) -> None:
            self.handle, self.budget = handle, 30_000

        def write(self, data: bytes) -> int:
            if len(data) > self.budget:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.budget -= len(data)
            return self.handle.write(data)

        def __getattr__(self, name):
            return getattr(self.handle, name)

    monkeypatch.setattr(
        recording, "open", lambda p, mode: FullDisk(real_open(p, mode)), raising=False
    )
    sim = window.simulation
    window.set_setting("duration_ms", 1e6)
    path = tmp_path / "full.spkrec"
    sim.set_record_path(str(path))
    with qtbot.waitSignal(sim.run_failed, timeout=TIMEOUT) as failed:
        with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
            sim.run()
    message = failed.args[0]
    assert "No space left on device" in message and str(path) in message
    assert "holds the run up to t =" in message
    assert sim.state == "finished" and window.menu_actions.run.isEnabled()
    monkeypatch.undo()
    loaded = recording.load_recording(path)
    assert loaded.status == "truncated" and loaded.n_steps > 0
    assert f"t = {loaded.duration_ms:.1f} ms" in message


def test_the_plot_dock_layout_is_saved_and_restored(qtbot, window, tmp_path) -> None:
    from PySide6.QtCore import QRect, Qt

    panel = window.simulation.panel
    panel.toggles["weights"].setChecked(True)
    panel.toggles["traces"].setChecked(False)
    rates = panel.docks["rates"]
    rates.setFloating(True)
    rates.setGeometry(QRect(200, 150, 520, 330))
    # Qt scales the widths to the room the panel has (the hardware dock shares the window):
    # what matters is that the raster ends up about twice as wide as the weights
    panel.resizeDocks(
        [panel.docks["raster"], panel.docks["weights"]], [640, 320], Qt.Orientation.Horizontal
    )
    qtbot.waitUntil(
        lambda: panel.docks["raster"].width() > 1.8 * panel.docks["weights"].width() > 200
    )
    widths = {k: panel.docks[k].width() for k in ("raster", "weights")}
    path = tmp_path / "layout.snnproj"
    assert window.save_to(path)

    other = MainWindow(AppSettings(tmp_path / "other.ini"))
    qtbot.addWidget(other)
    other.resize(window.size())
    other.show()
    assert other.open_path(str(path))
    restored = other.simulation.panel
    qtbot.waitUntil(lambda: restored.docks["rates"].isFloating())
    assert set(restored.plots) == {"raster", "rates", "weights"}
    geometry = restored.docks["rates"].geometry()
    assert (geometry.width(), geometry.height()) == (520, 330)
    qtbot.waitUntil(lambda: all(abs(restored.docks[k].width() - w) <= 2 for k, w in widths.items()))
    other.set_document(Document(small_project()))  # no saved layout: the default one
    qtbot.waitUntil(lambda: not restored.docks["rates"].isFloating())
    assert set(restored.plots) == {"raster", "rates", "traces"}
    other.simulation.shutdown()


def test_reset_layout_also_puts_the_plots_back(qtbot, window) -> None:
    panel = window.simulation.panel
    panel.docks["raster"].setFloating(True)
    window.menu_actions.reset_layout.trigger()
    qtbot.waitUntil(lambda: not panel.docks["raster"].isFloating())
    assert panel.docks["raster"].isVisible() and set(panel.plots) == {"raster", "rates", "traces"}


def test_a_damaged_plot_layout_is_ignored(qtbot, window) -> None:
    panel = window.simulation.panel
    assert not panel.restore_layout("not base64 ✗")
    assert not panel.restore_layout("aGVsbG8=")  # base64, but not a dock layout
    assert not panel.restore_layout(42)
    assert set(panel.plots) == {"raster", "rates", "traces"}


def test_plot_pickers_are_saved_with_the_project(qtbot, window, tmp_path) -> None:
    sim = window.simulation
    with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
        sim.run()
    rates = sim.panel.plot("rates")
    assert [rates.isi_combo.itemText(i) for i in range(rates.isi_combo.count())] == [
        "Input",
        "Exc",
    ]
    rates.isi_combo.activated.emit(1)  # what choosing "Input" → "Exc" in the list does
    exc = window.network.node_by_name("Exc").id
    assert {"kind": "rates", "isi_population": exc} in window.document.project.view["plots"]
    path = tmp_path / "pickers.snnproj"
    assert window.save_to(path)
    other = MainWindow(AppSettings(tmp_path / "other.ini"))
    qtbot.addWidget(other)
    assert other.open_path(str(path))
    assert other.simulation.panel.plot("rates").isi_node == exc
    other.simulation.shutdown()


def test_the_gil_is_handed_over_promptly_only_while_a_run_goes(qtbot, window) -> None:
    import sys

    from app.simulation import GIL_SWITCH_S

    before = sys.getswitchinterval()
    assert before != GIL_SWITCH_S
    sim = window.simulation
    window.set_setting("duration_ms", 1e6)
    with qtbot.waitSignal(sim.run_started, timeout=TIMEOUT):
        sim.run()
    assert sys.getswitchinterval() == GIL_SWITCH_S
    with qtbot.waitSignal(sim.run_finished, timeout=TIMEOUT):
        sim.stop()
    qtbot.waitUntil(lambda: sys.getswitchinterval() == before)
