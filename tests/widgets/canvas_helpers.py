"""Canvas and mouse helpers shared by the canvas and main-window tests."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest


def drag_on(view, start: QPointF, end: QPointF, steps: int = 4) -> None:
    """Press at scene point ``start``, move in steps and release at ``end`` (left button)."""
    viewport = view.viewport()
    a, b = view.mapFromScene(start), view.mapFromScene(end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(viewport, a + (b - a) * i / steps)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def click_on(view, point: QPointF, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, view.mapFromScene(point))


def to_point(p: QPointF) -> QPoint:
    return QPoint(round(p.x()), round(p.y()))


def show_canvas(qtbot, network, view_state, width: int):
    """A shown view of a new scene of ``network`` (``width`` x 600); returns (scene, view).
    Call ``scene.detach()`` when done."""
    from widgets.canvas.scene import GraphScene
    from widgets.canvas.view import GraphView

    scene = GraphScene(network, view_state)
    view = GraphView()
    view.setScene(scene)
    view.resize(width, 600)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return scene, view
