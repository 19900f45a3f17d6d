"""The quick-add menu: type to search, Enter to add."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from engine.model.catalog import default_catalog
from widgets.quick_add import QuickAddMenu


def test_typing_filters_and_enter_chooses(qtbot) -> None:
    menu = QuickAddMenu(default_catalog())
    qtbot.addWidget(menu)
    menu.popup_at(QPoint(10, 10), "lif")
    assert menu.visible_type_ids()[0] == "population.lif"
    qtbot.keyClicks(menu.search, " neu")
    with qtbot.waitSignal(menu.type_chosen) as blocker:
        qtbot.keyClick(menu.search, Qt.Key.Key_Return)
    assert blocker.args == ["population.lif"]
    assert not menu.isVisible()


def test_arrow_keys_move_and_escape_cancels(qtbot) -> None:
    menu = QuickAddMenu(default_catalog())
    qtbot.addWidget(menu)
    menu.popup_at(QPoint(0, 0), "recorder")
    first = menu.list.currentRow()
    qtbot.keyClick(menu.search, Qt.Key.Key_Down)
    assert menu.list.currentRow() == first + 1
    with qtbot.waitSignal(menu.cancelled):
        qtbot.keyClick(menu.search, Qt.Key.Key_Escape)


def test_a_filter_limits_the_choices(qtbot) -> None:
    menu = QuickAddMenu(default_catalog())
    qtbot.addWidget(menu)
    menu.popup_at(QPoint(0, 0), "", type_filter=lambda t: t.category == "recorder")
    ids = menu.visible_type_ids()
    assert ids and all(i.startswith("recorder.") for i in ids)
