"""The cores of the chips a design uses, coloured by utilization, in one paint pass.

Cells are drawn as :mod:`hardware.picture` draws the CLI's PNG (routers in a serpentine, a
router's cores in a small square, the same colour ramp), so the panel and ``mapping.png``
look alike. Thousands of cores cost one ``drawRects`` per colour bin, not one item per core.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from hardware.picture import NO_LIMIT, OVER, chip_layout, colour
from widgets.theme import current_theme

#: Utilization metrics the grid can colour by: key in the report's utilization rows, label.
METRICS = {
    "neurons": "Neurons",
    "synaptic_memory": "Synaptic memory",
    "fan_in": "Fan-in (input axons)",
}
#: Chips drawn at most (the summary line gives the full count).
MAX_CHIPS_DRAWN = 64
#: Colour bins of the ramp (one drawRects call each).
BINS = 64
CHIP_GAP = 10.0
#: Smallest size (px) a used core is drawn at.
MIN_USED_CELL = 4.0
ROUTER_GAP = 2.0


def unused_colour(theme) -> QColor:
    """Grey of an unused core: clearly apart from the chip's background in both themes."""
    return theme.color("scroll")


def _qcolor(rgb: tuple[int, int, int]) -> QColor:
    return QColor(*rgb)


@dataclass
class GridData:
    """What the grid shows: per used core its utilization rows (from the mapping report) and
    its slices, plus the chip geometry of the profile."""

    cores: list[dict[str, Any]]
    slices: list[list[dict[str, Any]]]
    chips_used: int
    cores_per_chip: int
    cores_per_router: int
    router_grid: tuple[int, int]
    chip_grid_columns: int
    platform: str

    @classmethod
    def from_report(cls, report: dict[str, Any], profile) -> GridData:
        slices = [core["nodes"] for core in report["placement"]["cores"]]
        return cls(
            report["utilization"],
            slices,
            report["chips_used"],
            profile.cores_per_chip,
            profile.cores_per_router,
            profile.router_grid,
            profile.chip_grid_columns,
            profile.short_name,
        )

    def fraction(self, core: int, metric: str) -> float | None:
        return self.cores[core][metric]["fraction"]


