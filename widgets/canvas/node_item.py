"""A node on the canvas: a card with a category-coloured header, a summary line and typed ports.

The item is a view of one :class:`~engine.model.network.Node`. The scene keeps it in step with
model events (renames, parameter changes, positions); the item never changes the model. Ports
are child items so that the scene can hit-test them when the user draws a wire.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from engine.model.catalog import PORT_KINDS, NodeType, Port
from engine.model.network import Node
from widgets.canvas.layout import (
    COMPACT_CATEGORIES,
    HEADER_HEIGHT,
    PORT_ROW,
    SUBTITLE_HEIGHT,
    node_size,
)
from widgets.theme import CATEGORY_GLYPHS, Theme, current_theme

PORT_RADIUS = 5.5
PORT_HIT_RADIUS = 10.0
CORNER = 8.0

#: Below this zoom the text of nodes is left out (it would be unreadable anyway).
DETAIL_LOD = 0.45
#: Below this zoom a node is drawn as a plain card (no shadow, ports or rounded header).
TINY_LOD = 0.3


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _value_text(value: Any, unit: str = "") -> str:
    suffix = f" {unit}" if unit else ""
    if isinstance(value, dict):
        if value.get("distribution") == "uniform":
            return f"U({_number(value['low'])}, {_number(value['high'])}){suffix}"
        if value.get("distribution") == "normal":
            return f"N({_number(value['mean'])}, {_number(value['std'])}){suffix}"
    if value is None:
        return "—"
    return f"{_number(value)}{suffix}"


def node_summary(node: Node, node_type: NodeType) -> str:
    """One short line describing the node's key parameters (shown under its name)."""
    p = node.params
    category = node_type.category
    if category == "population":
        return f"{p.get('size', '?')} neurons"
    if category == "encoder":
        size = p.get("size", 1)
        if "rate_hz" in p:
            return f"{size} × {_value_text(p['rate_hz'], 'Hz')}"
        if "amplitude_pa" in p:
            return _value_text(p["amplitude_pa"], "pA")
        if "spike_times_ms" in p:
            return f"{size} ch"
        return f"{size} ch"
    if category == "projection":
        rule = p.get("rule")
        rule_text = {"all_to_all": "all", "one_to_one": "1:1"}.get(
            rule, f"p={_number(p.get('p', ''))}"
        )
        return f"{rule_text} · {_value_text(p.get('weight'), 'pA')}"
    if category == "plasticity":
        return str(p.get("mode", ""))
    if category == "recorder":
        if "variable" in p:
            return str(p["variable"])
        if "interval_ms" in p:
            return f"every {_number(p['interval_ms'])} ms"
        return ""
    return ""


@cache
def _fonts() -> dict[str, QFont]:
    """Fonts of node cards (made once, after the application exists)."""
    glyph = QFont()
    glyph.setPixelSize(10)
    glyph.setBold(True)
    title = QFont()
    title.setPixelSize(13)
    title.setBold(True)
    small = QFont()
    small.setPixelSize(11)
    return {"glyph": glyph, "title": title, "small": small}


@cache
def _metrics() -> dict[str, QFontMetricsF]:
    return {name: QFontMetricsF(font) for name, font in _fonts().items()}


class HoverHighlight:
    """Mixin for items drawn highlighted while the pointer is over them: keeps ``_hover`` and
    repaints when it changes (the item must accept hover events)."""

    _hover = False

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._hover = False
        self.update()


