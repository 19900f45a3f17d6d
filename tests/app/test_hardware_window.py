"""The hardware panel in the main window: canvas selection from cores and violations, the
menu action, and energy while the simulation runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.main_window import Document, MainWindow
from engine.io.project_file import load_project
from hardware.profiles import load_profile
from hardware.report import map_and_report

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "projects" / "stdp_demo.snnproj"
MAP_TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot, tmp_path, new_window) -> MainWindow:
    w = new_window(tmp_path / "settings.ini")
    panel = w.hardware_panel
    with qtbot.waitSignal(panel.mapped, timeout=MAP_TIMEOUT_MS):
        w.set_document(Document(load_project(DEMO), DEMO))
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.simulation.shutdown()
    panel.shutdown()


def choose(qtbot, window: MainWindow, profile_id: str) -> None:
    panel = window.hardware_panel
    with qtbot.waitSignal(panel.mapped, timeout=MAP_TIMEOUT_MS):
        panel.platform_combo.setCurrentIndex(panel.platform_combo.findData(profile_id))


def test_clicking_a_core_selects_its_nodes_in_the_canvas(qtbot, window):
    panel = window.hardware_panel
    choose(qtbot, window, "spinnaker")  # two cores, each with different populations
    window.show_hardware_panel()
    panel.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: panel.grid.isVisible())
    cores = panel.result.report["placement"]["cores"]
    for core in range(len(cores)):
        expected = sorted(piece["node"] for piece in cores[core]["nodes"])
        point = panel.grid.core_rect(core).center().toPoint()
        QTest.mouseClick(
            panel.grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
        )
        assert sorted(window.scene.selected_node_ids()) == expected
        assert panel.grid.selected_core == core


def test_activating_a_violation_selects_and_shows_its_node(qtbot, window):
    panel = window.hardware_panel
    choose(qtbot, window, "truenorth")  # STDP is not supported on TrueNorth
    window.show_hardware_panel()
    panel.tabs.setCurrentIndex(1)
    table = panel.violations
    qtbot.waitUntil(table.isVisible)
    rows = [r for r in range(table.rowCount()) if table.node_of_row(r)]
    assert rows
    stdp = next(n.id for n in window.network.nodes if n.type_id.startswith("plasticity."))
    row = next(r for r in rows if table.node_of_row(r) == stdp)
    window.scene.select([])
    window.view.centerOn(-5000, -5000)
    table.scrollToItem(table.item(row, 2))
    point = table.visualItemRect(table.item(row, 2)).center()
    assert table.viewport().rect().contains(point)
    button, no_mod = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(table.viewport(), button, no_mod, point)  # a double click starts with one
    QTest.mouseDClick(table.viewport(), button, no_mod, point)
    assert window.scene.selected_node_ids() == [stdp]
    item = window.scene.node_item(stdp)
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(item.sceneBoundingRect().center())
    # Enter on another row does the same
    other = next(r for r in rows if table.node_of_row(r) != stdp)
    table.setFocus()
    table.setCurrentCell(other, 0)
    QTest.keyClick(table, Qt.Key.Key_Return)
    assert window.scene.selected_node_ids() == [table.node_of_row(other)]


def test_menu_action_shows_the_hardware_dock(qtbot, window):
    window.hardware_dock.hide()
    action = window.menu_actions.hardware_panel
    assert action.shortcut().toString() == "Ctrl+Alt+H"
    assert action in window.menuBar().actions()[2].menu().actions()  # View menu
    action.trigger()
    assert window.hardware_dock.isVisible()


def test_energy_follows_the_running_simulation(qtbot, window):
    panel = window.hardware_panel
    window.set_setting("duration_ms", 400.0)
    updates: list[dict] = []
    panel.energy_updated.connect(updates.append)
    with qtbot.waitSignal(window.simulation.run_finished, timeout=60_000):
        window.simulation.run()
    qtbot.waitUntil(lambda: bool(updates), timeout=5_000)
    final = panel.energy
    assert final["simulated_time_s"] == pytest.approx(0.4)
    assert final["per_term"]["synop"]["count"] > 0
    assert final["static_j"] == pytest.approx(0.104 * 0.4 * panel.result.mapping.chips_used)
    # the same events as 'spikestudio map --run' counts from its own run of the same design
    report, _ = map_and_report(window.network, load_profile("loihi"), run=True, duration_ms=400.0)
    cli = report["energy"]["per_term"]
    for term in ("synop", "synaptic_update"):
        assert final["per_term"][term]["count"] == cli[term]["count"]
        assert final["per_term"][term]["energy_j"] == pytest.approx(cli[term]["energy_j"])
    assert final["static_j"] == pytest.approx(report["energy"]["static_j"])
    # simulated time only grows from one update to the next
    times = [u["simulated_time_s"] for u in updates]
    assert times == sorted(times)


def test_energy_is_priced_in_the_background_while_the_run_goes(qtbot, window, monkeypatch):
    """Twice a second during a run the spikes so far are priced on the panel's worker thread
    (for a large network this takes tens of ms, which must not stall the live plots)."""
    import threading

    import widgets.hardware.panel as panel_module

    price = panel_module.price_spikes

    def priced_where(*args):
        energy = price(*args)
        energy["off_gui_thread"] = threading.current_thread() is not threading.main_thread()
        return energy

    monkeypatch.setattr(panel_module, "price_spikes", priced_where)
    panel = window.hardware_panel
    window.set_setting("duration_ms", 1500.0)
    window.simulation.set_speed(1.0)  # real time: the run lasts 1.5 s of wall time
    during: list[dict] = []

    def shown(energy: dict) -> None:
        if window.simulation.state == "running":
            during.append(energy)

    panel.energy_updated.connect(shown)
    with qtbot.waitSignal(window.simulation.run_finished, timeout=60_000):
        window.simulation.run()
    background = [e for e in during if e["off_gui_thread"]]
    assert background and 0.0 < background[0]["simulated_time_s"] < 1.5
    assert panel.energy["simulated_time_s"] == pytest.approx(1.5)


def test_the_project_remembers_the_platform_and_metric(qtbot, window, tmp_path):
    panel = window.hardware_panel
    choose(qtbot, window, "truenorth")
    panel.metric_combo.setCurrentIndex(panel.metric_combo.findData("fan_in"))
    assert window.document.project.view["hardware"] == {
        "profile": "truenorth",
        "metric": "fan_in",
        "time_base": "real_time",
    }
    path = tmp_path / "saved.snnproj"
    assert window.save_to(path)
    with qtbot.waitSignal(panel.mapped, timeout=MAP_TIMEOUT_MS):
        window.new_document()
    assert panel.platform_combo.currentData() == "truenorth"  # a new project keeps the choice
    choose(qtbot, window, "loihi")
    with qtbot.waitSignal(panel.mapped, timeout=MAP_TIMEOUT_MS) as blocker:
        assert window.open_path(path, ask=False)
    assert blocker.args[0].report["hardware"] == "truenorth"
    assert panel.grid.metric_key == "fan_in"
