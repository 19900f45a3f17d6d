"""The main window driven like a user would: palette drags, mouse wiring, the inspector,
undo/redo, files, the clipboard, settings and screenshots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.main_window import Document, MainWindow, run
from app.settings import AppSettings
from engine.io.project_file import dumps_project, load_project, save_project
from engine.model.project import Project

ROOT = Path(__file__).resolve().parents[2]


# -- helpers ------------------------------------------------------------------------------------
def drag_on(view, start: QPointF, end: QPointF, steps: int = 4) -> None:
    viewport = view.viewport()
    a, b = view.mapFromScene(start), view.mapFromScene(end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(viewport, a + (b - a) * i / steps)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def click_on(view, point: QPointF) -> None:
    QTest.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        view.mapFromScene(point),
    )


def drop_mime(widget, mime: QMimeData, pos: QPoint) -> None:
    buttons, mods, action = (
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.DropAction.CopyAction,
    )
    for event in (
        QDragEnterEvent(pos, action, mime, buttons, mods),
        QDragMoveEvent(pos, action, mime, buttons, mods),
        QDropEvent(QPointF(pos), action, mime, buttons, mods),
    ):
        QApplication.sendEvent(widget, event)


def drag_from_palette(window: MainWindow, type_id: str, scene_pos: QPointF) -> str:
    """Drag a palette entry onto the canvas; returns the new node's id."""
    before = {n.id for n in window.network.nodes}
    mime = window.palette.mime_data_for(type_id)
    drop_mime(window.view.viewport(), mime, window.view.mapFromScene(scene_pos))
    (new,) = {n.id for n in window.network.nodes} - before
    return new


def type_into(field, text: str) -> None:
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)


def header(window: MainWindow, node_id: str) -> QPointF:
    item = window.scene.node_item(node_id)
    return item.mapToScene(QPointF(item.width / 2, 12))


def port(window: MainWindow, node_id: str, name: str) -> QPointF:
    return window.scene.node_item(node_id).port(name).anchor()


def snapshot(window: MainWindow) -> dict:
    data = json.loads(dumps_project(window.document.project))
    data["view"].pop("zoom", None)
    data["view"].pop("center", None)
    data["view"].pop("plot_layout", None)  # written on save, like the camera
    return data


@pytest.fixture
def settings(tmp_path) -> AppSettings:
    return AppSettings(tmp_path / "settings.ini")


@pytest.fixture
def window(qtbot, settings, new_window) -> MainWindow:
    w = new_window(settings)
    w.show()
    qtbot.waitExposed(w)
    w.view.set_zoom(1.0)
    w.view.centerOn(QPointF(300, 100))
    return w


def demo_project() -> Project:
    project = Project(name="demo")
    network = project.network
    source = network.add_node("encoder.poisson", "Input")
    exc = network.add_node("population.lif", "Exc")
    projection = network.connect_groups(source.id, exc.id)
    project.view["positions"] = {
        source.id: [0.0, 0.0],
        projection.id: [250.0, 0.0],
        exc.id: [460.0, 0.0],
    }
    return project


# -- building with the mouse ----------------------------------------------------------------
def test_drag_palette_item_onto_canvas_creates_a_node_there(window: MainWindow) -> None:
    node_id = drag_from_palette(window, "population.lif", QPointF(200, 100))
    node = window.network.node(node_id)
    assert node.type_id == "population.lif" and node.name == "LIF neurons"
    x, y = window.document.view.position(node_id)
    assert x < 200 < x + window.scene.node_item(node_id).width  # centred on the drop point
    assert window.scene.selected_node_ids() == [node_id]
    assert window.inspector.node_id == node_id
    assert window.isWindowModified()
    window.undo_group.undo()
    assert window.network.nodes == [] and not window.isWindowModified()
    window.undo_group.redo()
    assert window.network.node(node_id).name == "LIF neurons"


def test_connect_two_ports_with_the_mouse_and_undo(window: MainWindow) -> None:
    exc = drag_from_palette(window, "population.lif", QPointF(100, 100))
    rec = drag_from_palette(window, "recorder.spikes", QPointF(450, 100))
    drag_on(window.view, port(window, exc, "out"), port(window, rec, "source"))
    (link,) = window.network.links
    assert (link.source, link.target, link.target_port) == (exc, rec, "source")
    assert window.scene.link_item(link.id)
    window.undo_group.undo()
    assert window.network.links == []
    window.undo_group.redo()
    assert len(window.network.links) == 1


