"""The canvas view: zoom with the wheel, pan with the middle button or space-drag, rubber-band
selection, drops from the palette, and the quick-add request (double-click or start typing)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsView, QWidget

from widgets.canvas.minimap import Minimap
from widgets.canvas.scene import GraphScene
from widgets.mime import NODE_TYPE_MIME, PROJECT_SUFFIX
from widgets.theme import current_theme, theme_signals

MIN_ZOOM = 0.1
MAX_ZOOM = 3.0
ZOOM_STEP = 1.25
GRID_SPACING = 20.0
EMPTY_HINT = (
    "Drag a node from the palette onto the canvas,\n"
    "or double-click here (or just start typing) to add one."
)


class GraphView(QGraphicsView):
    """A view of a :class:`GraphScene` with the navigation a node editor needs."""

    #: A palette item was dropped: ``type_id, scene position``.
    node_drop_requested = Signal(str, QPointF)
    #: Open the quick-add menu at ``scene position`` with ``initial text``.
    quick_add_requested = Signal(QPointF, str)
    #: Project files were dropped on the canvas.
    files_dropped = Signal(list)
    #: The zoom factor changed (1.0 = 100 %).
    zoom_changed = Signal(float)
    #: Right-click: ``scene position, global position`` (the item under it is selected first).
    context_menu_requested = Signal(QPointF, QPoint)
    #: Arrow keys with a selection: move it by ``dx, dy`` scene units.
    nudge_requested = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.minimap = Minimap(self)
        self.minimap.hide()
        self._minimap_enabled = True
        self._pan_from: QPoint | None = None
        self._showing_hint = True
        # while the user zooms, nodes are drawn without their image cache (see set_zoom)
        self._zoom_settle = QTimer(self)
        self._zoom_settle.setSingleShot(True)
        self._zoom_settle.setInterval(250)
        self._zoom_settle.timeout.connect(self._zoom_settled)
        self._space = False
        theme_signals().changed.connect(self._theme_changed)

    # -- scene ---------------------------------------------------------------------------------
    def graph_scene(self) -> GraphScene | None:
        """The scene shown, if it is a :class:`GraphScene`."""
        scene = self.scene()
        return scene if isinstance(scene, GraphScene) else None

    def setScene(self, scene: GraphScene | None) -> None:  # noqa: N802 (Qt override)
        old = self.graph_scene()
        if old is not None:
            try:
                old.changed.disconnect(self._scene_changed)
            except (RuntimeError, TypeError):
                pass
        super().setScene(scene)
        if scene is not None:
            scene.changed.connect(self._scene_changed)
        self._scene_changed()

    def _scene_changed(self, *_: object) -> None:
        self._update_minimap(content_changed=True)
        scene = self.graph_scene()
        empty = scene is None or scene.is_empty()
        if empty != self._showing_hint:  # the hint in the middle comes or goes
            self._showing_hint = empty
            self.viewport().update()

    def _update_minimap(self, content_changed: bool = False) -> None:
        """Show the overview only when part of the graph is out of view; redraw its graph
        only when the graph changed (panning and zooming only move its frame)."""
        scene = self.graph_scene()
        show = self._minimap_enabled and scene is not None and not scene.is_empty()
        if show:
            visible = self.mapToScene(self.viewport().rect()).boundingRect()
            show = not visible.contains(scene.content_rect())
        if show != self.minimap.isVisible():
            self.minimap.setVisible(show)
        if show and content_changed:
            self.minimap.schedule_update()
        elif show:
            self.minimap.update()

    def set_minimap_visible(self, visible: bool) -> None:
        """Show or hide the overview in the corner."""
        self._minimap_enabled = visible
        self._scene_changed()

    def _theme_changed(self, *_: object) -> None:
        self.resetCachedContent()
        self.viewport().update()
        self.minimap.update()

    # -- zoom and camera -----------------------------------------------------------------------
    def zoom(self) -> float:
        """Current scale (1.0 = 100 %)."""
        return self.transform().m11()

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Scale the view to ``zoom`` keeping ``anchor`` (scene point) fixed on screen."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        factor = zoom / self.zoom()
        if math.isclose(factor, 1.0):
            return
        scene = self.graph_scene()
        if scene is not None and not self._zoom_settle.isActive():
            scene.set_node_caching(False)
        self._zoom_settle.start()
        if anchor is None:
            old_anchor = self.transformationAnchor()
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
            self.scale(factor, factor)
            self.setTransformationAnchor(old_anchor)
        else:
            before = self.mapFromScene(anchor)
            self.scale(factor, factor)
            after = self.mapFromScene(anchor)
            delta = after - before
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())
        self.zoom_changed.emit(self.zoom())
        self._update_minimap()

    def _zoom_settled(self) -> None:
        scene = self.graph_scene()
        if scene is not None:
            scene.set_node_caching(True)

    def zoom_in(self) -> None:
        """Zoom in one step (×1.25) around the view's centre."""
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        """Zoom out one step around the view's centre."""
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def reset_zoom(self) -> None:
        """Zoom to 100 %."""
        self.set_zoom(1.0)

    def fit_to_view(self) -> None:
        """Zoom and scroll so that every node and note is visible (at most 100 %)."""
        scene = self.graph_scene()
        rect = scene.content_rect() if scene is not None else QRectF()
        if rect.isEmpty():
            self.set_zoom(1.0)
            self.centerOn(0.0, 0.0)
            return
        rect = rect.adjusted(-50, -50, 50, 50)
        viewport = self.viewport().rect()
        zoom = min(viewport.width() / rect.width(), viewport.height() / rect.height())
        self.set_zoom(min(1.0, zoom))
        self.centerOn(rect.center())
        self.minimap.update()

    def camera(self) -> tuple[float, tuple[float, float]]:
        """Zoom and the scene point at the centre of the view."""
        center = self.mapToScene(self.viewport().rect().center())
        return self.zoom(), (center.x(), center.y())

    def set_camera(self, zoom: float, center: tuple[float, float]) -> None:
        """Restore a zoom and centre saved with the project."""
        self.set_zoom(zoom)
        self.centerOn(QPointF(*center))

    def center_scene_pos(self) -> QPointF:
        """The scene point in the middle of the view (where keyboard-added nodes go)."""
        return self.mapToScene(self.viewport().rect().center())

    def cursor_scene_pos(self) -> QPointF:
        """Scene point under the mouse if it is over the canvas, else the view's centre."""
        local = self.viewport().mapFromGlobal(self.cursor().pos())
        if self.viewport().rect().contains(local):
            return self.mapToScene(local)
        return self.center_scene_pos()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta == 0:
            return
        anchor = self.mapToScene(event.position().toPoint())
        self.set_zoom(self.zoom() * math.pow(1.0015, delta), anchor)
        event.accept()

    # -- panning -------------------------------------------------------------------------------
    def _start_pan(self, pos: QPoint) -> None:
        self._pan_from = pos
        self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space
        ):
            self._start_pan(event.position().toPoint())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._pan_from is not None:
            pos = event.position().toPoint()
            delta = pos - self._pan_from
            self._pan_from = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._pan_from is not None and event.button() in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_from = None
            self.viewport().setCursor(
                Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.ArrowCursor
            )
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if (
            event.button() == Qt.MouseButton.LeftButton
            and self.itemAt(event.position().toPoint()) is None
        ):
            self.quick_add_requested.emit(self.mapToScene(event.position().toPoint()), "")
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt override)
        scene = self.graph_scene()
        if scene is None:
            return
        pos = self.mapToScene(event.pos())
        item = self.itemAt(event.pos())
        while item is not None and item.parentItem() is not None:
            item = item.parentItem()
        if item is not None and item.flags() & item.GraphicsItemFlag.ItemIsSelectable:
            if not item.isSelected():
                scene.clearSelection()
                item.setSelected(True)
        elif item is None:
            scene.clearSelection()
        self.context_menu_requested.emit(pos, event.globalPos())
        event.accept()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 (Qt override)
        super().scrollContentsBy(dx, dy)
        self._update_minimap()

    # -- keyboard ------------------------------------------------------------------------------
    def _editing_text(self) -> bool:
        scene = self.scene()
        return scene is not None and scene.focusItem() is not None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if self._editing_text():
            super().keyPressEvent(event)
            return
        scene = self.graph_scene()
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and scene is not None and scene.is_wiring():
            scene.cancel_wire()
            event.accept()
            return
        arrows = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        if event.key() in arrows and scene is not None and scene.selectedItems():
            step = 50.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 10.0
            dx, dy = arrows[event.key()]
            self.nudge_requested.emit(dx * step, dy * step)
            event.accept()
            return
        text = event.text()
        plain = not (
            event.modifiers()
            & (
                Qt.KeyboardModifier.ControlModifier
                | Qt.KeyboardModifier.AltModifier
                | Qt.KeyboardModifier.MetaModifier
            )
        )
        if plain and text and text.isprintable() and not text.isspace():
            self.quick_add_requested.emit(self.cursor_scene_pos(), text)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat() and self._space:
            self._space = False
            if self._pan_from is None:
                self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._space = False
        super().focusOutEvent(event)

    # -- drag and drop -------------------------------------------------------------------------
    @staticmethod
    def _project_urls(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [
            url.toLocalFile()
            for url in mime.urls()
            if url.isLocalFile() and url.toLocalFile().endswith(PROJECT_SUFFIX)
        ]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasFormat(NODE_TYPE_MIME) or self._project_urls(event):
            event.acceptProposedAction()
            return
        super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasFormat(NODE_TYPE_MIME) or self._project_urls(event):
            event.acceptProposedAction()
            return
        super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        mime = event.mimeData()
        if mime.hasFormat(NODE_TYPE_MIME):
            type_id = bytes(mime.data(NODE_TYPE_MIME).data()).decode("utf-8")
            self.node_drop_requested.emit(type_id, self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
            self.setFocus()
            return
        files = self._project_urls(event)
        if files:
            self.files_dropped.emit(files)
            event.acceptProposedAction()
            return
        super().dropEvent(event)

    # -- painting ------------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        theme = current_theme()
        painter.fillRect(rect, QColor(theme.canvas))
        zoom = self.zoom()
        spacing = GRID_SPACING
        while spacing * zoom < 16:
            spacing *= 4
        left = math.floor(rect.left() / spacing) * spacing
        top = math.floor(rect.top() / spacing) * spacing
        xs = [left + i * spacing for i in range(int(rect.width() / spacing) + 2)]
        ys = [top + j * spacing for j in range(int(rect.height() / spacing) + 2)]
        pen = painter.pen()
        pen.setColor(QColor(theme.grid))
        pen.setWidthF(max(1.6 / zoom, 1.0))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawPoints([QPointF(x, y) for y in ys for x in xs])

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        scene = self.graph_scene()
        if scene is None or not scene.is_empty():
            return
        painter.save()
        painter.resetTransform()
        theme = current_theme()
        font = QFont()
        font.setPixelSize(15)
        painter.setFont(font)
        painter.setPen(QColor(theme.muted))
        painter.drawText(QRectF(self.viewport().rect()), Qt.AlignmentFlag.AlignCenter, EMPTY_HINT)
        painter.restore()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.minimap.move(
            self.width() - self.minimap.width() - 14, self.height() - self.minimap.height() - 14
        )
        self._update_minimap()
