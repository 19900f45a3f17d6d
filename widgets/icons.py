"""Icons drawn from the SVG line art in ``resources/icons/``, tinted for the current theme.

Each SVG uses ``currentColor``; :func:`icon` substitutes a theme colour and renders crisp pixmaps
at several sizes and device-pixel ratios, so icons stay sharp on high-DPI screens without an icon
font dependency.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from widgets.theme import CATEGORY_GLYPHS, RESOURCES, current_theme

ICON_DIR = RESOURCES / "icons"
_SIZES = (16, 20, 24, 32)
_RATIOS = (1.0, 2.0)

#: Icons with a colour of their own, independent of the theme's text colour.
ICON_COLORS = {"run": "#2f9e50", "stop": "#d13a3a", "warning": "#e08a1e"}


def icon_names() -> list[str]:
    """Names of every icon in ``resources/icons``."""
    return sorted(p.stem for p in ICON_DIR.glob("*.svg"))


@cache
def _svg_text(name: str) -> str:
    return (ICON_DIR / f"{name}.svg").read_text(encoding="utf-8")


def _render(svg: str, color: str, size: int, ratio: float, opacity: float = 1.0) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg.replace("currentColor", color).encode("utf-8")))
    side = round(size * ratio)
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setOpacity(opacity)
    renderer.render(painter, QRectF(0, 0, side, side))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def icon(name: str, color: str | None = None) -> QIcon:
    """The icon ``name`` (a file stem in ``resources/icons``) in the current theme.

    Parameters
    ----------
    name
        Icon name, e.g. ``"save"``.
    color
        ``#rrggbb`` to use instead of the theme's text colour.
    """
    theme = current_theme()
    return _icon(name, color or ICON_COLORS.get(name) or theme.text, theme.muted)


@cache
def _icon(name: str, color: str, disabled: str) -> QIcon:
    svg = _svg_text(name)
    result = QIcon()
    for size in _SIZES:
        for ratio in _RATIOS:
            result.addPixmap(_render(svg, color, size, ratio), QIcon.Mode.Normal)
            result.addPixmap(_render(svg, disabled, size, ratio, 0.45), QIcon.Mode.Disabled)
    return result


@cache
def category_icon(category: str, color: str, size: int = 22) -> QIcon:
    """A rounded chip in the category colour with a short glyph (palette and inspector)."""
    result = QIcon()
    for ratio in _RATIOS:
        side = round(size * ratio)
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(color))
        painter.drawRoundedRect(QRectF(0, 0, side, side), side * 0.28, side * 0.28)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(round(side * 0.42))
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(
            QRectF(0, 0, side, side),
            Qt.AlignmentFlag.AlignCenter,
            CATEGORY_GLYPHS.get(category, "?"),
        )
        painter.end()
        pixmap.setDevicePixelRatio(ratio)
        result.addPixmap(pixmap)
    return result


def app_icon() -> QIcon:
    """The application icon: three spiking neurons wired together."""
    result = QIcon()
    for side in (16, 32, 64, 128, 256):
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#2f6fde"))
        painter.drawRoundedRect(QRectF(0, 0, side, side), side * 0.22, side * 0.22)
        pen_width = max(1.0, side * 0.06)
        painter.setPen(QColor("#ffffff"))
        pen = painter.pen()
        pen.setWidthF(pen_width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        s = side / 16
        points = [QPointF(x * s, y * s) for x, y in ((3, 8), (8, 4.5), (8, 11.5), (13, 8))]
        for a, b in ((0, 1), (0, 2), (1, 3), (2, 3)):
            painter.drawLine(points[a], points[b])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#ffd166"))
        for point in points:
            painter.drawEllipse(point, 1.6 * s, 1.6 * s)
        painter.end()
        result.addPixmap(pixmap)
    return result


def icon_size(toolbar: bool = True) -> QSize:
    """Icon size used in tool bars (20 px) and menus (16 px)."""
    return QSize(20, 20) if toolbar else QSize(16, 16)