def test_population_onto_population_inserts_a_projection(window: MainWindow) -> None:
    a = drag_from_palette(window, "population.lif", QPointF(0, 100))
    b = drag_from_palette(window, "population.lif", QPointF(520, 100))
    drag_on(window.view, port(window, a, "out"), header(window, b))
    projections = [n for n in window.network.nodes if n.type_id == "projection.synapses"]
    assert len(projections) == 1
    projection = projections[0]
    assert projection.params == window.network.node_type(projection).default_params()
    assert window.inspector.node_id == projection.id  # selected, ready to edit
    px, _ = window.document.view.position(projection.id)
    assert window.document.view.position(a)[0] < px < window.document.view.position(b)[0]
    window.undo_group.undo()  # one step removes projection and both wires
    assert [n.id for n in window.network.nodes] == [a, b] and window.network.links == []


def test_an_illegal_connection_is_refused_and_says_why(window: MainWindow) -> None:
    source = drag_from_palette(window, "encoder.poisson", QPointF(0, 100))
    target = drag_from_palette(window, "population.lif", QPointF(450, 100))
    count = window.undo_stack.count()
    drag_on(window.view, port(window, source, "out"), port(window, target, "current"))
    assert window.network.links == []
    assert window.undo_stack.count() == count
    message = window.statusBar().currentMessage()
    assert "Cannot connect" in message and "spike trains" in message
    assert "spike trains" in window.log_view.toPlainText()
    assert "spike trains" in window.scene.toast_text()


def test_move_with_the_mouse_is_one_undo_step(window: MainWindow) -> None:
    node = drag_from_palette(window, "population.lif", QPointF(100, 100))
    start = window.document.view.position(node)
    drag_on(window.view, header(window, node), header(window, node) + QPointF(100, 60), steps=8)
    moved = window.document.view.position(node)
    assert moved == (start[0] + 100, start[1] + 60)
    assert window.undo_stack.text(window.undo_stack.index() - 1) == "Move"
    window.undo_group.undo()
    assert window.document.view.position(node) == start
    assert window.scene.node_item(node).pos() == QPointF(*start)


def test_edit_a_parameter_in_the_inspector_changes_the_model(window: MainWindow) -> None:
    node = drag_from_palette(window, "population.lif", QPointF(100, 100))
    click_on(window.view, header(window, node))
    field = window.inspector.row("tau_m").editor.field
    type_into(field, "20")
    assert window.network.node(node).params["tau_m"] == 20.0
    assert window.undo_stack.undoText() == "Set LIF neurons.tau_m"
    type_into(field, "-5")
    assert window.network.node(node).params["tau_m"] == 20.0
    assert "must be > 0 ms" in window.inspector.row("tau_m").error_text
    window.undo_group.undo()
    assert window.network.node(node).params["tau_m"] == 10.0
    assert window.inspector.row("tau_m").editor.field.text() == "10"
    window.undo_group.redo()
    assert window.inspector.row("tau_m").editor.field.text() == "20"


def test_rename_in_the_inspector_and_on_the_canvas(window: MainWindow) -> None:
    node = drag_from_palette(window, "population.lif", QPointF(100, 100))
    type_into(window.inspector.name_edit, "Excitatory")
    assert window.network.node(node).name == "Excitatory"
    assert window.scene.node_item(node).name == "Excitatory"
    window.undo_group.undo()
    assert window.scene.node_item(node).name == "LIF neurons"


def test_delete_selection_and_undo(window: MainWindow) -> None:
    a = drag_from_palette(window, "population.lif", QPointF(0, 100))
    b = drag_from_palette(window, "population.lif", QPointF(520, 100))
    window.connect_groups(a, b)
    before = snapshot(window)
    window.scene.select([a])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    assert {n.id for n in window.network.nodes} == {b} | {
        n.id for n in window.network.nodes if n.type_id == "projection.synapses"
    }
    assert window.network.links_of(a) == []
    window.undo_group.undo()
    assert snapshot(window) == before


