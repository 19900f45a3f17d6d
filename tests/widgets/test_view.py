"""Canvas navigation: wheel zoom, panning, fit, minimap, drops, quick-add requests."""

from __future__ import annotations

import pytest
from canvas_helpers import show_canvas
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine.model.network import Network
from widgets.canvas.scene import GraphScene
from widgets.canvas.view import MAX_ZOOM, MIN_ZOOM, GraphView
from widgets.mime import NODE_TYPE_MIME
from widgets.view_state import ViewState


@pytest.fixture
def view(qtbot, network: Network, view_state: ViewState):
    scene, view = show_canvas(qtbot, network, view_state, 900)
    yield view
    scene.detach()


def wheel(view: GraphView, delta: int, pos: QPoint) -> None:
    event = QWheelEvent(
        QPointF(pos),
        QPointF(view.viewport().mapToGlobal(pos)),
        QPoint(0, 0),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)


def test_wheel_zooms_around_the_cursor(view: GraphView) -> None:
    view.set_zoom(1.0)
    pos = QPoint(300, 200)
    anchor = view.mapToScene(pos)
    wheel(view, 240, pos)
    assert view.zoom() > 1.2
    after = view.mapToScene(pos)
    assert abs(after.x() - anchor.x()) < 2 and abs(after.y() - anchor.y()) < 2
    for _ in range(40):
        wheel(view, -240, pos)
    assert view.zoom() == pytest.approx(MIN_ZOOM)
    for _ in range(80):
        wheel(view, 240, pos)
    assert view.zoom() == pytest.approx(MAX_ZOOM)


def test_zoom_actions_and_fit(view: GraphView) -> None:
    view.reset_zoom()
    view.zoom_in()
    assert view.zoom() == pytest.approx(1.25)
    view.zoom_out()
    assert view.zoom() == pytest.approx(1.0)
    view.set_zoom(3.0)
    view.centerOn(5000, 5000)
    view.fit_to_view()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(view.graph_scene().content_rect())
    assert view.zoom() <= 1.0


def test_middle_button_pans(view: GraphView) -> None:
    viewport = view.viewport()
    before = view.mapToScene(viewport.rect().center())
    QTest.mousePress(
        viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(400, 300)
    )
    QTest.mouseMove(viewport, QPoint(350, 260))
    QTest.mouseMove(viewport, QPoint(300, 220))
    QTest.mouseRelease(
        viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(300, 220)
    )
    after = view.mapToScene(viewport.rect().center())
    assert after.x() - before.x() == pytest.approx(100 / view.zoom(), abs=2)
    assert after.y() - before.y() == pytest.approx(80 / view.zoom(), abs=2)


def test_space_drag_pans_instead_of_selecting(view: GraphView) -> None:
    viewport = view.viewport()
    before = view.mapToScene(viewport.rect().center())
    QTest.keyPress(view, Qt.Key.Key_Space)
    QTest.mousePress(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(400, 300)
    )
    QTest.mouseMove(viewport, QPoint(420, 300))
    QTest.mouseMove(viewport, QPoint(460, 300))
    QTest.mouseRelease(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(460, 300)
    )
    QTest.keyRelease(view, Qt.Key.Key_Space)
    after = view.mapToScene(viewport.rect().center())
    assert before.x() - after.x() == pytest.approx(60 / view.zoom(), abs=2)
    assert view.graph_scene().selectedItems() == []


def test_minimap_appears_when_the_graph_does_not_fit(view: GraphView) -> None:
    view.fit_to_view()
    assert not view.minimap.isVisible()
    view.set_zoom(3.0)
    assert view.minimap.isVisible()
    view.minimap.grab()  # paints without error
    target = view.minimap.rect().center()
    QTest.mouseClick(
        view.minimap, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target
    )
    view.set_minimap_visible(False)
    assert not view.minimap.isVisible()


def drop(view: GraphView, mime: QMimeData, pos: QPoint) -> None:
    """What a drag from the palette (or a file manager) delivers: enter, move, drop."""
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    action = Qt.DropAction.CopyAction
    for event in (
        QDragEnterEvent(pos, action, mime, buttons, mods),
        QDragMoveEvent(pos, action, mime, buttons, mods),
        QDropEvent(QPointF(pos), action, mime, buttons, mods),
    ):
        QApplication.sendEvent(view.viewport(), event)
        assert event.isAccepted()


def test_dropping_a_palette_item_requests_a_node(qtbot, view: GraphView) -> None:
    mime = QMimeData()
    mime.setData(NODE_TYPE_MIME, b"population.lif")
    with qtbot.waitSignal(view.node_drop_requested) as blocker:
        drop(view, mime, QPoint(200, 150))
    assert blocker.args[0] == "population.lif"
    assert blocker.args[1] == view.mapToScene(QPoint(200, 150))


def test_dropping_a_project_file_asks_to_open_it(qtbot, view: GraphView, tmp_path) -> None:
    mime = QMimeData()
    path = tmp_path / "a.snnproj"
    mime.setUrls([QUrl.fromLocalFile(str(path)), QUrl.fromLocalFile(str(tmp_path / "b.txt"))])
    with qtbot.waitSignal(view.files_dropped) as blocker:
        drop(view, mime, QPoint(10, 10))
    assert blocker.args == [[str(path)]]


def test_double_click_or_typing_on_empty_canvas_asks_for_quick_add(qtbot, view) -> None:
    empty = view.mapFromScene(QPointF(200, 400))
    with qtbot.waitSignal(view.quick_add_requested) as blocker:
        QTest.mouseDClick(
            view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, empty
        )
    assert blocker.args[1] == ""
    view.setFocus()
    with qtbot.waitSignal(view.quick_add_requested) as blocker:
        QTest.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.NoModifier)
    assert blocker.args[1].lower() == "l"


def test_empty_canvas_shows_a_hint(qtbot) -> None:
    scene = GraphScene(Network(), ViewState({}))
    view = GraphView()
    view.setScene(scene)
    view.resize(600, 400)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    image = view.grab().toImage()
    colours = {image.pixel(x, y) for x in range(150, 450, 3) for y in range(180, 220, 2)}
    assert len(colours) > 3  # text was drawn in the middle
    scene.detach()
