"""Text boxes on the canvas (comments for teaching), stored in ``project.view["annotations"]``.

Double-click a note to edit its text; drag the corner grip to resize it. The item only reports
what the user did (through callbacks the scene sets); the scene turns that into requests that
the application makes undoable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QTextCursor
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneMouseEvent,
    QGraphicsTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from widgets.theme import current_theme
from widgets.view_state import MIN_ANNOTATION_SIZE

PADDING = 9.0
GRIP = 12.0
PLACEHOLDER = "Double-click to write a note"


class _NoteText(QGraphicsTextItem):
    def __init__(self, parent: AnnotationItem) -> None:
        super().__init__(parent)
        self.note = parent

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        self.note.finish_editing()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            self.note.finish_editing(cancel=True)
            return
        super().keyPressEvent(event)


class _Grip(QGraphicsItem):
    def __init__(self, parent: AnnotationItem) -> None:
        super().__init__(parent)
        self.note = parent
        self.setCursor(Qt.CursorShape.SizeFDiagCursor)
        self._press: QPointF | None = None
        self._start_size = (0.0, 0.0)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return QRectF(-GRIP, -GRIP, GRIP, GRIP)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not (self.note.isSelected() or self.note.hovered):
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(current_theme().note_border), 1.4))
        for offset in (3.0, 6.5, 10.0):
            painter.drawLine(QPointF(-offset, -2.0), QPointF(-2.0, -offset))

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        self._press = event.scenePos()
        self._start_size = (self.note.width, self.note.height)
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._press is None:
            return
        delta = event.scenePos() - self._press
        self.note.set_size(self._start_size[0] + delta.x(), self._start_size[1] + delta.y())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._press is None:
            return
        self._press = None
        if (self.note.width, self.note.height) != self._start_size:
            self.note.report(
                {"width": self.note.width, "height": self.note.height},
                {"width": self._start_size[0], "height": self._start_size[1]},
            )


class AnnotationItem(QGraphicsItem):
    """A note on the canvas.

    Parameters
    ----------
    annotation
        The annotation dict (``id``, ``text``, ``x``, ``y``, ``width``, ``height``).
    """

    def __init__(self, annotation: dict[str, Any]) -> None:
        super().__init__()
        self.annotation_id = annotation["id"]
        self.width = float(annotation["width"])
        self.height = float(annotation["height"])
        self.hovered = False
        self.editing = False
        #: Called with ``(annotation_id, changes, previous)`` when the user edited the note.
        self.on_edited: Callable[[str, dict[str, Any], dict[str, Any]], None] | None = None
        self.text_item = _NoteText(self)
        font = QFont()
        font.setPixelSize(13)
        self.text_item.setFont(font)
        self.text_item.setPos(PADDING, PADDING - 2)
        self.text = annotation["text"]
        self.text_item.setPlainText(self.text)
        self.grip = _Grip(self)
        self.text_item.document().contentsChanged.connect(self._layout)
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
        )
        self.setAcceptHoverEvents(True)
        self.setZValue(-5.0)
        self.setPos(float(annotation["x"]), float(annotation["y"]))
        self._layout()

    @property
    def shown_height(self) -> float:
        """Height on screen: the stored height, or more if the text needs it."""
        needed = self.text_item.boundingRect().height() + 2 * PADDING - 4
        return max(self.height, needed)

    def _layout(self) -> None:
        self.prepareGeometryChange()
        self.text_item.setTextWidth(max(10.0, self.width - 2 * PADDING))
        self.text_item.setDefaultTextColor(QColor(current_theme().note_text))
        self.grip.setPos(self.width, self.shown_height)

    def set_size(self, width: float, height: float) -> None:
        """Resize the note (while the grip is dragged, and from the model)."""
        self.prepareGeometryChange()
        self.width = max(MIN_ANNOTATION_SIZE[0], width)
        self.height = max(MIN_ANNOTATION_SIZE[1], height)
        self._layout()
        self.update()

    def update_from_annotation(self, annotation: dict[str, Any]) -> None:
        """Follow the model after an (undoable) edit."""
        self.setPos(float(annotation["x"]), float(annotation["y"]))
        self.set_size(float(annotation["width"]), float(annotation["height"]))
        self.text = annotation["text"]
        if self.text_item.toPlainText() != self.text:
            self.text_item.setPlainText(self.text)
        self.update()

    def refresh_theme(self) -> None:
        """Re-colour after a theme change."""
        self._layout()
        self.update()

    def report(self, changes: dict[str, Any], previous: dict[str, Any]) -> None:
        """Tell the scene what the user changed (text or size) and what it was before."""
        if self.on_edited is not None:
            self.on_edited(self.annotation_id, changes, previous)

    # -- editing -------------------------------------------------------------------------------
    def start_editing(self) -> None:
        """Let the user type into the note (double-click does this)."""
        self.editing = True
        self.text_item.setTextInteractionFlags(Qt.TextInteractionFlag.TextEditorInteraction)
        self.text_item.setFocus(Qt.FocusReason.MouseFocusReason)
        cursor = self.text_item.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self.text_item.setTextCursor(cursor)
        self.update()

    def finish_editing(self, cancel: bool = False) -> None:
        """Leave text editing; reports the new text unless cancelled or unchanged."""
        if not self.editing:
            return
        self.editing = False
        self.text_item.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        cursor = self.text_item.textCursor()
        cursor.clearSelection()
        self.text_item.setTextCursor(cursor)
        self.text_item.clearFocus()
        new = self.text_item.toPlainText()
        if cancel:
            self.text_item.setPlainText(self.text)
        elif new != self.text:
            old = self.text
            self.text = new
            self.report({"text": new}, {"text": old})
        self.update()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        self.start_editing()
        event.accept()

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.hovered = True
        self.update()
        self.grip.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.hovered = False
        self.update()
        self.grip.update()

    # -- painting ------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return QRectF(-3.0, -3.0, self.width + 6.0, self.shown_height + 6.0)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        theme = current_theme()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(0.0, 0.0, self.width, self.shown_height)
        border = QColor(theme.selection) if self.isSelected() else QColor(theme.note_border)
        painter.setPen(QPen(border, 1.8 if self.isSelected() else 1.0))
        painter.setBrush(QColor(theme.note_bg))
        painter.drawRoundedRect(rect, 6.0, 6.0)
        if not self.text_item.toPlainText() and not self.editing:
            painter.setPen(QColor(theme.muted))
            font = QFont()
            font.setPixelSize(12)
            font.setItalic(True)
            painter.setFont(font)
            painter.drawText(
                rect.adjusted(PADDING + 3, PADDING, -PADDING, -PADDING),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                PLACEHOLDER,
            )
