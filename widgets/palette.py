"""The palette: every node type of the catalog, grouped by category, with search.

Drag an entry onto the canvas to create a node there, or double-click it (or press Enter) to
add one in the middle of the view.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from engine.model.catalog import CATEGORIES, CATEGORY_TITLES, NodeCatalog, NodeType
from widgets.icons import category_icon, icon
from widgets.mime import NODE_TYPE_MIME
from widgets.theme import CATEGORY_COLORS, current_theme, theme_signals

TYPE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
DOC_ROLE = Qt.ItemDataRole.UserRole + 3
CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 4


def first_sentence(text: str) -> str:
    """The first sentence (or line) of a doc string, for one-line descriptions."""
    line = text.strip().split("\n", 1)[0]
    for end in (". ", "; "):
        if end in line:
            return line.split(end, 1)[0] + ("." if end == ". " else "")
    return line


def search_text(node_type: NodeType) -> str:
    """What the palette and the quick-add menu match a search against."""
    return " ".join(
        [node_type.title, node_type.type_id, CATEGORY_TITLES[node_type.category], node_type.doc]
    ).lower()


def matches(node_type: NodeType, query: str) -> bool:
    """Whether every word of ``query`` occurs in the type's title, id, category or doc."""
    haystack = search_text(node_type)
    return all(word in haystack for word in query.lower().split())


def rank(node_type: NodeType, query: str) -> tuple[int, int, str]:
    """Sort key: titles that start with the query first, then titles containing it; shorter
    (more basic) titles before longer ones."""
    q = query.lower().strip()
    title = node_type.title.lower()
    if title.startswith(q):
        group = 0
    elif q in title or q in node_type.type_id:
        group = 1
    else:
        group = 2
    return group, len(title), title