class PortItem(QGraphicsItem):
    """A connection point of a node; wires start and end here.

    Parameters
    ----------
    node_item
        The node the port belongs to (its parent item).
    port
        The port declaration from the node type.
    """

    def __init__(self, node_item: NodeItem, port: Port) -> None:
        super().__init__(node_item)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.node_item = node_item
        self.port = port
        self.connected = False
        self.state = "normal"  # "normal", "compatible", "dimmed"
        self._hover = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        direction = "input" if port.direction == "in" else "output"
        lines = [f"<b>{port.name}</b> ({direction}): {PORT_KINDS[port.kind]}"]
        if port.doc:
            lines.append(port.doc)
        if port.required:
            lines.append("<i>must be wired</i>")
        hint = "Drag from here to another node to wire it."
        lines.append(f"<span style='color:gray'>{hint}</span>")
        self.setToolTip("<br>".join(lines))

    @property
    def node_id(self) -> str:
        return self.node_item.node_id

    @property
    def name(self) -> str:
        return self.port.name

    @property
    def direction(self) -> str:
        return self.port.direction

    @property
    def kind(self) -> str:
        return self.port.kind

    def anchor(self) -> QPointF:
        """Where wires attach, in scene coordinates."""
        return self.scenePos()

    def set_connected(self, connected: bool) -> None:
        """Whether a wire is attached (inputs are drawn filled when wired)."""
        if connected != self.connected:
            self.connected = connected
            self.node_item.update()

    def set_state(self, state: str) -> None:
        """``"normal"``, ``"compatible"`` (may take the wire being drawn) or ``"dimmed"``."""
        if state != self.state:
            self.state = state
            self.node_item.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        r = PORT_HIT_RADIUS
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self.boundingRect())
        return path

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._hover = True
        self.node_item.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self._hover = False
        self.node_item.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """Nothing: the node draws its ports into its own cached image (far fewer items to
        paint per frame); this item only catches the mouse."""

    def paint_on_node(self, painter: QPainter) -> None:
        """Draw the port dot, in the node's coordinates."""
        theme = current_theme()
        center = self.pos()
        color = theme.port_color(self.kind)
        radius = PORT_RADIUS
        if self.state == "dimmed":
            color.setAlphaF(0.25)
        if self._hover or self.state == "compatible":
            radius += 2.0
        if self.state == "compatible":
            halo = QColor(color)
            halo.setAlphaF(0.28)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(halo)
            painter.drawEllipse(center, radius + 4, radius + 4)
        painter.setPen(QPen(QColor(theme.node_body), 2.0))
        missing = self.port.required and not self.connected
        if self.direction == "out" or self.connected:
            painter.setBrush(color)
        else:
            painter.setBrush(QColor(theme.node_body))
            painter.setPen(QPen(color, 2.2))
        painter.drawEllipse(center, radius, radius)
        if missing and self.state == "normal":
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(theme.error), 1.4, Qt.PenStyle.DotLine))
            painter.drawEllipse(center, radius + 3, radius + 3)


