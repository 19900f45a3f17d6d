"""Wires on the canvas: curved links between ports, and the draft wire drawn while dragging."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from engine.model.network import Link
from widgets.canvas.node_item import HoverHighlight, PortItem
from widgets.theme import current_theme

ARROW_LENGTH = 9.0
ARROW_HALF_WIDTH = 4.5
#: Below this zoom, wires are drawn with a thin cosmetic pen (much cheaper to stroke).
THIN_LOD = 0.6


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal-tangent cubic curve from an output at ``start`` to an input at ``end``."""
    dx = end.x() - start.x()
    bend = max(45.0, abs(dx) * 0.5)
    if dx < 0:  # a wire running backwards loops out of the nodes instead of cutting through
        bend = max(bend, min(abs(end.y() - start.y()) * 0.5, 160.0)) + 30.0
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x() + bend, start.y()), QPointF(end.x() - bend, end.y()), end)
    return path


def _arrow(path: QPainterPath) -> QPolygonF:
    tip = path.pointAtPercent(1.0)
    back = path.pointAtPercent(0.96)
    angle = math.atan2(tip.y() - back.y(), tip.x() - back.x())
    ux, uy = math.cos(angle), math.sin(angle)
    tip = QPointF(tip.x() - ux * 6.0, tip.y() - uy * 6.0)
    base = QPointF(tip.x() - ux * ARROW_LENGTH, tip.y() - uy * ARROW_LENGTH)
    left = QPointF(base.x() - uy * ARROW_HALF_WIDTH, base.y() + ux * ARROW_HALF_WIDTH)
    right = QPointF(base.x() + uy * ARROW_HALF_WIDTH, base.y() - ux * ARROW_HALF_WIDTH)
    return QPolygonF([tip, left, right])


class LinkItem(HoverHighlight, QGraphicsItem):
    """A wire between an output port and an input port, coloured by what it carries.

    Parameters
    ----------
    link
        The model link.
    source, target
        The port items at its two ends; the link follows them when their nodes move.
    """

    def __init__(self, link: Link, source: PortItem, target: PortItem) -> None:
        super().__init__()
        self.link_id = link.id
        self.source = source
        self.target = target
        self.kind = source.kind
        self._path = QPainterPath()
        self._shape: QPainterPath | None = None
        self._arrow = QPolygonF()
        self._hover = False
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(0.0)
        self.setToolTip(
            f"{source.node_item.name}.{source.name} → {target.node_item.name}.{target.name}"
        )
        self.update_path()

    def update_path(self) -> None:
        """Recompute the curve after one of the ends moved."""
        self.prepareGeometryChange()
        self._path = wire_path(self.source.anchor(), self.target.anchor())
        self._shape = None  # built when first needed: stroking it on every move is costly
        self._arrow = _arrow(self._path)
        self._bounds = self._path.controlPointRect().adjusted(-8, -8, 8, 8)

    def path(self) -> QPainterPath:
        """A copy of the wire's curve, in scene coordinates."""
        return QPainterPath(self._path)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(12.0)
            self._shape = stroker.createStroke(self._path)
        return self._shape

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        theme = current_theme()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = theme.port_color(self.kind)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        emphasis = self.isSelected() or self._hover
        if lod < THIN_LOD and not emphasis:
            # zoomed out: a one-pixel cosmetic pen looks the same and strokes several times faster
            pen = QPen(color, 1.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(self._path)
            return
        width = 2.2
        if self.isSelected():
            halo = QColor(theme.selection)
            halo.setAlphaF(0.35)
            painter.setPen(QPen(halo, 8.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            painter.drawPath(self._path)
            width = 3.0
        elif self._hover:
            width = 3.2
        # flat caps: round caps double the stroking cost, and the ends sit under ports anyway
        painter.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(self._arrow)


class DraftLinkItem(QGraphicsItem):
    """The dashed wire that follows the mouse while the user drags from a port."""

    def __init__(self, port: PortItem) -> None:
        super().__init__()
        self.port = port
        self.kind = port.kind
        self.refused = False
        self._end = port.anchor()
        self._path = QPainterPath()
        self.setZValue(10.0)
        self.set_end(self._end)

    def set_end(self, point: QPointF, refused: bool = False) -> None:
        """Move the loose end to ``point``; a refused target draws the wire in red."""
        self.prepareGeometryChange()
        self._end = point
        self.refused = refused
        anchor = self.port.anchor()
        if self.port.direction == "out":
            self._path = wire_path(anchor, point)
        else:
            self._path = wire_path(point, anchor)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._path.controlPointRect().adjusted(-6, -6, 6, 6)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        theme = current_theme()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = QColor(theme.error) if self.refused else theme.port_color(self.kind)
        pen = QPen(color, 2.4, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawPath(self._path)
        painter.setBrush(color)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(self._end, 3.5, 3.5)