class PaletteModel(QStandardItemModel):
    """Categories and node types; node types drag as :data:`NODE_TYPE_MIME`."""

    def __init__(self, catalog: NodeCatalog, parent=None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.rebuild()

    def rebuild(self) -> None:
        """Fill the model from the catalog (again after a theme change, for the colours)."""
        self.clear()
        theme = current_theme()
        for category in CATEGORIES:
            types = self.catalog.in_category(category)
            if not types:
                continue
            header = QStandardItem(CATEGORY_TITLES[category])
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            header.setData(category, CATEGORY_ROLE)
            font = QFont()
            font.setBold(True)
            header.setFont(font)
            header.setForeground(QColor(theme.muted))
            for node_type in types:
                item = QStandardItem(
                    category_icon(category, CATEGORY_COLORS[category]), node_type.title
                )
                item.setData(node_type.type_id, TYPE_ID_ROLE)
                item.setData(search_text(node_type), SEARCH_ROLE)
                item.setData(first_sentence(node_type.doc), DOC_ROLE)
                item.setData(category, CATEGORY_ROLE)
                item.setToolTip(
                    f"<b>{node_type.title}</b> <span style='color:gray'>({node_type.type_id})"
                    f"</span><br>{node_type.doc.replace(chr(10), '<br>')}"
                    "<br><br><i>Drag onto the canvas, or double-click to add.</i>"
                )
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsDragEnabled
                )
                header.appendRow(item)
            self.appendRow(header)

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt override)
        return [NODE_TYPE_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # noqa: N802 (Qt override)
        mime = QMimeData()
        for index in indexes:
            type_id = index.data(TYPE_ID_ROLE)
            if type_id:
                mime.setData(NODE_TYPE_MIME, type_id.encode("utf-8"))
                mime.setText(type_id)
                break
        return mime


class _FilterModel(QSortFilterProxyModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.query = ""
        self.setRecursiveFilteringEnabled(True)

    def set_query(self, query: str) -> None:
        """Show only entries matching every word of ``query``."""
        self.beginFilterChange()
        self.query = query.lower().strip()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(  # noqa: N802 (Qt override)
        self, row: int, parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self.query:
            return True
        index = self.sourceModel().index(row, 0, parent)
        haystack = index.data(SEARCH_ROLE)
        if haystack is None:
            return False
        return all(word in haystack for word in self.query.split())


class _PaletteDelegate(QStyledItemDelegate):
    """Two-line entries (title and a one-line description) with a category chip."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        if index.data(TYPE_ID_ROLE):
            return QSize(option.rect.width(), 44)
        return QSize(option.rect.width(), 30)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        theme = current_theme()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect
        if not index.data(TYPE_ID_ROLE):
            font = QFont(option.font)
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 0.85)
            font.setCapitalization(QFont.Capitalization.AllUppercase)
            font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 0.6)
            painter.setFont(font)
            painter.setPen(QColor(theme.muted))
            painter.drawText(
                rect.adjusted(2, 6, -4, 0),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                index.data(Qt.ItemDataRole.DisplayRole),
            )
            painter.restore()
            return
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        card = rect.adjusted(2, 2, -6, -2)
        if selected or hovered:
            fill = QColor(theme.accent)
            fill.setAlphaF(0.16 if selected else 0.08)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(card, 6, 6)
        category = index.data(CATEGORY_ROLE)
        chip = QRect(card.left() + 6, card.top() + (card.height() - 24) // 2, 24, 24)
        category_icon(category, CATEGORY_COLORS[category], 24).paint(painter, chip)
        text_left = chip.right() + 9
        title_font = QFont(option.font)
        title_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(title_font)
        painter.setPen(QColor(theme.text))
        title_rect = QRect(text_left, card.top() + 4, card.right() - text_left - 4, 18)
        title = QFontMetrics(title_font).elidedText(
            index.data(Qt.ItemDataRole.DisplayRole), Qt.TextElideMode.ElideRight, title_rect.width()
        )
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title
        )
        doc_font = QFont(option.font)
        doc_font.setPointSizeF(doc_font.pointSizeF() * 0.85)
        painter.setFont(doc_font)
        painter.setPen(QColor(theme.muted))
        doc_rect = QRect(text_left, card.top() + 21, card.right() - text_left - 4, 16)
        doc = QFontMetrics(doc_font).elidedText(
            index.data(DOC_ROLE) or "", Qt.TextElideMode.ElideRight, doc_rect.width()
        )
        painter.drawText(doc_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, doc)
        painter.restore()


class PaletteWidget(QWidget):
    """Searchable list of node types.

    Parameters
    ----------
    catalog
        The node types to offer.
    """

    #: The user asked to add a node of this type (double-click or Enter).
    node_type_activated = Signal(str)

    def __init__(self, catalog: NodeCatalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.search = QLineEdit()
        self.search.setObjectName("paletteSearch")
        self.search.setPlaceholderText("Search nodes…")
        self.search.setClearButtonEnabled(True)
        self._search_icon = self.search.addAction(
            icon("search"), QLineEdit.ActionPosition.LeadingPosition
        )
        self.model = PaletteModel(catalog, self)
        self.proxy = _FilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(0)
        self.tree.setItemDelegate(_PaletteDelegate(self.tree))
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setMouseTracking(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setExpandsOnDoubleClick(False)
        self.tree.setItemsExpandable(False)
        self.tree.expandAll()
        self.tree.doubleClicked.connect(self._activated)
        self.tree.activated.connect(self._activated)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._activate_first)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 8)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        theme_signals().changed.connect(self._theme_changed)

    def _theme_changed(self, *_: object) -> None:
        self.model.rebuild()
        self.tree.expandAll()
        self._search_icon.setIcon(icon("search"))

    def _filter(self, text: str) -> None:
        self.proxy.set_query(text)
        self.tree.expandAll()

    def visible_type_ids(self) -> list[str]:
        """Type ids currently shown (after the search filter), in display order."""
        result = []
        for row in range(self.proxy.rowCount()):
            parent = self.proxy.index(row, 0)
            for child in range(self.proxy.rowCount(parent)):
                result.append(self.proxy.index(child, 0, parent).data(TYPE_ID_ROLE))
        return result

    def index_of(self, type_id: str) -> QModelIndex:
        """Proxy index of ``type_id`` (invalid if filtered out)."""
        for row in range(self.proxy.rowCount()):
            parent = self.proxy.index(row, 0)
            for child in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(child, 0, parent)
                if index.data(TYPE_ID_ROLE) == type_id:
                    return index
        return QModelIndex()

    def mime_data_for(self, type_id: str) -> QMimeData:
        """The drag payload the palette produces for ``type_id`` (what a drag carries)."""
        index = self.index_of(type_id)
        return self.proxy.mimeData([index])

    def _activated(self, index: QModelIndex) -> None:
        type_id = index.data(TYPE_ID_ROLE)
        if type_id:
            self.node_type_activated.emit(type_id)

    def _activate_first(self) -> None:
        ids = self.visible_type_ids()
        if ids:
            query = self.search.text()
            best = min(ids, key=lambda type_id: rank(self.catalog.get(type_id), query))
            self.node_type_activated.emit(best)