def test_plasticity_from_the_inspector(window: MainWindow) -> None:
    a = drag_from_palette(window, "population.lif", QPointF(0, 100))
    b = drag_from_palette(window, "population.lif", QPointF(520, 100))
    projection = window.connect_groups(a, b)
    combo = window.inspector.plasticity_combo
    combo.activated.emit(combo.findData("new:plasticity.stdp_pair"))
    (link,) = window.network.links_into(projection, "plasticity")
    assert window.network.node(link.source).type_id == "plasticity.stdp_pair"
    window.undo_group.undo()
    assert window.network.links_into(projection, "plasticity") == []
    assert not any(n.type_id == "plasticity.stdp_pair" for n in window.network.nodes)


def test_history_view_lists_the_edits(window: MainWindow) -> None:
    drag_from_palette(window, "population.lif", QPointF(0, 100))
    window.menu_actions.history.setChecked(True)
    assert window.history_dock.isVisible()
    model = window.history.model()
    assert model.rowCount() == 2  # the clean state, then "Add LIF neurons"
    assert model.index(1, 0).data() == "Add LIF neurons"


def test_quick_add_by_typing_on_the_canvas(window: MainWindow, qtbot) -> None:
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_P)
    assert window.quick_add.isVisible()
    QTest.keyClicks(window.quick_add.search, "ois")  # the menu has the keyboard now
    assert window.quick_add.search.text() == "pois"
    QTest.keyClick(window.quick_add.search, Qt.Key.Key_Return)
    (node,) = window.network.nodes
    assert node.type_id == "encoder.poisson"


def test_wire_dropped_on_empty_canvas_adds_and_wires_in_one_step(window: MainWindow) -> None:
    source = drag_from_palette(window, "encoder.poisson", QPointF(0, 100))
    steps = window.undo_stack.count()
    drag_on(window.view, port(window, source, "out"), QPointF(600, 300))
    assert window.quick_add.isVisible()
    ids = window.quick_add.visible_type_ids()
    assert "population.lif" in ids and "recorder.spikes" in ids
    assert "encoder.dc" not in ids
    window.quick_add.search.setText("LIF neurons")
    QTest.keyClick(window.quick_add.search, Qt.Key.Key_Return)
    assert any(n.type_id == "projection.synapses" for n in window.network.nodes)
    assert window.undo_stack.count() == steps + 1
    window.undo_group.undo()
    assert [n.id for n in window.network.nodes] == [source]


def test_notes_align_and_tidy_are_undoable(window: MainWindow) -> None:
    a = drag_from_palette(window, "population.lif", QPointF(0, 100))
    b = drag_from_palette(window, "population.lif", QPointF(400, 260))
    note = window.add_note(QPointF(100, 400), "Remember STDP")
    assert window.document.view.annotation(note)["text"] == "Remember STDP"
    window.scene.select([a, b])
    window.align("top")
    assert window.document.view.position(a)[1] == window.document.view.position(b)[1]
    window.undo_group.undo()
    assert window.document.view.position(a)[1] != window.document.view.position(b)[1]
    window.tidy_up()
    assert window.undo_stack.undoText() == "Tidy up layout"
    window.undo_group.undo()
    window.undo_group.undo()
    assert window.document.view.annotations == []


# -- clipboard ------------------------------------------------------------------------------
def test_copy_paste_between_two_windows(window: MainWindow, qtbot, settings) -> None:
    a = drag_from_palette(window, "population.lif", QPointF(0, 100))
    b = drag_from_palette(window, "population.lif", QPointF(520, 100))
    window.connect_groups(a, b)
    window.network.set_param(a, "tau_m", 17.0)
    window.scene.select_all()
    assert window.copy()
    text = QApplication.clipboard().text()
    assert '"spikestudio-fragment"' in text
    other = MainWindow(settings)
    other.ask_save_changes = lambda: "discard"
    qtbot.addWidget(other)
    other.show()
    other.paste()
    assert sorted(n.name for n in other.network.nodes) == sorted(
        n.name for n in window.network.nodes
    )
    assert len(other.network.links) == 2
    assert any(n.params["tau_m"] == 17.0 for n in other.network.nodes if "tau_m" in n.params)
    assert not {n.id for n in other.network.nodes} & {n.id for n in window.network.nodes}
    other.undo_group.undo()
    assert other.network.nodes == []


