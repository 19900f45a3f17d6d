"""Light and dark themes: one palette of named colours shared by Qt widgets and the canvas.

:func:`apply_theme` sets the Fusion style, a :class:`QPalette` and the style sheet in
``resources/themes/base.qss`` (whose ``${name}`` placeholders are this module's colours) on the
application. Canvas items read their colours from :func:`current_theme`, so a theme switch only
needs the scene to repaint.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from string import Template

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
THEME_NAMES = ("light", "dark")

#: Colour of each node category (header band, palette chip, minimap box).
CATEGORY_COLORS = {
    "encoder": "#e08a1e",
    "population": "#3b7be0",
    "projection": "#139c8c",
    "plasticity": "#9b59d6",
    "modulator": "#d6457f",
    "recorder": "#2f9e50",
}

#: Colour of each port kind (port dot, wire).
PORT_COLORS = {
    "spikes": "#f08c2e",
    "current": "#d9b21c",
    "synapses": "#16a394",
    "rule": "#a463e0",
    "modulation": "#e0558f",
}

#: One letter shown in a category's chip, so categories differ by more than colour.
CATEGORY_GLYPHS = {
    "encoder": "In",
    "population": "N",
    "projection": "S",
    "plasticity": "P",
    "modulator": "M",
    "recorder": "R",
}


@dataclass(frozen=True)
class Theme:
    """Named colours of one theme (``#rrggbb`` strings)."""

    name: str
    window: str
    base: str
    alt_base: str
    panel: str
    text: str
    muted: str
    border: str
    accent: str
    accent_text: str
    error: str
    error_bg: str
    canvas: str
    grid: str
    node_body: str
    node_border: str
    node_text: str
    node_muted: str
    selection: str
    note_bg: str
    note_border: str
    note_text: str
    toast_bg: str
    toast_text: str
    header_text: str
    scroll: str

    def color(self, name: str) -> QColor:
        """The named colour as a :class:`QColor`."""
        return QColor(getattr(self, name))

    def category_color(self, category: str) -> QColor:
        """Colour of a node category."""
        return QColor(CATEGORY_COLORS.get(category, self.muted))

    def port_color(self, kind: str) -> QColor:
        """Colour of a port kind (ports and wires)."""
        return QColor(PORT_COLORS.get(kind, self.muted))

    def as_dict(self) -> dict[str, str]:
        """The colours by name (what the style sheet template uses)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


LIGHT = Theme(
    name="light",
    window="#f3f4f7",
    base="#ffffff",
    alt_base="#f7f8fa",
    panel="#fbfbfd",
    text="#1d2129",
    muted="#6b7280",
    border="#d7dbe2",
    accent="#2f6fde",
    accent_text="#ffffff",
    error="#d13a3a",
    error_bg="#fdecec",
    canvas="#eef0f4",
    grid="#d3d7df",
    node_body="#ffffff",
    node_border="#c9ced8",
    node_text="#1d2129",
    node_muted="#6b7280",
    selection="#2f6fde",
    note_bg="#fff7d1",
    note_border="#e6d27a",
    note_text="#3d3516",
    toast_bg="#2b2f38",
    toast_text="#ffffff",
    header_text="#ffffff",
    scroll="#bcc2cc",
)

DARK = Theme(
    name="dark",
    window="#1e2026",
    base="#25282f",
    alt_base="#2a2d35",
    panel="#22252b",
    text="#e4e6eb",
    muted="#9aa1ad",
    border="#3a3e48",
    accent="#5b93f0",
    accent_text="#ffffff",
    error="#f06a6a",
    error_bg="#3d2326",
    canvas="#1a1c21",
    grid="#2c3038",
    node_body="#2b2e36",
    node_border="#42464f",
    node_text="#eceef2",
    node_muted="#a0a6b1",
    selection="#6ea2ff",
    note_bg="#3b3722",
    note_border="#6b6234",
    note_text="#f1e9c4",
    toast_bg="#eceef2",
    toast_text="#1d2129",
    header_text="#ffffff",
    scroll="#4d525d",
)

THEMES = {"light": LIGHT, "dark": DARK}


class _ThemeSignals(QObject):
    changed = Signal(object)


_current = LIGHT
_signals: _ThemeSignals | None = None


def theme_signals() -> _ThemeSignals:
    """Emits ``changed(theme)`` after :func:`apply_theme` switched themes."""
    global _signals
    if _signals is None:
        _signals = _ThemeSignals()
    return _signals


def current_theme() -> Theme:
    """The theme last applied (light until one is applied)."""
    return _current


def theme_by_name(name: str) -> Theme:
    """The theme called ``name``; unknown names fall back to light."""
    return THEMES.get(name, LIGHT)


def style_sheet(theme: Theme) -> str:
    """The application style sheet for ``theme``."""
    text = (RESOURCES / "themes" / "base.qss").read_text(encoding="utf-8")
    values = theme.as_dict()
    values["icons"] = (RESOURCES / "icons").as_posix()
    return Template(text).safe_substitute(values)


def build_palette(theme: Theme) -> QPalette:
    """A :class:`QPalette` matching ``theme`` (used by the Fusion style)."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.base,
        QPalette.ColorRole.AlternateBase: theme.alt_base,
        QPalette.ColorRole.ToolTipBase: theme.base,
        QPalette.ColorRole.ToolTipText: theme.text,
        QPalette.ColorRole.PlaceholderText: theme.muted,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.Button: theme.panel,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.BrightText: theme.error,
        QPalette.ColorRole.Highlight: theme.accent,
        QPalette.ColorRole.HighlightedText: theme.accent_text,
        QPalette.ColorRole.Link: theme.accent,
        QPalette.ColorRole.Mid: theme.border,
        QPalette.ColorRole.Midlight: theme.alt_base,
        QPalette.ColorRole.Dark: theme.border,
        QPalette.ColorRole.Light: theme.base,
    }
    for role, value in roles.items():
        palette.setColor(role, QColor(value))
    muted = QColor(theme.muted)
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, muted)
    return palette


def apply_theme(name: str, app: QApplication | None = None) -> Theme:
    """Switch the application to theme ``name`` (``"light"`` or ``"dark"``)."""
    global _current
    theme = theme_by_name(name)
    app = app or QApplication.instance()
    if app is None:
        raise RuntimeError("apply_theme needs a QApplication")
    if app.property("spikestudio_fusion") is not True:
        app.setStyle("Fusion")
        app.setProperty("spikestudio_fusion", True)
    font = QFont(app.font())
    if font.pointSizeF() < 9.5:
        font.setPointSizeF(9.5)
        app.setFont(font)
    changed = theme is not _current
    _current = theme
    sheet = style_sheet(theme)
    if app.styleSheet() == sheet and not changed:
        return theme  # re-polishing every widget again would only cost time
    app.setPalette(build_palette(theme))
    app.setStyleSheet(sheet)
    if changed:
        theme_signals().changed.emit(theme)
    return theme
