"""The node-graph scene: a view of the network document and its view state.

The scene builds one :class:`NodeItem` per node, one :class:`LinkItem` per link and one
:class:`AnnotationItem` per note, and keeps them in step with the model's events. It never
changes the model: what the user does with the mouse comes out as Qt signals (``items_moved``,
``link_requested``, ``groups_requested``...) that the application turns into undoable commands,
whose model events then update the scene.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QTransform
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from engine.model.network import Link, Network, Node
from widgets.canvas.annotation_item import AnnotationItem
from widgets.canvas.link_item import DraftLinkItem, LinkItem
from widgets.canvas.node_item import NodeItem, PortItem
from widgets.canvas.wiring import WireEnd, WireResult, port_accepts, resolve_wire
from widgets.theme import current_theme, theme_signals
from widgets.view_state import ViewState

#: Node positions snap to this grid when a drag ends (keeps hand-drawn graphs tidy).
GRID = 10.0
SCENE_EXTENT = 50_000.0
TOAST_MS = 3500


def snap(value: float) -> float:
    """``value`` rounded to the canvas grid."""
    return round(value / GRID) * GRID


class ToastItem(QGraphicsItem):
    """A short message floating on the canvas (why a wire was refused), constant on-screen size."""

    def __init__(self, text: str, error: bool = True) -> None:
        super().__init__()
        self.text = text
        self.error = error
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(100.0)
        self._font = QFont()
        self._font.setPixelSize(12)
        metrics = QFontMetricsF(self._font)
        width = min(420.0, metrics.horizontalAdvance(text) + 24)
        lines = max(1, int(metrics.horizontalAdvance(text) // (width - 24)) + 1)
        self._rect = QRectF(12.0, 14.0, width, lines * metrics.height() + 14)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        theme = current_theme()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.error if self.error else theme.toast_bg))
        painter.drawRoundedRect(self._rect, 6, 6)
        painter.setPen(QColor("#ffffff" if self.error else theme.toast_text))
        painter.setFont(self._font)
        painter.drawText(
            self._rect.adjusted(12, 7, -12, -7),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap,
            self.text,
        )


class GraphScene(QGraphicsScene):
    """Canvas items for one project.

    Parameters
    ----------
    network
        The document's network; the scene subscribes to its events.
    view_state
        Positions and annotations; the scene subscribes to its events.
    """

    #: ``{node_id: ((x0, y0), (x1, y1))}`` and ``{annotation_id: (...)}`` after a drag ends.
    items_moved = Signal(dict, dict)
    #: The user drew a wire ``source, source_port, target, target_port``.
    link_requested = Signal(str, str, str, str)
    #: The user wired spike source ``pre`` onto population ``post``: insert a projection.
    groups_requested = Signal(str, str)
    #: A wire was refused; the argument says why.
    connection_refused = Signal(str)
    #: While dragging a wire: why the port under the mouse would refuse it ("" if it would not).
    wire_hint_changed = Signal(str)
    #: A wire was dropped on empty canvas: ``node_id, port, direction, scene position``.
    wire_dropped = Signal(str, str, str, QPointF)
    #: A note was edited on the canvas: ``annotation_id, changes, previous values``.
    annotation_edited = Signal(str, dict, dict)
    #: A node was double-clicked.
    node_activated = Signal(str)

    def __init__(self, network: Network, view_state: ViewState, parent=None) -> None:
        super().__init__(parent)
        self.network = network
        self.view_state = view_state
        self._nodes: dict[str, NodeItem] = {}
        self._links: dict[str, LinkItem] = {}
        self._notes: dict[str, AnnotationItem] = {}
        self._press_positions: dict[QGraphicsItem, QPointF] = {}
        self._wire: tuple[WireEnd, DraftLinkItem, PortItem] | None = None
        self._wire_target: tuple[str, str | None] | None = None
        self._wire_result: WireResult | None = None
        self._toast: ToastItem | None = None
        self._toast_timer = QTimer(self)
        self._toast_timer.setSingleShot(True)
        self._toast_timer.timeout.connect(self.hide_toast)
        self.setSceneRect(-SCENE_EXTENT, -SCENE_EXTENT, 2 * SCENE_EXTENT, 2 * SCENE_EXTENT)
        self._handlers = {
            "node_added": self._on_node_added,
            "node_removed": self._on_node_removed,
            "node_renamed": self._on_node_changed,
            "param_changed": self._on_node_changed,
            "link_added": self._on_link_added,
            "link_removed": self._on_link_removed,
        }
        self._view_handlers = {
            "position_changed": self._on_position_changed,
            "annotation_added": self._on_annotation_added,
            "annotation_removed": self._on_annotation_removed,
            "annotation_changed": self._on_annotation_changed,
        }
        for name, handler in self._handlers.items():
            network.events.connect(name, handler)
        for name, handler in self._view_handlers.items():
            view_state.events.connect(name, handler)
        theme_signals().changed.connect(self.refresh_theme)
        for node in network.nodes:
            self._on_node_added(node)
        for link in network.links:
            self._on_link_added(link)
        for annotation in view_state.annotations:
            self._on_annotation_added(annotation)

    def detach(self) -> None:
        """Stop following the model (before the scene is thrown away)."""
        for name, handler in self._handlers.items():
            self.network.events.disconnect(name, handler)
        for name, handler in self._view_handlers.items():
            self.view_state.events.disconnect(name, handler)
        try:
            theme_signals().changed.disconnect(self.refresh_theme)
        except (RuntimeError, TypeError):
            pass

    # -- look-ups ------------------------------------------------------------------------------
    def node_item(self, node_id: str) -> NodeItem:
        """The item of node ``node_id`` (``KeyError`` if none)."""
        return self._nodes[node_id]

    def link_item(self, link_id: str) -> LinkItem:
        """The item of link ``link_id`` (``KeyError`` if none)."""
        return self._links[link_id]

    def annotation_item(self, annotation_id: str) -> AnnotationItem:
        """The item of note ``annotation_id`` (``KeyError`` if none)."""
        return self._notes[annotation_id]

    def node_items(self) -> list[NodeItem]:
        """Every node item."""
        return list(self._nodes.values())

    def link_items(self) -> list[LinkItem]:
        """Every wire item."""
        return list(self._links.values())

    def annotation_items(self) -> list[AnnotationItem]:
        """Every note item."""
        return list(self._notes.values())

    def content_rect(self) -> QRectF:
        """Bounding rectangle of nodes and notes (empty if there are none)."""
        rect = QRectF()
        for item in (*self._nodes.values(), *self._notes.values()):
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def is_empty(self) -> bool:
        """Whether the canvas has no nodes and no notes."""
        return not self._nodes and not self._notes

    # -- selection -----------------------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        """Ids of the selected nodes."""
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_link_ids(self) -> list[str]:
        """Ids of the selected wires."""
        return [i.link_id for i in self.selectedItems() if isinstance(i, LinkItem)]

    def selected_annotation_ids(self) -> list[str]:
        """Ids of the selected notes."""
        return [i.annotation_id for i in self.selectedItems() if isinstance(i, AnnotationItem)]

    def select(
        self,
        node_ids: Iterable[str] = (),
        link_ids: Iterable[str] = (),
        annotation_ids: Iterable[str] = (),
    ) -> None:
        """Make exactly these items selected (``selectionChanged`` is emitted once)."""
        blocked = self.blockSignals(True)
        try:
            self.clearSelection()
            for ids, table in (
                (node_ids, self._nodes),
                (link_ids, self._links),
                (annotation_ids, self._notes),
            ):
                for item_id in ids:
                    item = table.get(item_id)
                    if item is not None:
                        item.setSelected(True)
        finally:
            self.blockSignals(blocked)
        self.selectionChanged.emit()

    def select_all(self) -> None:
        """Select every node, wire and note."""
        self.select(self._nodes, self._links, self._notes)

    def set_node_caching(self, enabled: bool) -> None:
        """Cache node images (fast panning) or draw them directly (fast zooming: a cached
        image would be thrown away at every zoom step)."""
        mode = (
            QGraphicsItem.CacheMode.DeviceCoordinateCache
            if enabled
            else QGraphicsItem.CacheMode.NoCache
        )
        for item in self._nodes.values():
            item.setCacheMode(mode)

    # -- following the model -------------------------------------------------------------------
    def _free_position(self) -> tuple[float, float]:
        rect = self.content_rect()
        if rect.isEmpty():
            return 0.0, 0.0
        return snap(rect.right() + 60.0), snap(rect.top())

    def _on_node_added(self, node: Node) -> None:
        item = NodeItem(node, self.network.node_type(node))
        position = self.view_state.position(node.id) or self._free_position()
        item.setPos(*position)
        self._nodes[node.id] = item
        self.addItem(item)

    def _on_node_removed(self, node: Node) -> None:
        item = self._nodes.pop(node.id, None)
        if item is not None:
            self._press_positions.pop(item, None)
            self.removeItem(item)

    def _on_node_changed(self, node: Node, **_: Any) -> None:
        item = self._nodes.get(node.id)
        if item is not None:
            item.update_from_node(node)
            for link in item.links:
                link.setToolTip(
                    f"{link.source.node_item.name}.{link.source.name} → "
                    f"{link.target.node_item.name}.{link.target.name}"
                )

    def _on_link_added(self, link: Link) -> None:
        source = self._nodes[link.source].port(link.source_port)
        target = self._nodes[link.target].port(link.target_port)
        item = LinkItem(link, source, target)
        self._links[link.id] = item
        source.node_item.links.add(item)
        target.node_item.links.add(item)
        source.set_connected(True)
        target.set_connected(True)
        self.addItem(item)

    def _on_link_removed(self, link: Link) -> None:
        item = self._links.pop(link.id, None)
        if item is None:
            return
        for port in (item.source, item.target):
            port.node_item.links.discard(item)
            port.set_connected(
                any(port in (other.source, other.target) for other in port.node_item.links)
            )
        self.removeItem(item)

    def _on_position_changed(self, node_id: str, position: tuple[float, float]) -> None:
        item = self._nodes.get(node_id)
        if item is not None and (item.pos().x(), item.pos().y()) != position:
            item.setPos(*position)

    def _on_annotation_added(self, annotation: dict[str, Any]) -> None:
        item = AnnotationItem(annotation)
        item.on_edited = self._note_edited
        self._notes[annotation["id"]] = item
        self.addItem(item)

    def _on_annotation_removed(self, annotation: dict[str, Any]) -> None:
        item = self._notes.pop(annotation["id"], None)
        if item is not None:
            self._press_positions.pop(item, None)
            self.removeItem(item)

    def _on_annotation_changed(self, annotation: dict[str, Any]) -> None:
        item = self._notes.get(annotation["id"])
        if item is not None:
            item.update_from_annotation(annotation)

    def _note_edited(self, annotation_id: str, changes: dict, previous: dict) -> None:
        self.annotation_edited.emit(annotation_id, changes, previous)

    def refresh_theme(self, *_: Any) -> None:
        """Repaint every item with the current theme's colours."""
        for note in self._notes.values():
            note.refresh_theme()
        for item in self.items():
            item.update()
        self.update()

    # -- toasts --------------------------------------------------------------------------------
    def show_toast(self, text: str, pos: QPointF, error: bool = True) -> None:
        """Show ``text`` next to ``pos`` for a few seconds."""
        self.hide_toast()
        self._toast = ToastItem(text, error)
        self._toast.setPos(pos)
        self.addItem(self._toast)
        self._toast_timer.start(TOAST_MS)

    def hide_toast(self) -> None:
        """Remove the floating message, if any."""
        if self._toast is not None:
            if self._toast.scene() is self:
                self.removeItem(self._toast)
            self._toast = None

    def toast_text(self) -> str:
        """Text of the toast on show ("" if none), for tests and accessibility."""
        return self._toast.text if self._toast is not None else ""

    # -- mouse: moving and wiring --------------------------------------------------------------
    def _port_at(self, pos: QPointF) -> PortItem | None:
        for item in self.items(pos, deviceTransform=self._device_transform()):
            if isinstance(item, PortItem):
                return item
        return None

    def _device_transform(self) -> QTransform:
        views = self.views()
        return views[0].viewportTransform() if views else QTransform()

    def _target_at(self, pos: QPointF) -> tuple[str, str | None] | None:
        for item in self.items(pos, deviceTransform=self._device_transform()):
            if isinstance(item, PortItem):
                return item.node_id, item.name
            if isinstance(item, NodeItem):
                return item.node_id, None
            if isinstance(item, DraftLinkItem | LinkItem | ToastItem):
                continue
            return None
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self._wire is None:
            port = self._port_at(event.scenePos())
            if port is not None:
                self.start_wire(port)
                event.accept()
                return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_positions = {
                item: item.pos()
                for item in self.selectedItems()
                if isinstance(item, NodeItem | AnnotationItem)
            }

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._wire is not None:
            self.update_wire(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._wire is not None and event.button() == Qt.MouseButton.LeftButton:
            self.finish_wire(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and self._press_positions:
            self._report_moves()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        for item in self.items(event.scenePos(), deviceTransform=self._device_transform()):
            if isinstance(item, NodeItem):
                self.node_activated.emit(item.node_id)
                event.accept()
                return
            if isinstance(item, PortItem):
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def _report_moves(self) -> None:
        node_moves: dict[str, Any] = {}
        note_moves: dict[str, Any] = {}
        for item, old in self._press_positions.items():
            if item.scene() is not self:
                continue
            new = item.pos()
            if isinstance(item, NodeItem):
                new = QPointF(snap(new.x()), snap(new.y()))
            if new == old:
                continue
            entry = ((old.x(), old.y()), (new.x(), new.y()))
            if isinstance(item, NodeItem):
                node_moves[item.node_id] = entry
            else:
                note_moves[item.annotation_id] = entry
        self._press_positions = {}
        if node_moves or note_moves:
            self.items_moved.emit(node_moves, note_moves)

    def start_wire(self, port: PortItem) -> None:
        """Begin drawing a wire from ``port`` (mouse press on a port does this)."""
        end = WireEnd(port.node_id, port.name, port.direction, port.kind)
        draft = DraftLinkItem(port)
        self.addItem(draft)
        self._wire = (end, draft, port)
        self._wire_target = None
        self._wire_result = None
        for node_item in self._nodes.values():
            for other in node_item.ports.values():
                if other is port:
                    continue
                ok = port_accepts(self.network, end, other.node_id, other.name)
                other.set_state("compatible" if ok else "dimmed")

    def _resolve(self, target: tuple[str, str | None]) -> WireResult | None:
        assert self._wire is not None
        end = self._wire[0]
        if target == (end.node_id, end.port):
            return None
        return resolve_wire(self.network, end, target[0], target[1])

    def update_wire(self, pos: QPointF) -> None:
        """Move the loose end of the wire being drawn to ``pos``."""
        if self._wire is None:
            return
        end, draft, _ = self._wire
        target = self._target_at(pos)
        if target != self._wire_target:
            self._wire_target = target
            self._wire_result = self._resolve(target) if target is not None else None
            reason = self._wire_result.reason if self._wire_result is not None else ""
            self.wire_hint_changed.emit(reason)
        refused = self._wire_result is not None and self._wire_result.action == "refused"
        point = pos
        if target is not None and target[1] is not None:
            point = self._nodes[target[0]].port(target[1]).anchor()
        draft.set_end(point, refused)

    def cancel_wire(self) -> None:
        """Drop the wire being drawn without doing anything."""
        if self._wire is None:
            return
        _, draft, _ = self._wire
        self.removeItem(draft)
        self._wire = None
        self._wire_target = None
        for node_item in self._nodes.values():
            for port in node_item.ports.values():
                port.set_state("normal")
        self.wire_hint_changed.emit("")

    def finish_wire(self, pos: QPointF) -> None:
        """Release the wire at ``pos``: request a link or a projection, or say why not."""
        if self._wire is None:
            return
        end, _, port = self._wire
        target = self._target_at(pos)
        self.cancel_wire()
        if target is None:
            if (pos - port.anchor()).manhattanLength() > 24:
                self.wire_dropped.emit(end.node_id, end.port, end.direction, pos)
            return
        if target == (end.node_id, end.port):
            return
        result = resolve_wire(self.network, end, target[0], target[1])
        if result.action == "link":
            self.link_requested.emit(
                result.source, result.source_port, result.target, result.target_port
            )
        elif result.action == "groups":
            self.groups_requested.emit(result.source, result.target)
        else:
            self.show_toast(f"Cannot connect: {result.reason}", pos)
            self.connection_refused.emit(result.reason)

    def is_wiring(self) -> bool:
        """Whether the user is drawing a wire right now."""
        return self._wire is not None
