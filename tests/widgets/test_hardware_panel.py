"""The hardware panel on its own: mapping through the selector, the grid, user profiles, the
energy chart and the comparison dialog."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolTip

from app.cli import main as cli_main
from engine.io.project_file import load_project
from engine.sim.compiler import compile_network
from engine.sim.simulator import Simulator
from hardware.profiles import list_profiles, load_profile
from hardware.quantize import record_everything
from widgets.hardware import panel as panel_module
from widgets.hardware.panel import HardwarePanel
from widgets.plots.base import RunInfo

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "projects" / "stdp_demo.snnproj"
MAP_TIMEOUT_MS = 60_000


@pytest.fixture
def demo():
    return load_project(DEMO).network


@pytest.fixture
def panel(qtbot, demo) -> HardwarePanel:
    widget = HardwarePanel()
    qtbot.addWidget(widget)
    widget.resize(420, 520)
    widget.show()
    with qtbot.waitSignal(widget.mapped, timeout=MAP_TIMEOUT_MS):
        widget.set_network(demo)
    yield widget
    widget.shutdown()


def choose(qtbot, panel: HardwarePanel, profile_id: str):
    """Pick a platform in the selector like a user; returns the mapping shown."""
    index = panel.platform_combo.findData(profile_id)
    assert index >= 0, profile_id
    if index == panel.platform_combo.currentIndex():
        return panel.result
    with qtbot.waitSignal(panel.mapped, timeout=MAP_TIMEOUT_MS) as blocker:
        panel.platform_combo.setCurrentIndex(index)
    return blocker.args[0]


@pytest.fixture(scope="module")
def cli_reports(tmp_path_factory) -> dict[str, dict]:
    """What ``spikestudio map projects/stdp_demo.snnproj --hardware NAME`` writes."""
    out = {}
    for name in list_profiles():
        folder = tmp_path_factory.mktemp(name)
        assert cli_main(["map", str(DEMO), "--hardware", name, "--out", str(folder)]) == 0
        out[name] = json.loads((folder / "mapping.json").read_text(encoding="utf-8"))
    return out


def test_the_demo_maps_on_every_profile_as_the_cli_says(qtbot, panel, cli_reports):
    assert [panel.platform_combo.itemData(k) for k in range(panel.platform_combo.count())] == (
        list_profiles()
    )
    for name in list_profiles():
        result = choose(qtbot, panel, name)
        expected = cli_reports[name]
        report = result.report
        assert report["hardware"] == name
        assert report["fits"] == expected["fits"]
        assert report["cores_used"] == expected["cores_used"]
        assert report["chips_used"] == expected["chips_used"]
        assert report["violations"] == expected["violations"]
        table = panel.violations
        assert table.rowCount() == len(expected["violations"])
        assert [table.item(r, 0).text().replace("\u200b", "") for r in range(table.rowCount())] == [
            v["rule"] for v in expected["violations"]
        ]
        summary = panel.summary.text()
        short = load_profile(name).short_name
        assert summary.startswith(
            f"Fits on {short}" if expected["fits"] else f"Does not fit on {short}"
        )
        cores = expected["cores_used"]
        assert f"{cores} core{'s' * (cores != 1)}" in summary


def test_switching_platform_redraws_the_grid(qtbot, panel):
    assert panel.grid.data.cores_per_chip == 128  # Loihi
    loihi_fraction = panel.grid.fractions()[0]
    choose(qtbot, panel, "truenorth")
    assert panel.grid.data.platform == "TrueNorth"
    assert panel.grid.data.cores_per_chip == 4096
    assert panel.grid.fractions()[0] != loihi_fraction  # 256-neuron cores fill up faster
    choose(qtbot, panel, "spinnaker")
    assert panel.grid.data.cores_per_chip == 17  # 18 ARM cores, one is the monitor
    assert len(panel.grid.fractions()) == panel.result.report["cores_used"] == 2
    picture = panel.grid.grab().toImage()
    rect = panel.grid.core_rect(0)
    centre = picture.pixelColor(rect.center().toPoint())
    unused = picture.pixelColor(panel.grid.core_rect(16).center().toPoint())
    assert centre != unused  # a used core is coloured, an unused one is not


def test_metric_changes_the_colour_source(qtbot, panel):
    choose(qtbot, panel, "truenorth")
    rows = panel.result.report["utilization"]
    panel.metric_combo.setCurrentIndex(panel.metric_combo.findData("fan_in"))
    assert panel.grid.fractions() == [r["fan_in"]["fraction"] for r in rows]
    panel.metric_combo.setCurrentIndex(panel.metric_combo.findData("neurons"))
    assert panel.grid.fractions() == [r["neurons"]["fraction"] for r in rows]


def test_core_tooltip_names_the_slices_and_numbers(qtbot, panel):
    choose(qtbot, panel, "spinnaker")
    report = panel.result.report
    text = panel.grid.tooltip_text(0)
    for piece in report["placement"]["cores"][0]["nodes"]:
        assert f"{piece['name']}: {piece['neurons']:,} neurons" in text
    neurons = report["utilization"][0]["neurons"]
    assert f"Neurons: {neurons['used']:,} of {neurons['limit']:,.0f}" in text


def test_edits_remap_after_a_quiet_time(qtbot, panel, demo):
    choose(qtbot, panel, "truenorth")
    hidden = next(n for n in demo.nodes if n.name == "Hidden (LIF)")

    def on_cores():
        return sum(row["neurons"]["used"] for row in panel.result.report["utilization"])

    before = on_cores()
    with qtbot.waitSignal(panel.mapped, timeout=MAP_TIMEOUT_MS):
        demo.set_param(hidden.id, "size", hidden.params["size"] + 40)
    assert on_cores() == before + 40


def test_a_malformed_profile_is_refused_naming_the_field(qtbot, panel, tmp_path, monkeypatch):
    data = copy.deepcopy(load_profile("generic").data)
    data["core"]["max_neurons"]["value"] = "lots"
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    shown: list[str] = []
    monkeypatch.setattr(
        panel_module.QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text)
    )
    count = panel.platform_combo.count()
    assert panel.load_profile_file(path) is False
    assert len(shown) == 1
    assert "core.max_neurons" in shown[0]
    assert "Loihi stays in use" in shown[0]
    assert panel.profile.profile_id == "loihi"
    assert panel.platform_combo.count() == count
    assert panel.result.report["hardware"] == "loihi"


def test_a_valid_user_profile_is_added_and_used(qtbot, panel, tmp_path):
    data = copy.deepcopy(load_profile("generic").data)
    data["profile_id"] = "my_chip"
    data["display_name"] = "My chip"
    data["core"]["max_neurons"]["value"] = 100
    path = tmp_path / "my_chip.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with qtbot.waitSignal(panel.mapped, timeout=MAP_TIMEOUT_MS) as blocker:
        assert panel.load_profile_file(path) is True
    assert blocker.args[0].report["hardware"] == "my_chip"
    assert "(your file)" in panel.platform_combo.currentText()
    # 200 inputs on the host; 50 hidden + 10 output neurons fit one 100-neuron core
    assert blocker.args[0].report["cores_used"] == 1


# -- energy ------------------------------------------------------------------------------------
def run_into(panel: HardwarePanel, network, duration_ms: float, chunk_ms: float = 50.0):
    """Simulate ``network`` with every group recorded, feeding the panel chunk by chunk as the
    simulation controller does; returns the spike count of every neuron."""
    compiled = compile_network(record_everything(network))
    sim = Simulator(compiled)
    info = RunInfo(dt_ms=compiled.dt_ms, duration_ms=duration_ms, groups=list(compiled.groups))
    panel.start_run(info)
    spikes = np.zeros(compiled.n_neurons)
    done, total = 0, sim.steps_for(duration_ms)
    while done < total:
        chunk = sim.advance(min(sim.steps_for(chunk_ms), total - done))
        done += chunk.n_steps
        spikes += np.bincount(chunk.spike_neurons, minlength=compiled.n_neurons)
        panel.append_chunk(chunk)
    panel.finish_run()
    return spikes


def test_energy_chart_equals_hand_computation_from_the_coefficients(qtbot, panel, demo):
    assert panel.chart.plot.isHidden()  # no empty axes before a run: only the message
    assert "Run the simulation" in panel.chart.summary.text()
    spikes = run_into(panel, demo, 300.0)
    assert not panel.chart.plot.isHidden()
    energy = panel.energy
    assert energy is not None and energy["simulated_time_s"] == pytest.approx(0.3)
    values = panel.chart.values()
    mapping = panel.result.mapping
    syn = mapping.synapses
    # Loihi (Davies 2018, Table 2): 23.6 pJ per synaptic spike operation, counted as one per
    # spike arriving at a synapse of a neuron on a core
    on_core = mapping.placement.core_of[syn.post] >= 0
    synops = float(spikes[syn.pre[on_core]].sum())
    assert synops > 0
    assert values["synop"] == pytest.approx(synops * 23.6e-12, rel=1e-12)
    # static: 104 mW per chip (Frady 2020) x 0.3 s of real time on 1 chip
    assert values["static_per_chip"] == pytest.approx(0.104 * 0.3 * mapping.chips_used)
    # the barrier is not priced: shown as such, never as 0
    assert values["barrier"] is None
    label = next(t for t in panel.chart.labels if t.toPlainText() == "not priced")
    assert label is not None
    assert energy["total_j"] == pytest.approx(energy["static_j"] + energy["dynamic_j"])
    assert "not priced (left out): barrier" in panel.chart.summary.text()


def test_time_base_choice_reprices_the_run(qtbot, panel, demo):
    run_into(panel, demo, 200.0)
    real = panel.energy
    assert real["time_base"] == "real_time"
    with qtbot.waitSignal(panel.energy_updated, timeout=5000) as blocker:
        panel.time_base_combo.setCurrentIndex(panel.time_base_combo.findData("as_fast_as_possible"))
    fast = blocker.args[0]
    assert fast["time_base"] == "as_fast_as_possible"
    # Loihi publishes its latencies: each tick takes microseconds, not the 0.1 ms of real time
    assert fast["wall_time_s"] < real["wall_time_s"]
    assert fast["static_j"] < real["static_j"]
    assert fast["dynamic_j"] == pytest.approx(real["dynamic_j"])


def test_unpriced_platform_shows_not_priced_not_zero(qtbot, panel, demo):
    choose(qtbot, panel, "loihi2")
    run_into(panel, demo, 100.0)
    values = panel.chart.values()
    assert values and all(v is None for v in values.values())
    assert panel.energy["total_j"] is None
    assert all(t.toPlainText() == "not priced" for t in panel.chart.labels)


# -- comparison --------------------------------------------------------------------------------
def test_comparison_has_a_row_per_profile_and_exports_csv(qtbot, panel, tmp_path):
    dialog = panel.open_comparison()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.rows), timeout=120_000)
    assert dialog.table.rowCount() == len(list_profiles())
    assert dialog.progress.value() == dialog.progress.maximum()
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert names == [load_profile(n).name for n in list_profiles()]
    loihi2 = names.index(load_profile("loihi2").name)
    assert dialog.table.item(loihi2, 9).text() == "not priced"
    # Akida's dynamic energy is not published: its total is only a lower bound, and says so
    akida = names.index(load_profile("akida").name)
    assert dialog.rows[akida]["unpriced"]
    assert dialog.table.item(akida, 9).text().startswith("≥ ")
    path = tmp_path / "comparison.csv"
    dialog.export_csv(str(path))
    with path.open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [row["hardware"] for row in table] == list_profiles()
    for line, row in zip(table, dialog.rows, strict=True):
        assert int(line["cores used"]) == row["cores_used"]
        assert (line["fits"] == "True") == row["fits"]
    dialog.reject()


def test_a_stale_mapping_is_dropped(qtbot, panel):
    shown: list[str] = []
    panel.mapped.connect(lambda result: shown.append(result.report["hardware"]))
    panel.platform_combo.setCurrentIndex(panel.platform_combo.findData("truenorth"))
    panel.platform_combo.setCurrentIndex(panel.platform_combo.findData("spinnaker"))
    qtbot.waitUntil(lambda: shown == ["spinnaker"], timeout=MAP_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not panel.is_mapping(), timeout=MAP_TIMEOUT_MS)
    assert shown == ["spinnaker"]
    assert panel.grid.data.platform == "SpiNNaker"


def test_switching_platform_after_a_run_reprices_the_same_spikes(qtbot, panel, demo):
    run_into(panel, demo, 200.0)
    loihi = panel.energy
    synop_count = loihi["per_term"]["synop"]["count"]
    with qtbot.waitSignal(panel.energy_updated, timeout=MAP_TIMEOUT_MS) as blocker:
        panel.platform_combo.setCurrentIndex(panel.platform_combo.findData("truenorth"))
    truenorth = blocker.args[0]
    assert truenorth["simulated_time_s"] == pytest.approx(0.2)
    assert truenorth["scope"] == "all_in"
    # TrueNorth's all-in figure: 26 pJ per synaptic event, the same events as on Loihi
    events = truenorth["per_term"]["synaptic_event_all_in"]["count"]
    assert events == synop_count
    assert truenorth["total_j"] == pytest.approx(events * 26e-12)


def test_hovering_a_core_shows_its_tooltip(qtbot, panel):
    choose(qtbot, panel, "spinnaker")
    panel.tabs.setCurrentIndex(0)
    qtbot.waitUntil(panel.grid.isVisible)
    QTest.mouseMove(panel.grid, QPoint(1, 1))  # outside every core
    QTest.mouseMove(panel.grid, panel.grid.core_rect(1).center().toPoint())
    qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
    assert QToolTip.text() == panel.grid.tooltip_text(1)
    assert QToolTip.text().startswith("Core 1 · chip 0")


def test_a_large_design_maps_off_the_gui_thread(qtbot):
    brunel = load_project(ROOT / "projects" / "brunel_ai.snnproj").network
    widget = HardwarePanel()
    qtbot.addWidget(widget)
    widget.show()
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(widget.busy.isVisible()))
    timer.start()
    with qtbot.waitSignal(widget.mapped, timeout=180_000) as blocker:
        widget.set_network(brunel)
        qtbot.waitUntil(widget.busy.isVisible, timeout=5_000)
    timer.stop()
    # the event loop kept running while the mapping worked, with the busy bar shown
    assert sum(ticks) >= 10
    assert not widget.busy.isVisible()
    assert blocker.args[0].report["cores_used"] == 210  # 12,500 neurons on Loihi
    widget.shutdown()


def test_a_mapping_that_fails_says_why_and_leaves_the_panel_usable(qtbot, panel, monkeypatch):
    def broken(network, profile):
        raise RuntimeError("the mapper broke")

    monkeypatch.setattr(panel_module, "map_and_report", broken)
    with qtbot.waitSignal(panel.mapping_failed, timeout=MAP_TIMEOUT_MS) as blocker:
        panel.platform_combo.setCurrentIndex(panel.platform_combo.findData("truenorth"))
    assert blocker.args[0] == "RuntimeError: the mapper broke"
    assert panel.summary.text() == "Cannot map onto TrueNorth: RuntimeError: the mapper broke"
    assert not panel.is_mapping() and not panel.busy.isVisible()
    monkeypatch.undo()
    result = choose(qtbot, panel, "spinnaker")
    assert result.report["hardware"] == "spinnaker"
