"""``report.png``: a one-page figure of a run, drawn offscreen with Qt.

Panels: a spike raster of the recorded groups, the population rates of every group, and, when
the run has them, weight histograms (before / after) of plastic projections and one state trace.
Qt is imported inside :func:`draw_report` only, so that importing this module stays cheap and
headless runs without a report never load Qt.

Spikes are rasterised with numpy into one transparent layer (no per-spike Python loop), long
traces are reduced to a min/max envelope per pixel column; a report of 200 000 spikes takes
well under a second.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.io.atomic import write_atomically
from engine.io.results import RunRecord

WIDTH = 1600
MARGIN_LEFT = 110
MARGIN_RIGHT = 230
MARGIN_TOP = 136
MARGIN_BOTTOM = 40
PANEL_GAP = 96
RATE_BIN_MS = 10.0

#: One colour per neuron group, in group order (the Tableau 10 colours).
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
#: Colours of the neurons of a state trace (distinct from the group colours' order).
TRACE_PALETTE = ("#333333", "#1f77b4", "#d62728", "#2ca02c", "#9467bd")
MAX_TRACE_NEURONS = 3
MAX_HISTOGRAMS = 2

_app = None  # the QApplication this module created, kept alive for later reports


def draw_report(record: RunRecord, path: str | os.PathLike[str], *, width: int = WIDTH) -> None:
    """Draw the report of ``record`` into the PNG file ``path`` (written atomically).

    Raises ``ImportError`` if Qt is missing, ``OSError`` if the file cannot be written.
    """
    _ensure_gui_application()
    from PySide6.QtGui import QImage, QPainter

    layout = _layout(record, width)
    image = QImage(width, layout.height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        figure = _Figure(painter, record)
        figure.title(width)
        figure.raster(layout.raster)
        figure.rates(layout.rates)
        for rect, name in zip(layout.histograms, layout.histogram_names, strict=True):
            figure.histogram(rect, name)
        if layout.trace is not None:
            figure.trace(layout.trace, layout.trace_name)
    finally:
        painter.end()
    _save_png(image, Path(path))


# -- layout ----------------------------------------------------------------------------------
@dataclass
class _Layout:
    height: int
    raster: tuple[float, float, float, float]
    rates: tuple[float, float, float, float]
    histograms: list[tuple[float, float, float, float]]
    histogram_names: list[str]
    trace: tuple[float, float, float, float] | None
    trace_name: str


def _layout(record: RunRecord, width: int) -> _Layout:
    plot_w = width - MARGIN_LEFT - MARGIN_RIGHT
    recorded = sum(g.size for g in record.groups if g.recorded)
    raster_h = int(np.clip(recorded * 4, 260, 520))
    rates_h = 230
    y = MARGIN_TOP
    raster = (MARGIN_LEFT, y, plot_w, raster_h)
    y += raster_h + PANEL_GAP
    rates = (MARGIN_LEFT, y, plot_w, rates_h)
    y += rates_h
    histogram_names = list(record.plastic_weights)[:MAX_HISTOGRAMS]
    traces = record.state_traces
    trace_name = next(
        (name for name, t in traces.items() if t.variable == "v_m" and t.values.size),
        next((name for name, t in traces.items() if t.values.size), ""),
    )
    columns = len(histogram_names) + (1 if trace_name else 0)
    histograms: list[tuple[float, float, float, float]] = []
    trace = None
    if columns:
        y += PANEL_GAP
        bottom_h = 250
        gap = 100
        full_w = width - MARGIN_LEFT - 40
        # the trace gets twice the width of a histogram
        shares = [1.0] * len(histogram_names) + ([2.0] if trace_name else [])
        unit = (full_w - gap * (columns - 1)) / sum(shares)
        x = MARGIN_LEFT
        for share in shares[: len(histogram_names)]:
            histograms.append((x, y, unit * share, bottom_h))
            x += unit * share + gap
        if trace_name:
            trace = (x, y, unit * shares[-1], bottom_h)
        y += bottom_h
    height = int(y + 70 + MARGIN_BOTTOM)
    return _Layout(height, raster, rates, histograms, histogram_names, trace, trace_name)


# -- drawing ---------------------------------------------------------------------------------
class _Figure:
    """Draws the panels of one report with a QPainter."""

    def __init__(self, painter, record: RunRecord) -> None:
        from PySide6.QtGui import QColor, QFont

        self.p = painter
        self.record = record
        self.t0 = record.t_start_ms
        self.t1 = record.t_start_ms + max(record.duration_ms, record.dt_ms)
        self.time_scale, self.time_unit = (1000.0, "s") if self.t1 > 20_000 else (1.0, "ms")
        self.colors = [QColor(PALETTE[i % len(PALETTE)]) for i in range(len(record.groups))]
        family = "DejaVu Sans"
        self.font_tick = QFont(family)
        self.font_tick.setPixelSize(15)
        self.font_label = QFont(family)
        self.font_label.setPixelSize(17)
        self.font_panel = QFont(family)
        self.font_panel.setPixelSize(19)
        self.font_panel.setBold(True)
        self.font_title = QFont(family)
        self.font_title.setPixelSize(28)
        self.font_title.setBold(True)
        self.font_subtitle = QFont(family)
        self.font_subtitle.setPixelSize(17)

    # -- pieces ------------------------------------------------------------------------------
    def text(self, x, y, text, font, color="#222222", align="left", valign="baseline", rotate=0):
        from PySide6.QtCore import QPointF
        from PySide6.QtGui import QColor, QFontMetricsF

        p = self.p
        p.save()
        p.setFont(font)
        p.setPen(QColor(color))
        metrics = QFontMetricsF(font)
        w = metrics.horizontalAdvance(text)
        dx = {"left": 0.0, "center": -w / 2, "right": -w}[align]
        dy = {
            "baseline": 0.0,
            "center": (metrics.ascent() - metrics.descent()) / 2,
            "top": metrics.ascent(),
            "bottom": -metrics.descent(),
        }[valign]
        p.translate(x, y)
        p.rotate(rotate)
        p.drawText(QPointF(dx, dy), text)
        p.restore()
        return w

    def text_width(self, text, font) -> float:
        from PySide6.QtGui import QFontMetricsF

        return QFontMetricsF(font).horizontalAdvance(text)

    def title(self, width: int) -> None:
        record = self.record
        name = record.name or "SpikeStudio run"
        self.text(MARGIN_LEFT, 46, name, self.font_title, "#111111")
        n_syn = sum(p.n_synapses for p in record.compiled.projections)
        subtitle = (
            f"{_fmt_number(record.duration_ms)} ms simulated  ·  dt = {record.dt_ms:g} ms  ·  "
            f"seed {record.seed}  ·  {record.compiled.n_neurons:,} neurons  ·  "
            f"{n_syn:,} synapses  ·  {int(record.spike_counts().sum()):,} spikes"
        )
        self.text(MARGIN_LEFT, 76, subtitle, self.font_subtitle, "#555555")

    def axes(
        self, rect, xlim, ylim, *, xlabel, ylabel, title, yticks=True, xscale=1.0, ytick_width=0.0
    ):
        """Left and bottom spines with outward ticks, labels and a panel title."""
        from PySide6.QtCore import QLineF
        from PySide6.QtGui import QColor, QPen

        x, y, w, h = rect
        p = self.p
        ax = _Axes(rect, xlim, ylim)
        grid = QPen(QColor("#e6e6e6"))
        grid.setWidthF(1.0)
        spine = QPen(QColor("#333333"))
        spine.setWidthF(1.4)
        ticks = _nice_ticks(*ylim) if yticks else []
        p.setPen(grid)
        for value in ticks:
            p.drawLine(QLineF(x, ax.y(value), x + w, ax.y(value)))
        p.setPen(spine)
        p.drawLine(QLineF(x, y, x, y + h))
        p.drawLine(QLineF(x, y + h, x + w, y + h))
        widest = ytick_width
        for value in ticks:
            label = _fmt_tick(value, ticks)
            p.setPen(spine)
            p.drawLine(QLineF(x - 6, ax.y(value), x, ax.y(value)))
            widest = max(
                widest,
                self.text(
                    x - 10, ax.y(value), label, self.font_tick, align="right", valign="center"
                ),
            )
        xt_scaled = _nice_ticks(xlim[0] / xscale, xlim[1] / xscale)
        xt = [v * xscale for v in xt_scaled]
        for value, shown in zip(xt, xt_scaled, strict=True):
            p.setPen(spine)
            p.drawLine(QLineF(ax.x(value), y + h, ax.x(value), y + h + 6))
            self.text(
                ax.x(value),
                y + h + 10,
                _fmt_tick(shown, xt_scaled),
                self.font_tick,
                align="center",
                valign="top",
            )
        self.text(x + w / 2, y + h + 52, xlabel, self.font_label, align="center")
        if ylabel:
            self.text(
                x - max(widest, 20) - 22,
                y + h / 2,
                ylabel,
                self.font_label,
                align="center",
                rotate=-90,
            )
        self.text(x, y - 14, title, self.font_panel, "#111111")
        return ax

    def legend(self, x, y, entries, *, line=False):
        """Colour swatches with labels, top-left at (x, y)."""
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QColor, QPen

        p = self.p
        for i, (color, label) in enumerate(entries):
            yy = y + i * 26
            if line:
                pen = QPen(QColor(color))
                pen.setWidthF(2.5)
                p.setPen(pen)
                p.drawLine(x, int(yy + 9), x + 22, int(yy + 9))
            else:
                p.setPen(QColor(color).darker(120))
                p.setBrush(QColor(color))
                p.drawRect(QRectF(x + 4, yy + 2, 14, 14))
            self.text(x + 30, yy + 9, label, self.font_tick, align="left", valign="center")

    def legend_row(self, right, baseline, entries, *, line=False) -> float:
        """Swatches with labels in one row ending at ``right``; returns the width used."""
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QColor, QPen

        widths = [30 + self.text_width(label, self.font_tick) + 18 for _, label in entries]
        x = right - sum(widths) + 18
        p = self.p
        for (color, label), width in zip(entries, widths, strict=True):
            if line:
                pen = QPen(QColor(color))
                pen.setWidthF(2.5)
                p.setPen(pen)
                p.drawLine(int(x), int(baseline - 5), int(x + 22), int(baseline - 5))
            else:
                p.setPen(QColor(color).darker(120))
                p.setBrush(QColor(color))
                p.drawRect(QRectF(x + 4, baseline - 12, 14, 14))
            self.text(x + 30, baseline, label, self.font_tick)
            x += width
        return sum(widths)

    def message(self, rect, text):
        x, y, w, h = rect
        self.text(
            x + w / 2, y + h / 2, text, self.font_label, "#888888", align="center", valign="center"
        )

    # -- panels ------------------------------------------------------------------------------
    def raster(self, rect) -> None:
        from PySide6.QtCore import QLineF, QPointF, Qt
        from PySide6.QtGui import QColor, QImage, QPen

        record = self.record
        recorded = [(i, g) for i, g in enumerate(record.groups) if g.recorded]
        total = sum(g.size for _, g in recorded)
        x, y, w, h = rect
        ax = self.axes(
            rect,
            (self.t0, self.t1),
            (0, max(total, 1)),
            xlabel=f"time ({self.time_unit})",
            xscale=self.time_scale,
            ylabel="neuron (stacked by group)",
            title="Spike raster",
            yticks=False,
            ytick_width=self.text_width(str(total), self.font_tick),
        )
        if not recorded:
            self.message(rect, "no group is wired to a spike recorder")
            return
        # one RGBA layer for every spike
        layer = np.zeros((int(h), int(w), 4), dtype=np.uint8)
        times = record.spike_times_ms
        neurons = record.spike_neurons
        row_px = h / total
        tick_h = int(np.clip(round(row_px * 0.8), 1, 7))
        density = times.size / max(w, 1)
        tick_w = 1 if density > 40 or w / max(record.n_steps, 1) < 1.5 else 2
        offset = 0
        boundaries = []
        for index, group in recorded:
            mask = (neurons >= group.start) & (neurons < group.start + group.size)
            rows = neurons[mask] - group.start + offset
            px = ((times[mask] - self.t0) / (self.t1 - self.t0) * (w - 1)).astype(np.int64)
            py = (h - (rows + 0.5) * row_px - tick_h / 2).astype(np.int64)
            color = self.colors[index]
            rgba = np.array([color.red(), color.green(), color.blue(), 255], dtype=np.uint8)
            for dy in range(tick_h):
                for dx in range(tick_w):
                    xs, ys = np.clip(px + dx, 0, int(w) - 1), np.clip(py + dy, 0, int(h) - 1)
                    layer[ys, xs] = rgba
            boundaries.append((offset, group, index))
            offset += group.size
        image = QImage(layer.data, int(w), int(h), int(w) * 4, QImage.Format.Format_RGBA8888)
        self.p.drawImage(QPointF(x, y), image)
        del image
        # group separators, y ticks at group boundaries, group names on the right
        pen = QPen(QColor("#999999"))
        pen.setStyle(Qt.PenStyle.DashLine)
        spine = QPen(QColor("#333333"))
        spine.setWidthF(1.4)
        # boundary ticks from the top (the total is always labelled); labels that would
        # touch the one above are left out
        last_label = -math.inf
        for value in [total] + [start for start, _, _ in reversed(boundaries)]:
            py = float(ax.y(value))
            if 0 < value < total:
                self.p.setPen(pen)
                self.p.drawLine(QLineF(x, py, x + w, py))
            self.p.setPen(spine)
            self.p.drawLine(QLineF(x - 6, py, x, py))
            if py - last_label >= 22:
                self.text(x - 10, py, str(value), self.font_tick, align="right", valign="center")
                last_label = py
        wanted = [float(ax.y(start + group.size / 2)) for start, group, _ in boundaries]
        for (_, group, index), middle in zip(
            boundaries, _spread(wanted, 44.0, y + 10, y + h - 10), strict=True
        ):
            self.p.setPen(QColor(self.colors[index]))
            self.p.setBrush(self.colors[index])
            self.p.drawRect(int(x + w + 12), int(middle - 7), 14, 14)
            label = _elide(group.name, self, MARGIN_RIGHT - 50, self.font_label)
            self.text(x + w + 34, middle - 2, label, self.font_label, valign="bottom")
            self.text(
                x + w + 34,
                middle + 2,
                f"{group.size} neurons",
                self.font_tick,
                "#666666",
                valign="top",
            )

    def rates(self, rect) -> None:
        from PySide6.QtCore import QPointF
        from PySide6.QtGui import QPen, QPolygonF

        record = self.record
        bin_ms = max(RATE_BIN_MS, record.duration_ms / 1000.0)
        centres, rates = record.rates(bin_ms)
        smoothed = _smooth(rates)
        top = float(smoothed.max()) if smoothed.size else 0.0
        ylim = (0.0, _nice_ceiling(top * 1.08) if top > 0 else 1.0)
        x, y, w, h = rect
        bin_text = f"{_fmt_number(bin_ms)} ms bins, smoothed"
        ax = self.axes(
            rect,
            (self.t0, self.t1),
            ylim,
            xlabel=f"time ({self.time_unit})",
            xscale=self.time_scale,
            ylabel="rate (Hz)",
            title=f"Population rates  ({bin_text})",
        )
        if not record.groups:
            self.message(rect, "no neuron groups")
            return
        self.p.save()
        self.p.setClipRect(int(x), int(y) - 2, int(w) + 2, int(h) + 4)
        for g in range(len(record.groups)):
            pen = QPen(self.colors[g])
            pen.setWidthF(2.2)
            self.p.setPen(pen)
            if centres.size == 1:
                self.p.drawLine(
                    int(x), int(ax.y(smoothed[0, g])), int(x + w), int(ax.y(smoothed[0, g]))
                )
                continue
            xs = ax.x(centres)
            ys = ax.y(smoothed[:, g])
            self.p.drawPolyline(QPolygonF([QPointF(a, b) for a, b in zip(xs, ys, strict=True)]))
        self.p.restore()
        mean = record.mean_rates_hz()
        self.legend(
            x + w + 12,
            y + 4,
            [
                (PALETTE[g % len(PALETTE)], f"{group.name}: {mean[g]:.1f} Hz")
                for g, group in enumerate(record.groups)
            ],
            line=True,
        )
        self.text(x + w + 12, y - 14, "mean over the run", self.font_tick, "#666666")

    def histogram(self, rect, name: str) -> None:
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QColor, QPen

        weights = self.record.plastic_weights[name]
        initial, final = weights.initial, weights.final
        both = np.concatenate([initial, final])
        x, y, w, h = rect
        if both.size == 0:
            self.axes(rect, (0, 1), (0, 1), xlabel="weight (pA)", ylabel="synapses", title=name)
            self.message(rect, "no synapses")
            return
        low, high = float(both.min()), float(both.max())
        if high - low < 1e-9:
            low, high = low - 1.0, high + 1.0
        edges = np.linspace(low, high, 31)
        h0, _ = np.histogram(initial, edges)
        h1, _ = np.histogram(final, edges)
        # headroom above the tallest bar for the legend
        top = _nice_ceiling(max(h0.max(), h1.max()) * 1.35)
        post = [g.name for g in self.record.groups].index(weights.post_group)
        color = QColor(PALETTE[post % len(PALETTE)])
        ax = self.axes(
            rect,
            (low, high),
            (0, top),
            xlabel="weight (pA)",
            ylabel="synapses",
            title=_elide(f"Weights of {name}", self, w),
        )
        for counts, fill, outline in (
            (h0, QColor(150, 150, 150, 110), QColor("#777777")),
            (h1, QColor(color.red(), color.green(), color.blue(), 120), color),
        ):
            pen = QPen(outline)
            pen.setWidthF(1.2)
            self.p.setPen(pen)
            self.p.setBrush(fill)
            for i, count in enumerate(counts):
                if count:
                    left, right = ax.x(edges[i]), ax.x(edges[i + 1])
                    self.p.drawRect(QRectF(left, ax.y(count), right - left, ax.y(0) - ax.y(count)))
        self.p.setBrush(QColor(0, 0, 0, 0))
        entries = [
            ("#999999", f"before: mean {np.mean(initial):.1f} pA"),
            (color.name(), f"after: mean {np.mean(final):.1f} pA"),
        ]
        widest = max(self.text_width(label, self.font_tick) for _, label in entries)
        self.legend(x + w - widest - 40, y + 4, entries)

    def trace(self, rect, name: str) -> None:
        from PySide6.QtCore import QPointF
        from PySide6.QtGui import QColor, QPen, QPolygonF

        trace = self.record.state_traces[name]
        x, y, w, h = rect
        shown = trace.values[:, :MAX_TRACE_NEURONS]
        low, high = float(shown.min()), float(shown.max())
        pad = max((high - low) * 0.06, 0.5)
        ylim = (low - pad, high + pad)
        label = {
            "v_m": "membrane potential",
            "i_syn": "synaptic current",
            "w": "adaptation current",
        }.get(trace.variable, trace.variable)
        entries = [
            (TRACE_PALETTE[j % len(TRACE_PALETTE)], f"neuron {trace.neurons[j]}")
            for j in range(shown.shape[1])
        ]
        used = self.legend_row(x + w, y - 14, entries, line=True)
        ax = self.axes(
            rect,
            (self.t0, self.t1),
            ylim,
            xlabel=f"time ({self.time_unit})",
            xscale=self.time_scale,
            ylabel=f"{trace.variable} ({trace.unit})",
            title=_elide(f"{label.capitalize()} of {trace.population}", self, w - used - 16),
        )
        self.p.save()
        self.p.setClipRect(int(x), int(y) - 2, int(w) + 2, int(h) + 4)
        for j, (color, _) in enumerate(entries):
            pen = QPen(QColor(color))
            pen.setWidthF(1.3)
            self.p.setPen(pen)
            xs, ys = _envelope(ax.x(trace.times_ms), ax.y(shown[:, j]), int(w))
            self.p.drawPolyline(QPolygonF([QPointF(a, b) for a, b in zip(xs, ys, strict=True)]))
        self.p.restore()


@dataclass(frozen=True)
class _Axes:
    """Maps data coordinates to pixels inside a panel rectangle."""

    rect: tuple[float, float, float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def x(self, value):
        x, _, w, _ = self.rect
        lo, hi = self.xlim
        return x + (np.asarray(value, dtype=float) - lo) / ((hi - lo) or 1.0) * w

    def y(self, value):
        _, y, _, h = self.rect
        lo, hi = self.ylim
        return y + h - (np.asarray(value, dtype=float) - lo) / ((hi - lo) or 1.0) * h


# -- helpers ---------------------------------------------------------------------------------
def _ensure_gui_application() -> None:
    """Create a QApplication (offscreen when there is no display) if none exists yet."""
    global _app
    from PySide6.QtCore import QCoreApplication

    if QCoreApplication.instance() is not None:
        return
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # a QApplication, not just a QGuiApplication: widgets created later in the same process
    # (the desktop app, widget tests) need one, and there can only be one per process
    from PySide6.QtWidgets import QApplication

    _app = QApplication(["spikestudio"])


def _save_png(image, path: Path) -> None:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = image.save(buffer, "PNG")
    buffer.close()
    if not ok:
        raise RuntimeError("Qt could not encode the report as PNG")
    write_atomically(path, lambda handle: handle.write(bytes(data)), binary=True)


def _nice_ticks(low: float, high: float, target: int = 6) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 x 10^k at or above ``value``."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * magnitude >= value * (1 - 1e-12):
            return m * magnitude
    return 10 * magnitude


def _fmt_tick(value: float, ticks: list[float]) -> str:
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else abs(value) or 1.0
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    if step < 1 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1
    text = f"{value:.{decimals}f}"
    return "0" if text.strip("0.-") == "" else text


def _fmt_number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u2009") if value >= 100 else f"{value:g}"


def _smooth(rates: np.ndarray) -> np.ndarray:
    """A 1-2-1 running mean along time (edges keep their own weight)."""
    if rates.shape[0] < 3:
        return rates.copy()
    padded = np.concatenate([rates[:1], rates, rates[-1:]])
    return 0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:]


def _envelope(xs: np.ndarray, ys: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """At most two points (min and max) per pixel column, in order, so that a long trace
    keeps its spikes and troughs but costs O(width) to draw."""
    if xs.size <= 2 * columns:
        return xs, ys
    col = np.floor((xs - xs[0]) / max(xs[-1] - xs[0], 1e-12) * (columns - 1)).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    lows = np.minimum.reduceat(ys, starts)
    highs = np.maximum.reduceat(ys, starts)
    centre = np.add.reduceat(xs, starts) / np.diff(np.r_[starts, xs.size])
    out_x = np.repeat(centre, 2)
    out_y = np.empty(2 * starts.size)
    # pixel y grows downwards: draw the lower value first, then the upper one
    out_y[0::2] = highs
    out_y[1::2] = lows
    return out_x, out_y


def _elide(text: str, figure: _Figure, width: float, font=None) -> str:
    font = figure.font_panel if font is None else font
    if figure.text_width(text, font) <= width:
        return text
    while text and figure.text_width(text + "…", font) > width:
        text = text[:-1]
    return text + "…"


def _spread(positions: list[float], gap: float, top: float, bottom: float) -> list[float]:
    """Move label centres (pixel y, any order) at least ``gap`` apart, keeping their order and,
    where there is room, staying within [top, bottom]."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [positions[i] for i in order]
    for k in range(len(placed)):
        placed[k] = max(placed[k], top if k == 0 else placed[k - 1] + gap)
    if placed and placed[-1] > bottom:
        placed[-1] = bottom
        for k in range(len(placed) - 2, -1, -1):
            placed[k] = min(placed[k], placed[k + 1] - gap)
    result = [0.0] * len(positions)
    for k, i in enumerate(order):
        result[i] = placed[k]
    return result
