"""Themes and icons."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from widgets.icons import app_icon, category_icon, icon, icon_names
from widgets.theme import THEMES, apply_theme, current_theme, style_sheet, theme_signals


def test_every_icon_renders_in_both_themes(qtbot) -> None:
    names = icon_names()
    assert {"new", "open", "save", "undo", "redo", "run", "stop", "zoom-fit"} <= set(names)
    try:
        for theme in ("light", "dark"):
            apply_theme(theme)
            for name in names:
                image = icon(name).pixmap(24, 24).toImage()
                assert not image.isNull()
                opaque = sum(
                    image.pixelColor(x, y).alpha() > 0 for x in range(24) for y in range(24)
                )
                assert opaque > 8, f"icon {name} is empty"
                disabled = icon(name).pixmap(24, 24, QIcon.Mode.Disabled)
                assert not disabled.isNull()
    finally:
        apply_theme("light")


def test_apply_theme_switches_palette_and_signals(qtbot) -> None:
    app = QApplication.instance()
    try:
        with qtbot.waitSignal(theme_signals().changed):
            apply_theme("dark")
        assert current_theme() is THEMES["dark"]
        assert app.palette().window().color().lightness() < 80
        assert "${" not in style_sheet(THEMES["dark"])
    finally:
        apply_theme("light")
    assert app.palette().window().color().lightness() > 200


def test_generated_icons(qtbot) -> None:
    assert not app_icon().pixmap(64, 64).isNull()
    assert not category_icon("population", "#3b7be0").pixmap(22, 22).isNull()
