"""Activity on the canvas while a simulation runs: populations and encoders glow with their
firing rate and show it in a small badge above the card.

The overlay adds one glow (behind the card) and one badge (above it) as child items of each
:class:`~widgets.canvas.node_item.NodeItem`; it never changes the node items themselves, and
:meth:`ActivityOverlay.clear` removes everything when the run is reset.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from widgets.theme import current_theme

#: Rate (Hz) at which the glow is fully bright; the scale is logarithmic below it.
FULL_GLOW_HZ = 100.0


def glow_strength(rate_hz: float) -> float:
    """0..1: how bright a node glows at ``rate_hz``."""
    if rate_hz <= 0.0 or not math.isfinite(rate_hz):
        return 0.0
    return min(1.0, math.log1p(rate_hz) / math.log1p(FULL_GLOW_HZ))


class GlowItem(QGraphicsItem):
    """A soft halo behind a node card."""

    def __init__(self, parent: QGraphicsItem, rect: QRectF, color: QColor) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.rect = rect
        self.color = QColor(color)
        self.strength = 0.0

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self.rect.adjusted(-14, -14, 14, 14)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.strength <= 0.0:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        for grow, alpha in ((12, 40), (8, 70), (4, 110)):
            color = QColor(self.color)
            color.setAlpha(int(alpha * self.strength))
            painter.setBrush(color)
            painter.drawRoundedRect(
                self.rect.adjusted(-grow, -grow, grow, grow), 8 + grow, 8 + grow
            )


class RateBadge(QGraphicsItem):
    """The current rate, in a pill above the node's top-right corner."""

    def __init__(self, parent: QGraphicsItem, rect: QRectF, color: QColor) -> None:
        super().__init__(parent)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(5)
        self.color = QColor(color)
        self.text = ""
        self.box = QRectF(rect.right() - 74, rect.top() - 20, 74, 17)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self.box.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.text:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self.color, 1.0))
        painter.setBrush(QColor(current_theme().node_body))
        painter.drawRoundedRect(self.box, 8, 8)
        font = QFont()
        font.setPointSizeF(7.5)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(current_theme().node_text))
        painter.drawText(self.box, Qt.AlignmentFlag.AlignCenter, self.text)


class ActivityOverlay:
    """Glows and rate badges on the node items of a scene.

    Parameters
    ----------
    scene
        A :class:`~widgets.canvas.scene.GraphScene` (anything with ``node_item(node_id)``).
    """

    def __init__(self, scene) -> None:
        self.scene = scene
        self.items: dict[str, tuple[GlowItem, RateBadge]] = {}
        self.rates: dict[str, float] = {}

    def set_rates(self, rates_hz: dict[str, float], colors: dict[str, QColor]) -> None:
        """Show ``rates_hz`` (by node id); nodes not on the canvas are skipped."""
        for node_id, rate in rates_hz.items():
            pair = self.items.get(node_id)
            if pair is None:
                try:
                    node_item = self.scene.node_item(node_id)
                except KeyError:
                    continue
                rect = node_item.body_rect()
                color = colors.get(node_id, QColor("#E69F00"))
                pair = (GlowItem(node_item, rect, color), RateBadge(node_item, rect, color))
                self.items[node_id] = pair
            glow, badge = pair
            strength = glow_strength(rate)
            text = f"{rate:.1f} Hz" if rate < 1000 else f"{rate / 1000:.1f} kHz"
            if abs(glow.strength - strength) > 0.01 or badge.text != text:
                glow.strength = strength
                badge.text = text
                glow.update()
                badge.update()
            self.rates[node_id] = rate

    def clear(self) -> None:
        """Remove every glow and badge."""
        for glow, badge in self.items.values():
            for item in (glow, badge):
                if item.scene() is not None:
                    item.scene().removeItem(item)
        self.items.clear()
        self.rates.clear()