def test_paste_into_the_same_window_renames_and_duplicate(window: MainWindow) -> None:
    a = drag_from_palette(window, "population.lif", QPointF(0, 100))
    window.scene.select([a])
    window.copy()
    window.paste()
    window.duplicate()
    names = sorted(n.name for n in window.network.nodes)
    assert names == ["LIF neurons", "LIF neurons 2", "LIF neurons 3"]
    QApplication.clipboard().setText("not a network")
    window.paste()
    assert len(window.network.nodes) == 3


def test_cut_removes_and_paste_brings_back(window: MainWindow) -> None:
    a = drag_from_palette(window, "population.lif", QPointF(0, 100))
    window.scene.select([a])
    window.cut()
    assert window.network.nodes == []
    window.paste()
    assert [n.name for n in window.network.nodes] == ["LIF neurons"]


# -- files ----------------------------------------------------------------------------------
def test_save_and_reopen_gives_the_same_document(window: MainWindow, tmp_path, qtbot) -> None:
    a = drag_from_palette(window, "encoder.poisson", QPointF(0, 100))
    b = drag_from_palette(window, "population.lif", QPointF(520, 100))
    drag_on(window.view, port(window, a, "out"), header(window, b))
    window.add_note(QPointF(100, 400), "input layer")
    path = tmp_path / "net.snnproj"
    window.ask_save_path = lambda: str(path)
    assert "Untitled" in window.windowTitle() and window.isWindowModified()
    assert window.save()
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("net.snnproj")
    saved = snapshot(window)
    reopened = MainWindow(window.settings)
    qtbot.addWidget(reopened)
    assert reopened.open_path(path)
    assert snapshot(reopened) == saved
    assert {i.node_id for i in reopened.scene.node_items()} == {a, b} | {
        n.id for n in reopened.network.nodes if n.type_id == "projection.synapses"
    }
    assert str(path.resolve()) == window.settings.recent_files[0]


def test_opening_an_invalid_file_leaves_the_document_untouched(window, tmp_path) -> None:
    drag_from_palette(window, "population.lif", QPointF(0, 100))
    before = snapshot(window)
    bad = tmp_path / "bad.snnproj"
    project = demo_project()
    text = dumps_project(project).replace('"tau_m": 10.0', '"tau_m": -1.0')
    bad.write_text(text)
    assert not window.open_path(bad, ask=False)
    assert snapshot(window) == before
    box = window.last_error_box
    assert box is not None and box.isVisible()
    assert "bad.snnproj cannot be opened" in box.text()
    assert "tau_m" in box.informativeText() and "must be > 0 ms" in box.informativeText()
    assert "left unchanged" in box.informativeText()
    box.close()


def test_opening_a_newer_file_says_so(window, tmp_path) -> None:
    newer = tmp_path / "newer.snnproj"
    data = json.loads(dumps_project(demo_project()))
    data["schema_version"] = 99
    newer.write_text(json.dumps(data))
    assert not window.open_path(newer, ask=False)
    assert "newer SpikeStudio" in window.last_error_box.text()
    assert window.network.nodes == []
    window.last_error_box.close()


def test_unsaved_changes_prompt_on_new_and_close(window: MainWindow) -> None:
    drag_from_palette(window, "population.lif", QPointF(0, 100))
    window.ask_save_changes = lambda: "cancel"
    assert not window.new_document()
    assert len(window.network.nodes) == 1
    assert not window.close()
    assert window.isVisible()
    window.ask_save_changes = lambda: "discard"
    assert window.new_document()
    assert window.network.nodes == [] and not window.isWindowModified()


def test_save_from_the_prompt(window: MainWindow, tmp_path) -> None:
    drag_from_palette(window, "population.lif", QPointF(0, 100))
    path = tmp_path / "kept.snnproj"
    window.ask_save_changes = lambda: "save"
    window.ask_save_path = lambda: str(path)
    assert window.new_document()
    assert len(load_project(path).network.nodes) == 1


