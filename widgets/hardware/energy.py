"""Energy breakdown of a mapped design: one horizontal bar per term, static vs dynamic.

Fed with the result of :func:`hardware.power.estimate_energy`. A term the profile does not
price is listed with the words "not priced" and no bar, never as 0. Bars are linear in joules
and every bar carries its value, so a term a thousand times smaller than static power is still
read, not guessed.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from widgets.theme import current_theme

#: Bar colour by kind of term.
KIND_COLOURS = {"static": "#7f8fa6", "dynamic": "#e07b24", "all_in": "#3d9a8b"}
#: Height of one term's row in the chart (px).
ROW_HEIGHT = 18
KIND_LABELS = {"static": "static", "dynamic": "dynamic", "all_in": "all-in"}
_PREFIXES = ((1e0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f"))


def si(value: float | None, unit: str) -> str:
    """``0.000123, "J"`` -> ``"123 µJ"``; ``None`` -> ``"not priced"``."""
    if value is None:
        return "not priced"
    if value == 0:
        return f"0 {unit}"
    if not math.isfinite(value):
        return f"{value} {unit}"
    for scale, prefix in _PREFIXES:
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def term_label(key: str, entry: dict[str, Any]) -> str:
    """``static_per_chip`` -> ``"per chip"``; dynamic terms by their key."""
    name = key.removeprefix("static_").replace("_", " ")
    return f"{name} ({KIND_LABELS.get(entry['kind'], entry['kind'])})"


class EnergyChart(QWidget):
    """The bar chart and a summary of one energy estimate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.energy: dict[str, Any] | None = None
        self.summary = QLabel("Run the simulation to estimate energy from its spikes.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setToolTip(
            "Energy of the run so far on the mapped chip(s), from the "
            "profile's published coefficients (modelled, not measured)"
        )
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.invertY(True)  # first term on top
        self.plot.getAxis("bottom").setLabel("energy", units="J")
        self.plot.setToolTip(
            "Energy per term: grey = static (leakage x wall time), orange = "
            "dynamic (events x energy per event), green = all-in figure"
        )
        self.bars: pg.BarGraphItem | None = None
        self.labels: list[pg.TextItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setToolTip("How the counts behind this estimate were obtained")
        layout.addWidget(self.summary)
        layout.addWidget(self.plot)
        layout.addWidget(self.notes)
        layout.addStretch(1)
        self.plot.hide()  # empty axes say nothing: shown with the first estimate
        self.apply_theme()

    def apply_theme(self) -> None:
        theme = current_theme()
        self.notes.setStyleSheet(f"color: {theme.muted};")
        self.plot.setBackground(theme.base)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(theme.muted)
            axis.setTextPen(theme.text)
        if self.energy is not None:
            self.set_energy(self.energy)

    def rows(self) -> list[tuple[str, str, float | None]]:
        """``(term key, label, energy in J or None when not priced)`` as charted."""
        if self.energy is None:
            return []
        out = []
        for key, entry in self.energy["per_term"].items():
            if entry["energy_j"] is None and key not in self.energy["unpriced"]:
                continue  # priced but nothing to count (e.g. no plastic synapses)
            out.append((key, term_label(key, entry), entry["energy_j"]))
        return out

    def values(self) -> dict[str, float | None]:
        """Energy of every charted term by key (``None``: not priced)."""
        return {key: value for key, _, value in self.rows()}

    def clear(self, message: str) -> None:
        self.energy = None
        self.plot.clear()
        self.bars = None
        self.labels = []
        self.summary.setText(message)
        self.notes.clear()
        self.plot.hide()

    def set_energy(self, energy: dict[str, Any]) -> None:
        """Show one result of :func:`hardware.power.estimate_energy`."""
        self.energy = energy
        theme = current_theme()
        rows = self.rows()
        self.plot.clear()
        self.labels = []
        n = len(rows)
        priced = [v for _, _, v in rows if v is not None]
        top = max(priced, default=0.0) or 1.0
        ys = list(range(n))
        widths = [v or 0.0 for _, _, v in rows]
        brushes = [
            QColor(KIND_COLOURS.get(energy["per_term"][k]["kind"], "#888888")) for k, _, _ in rows
        ]
        self.bars = pg.BarGraphItem(
            x0=0, y=ys, height=0.6, width=widths, brushes=brushes, pen=pg.mkPen(None)
        )
        self.plot.addItem(self.bars)
        for y, (_, _, value) in zip(ys, rows, strict=True):
            text = pg.TextItem(
                si(value, "J"), color=theme.muted if value is None else theme.text, anchor=(0, 0.5)
            )
            text.setPos(value or 0.0, y)
            self.plot.addItem(text)
            self.labels.append(text)
        axis = self.plot.getAxis("left")
        axis.setTicks([[(y, label) for y, (_, label, _) in zip(ys, rows, strict=True)]])
        metrics = QFontMetrics(axis.font())
        widest = max((metrics.horizontalAdvance(label) for _, label, _ in rows), default=30)
        axis.setWidth(widest + 16)
        # every term label needs its line: the page scrolls rather than drop labels
        self.plot.setFixedHeight(ROW_HEIGHT * n + 56)
        self.plot.setYRange(-0.6, max(n - 0.4, 0.6), padding=0)
        self.plot.setXRange(0, top * 1.45, padding=0)
        self.plot.show()
        self.summary.setText(summary_text(energy))
        notes = [energy.get("note", "")] + list(energy.get("notes", []))
        self.notes.setText("\n".join(n for n in notes if n))


def summary_text(energy: dict[str, Any]) -> str:
    """One or two lines: totals, average power, simulated (and chip) time, what is not priced.
    The time base is the one chosen beside the chart."""
    total = si(energy["total_j"], "J")
    if energy["scope"] == "all_in":
        text = f"Total {total} (all-in figure: static included, not separable)"
    else:
        text = (
            f"Total {total} = static {si(energy['static_j'], 'J')} + dynamic "
            f"{si(energy['dynamic_j'], 'J')}"
        )
    if energy["average_power_w"] is not None:
        text += f" · {si(energy['average_power_w'], 'W')} average"
    text += f" · {energy['simulated_time_s']:.3g} s simulated"
    if energy["wall_time_s"] is not None and energy["time_base"] != "real_time":
        text += f", {si(energy['wall_time_s'], 's')} on the chip"
    if energy["unpriced"]:
        text += " · not priced (left out): " + ", ".join(energy["unpriced"])
    return text
