"""The design-rule violations of a mapping, one row each; activating a row jumps to its node."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from widgets.theme import current_theme

COLUMNS = ("Rule", "Severity", "Message", "Node")
NODE_ROLE = Qt.ItemDataRole.UserRole + 1
RULE_WIDTH = 100
NODE_WIDTH = 96
#: Lets a long rule id ("plasticity.unsupported") wrap after its dot.
ZERO_WIDTH_SPACE = "\u200b"


class ViolationsTable(QTableWidget):
    """Rule, severity, message and node of every violation.

    Signals
    -------
    node_activated(str)
        A row concerning a node was double-clicked or activated with Enter.
    """

    node_activated = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        # the message gets the room: rule ids break after their dots, node names at spaces
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, RULE_WIDTH)
        header.resizeSection(3, NODE_WIDTH)
        self.setToolTip(
            "Limits of the chip this design breaks; double-click a row (or press "
            "Enter) to select its node in the editor"
        )
        self.itemActivated.connect(self._activated)

    def set_violations(self, violations: list[dict[str, Any]], names: dict[str, str]) -> None:
        """Show ``violations`` (``{rule, severity, message, node}`` dicts); ``names`` gives
        the node names by id."""
        theme = current_theme()
        colours = {"error": theme.color("error"), "warning": _warning_colour(theme.name)}
        self.setRowCount(0)
        self.setRowCount(len(violations))
        for row, violation in enumerate(violations):
            node = violation.get("node")
            cells = (
                violation["rule"]
                .replace(".", "." + ZERO_WIDTH_SPACE)
                .replace("_", "_" + ZERO_WIDTH_SPACE),
                violation["severity"],
                violation["message"],
                names.get(node, node) if node else "—",
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(NODE_ROLE, node)
                item.setToolTip(
                    f"{violation['rule']} ({violation['severity']}): {violation['message']}"
                )
                if col == 1 and violation["severity"] in colours:
                    item.setForeground(colours[violation["severity"]])
                self.setItem(row, col, item)
        self.resizeRowsToContents()

    def node_of_row(self, row: int) -> str | None:
        item = self.item(row, 0)
        return None if item is None else item.data(NODE_ROLE)

    def _activated(self, item: QTableWidgetItem) -> None:
        node = item.data(NODE_ROLE)
        if node:
            self.node_activated.emit(node)


def _warning_colour(theme_name: str) -> QColor:
    return QColor("#b26a00" if theme_name == "light" else "#f0b050")
