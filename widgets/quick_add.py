"""The quick-add menu: a search box at the mouse that adds a node of the chosen type.

Opened by double-clicking the canvas, by typing while the canvas has focus (the typed text starts
the search), or by dropping a wire on empty canvas (then only types that can take the wire are
listed), as in the Orange canvas.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.model.catalog import CATEGORY_TITLES, NodeCatalog, NodeType
from widgets.icons import category_icon
from widgets.palette import first_sentence, matches, rank
from widgets.theme import CATEGORY_COLORS

TYPE_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class QuickAddMenu(QFrame):
    """A searchable pop-up list of node types.

    Parameters
    ----------
    catalog
        Node types to offer.
    """

    #: The user picked a type.
    type_chosen = Signal(str)
    #: The menu closed without a choice.
    cancelled = Signal()

    def __init__(self, catalog: NodeCatalog, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("quickAdd")
        self.catalog = catalog
        self._filter: Callable[[NodeType], bool] | None = None
        self._chosen = False
        self.title = QLabel("Add node")
        self.title.setObjectName("muted")
        self.search = QLineEdit()
        self.search.setObjectName("quickAddSearch")
        self.search.setPlaceholderText("Type to search…")
        self.list = QListWidget()
        self.list.setIconSize(QSize(20, 20))
        self.list.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.resize(320, 340)
        self.search.textChanged.connect(self._refresh)
        self.search.installEventFilter(self)
        self.list.itemActivated.connect(self._choose_item)
        self.list.itemClicked.connect(self._choose_item)

    def popup_at(
        self,
        global_pos: QPoint,
        text: str = "",
        type_filter: Callable[[NodeType], bool] | None = None,
        title: str = "Add node",
    ) -> None:
        """Show the menu with its top-left corner at ``global_pos``."""
        self._filter = type_filter
        self._chosen = False
        self.title.setText(title)
        self.search.setText(text)
        self._refresh(text)
        self.move(global_pos)
        self.show()
        self.raise_()
        self.activateWindow()
        self.search.setFocus()
        self.search.end(False)

    def _refresh(self, text: str) -> None:
        self.list.clear()
        types = [
            t
            for t in self.catalog
            if (self._filter is None or self._filter(t)) and (not text.strip() or matches(t, text))
        ]
        if text.strip():
            types.sort(key=lambda t: rank(t, text))
        for node_type in types:
            item = QListWidgetItem(
                category_icon(node_type.category, CATEGORY_COLORS[node_type.category]),
                node_type.title,
            )
            item.setData(TYPE_ID_ROLE, node_type.type_id)
            item.setToolTip(
                f"{CATEGORY_TITLES[node_type.category]}: {first_sentence(node_type.doc)}"
            )
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def visible_type_ids(self) -> list[str]:
        """Type ids listed now, best match first."""
        return [self.list.item(i).data(TYPE_ID_ROLE) for i in range(self.list.count())]

    def _choose_item(self, item: QListWidgetItem) -> None:
        self._chosen = True
        type_id = item.data(TYPE_ID_ROLE)
        self.hide()
        self.type_chosen.emit(type_id)

    def choose_current(self) -> None:
        """Pick the highlighted entry (Enter does this)."""
        item = self.list.currentItem()
        if item is not None:
            self._choose_item(item)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.choose_current()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.list.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                if 0 <= row < self.list.count():
                    self.list.setCurrentRow(row)
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        if not self._chosen:
            self._chosen = True
            self.cancelled.emit()