class NodeItem(HoverHighlight, QGraphicsItem):
    """A node card on the canvas.

    Parameters
    ----------
    node
        The model node (read only here).
    node_type
        Its type declaration, from which title, colour and ports come.
    """

    def __init__(self, node: Node, node_type: NodeType) -> None:
        super().__init__()
        self.node_id = node.id
        self.node_type = node_type
        self.category = node_type.category
        self.name = node.name
        self.summary = node_summary(node, node_type)
        self.links: set[Any] = set()
        self._hover = False
        self.width, self.height = node_size(node_type)
        self.ports_top = HEADER_HEIGHT + SUBTITLE_HEIGHT
        self.ports: dict[str, PortItem] = {}
        for index, port in enumerate(node_type.inputs):
            item = PortItem(self, port)
            item.setPos(0.0, self._port_y(index))
            self.ports[port.name] = item
        for index, port in enumerate(node_type.outputs):
            item = PortItem(self, port)
            item.setPos(self.width, self._port_y(index))
            self.ports[port.name] = item
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(1.0)
        self._update_tooltip()
        # shapes that never change, built once rather than on every paint
        self._body = QRectF(0.0, 0.0, self.width, self.height)
        header_rect = QRectF(0.0, 0.0, self.width, HEADER_HEIGHT)
        header = QPainterPath()
        header.addRoundedRect(header_rect, CORNER, CORNER)
        square = QPainterPath()
        square.addRect(header_rect.adjusted(0, CORNER, 0, 0))
        self._header = header.united(square)
        margin = PORT_RADIUS + 8.0  # port dots and their halo stick out of the body
        self._bounds = self._body.adjusted(-margin, -4.0, margin, 6.0)

    def _port_y(self, index: int) -> float:
        return self.ports_top + index * PORT_ROW + PORT_ROW / 2

    def _update_tooltip(self) -> None:
        doc = self.node_type.doc.split("\n", 1)[0]
        self.setToolTip(f"<b>{self.name}</b> — {self.node_type.title}<br>{doc}")

    # -- following the model -------------------------------------------------------------------
    def update_from_node(self, node: Node) -> None:
        """Refresh the name and summary after a rename or a parameter change."""
        self.name = node.name
        self.summary = node_summary(node, self.node_type)
        self._update_tooltip()
        self.update()

    def port(self, name: str) -> PortItem:
        """The port item called ``name``."""
        return self.ports[name]

    # -- geometry ------------------------------------------------------------------------------
    def body_rect(self) -> QRectF:
        """The card's rectangle in item coordinates (without ports and shadow)."""
        return QRectF(self._body)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._bounds

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.body_rect(), CORNER, CORNER)
        return path

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:  # noqa: N802
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for link in self.links:
                link.update_path()
        return super().itemChange(change, value)

    # -- painting ------------------------------------------------------------------------------
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        theme = current_theme()
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        rect = self._body
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = theme.category_color(self.category)
        selected = self.isSelected()
        if lod < TINY_LOD:
            # far out, a node is a few pixels: a coloured card is all one can see
            painter.setPen(QPen(QColor(theme.selection), 3.0) if selected else Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.node_body))
            painter.drawRect(rect)
            painter.fillRect(QRectF(0.0, 0.0, self.width, HEADER_HEIGHT), accent)
            return

        # soft shadow
        shadow = QColor(0, 0, 0, 45 if theme.name == "light" else 90)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(shadow)
        painter.drawRoundedRect(rect.translated(0.0, 2.5), CORNER, CORNER)

        # body
        border = QColor(theme.selection) if selected else QColor(theme.node_border)
        if self._hover and not selected:
            border = accent
        painter.setBrush(QColor(theme.node_body))
        painter.setPen(QPen(border, 2.2 if selected else 1.0))
        painter.drawRoundedRect(rect, CORNER, CORNER)

        # header band in the category colour, rounded only at the top
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(accent)
        painter.drawPath(self._header)
        if selected:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(theme.selection), 2.2))
            painter.drawRoundedRect(rect, CORNER, CORNER)
        for port in self.ports.values():
            port.paint_on_node(painter)
        if lod < DETAIL_LOD:
            return
        self._paint_text(painter, theme, rect)

    def _paint_text(self, painter: QPainter, theme: Theme, rect: QRectF) -> None:
        # category glyph in a translucent chip
        chip = QRectF(rect.left() + 7, rect.top() + 5, 22, HEADER_HEIGHT - 10)
        painter.setBrush(QColor(255, 255, 255, 60))
        painter.drawRoundedRect(chip, 4, 4)
        painter.setFont(_fonts()["glyph"])
        painter.setPen(QColor(theme.header_text))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, CATEGORY_GLYPHS.get(self.category, ""))

        title_font = _fonts()["title"]
        painter.setFont(title_font)
        title_rect = QRectF(
            chip.right() + 6, rect.top(), rect.width() - chip.right() - 12, HEADER_HEIGHT
        )
        title = _metrics()["title"].elidedText(
            self.name, Qt.TextElideMode.ElideRight, title_rect.width()
        )
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title
        )

        small = _fonts()["small"]
        metrics = _metrics()["small"]
        painter.setFont(small)
        sub_rect = QRectF(
            rect.left() + 10, rect.top() + HEADER_HEIGHT + 1, rect.width() - 20, SUBTITLE_HEIGHT
        )
        if self.category in COMPACT_CATEGORIES:
            parts = [self.node_type.title if self.category == "recorder" else "", self.summary]
            text = " · ".join(p for p in parts if p) or self.node_type.title
            painter.setPen(QColor(theme.node_muted))
            painter.drawText(
                sub_rect,
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                metrics.elidedText(text, Qt.TextElideMode.ElideRight, sub_rect.width()),
            )
        else:
            summary_width = min(metrics.horizontalAdvance(self.summary), sub_rect.width() * 0.6)
            type_width = sub_rect.width() - summary_width - 6
            painter.setPen(QColor(theme.node_muted))
            type_text = metrics.elidedText(
                self.node_type.title, Qt.TextElideMode.ElideRight, type_width
            )
            painter.drawText(
                sub_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, type_text
            )
            painter.setPen(QColor(theme.node_text))
            summary = metrics.elidedText(self.summary, Qt.TextElideMode.ElideRight, summary_width)
            painter.drawText(
                sub_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, summary
            )

        # separator line between the summary and the ports
        painter.setPen(QPen(QColor(theme.node_border), 1.0))
        y = rect.top() + HEADER_HEIGHT + SUBTITLE_HEIGHT
        painter.drawLine(QPointF(rect.left() + 8, y), QPointF(rect.right() - 8, y))

        painter.setFont(_fonts()["small"])
        half = rect.width() / 2 - 14
        for item in self.ports.values():
            y = item.pos().y()
            missing = item.port.required and not item.connected
            painter.setPen(QColor(theme.error) if missing else QColor(theme.node_muted))
            if item.direction == "in":
                label_rect = QRectF(rect.left() + 12, y - PORT_ROW / 2, half, PORT_ROW)
                align = Qt.AlignmentFlag.AlignLeft
            else:
                label_rect = QRectF(rect.right() - 12 - half, y - PORT_ROW / 2, half, PORT_ROW)
                align = Qt.AlignmentFlag.AlignRight
            painter.drawText(label_rect, align | Qt.AlignmentFlag.AlignVCenter, item.name)
