"""Live plots, their ring buffers, export, the Controls panel and the canvas activity overlay,
driven with hand-made chunks (no simulation thread)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from engine.sim.build import GroupInfo, ProjectionInfo, TraceInfo
from engine.sim.simulator import Chunk, Trace
from widgets.controls import ControlsPanel, slider_range
from widgets.plots import PlotsPanel, RasterPlot, RatePlot, RunInfo, TracePlot, WeightPlot
from widgets.plots.activity import ActivityOverlay, glow_strength
from widgets.plots.buffers import BinnedCounts, RingBuffer, SpikeBuffer, peak_decimate
from widgets.plots.rates import isi_stats
from widgets.plots.weights import weight_matrix

DT = 0.1


def make_info(sizes=(30, 20), recorded=(True, True), trace_neurons=(0, 1, 2)) -> RunInfo:
    groups, start = [], 0
    for i, (size, rec) in enumerate(zip(sizes, recorded, strict=True)):
        groups.append(
            GroupInfo(f"g{i}", f"Pop {i}", "population.lif", "population", start, size, rec)
        )
        start += size
    trace = TraceInfo("rec", "Vm", "Pop 0", "v_m", "mV", np.array(trace_neurons), 10, 0)
    projection = ProjectionInfo("proj", "Pop 0 → Pop 1", "g0", "g1", 6, 0)
    pre = np.array([0, 0, 1, 2, 3, 4])
    post = np.array([0, 1, 1, 2, 3, 4])
    return RunInfo(
        dt_ms=DT,
        duration_ms=1000.0,
        groups=groups,
        traces=[trace],
        projections=[projection],
        thresholds={"g0": -55.0},
        synapses={"proj": (pre, post, sizes[0], sizes[1])},
        initial_weights={"proj": np.linspace(1.0, 6.0, 6)},
    )


def make_chunk(step0: int, n: int, info: RunInfo, rate_per_step: int = 1, seed: int = 0) -> Chunk:
    """``rate_per_step`` spikes of every group in every step, on random neurons."""
    rng = np.random.default_rng(seed + step0)
    steps, neurons = [], []
    for s in range(step0, step0 + n):
        for g in info.groups:
            if g.recorded:
                steps += [s] * rate_per_step
                neurons += list(g.start + rng.integers(0, g.size, rate_per_step))
    counts = np.full((n, len(info.groups)), rate_per_step, dtype=np.int32)
    samples = (step0 + n) // 10 - step0 // 10
    times = (np.arange(step0 // 10 + 1, step0 // 10 + 1 + samples) * 10) * DT
    values = -70.0 + np.random.default_rng(step0).random((samples, 3))
    return Chunk(
        step_start=step0,
        n_steps=n,
        dt_ms=DT,
        spike_steps=np.array(steps, dtype=np.int64),
        spike_neurons=np.array(neurons, dtype=np.int64),
        group_counts=counts,
        traces={"rec": Trace(times, values)},
        weight_traces={},
        weights={"proj": np.linspace(1.0, 6.0, 6) + step0 * 1e-3},
    )


def feed(plot, info: RunInfo, total_steps: int, chunk: int = 100) -> None:
    plot.start_run(info)
    for step0 in range(0, total_steps, chunk):
        plot.append_chunk(make_chunk(step0, min(chunk, total_steps - step0), info))


# -- buffers --------------------------------------------------------------------------------------
def test_ring_buffer_keeps_the_newest_samples_in_order() -> None:
    ring = RingBuffer(5, 2)
    for k in range(4):
        t = np.array([2.0 * k, 2.0 * k + 1])
        ring.append(t, np.column_stack([t, -t]))
    times, values = ring.data()
    assert times.tolist() == [3.0, 4.0, 5.0, 6.0, 7.0]
    assert values[:, 1].tolist() == [-3.0, -4.0, -5.0, -6.0, -7.0]
    ring.append(np.arange(10.0, 20.0), np.zeros((10, 2)))  # more than fits at once
    assert ring.data()[0].tolist() == [15.0, 16.0, 17.0, 18.0, 19.0]


def test_spike_buffer_trims_by_time_and_never_grows() -> None:
    spikes = SpikeBuffer(capacity=100)
    for k in range(50):
        spikes.append(np.full(10, float(k)), np.arange(10))
    times, neurons = spikes.data()
    assert len(spikes) <= 100 and times[-1] == 49.0 and np.all(np.diff(times) >= 0)
    spikes.trim(47.0)
    assert spikes.data()[0].min() == 47.0
    assert spikes.times.size == 100


def test_binned_counts_scroll_and_forget_old_bins() -> None:
    bins = BinnedCounts(4, 2)
    bins.advance_to(1)
    bins.add(np.array([0, 1, 1]), np.array([0, 1, 1]))
    assert bins.ordered()[-2:].tolist() == [[1, 0], [0, 2]]
    bins.advance_to(5)  # bins 0 and 1 scroll out
    assert bins.ordered().sum() == 0
    bins.add(np.array([0, 5]), np.array([0, 0]))  # a bin older than the window is dropped
    assert bins.ordered()[-1].tolist() == [1, 0] and bins.ordered().sum() == 1


# -- plots ----------------------------------------------------------------------------------------
def test_raster_draws_one_image_for_all_spikes(qtbot) -> None:
    raster = RasterPlot(history_ms=50.0)
    qtbot.addWidget(raster)
    info = make_info()
    feed(raster, info, 1000)
    raster.redraw()
    image = raster.image.image
    assert image is not None and image.shape[1] == 50  # one row per neuron (50 shown)
    assert (image > 0).sum() > 0
    # only one graphics item carries the spikes
    assert sum(1 for item in raster.plot.items if hasattr(item, "image")) == 1
    assert raster.note.toPlainText() == ""
    times, _ = raster.spikes.data()
    assert times.min() >= 100.0 - 50.0  # older spikes than the window are gone


def test_raster_merges_rows_of_large_populations_and_says_so(qtbot) -> None:
    raster = RasterPlot(history_ms=20.0, max_rows=25)
    qtbot.addWidget(raster)
    info = make_info(sizes=(300, 200))
    feed(raster, info, 200)
    raster.redraw()
    assert raster.image.image.shape[1] == 25
    assert "500 neurons in 25 rows" in raster.note.toPlainText()


def test_raster_skips_unrecorded_groups(qtbot) -> None:
    raster = RasterPlot()
    qtbot.addWidget(raster)
    info = make_info(recorded=(True, False))
    feed(raster, info, 100)
    assert raster.n_shown == 30
    assert raster.bins.counts.sum() == 100  # one spike per step, from the recorded group


def test_rates_are_in_hz_and_smoothed(qtbot) -> None:
    rates = RatePlot(history_ms=100.0)
    qtbot.addWidget(rates)
    info = make_info(sizes=(10, 20))
    feed(rates, info, 1000)  # one spike per 0.1 ms step per group
    centres, hz = rates.rates()
    assert centres.size == 100
    # 10 spikes per ms in 10 neurons = 1000 Hz; in 20 neurons = 500 Hz
    assert np.allclose(hz[10:-10, 0], 1000.0) and np.allclose(hz[10:-10, 1], 500.0)
    rates.redraw()
    rates.update_isi()
    assert rates.isi.size > 0 and np.isfinite(rates.cv)


def test_isi_and_cv_of_a_regular_train_are_exact() -> None:
    times = np.r_[np.arange(10) * 5.0, np.arange(10) * 5.0 + 1]
    neurons = np.r_[np.zeros(10, int), np.ones(10, int)]
    isi, cv = isi_stats(times, neurons)
    assert np.allclose(isi, 5.0) and cv == pytest.approx(0.0)


def test_trace_plot_shows_selected_neurons_and_the_threshold(qtbot) -> None:
    plot = TracePlot(history_ms=30.0)
    qtbot.addWidget(plot)
    info = make_info()
    feed(plot, info, 1000)
    plot.redraw()
    curves = plot.curves["rec"]
    assert len(curves) == 3
    x, y = plot.buffers["rec"].data()
    assert 31 <= x.size <= 32 and x[-1] == pytest.approx(100.0) and np.all(y < -69.0)
    shown_x, _ = curves[0].getData()
    assert shown_x[-1] == pytest.approx(100.0)
    lines = [i for i in plot.plots["rec"].items if i.__class__.__name__ == "InfiniteLine"]
    assert [line.value() for line in lines] == [-55.0]


def test_weight_plot_follows_the_weights(qtbot) -> None:
    plot = WeightPlot()
    qtbot.addWidget(plot)
    info = make_info()
    feed(plot, info, 500)
    plot.redraw()
    assert plot.image.image.shape == (20, 30)  # (post, pre)
    times, values = plot.trajectory.data()
    assert times[0] == 0.0 and values.shape[1] == 6 and values[-1, 0] == pytest.approx(1.4)


def test_the_isi_picker_chooses_the_population_and_persists(qtbot) -> None:
    from PySide6.QtCore import Qt

    rates = RatePlot(history_ms=100.0)
    qtbot.addWidget(rates)
    info = make_info(sizes=(10, 40))
    feed(rates, info, 1000)
    rates.update_isi()
    assert rates.isi_combo.currentText() == "Pop 0" and "CV = " in rates.isi_plot.titleLabel.text
    pop0_isi = rates.isi.copy()
    rates.isi_combo.setFocus()
    with qtbot.waitSignal(rates.options_changed):
        qtbot.keyClick(rates.isi_combo, Qt.Key.Key_Down)
    assert rates.isi_combo.currentText() == "Pop 1"
    times, neurons = rates.spikes.data()
    mine = neurons >= 10
    expected, _ = isi_stats(times[mine], neurons[mine])
    assert np.array_equal(rates.isi, expected) and rates.isi.size != pop0_isi.size
    assert rates.options() == {"isi_population": "g1"}

    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.set_plot_choice([{"kind": "rates", "isi_population": "g1"}])
    panel.start_run(info)
    assert panel.plot("rates").isi_combo.currentText() == "Pop 1"
    assert panel.plot_choice() == [{"kind": "rates", "isi_population": "g1"}]
    panel.set_plot_choice([{"kind": "rates", "isi_population": 7}])  # malformed: ignored
    assert panel.plot_choice() == [{"kind": "rates"}]


def test_the_isi_of_a_large_population_uses_a_sample_and_says_so(qtbot) -> None:
    rates = RatePlot(history_ms=100.0)
    qtbot.addWidget(rates)
    info = make_info(sizes=(1500, 20))
    feed(rates, info, 1000, chunk=100)
    for step0 in range(1000, 3000, 100):  # 20 spikes per step, so most neurons fire twice
        rates.append_chunk(make_chunk(step0, 100, info, rate_per_step=20))
    rates.update_isi()
    times, neurons = rates.spikes.data()
    sample = neurons < 1000
    expected, _ = isi_stats(times[sample], neurons[sample])
    assert expected.size > 0 and np.array_equal(rates.isi, expected)
    assert "1000 of 1500 neurons" in rates.isi_plot.titleLabel.text


def test_the_synapse_chooser_picks_the_trajectories_and_persists(qtbot) -> None:
    from PySide6.QtCore import Qt

    plot = WeightPlot()
    qtbot.addWidget(plot)
    info = make_info()  # synapses (pre, post): 0-0 0-1 1-1 2-2 3-3 4-4
    feed(plot, info, 300)
    assert plot.tracked.tolist() == [0, 1, 2, 3, 4, 5]  # spread, up to 8
    with qtbot.waitSignal(plot.options_changed):
        plot.n_spin.setValue(3)
    assert plot.tracked.tolist() == [0, 2, 5] and len(plot.traj_curves) == 3
    plot.set_synapses("random", user=True)
    drawn = plot.tracked.tolist()
    assert len(drawn) == 3 and drawn == sorted(drawn)
    plot.set_synapses("pairs", pairs=[])
    assert plot.pre_spin.isVisibleTo(plot) and not plot.n_spin.isVisibleTo(plot)
    plot.pre_spin.setValue(1)
    plot.post_spin.setValue(1)
    with qtbot.waitSignal(plot.options_changed):
        qtbot.mouseClick(plot.add_button, Qt.MouseButton.LeftButton)
    assert plot.tracked.tolist() == [2]
    with qtbot.waitSignal(plot.message) as said:
        assert not plot.add_pair(4, 0)
    assert "no synapse from pre 4 to post 0" in said.args[0]
    for step0 in range(300, 600, 100):
        plot.append_chunk(make_chunk(step0, 100, info))
    plot.redraw()
    times, values = plot.trajectory.data()
    assert times[0] == pytest.approx(30.0) and times[-1] == pytest.approx(60.0)
    assert values[-1, 0] == pytest.approx(3.0 + 500e-3)  # weight 2 of the last chunk
    assert plot.traj_curves[0].getData()[1][-1] == pytest.approx(values[-1, 0])
    options = plot.options()
    assert options == {"projection": "proj", "synapses": {"mode": "pairs", "pairs": [[1, 1]]}}

    reopened = WeightPlot()
    qtbot.addWidget(reopened)
    reopened.set_options(options)
    reopened.start_run(info)
    assert reopened.tracked.tolist() == [2] and reopened.mode_combo.currentData() == "pairs"
    reopened.set_options({"synapses": {"mode": "nonsense", "n": "x", "pairs": 3}})
    assert reopened.mode == "spread" and reopened.n_tracked == 8


def test_weight_matrix_averages_blocks_of_large_projections() -> None:
    pre = np.arange(1000)
    post = np.arange(1000) % 500
    matrix = weight_matrix(np.ones(1000), pre, post, 1000, 500)
    assert matrix.shape == (200, 200)
    assert np.nanmax(matrix) == 1.0 and np.isnan(matrix).any()


@pytest.mark.parametrize("suffix", ["png", "svg", "npz", "csv"])
def test_plots_export_files_that_load_back(qtbot, tmp_path, suffix) -> None:
    raster = RasterPlot()
    qtbot.addWidget(raster)
    raster.resize(400, 300)
    info = make_info()
    feed(raster, info, 300)
    with qtbot.waitSignal(raster.message):
        path = raster.export(tmp_path / f"raster.{suffix}")
    assert path.stat().st_size > 0
    if suffix == "npz":
        data = np.load(path)
        assert data["spike_times_ms"].size == data["spike_neurons"].size == 600
    elif suffix == "csv":
        rows = list(csv.reader(open(path, encoding="utf-8")))
        assert rows[0] == ["spike_times_ms", "spike_neurons"] and len(rows) == 601
    elif suffix == "svg":
        assert path.read_text(encoding="utf-8").lstrip().startswith("<")
    else:
        from PySide6.QtGui import QImage

        assert not QImage(str(path)).isNull()


def test_panel_redraws_from_its_timer_not_per_chunk(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    info = make_info()
    panel.start_run(info)
    frames = panel.frames
    for step0 in range(0, 2000, 100):
        panel.append_chunk(make_chunk(step0, 100, info))
    assert panel.frames == frames  # appending never draws
    qtbot.waitUntil(lambda: panel.frames > frames, timeout=2000)
    assert all(not plot.dirty for plot in panel.plots.values())


def test_panel_plots_take_turns_and_a_round_is_a_frame(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    info = make_info()
    panel.start_run(info)
    panel.append_chunk(make_chunk(0, 100, info))
    panel.timer.stop()
    frames = panel.frames
    assert panel.timer.interval() == 33 // 3
    panel._turn_tick()
    assert [p.dirty for p in panel.plots.values()] == [False, True, True]
    panel._turn_tick()
    assert panel.frames == frames
    panel._turn_tick()
    assert panel.frames == frames + 1 and not any(p.dirty for p in panel.plots.values())


def test_peak_decimation_keeps_every_extreme() -> None:
    times = np.arange(10_001) * 0.1
    values = np.zeros((10_001, 2))
    values[1234, 0], values[8765, 1] = 50.0, -30.0
    t, v = peak_decimate(times, values, 1000)
    assert v.shape == (1001, 2) and t.size == 1001
    assert v[:, 0].max() == 50.0 and v[:, 1].min() == -30.0
    assert np.all(np.diff(t) >= 0) and t[0] == 0.0 and t[-1] == times[-1]
    short_t, short_v = peak_decimate(times[:500], values[:500], 1000)
    assert np.array_equal(short_t, times[:500]) and np.array_equal(short_v, values[:500])


def test_isi_of_time_ordered_spikes_matches_the_general_sort() -> None:
    rng = np.random.default_rng(1)
    times = np.sort(rng.random(5000) * 1000.0)
    neurons = rng.integers(0, 50, 5000)
    fast, cv = isi_stats(times, neurons)
    order = np.lexsort((times, neurons))
    t, n = times[order], neurons[order]
    expected = np.diff(t)[n[1:] == n[:-1]]
    assert np.array_equal(fast, expected) and cv == pytest.approx(expected.std() / expected.mean())


def test_panel_plot_choice_round_trips(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    assert [e["kind"] for e in panel.plot_choice()] == ["raster", "rates", "traces"]
    with qtbot.waitSignal(panel.plots_changed) as blocker:
        panel.toggles["weights"].setChecked(True)
    assert "weights" in [e["kind"] for e in blocker.args[0]]
    panel.set_plot_choice([{"kind": "weights"}, {"kind": "nonsense"}])
    assert list(panel.plots) == ["weights"]


# -- controls and canvas activity ------------------------------------------------
def test_controls_slider_edits_through_a_request_and_follows_the_model(qtbot, network) -> None:
    panel = ControlsPanel()
    qtbot.addWidget(panel)
    source = network.node_by_name("Input")
    panel.set_network(network, [])
    with qtbot.waitSignal(panel.pins_changed):
        slider = panel.pin(source.id, "rate_hz")
    assert panel.pin(network.node_by_name("Exc").id, "tau_m") is None  # not live
    with qtbot.waitSignal(panel.param_edit_requested) as blocker:
        slider.slider.setValue(slider.slider.value() + 100)
    node_id, name, value, merge = blocker.args
    assert (node_id, name, merge) == (source.id, "rate_hz", True) and value > 10.0
    network.set_param(source.id, "rate_hz", 3.0)
    assert slider.value() == pytest.approx(3.0, abs=(slider.high - slider.low) / 1000)


def test_slider_range_uses_bounds_or_the_value() -> None:
    from engine.model.params import ParamSpec

    assert slider_range(ParamSpec("p", 0.5, low=0.0, high=1.0), 0.5) == (0.0, 1.0)
    assert slider_range(ParamSpec("r", 10.0, "Hz", low=0.0, high=1e6), 10.0) == (0.0, 40.0)


def test_activity_overlay_glows_with_the_rate(qtbot, project) -> None:
    from widgets.canvas.scene import GraphScene
    from widgets.view_state import ViewState

    scene = GraphScene(project.network, ViewState(project.view))
    overlay = ActivityOverlay(scene)
    exc = project.network.node_by_name("Exc")
    overlay.set_rates({exc.id: 20.0, "missing": 5.0}, {})
    glow, badge = overlay.items[exc.id]
    assert badge.text == "20.0 Hz" and 0 < glow.strength < 1
    assert glow.parentItem() is scene.node_item(exc.id)
    overlay.clear()
    assert glow.scene() is None
    assert glow_strength(0.0) == 0.0 and glow_strength(1000.0) == 1.0
