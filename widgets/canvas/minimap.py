"""An overview of the whole graph in a corner of the canvas; click or drag in it to navigate.

It draws simplified shapes (a coloured box per node, a line per wire) rather than rendering the
scene again, so it costs well under a millisecond even for hundreds of nodes.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsView, QWidget

from widgets.theme import current_theme

MINIMAP_SIZE = (200, 130)
MARGIN = 8.0


class Minimap(QWidget):
    """Overview of ``view``'s scene, drawn in a child widget of the view.

    Parameters
    ----------
    view
        The canvas view; the minimap sits in its bottom-right corner.
    """

    def __init__(self, view: QGraphicsView) -> None:
        super().__init__(view)
        self.view = view
        self.setFixedSize(*MINIMAP_SIZE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(60)
        self._refresh.timeout.connect(self._content_changed)
        self._frozen: tuple[QRectF, float, QPointF] | None = None
        # the graph is drawn into a pixmap when it changes; the view frame is drawn on top
        self._cache: QPixmap | None = None
        self._cache_key: tuple | None = None

    def schedule_update(self) -> None:
        """Redraw the graph soon (scene changes come in bursts; one redraw covers them)."""
        if not self._refresh.isActive():
            self._refresh.start()

    def _content_changed(self) -> None:
        self._cache = None
        self.update()

    def _world(self) -> QRectF:
        """The scene area the map shows: the graph with a wide margin, so that panning around
        it does not change the map (which would mean redrawing it every frame)."""
        scene = self.view.scene()
        content = scene.content_rect() if scene is not None else QRectF()
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        if content.isEmpty():
            return visible
        margin = max(content.width(), content.height()) * 0.15 + 40
        world = content.adjusted(-margin, -margin, margin, margin)
        if not world.contains(visible):
            world = world.united(visible)
        return world

    def _mapping(self) -> tuple[QRectF, float, QPointF]:
        if self._frozen is not None:  # while dragging, so that the map does not slide away
            return self._frozen
        world = self._world()
        inner = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        scale = min(
            inner.width() / max(world.width(), 1.0), inner.height() / max(world.height(), 1.0)
        )
        offset = QPointF(
            inner.left() + (inner.width() - world.width() * scale) / 2 - world.left() * scale,
            inner.top() + (inner.height() - world.height() * scale) / 2 - world.top() * scale,
        )
        return world, scale, offset

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        scene = self.view.scene()
        theme = current_theme()
        world, scale, offset = self._mapping()
        key = (world.getRect(), theme.name, self.size().toTuple())
        if self._cache is None or key != self._cache_key:
            self._cache = self._render_content(scale, offset)
            self._cache_key = key
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._cache)
        if scene is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        frame = QRectF(
            QPointF(visible.left() * scale + offset.x(), visible.top() * scale + offset.y()),
            QPointF(visible.right() * scale + offset.x(), visible.bottom() * scale + offset.y()),
        )
        accent = QColor(theme.accent)
        fill = QColor(accent)
        fill.setAlphaF(0.12)
        painter.setBrush(fill)
        painter.setPen(QPen(accent, 1.4))
        painter.drawRect(frame.intersected(QRectF(self.rect()).adjusted(1, 1, -1, -1)))

    def _render_content(self, scale: float, offset: QPointF) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(round(self.width() * ratio), round(self.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        theme = current_theme()
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        background = QColor(theme.base)
        background.setAlphaF(0.93)
        painter.setPen(QPen(QColor(theme.border), 1.0))
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        scene = self.view.scene()
        if scene is None:
            painter.end()
            return pixmap

        def to_map(point: QPointF) -> QPointF:
            return QPointF(point.x() * scale + offset.x(), point.y() * scale + offset.y())

        link_color = QColor(theme.muted)
        link_color.setAlphaF(0.6)
        pen = QPen(link_color, 1.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        for link in scene.link_items():
            painter.drawLine(to_map(link.source.anchor()), to_map(link.target.anchor()))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.note_border))
        for note in scene.annotation_items():
            rect = note.sceneBoundingRect()
            painter.drawRect(QRectF(to_map(rect.topLeft()), to_map(rect.bottomRight())))
        for node in scene.node_items():
            rect = node.mapRectToScene(node.body_rect())
            painter.setBrush(theme.category_color(node.category))
            painter.drawRect(QRectF(to_map(rect.topLeft()), to_map(rect.bottomRight())))
        painter.end()
        return pixmap

    def _navigate(self, pos: QPointF) -> None:
        _, scale, offset = self._mapping()
        if scale <= 0:
            return
        self.view.centerOn(QPointF((pos.x() - offset.x()) / scale, (pos.y() - offset.y()) / scale))
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._frozen = None
            self._frozen = self._mapping()
            self._navigate(event.position())
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self._frozen = None
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._navigate(event.position())
            event.accept()