def test_open_recent_and_drop_a_file_onto_the_window(window, tmp_path) -> None:
    path = tmp_path / "demo.snnproj"
    save_project(demo_project(), path)
    window.settings.add_recent_file(path)
    window._fill_recent_menu()
    actions = [a for a in window.recent_menu.actions() if a.text().endswith("demo.snnproj")]
    actions[0].trigger()
    assert sorted(n.name for n in window.network.nodes) == ["Exc", "Input", "Input → Exc"]
    window.new_document()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop_mime(window, mime, QPoint(50, 50))
    assert len(window.network.nodes) == 3
    window.new_document()
    drop_mime(window.view.viewport(), mime, QPoint(200, 200))  # onto the canvas too
    assert len(window.network.nodes) == 3
    missing = str(tmp_path / "gone.snnproj")
    window.settings.add_recent_file(missing)
    assert not window.open_recent(str(Path(missing).resolve()))
    assert str(Path(missing).resolve()) not in window.settings.recent_files


def test_window_state_and_preferences_persist(qtbot, settings) -> None:
    first = MainWindow(settings)
    qtbot.addWidget(first)
    first.resize(720, 560)
    first.show()
    first.log_dock.hide()
    first.menu_actions.minimap.setChecked(False)
    first.close()
    second = MainWindow(settings)
    qtbot.addWidget(second)
    second.show()
    assert second.size().width() == 720
    assert not second.log_dock.isVisible()
    assert not second.menu_actions.minimap.isChecked()
    assert AppSettings(settings.path).show_minimap is False


def test_dark_theme_toggle_is_remembered(window: MainWindow) -> None:
    try:
        window.menu_actions.dark_theme.setChecked(True)
        assert window.settings.theme == "dark"
        assert QApplication.instance().palette().window().color().lightness() < 80
    finally:
        window.set_theme("light")
    assert window.settings.theme == "light"


# -- the acceptance scenario ----------------------------------------------------------
def test_build_stdp_network_with_the_mouse_save_reopen_and_undo_to_empty(
    window: MainWindow, tmp_path, qtbot
) -> None:
    """Poisson input -> LIF population with STDP -> LIF output, by mouse only."""
    empty = snapshot(window)
    poisson = drag_from_palette(window, "encoder.poisson", QPointF(-250, 100))
    hidden = drag_from_palette(window, "population.lif", QPointF(250, 100))
    output = drag_from_palette(window, "population.lif", QPointF(750, 100))
    drag_on(window.view, port(window, poisson, "out"), header(window, hidden))
    drag_on(window.view, port(window, hidden, "out"), header(window, output))
    projections = [n.id for n in window.network.nodes if n.type_id == "projection.synapses"]
    plastic = next(
        p for p in projections if window.network.links_into(p, "pre")[0].source == hidden
    )
    rule = drag_from_palette(window, "plasticity.stdp_pair", QPointF(450, -150))
    drag_on(window.view, port(window, rule, "out"), port(window, plastic, "plasticity"))
    assert len(window.network.nodes) == 6 and len(window.network.links) == 5
    from engine.model.checks import check_network

    assert check_network(window.network).ok

    path = tmp_path / "stdp.snnproj"
    window.ask_save_path = lambda: str(path)
    assert window.save()
    saved = snapshot(window)
    reopened = MainWindow(window.settings)
    qtbot.addWidget(reopened)
    assert reopened.open_path(path)
    assert snapshot(reopened) == saved

    while window.undo_stack.canUndo():
        window.undo_group.undo()
    assert snapshot(window) == {**empty, "name": "stdp"}  # saving named the project
    assert window.scene.node_items() == [] and window.scene.link_items() == []


# -- run() and screenshots ------------------------------------------------------------------
def _distinct_colours(path: Path) -> int:
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull()
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    )


def test_screenshot_of_the_default_project_is_not_blank(qtbot, tmp_path, settings) -> None:
    png = tmp_path / "window.png"
    assert run(None, str(png), settings=settings) == 0
    assert png.is_file()
    assert _distinct_colours(png) > 20


def test_screenshot_of_a_project(qtbot, tmp_path, settings) -> None:
    path = tmp_path / "demo.snnproj"
    save_project(demo_project(), path)
    png = tmp_path / "demo.png"
    assert run(str(path), str(png), settings=settings) == 0
    assert _distinct_colours(png) > 40
    bad = tmp_path / "bad.snnproj"
    bad.write_text("{}")
    assert run(str(bad), str(tmp_path / "bad.png"), settings=settings) == 1