class CoreGrid(QWidget):
    """Custom-painted grid of cores per chip.

    Signals
    -------
    core_clicked(int)
        A used core was clicked (its index in the mapping).
    """

    core_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip(
            "Cores of the chips used; hover a core for details, click it to select "
            "its nodes in the editor"
        )
        self.data: GridData | None = None
        self.metric_key = "neurons"
        self.selected_core: int | None = None
        self._cell = 1.0
        self._origins: list[QPointF] = []
        self._local_x = np.zeros(0)
        self._local_y = np.zeros(0)
        self._chip_size = QSize(0, 0)

    # -- data --------------------------------------------------------------------------------
    def set_data(self, data: GridData | None) -> None:
        self.data = data
        self.selected_core = None
        self._relayout()
        self.update()

    def set_metric(self, metric: str) -> None:
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {', '.join(METRICS)}")
        self.metric_key = metric
        self.update()

    def fractions(self) -> list[float | None]:
        """The utilization of every used core for the current metric."""
        if self.data is None:
            return []
        return [self.data.fraction(c, self.metric_key) for c in range(len(self.data.cores))]

    def chips_drawn(self) -> int:
        return 0 if self.data is None else min(max(self.data.chips_used, 1), MAX_CHIPS_DRAWN)

    # -- geometry ----------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        data = self.data
        self._origins = []
        if data is None:
            return
        layout = chip_layout(data.cores_per_chip, data.cores_per_router, data.router_grid)
        cols, rows = data.router_grid
        chips = self.chips_drawn()
        chip_cols_cells = cols * layout.sub_cols
        chip_rows_cells = rows * layout.sub_rows
        gaps_x, gaps_y = (
            cols * ROUTER_GAP * (data.cores_per_router > 1),
            rows * ROUTER_GAP * (data.cores_per_router > 1),
        )
        width, height = max(self.width() - 8, 10), max(self.height() - 8, 10)
        # choose how many chips per row so that the cells are as large as possible
        best = (0.0, 1)
        for per_row in range(1, chips + 1):
            n_rows = math.ceil(chips / per_row)
            cell_w = (width - (per_row - 1) * CHIP_GAP - per_row * (gaps_x + 4)) / (
                per_row * chip_cols_cells
            )
            cell_h = (height - (n_rows - 1) * CHIP_GAP - n_rows * (gaps_y + 4)) / (
                n_rows * chip_rows_cells
            )
            best = max(best, (min(cell_w, cell_h), -per_row))
        cell, per_row = max(best[0], 1.0), -best[1]
        cell = min(cell, 40.0)
        self._cell = cell
        rgap = ROUTER_GAP if data.cores_per_router > 1 else 0.0
        self._local_x = layout.rx * (layout.sub_cols * cell + rgap) + layout.sx * cell + 2
        self._local_y = layout.ry * (layout.sub_rows * cell + rgap) + layout.sy * cell + 2
        chip_w = chip_cols_cells * cell + gaps_x + 4
        chip_h = chip_rows_cells * cell + gaps_y + 4
        self._chip_size = QSize(int(chip_w), int(chip_h))
        for chip in range(chips):
            self._origins.append(
                QPointF(
                    4 + (chip % per_row) * (chip_w + CHIP_GAP),
                    4 + (chip // per_row) * (chip_h + CHIP_GAP),
                )
            )

    def core_rect(self, core: int) -> QRectF:
        """Where core ``core`` (index in the mapping) is drawn, in widget coordinates."""
        assert self.data is not None
        chip, local = divmod(core, self.data.cores_per_chip)
        origin = self._origins[chip]
        gap = 1.0 if self._cell >= 4 else 0.0
        return QRectF(
            origin.x() + self._local_x[local],
            origin.y() + self._local_y[local],
            self._cell - gap,
            self._cell - gap,
        )

    def core_at(self, pos: QPointF) -> int | None:
        """The used core under ``pos``, if any."""
        data = self.data
        if data is None:
            return None
        for chip, origin in enumerate(self._origins):
            x, y = pos.x() - origin.x(), pos.y() - origin.y()
            if not (0 <= x < self._chip_size.width() and 0 <= y < self._chip_size.height()):
                continue
            hit = np.flatnonzero(
                (self._local_x <= x)
                & (x < self._local_x + self._cell)
                & (self._local_y <= y)
                & (y < self._local_y + self._cell)
            )
            if hit.size:
                core = chip * data.cores_per_chip + int(hit[0])
                return core if core < len(data.cores) else None
        return None

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        theme = current_theme()
        painter = QPainter(self)
        painter.fillRect(self.rect(), theme.color("base"))
        data = self.data
        if data is None or not self._origins:
            painter.setPen(theme.color("muted"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No mapping yet")
            return
        unused = unused_colour(theme)
        n_used = len(data.cores)
        fractions = self.fractions()
        bins: dict[Any, list[QRectF]] = {}
        for chip, origin in enumerate(self._origins):
            painter.setPen(QPen(theme.color("border"), 1))
            painter.setBrush(theme.color("alt_base"))
            painter.drawRect(QRectF(origin, self._chip_size.toSizeF()))
            for local in range(data.cores_per_chip):
                core = chip * data.cores_per_chip + local
                if core >= n_used:
                    key: Any = "unused"
                else:
                    f = fractions[core]
                    key = (
                        "none"
                        if f is None
                        else "over"
                        if f > 1.0 + 1e-12
                        else min(int(max(f, 0.0) * BINS), BINS - 1)
                    )
                bins.setdefault(key, []).append(self.core_rect(core))
        painter.setPen(Qt.PenStyle.NoPen)
        # unused cores first; on a grid of thousands of tiny cells a used core is drawn a
        # little larger, so that one used core among 4,096 can still be seen
        grow = max(0.0, (MIN_USED_CELL - self._cell) / 2)
        for key, rects in sorted(bins.items(), key=lambda item: item[0] != "unused"):
            if key != "unused" and grow:
                rects = [r.adjusted(-grow, -grow, grow, grow) for r in rects]
            if key == "unused":
                fill = unused
            elif key == "none":
                fill = _qcolor(NO_LIMIT)
            elif key == "over":
                fill = _qcolor(OVER)
            else:
                fill = _qcolor(colour((key + 0.5) / BINS))
            painter.setBrush(fill)
            painter.drawRects(rects)
        if self.selected_core is not None and self.selected_core < n_used:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(theme.color("selection"), 2))
            painter.drawRect(self.core_rect(self.selected_core).adjusted(-1, -1, 1, 1))

    # -- interaction -------------------------------------------------------------------------
    def tooltip_text(self, core: int) -> str:
        """Hover text of a used core: its slices with node names and neuron counts, and its
        numbers against the limits."""
        assert self.data is not None
        row = self.data.cores[core]
        lines = [f"Core {core} · chip {row['chip']} · router ({row['x']}, {row['y']})"]
        for key, label in METRICS.items():
            item = row[key]
            used = item["used"]
            used_text = f"{used:,.0f}" if key != "synaptic_memory" else _bits(used)
            if item["limit"]:
                limit = item["limit"]
                limit_text = f"{limit:,.0f}" if key != "synaptic_memory" else _bits(limit)
                lines.append(f"{label}: {used_text} of {limit_text} ({item['fraction']:.0%})")
            else:
                lines.append(f"{label}: {used_text} (no published limit)")
        lines.append("Slices:")
        for piece in self.data.slices[core]:
            lines.append(f"  {piece['name']}: {piece['neurons']:,} neurons")
        return "\n".join(lines)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        core = self.core_at(event.position())
        if core is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(event.globalPosition().toPoint(), self.tooltip_text(core), self)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        core = self.core_at(event.position())
        if core is not None and event.button() == Qt.MouseButton.LeftButton:
            self.selected_core = core
            self.update()
            self.core_clicked.emit(core)
        super().mousePressEvent(event)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(320, 220)


def _bits(bits: float) -> str:
    kib = bits / 8 / 1024
    return f"{kib:,.1f} KiB"


class UtilizationLegend(QWidget):
    """The colour ramp 0-100 %, then over limit, unused and no published limit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Colour = used / limit of the chosen metric on each core")
        self.setMinimumHeight(34)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(320, 34)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        theme = current_theme()
        painter = QPainter(self)
        metrics = painter.fontMetrics()
        text_h = metrics.height()
        bar = QRectF(4, 2, min(160.0, self.width() * 0.4), 10)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for k in range(11):
            gradient.setColorAt(k / 10, _qcolor(colour(k / 10)))
        painter.fillRect(bar, gradient)
        painter.setPen(theme.color("text"))
        painter.drawText(QPointF(bar.left(), bar.bottom() + text_h), "0 %")
        label = "100 %"
        painter.drawText(
            QPointF(bar.right() - metrics.horizontalAdvance(label), bar.bottom() + text_h), label
        )
        x = bar.right() + 12
        for fill, text in (
            (_qcolor(OVER), "over limit"),
            (unused_colour(theme), "unused"),
            (_qcolor(NO_LIMIT), "no limit"),
        ):
            painter.fillRect(QRectF(x, 2, 10, 10), fill)
            painter.setPen(theme.color("text"))
            painter.drawText(QPointF(x + 14, 11), text)
            x += 22 + metrics.horizontalAdvance(text)