def test_screenshot_in_a_fresh_process(tmp_path) -> None:
    path = tmp_path / "demo.snnproj"
    save_project(demo_project(), path)
    png = tmp_path / "out.png"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "SPIKESTUDIO_SETTINGS": str(tmp_path / "s.ini"),
    }
    code = (
        f"import sys; from app.main_window import run; sys.exit(run({str(path)!r}, {str(png)!r}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert _distinct_colours(png) > 40


def test_document_class_defaults() -> None:
    document = Document()
    assert document.display_name == "Untitled.snnproj"
    assert not document.is_modified()


def test_right_click_menus(window: MainWindow) -> None:
    node = drag_from_palette(window, "population.lif", QPointF(100, 100))
    window.scene.clearSelection()
    from PySide6.QtGui import QContextMenuEvent

    def right_click(scene_pos: QPointF):
        local = window.view.mapFromScene(scene_pos)
        event = QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, local, window.view.viewport().mapToGlobal(local)
        )
        QApplication.sendEvent(window.view.viewport(), event)
        return window._context_menu

    menu = right_click(header(window, node))
    texts = [a.text() for a in menu.actions()]
    assert "Re&name Node" in texts and "De&lete" in texts
    assert window.scene.selected_node_ids() == [node]  # right-click selects
    menu.close()
    menu = right_click(QPointF(600, 500))
    texts = [a.text() for a in menu.actions()]
    assert "Add Node Here…" in texts and "&Paste" in texts
    assert window.scene.selected_node_ids() == []
    next(a for a in menu.actions() if a.text() == "Add Note Here").trigger()
    assert len(window.document.view.annotations) == 1
    menu.close()


def test_arrow_keys_nudge_the_selection_in_one_undo_step(window: MainWindow) -> None:
    node = drag_from_palette(window, "population.lif", QPointF(100, 100))
    start = window.document.view.position(node)
    window.view.setFocus()
    for _ in range(3):
        QTest.keyClick(window.view, Qt.Key.Key_Right)
    QTest.keyClick(window.view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert window.document.view.position(node) == (start[0] + 30, start[1] + 50)
    window.undo_group.undo()
    assert window.document.view.position(node) == start


def test_editing_keys_in_fields_do_not_trigger_canvas_shortcuts(window: MainWindow) -> None:
    node = drag_from_palette(window, "population.lif", QPointF(100, 100))
    field = window.inspector.name_edit
    field.setFocus()
    field.end(False)
    QTest.keyClick(field, Qt.Key.Key_Backspace)
    QTest.keyClick(field, Qt.Key.Key_Delete)
    assert window.network.node(node)  # still there
    assert field.text() == "LIF neuron"
    note = window.add_note(QPointF(100, 400))
    item = window.scene.annotation_item(note)
    assert item.editing
    QTest.keyClicks(window.view, "Hi there")
    QTest.keyClick(window.view, Qt.Key.Key_Backspace)
    assert window.network.node(node)
    assert item.text_item.toPlainText() == "Hi ther"


def test_keyboard_shortcuts_reach_the_actions(window: MainWindow) -> None:
    drag_from_palette(window, "population.lif", QPointF(100, 100))
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.network.nodes == []
    QTest.keyClick(
        window.view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert len(window.network.nodes) == 1
    window.scene.select_all()
    QTest.keyClick(window.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(window.network.nodes) == 2
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    assert len(window.network.nodes) == 1


def test_screenshot_of_the_shipped_demo_project(qtbot, tmp_path, settings) -> None:
    demo = ROOT / "projects" / "stdp_demo.snnproj"
    if not demo.is_file():
        pytest.skip("projects/stdp_demo.snnproj is not in this checkout")
    png = tmp_path / "demo.png"
    assert run(str(demo), str(png), settings=settings) == 0
    assert _distinct_colours(png) > 40


def test_a_typed_value_is_kept_when_clicking_elsewhere(window: MainWindow) -> None:
    node = drag_from_palette(window, "population.lif", QPointF(100, 100))
    field = window.inspector.row("tau_m").editor.field
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "33")
    click_on(window.view, QPointF(700, 500))  # empty canvas: focus moves, selection clears
    assert window.network.node(node).params["tau_m"] == 33.0
    assert window.inspector.mode == "settings"
