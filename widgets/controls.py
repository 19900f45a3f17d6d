"""The Controls panel: sliders for live-tunable parameters that the user pinned.

Each slider edits the document like the inspector does (``param_edit_requested``, merged into
one undo step per drag), so a change while the simulation runs reaches the simulator the same
way, and undo puts the old value back. The slider follows the model's ``param_changed`` events.
Its range is the parameter's bounds when they are finite and reasonable, otherwise 0 to four
times the value when it was pinned (at least 1 unit).
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.model.network import Network
from engine.model.params import ParamSpec

#: Slider positions (the value range is divided into this many steps).
SLIDER_STEPS = 1000
#: Bounds wider than this are replaced by a range around the current value.
MAX_NATURAL_SPAN = 1e4


def slider_range(spec: ParamSpec, value: float) -> tuple[float, float]:
    """The (low, high) a slider for ``spec`` covers, starting from ``value``."""
    low = spec.low if spec.low is not None else None
    high = spec.high if spec.high is not None else None
    if low is not None and high is not None and high - low <= MAX_NATURAL_SPAN:
        return float(low), float(high)
    magnitude = max(abs(float(value)), 1.0)
    lo = 0.0 if low is not None and low >= 0 else -4.0 * magnitude
    hi = 4.0 * magnitude
    if low is not None:
        lo = max(lo, float(low))
    if high is not None:
        hi = min(hi, float(high))
    return lo, hi


class ControlSlider(QWidget):
    """One pinned parameter: name, slider, value and an unpin button."""

    edited = Signal(float, bool)
    unpinned = Signal()

    def __init__(self, title: str, spec: ParamSpec, value: float, parent=None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.low, self.high = slider_range(spec, value)
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        self.title = QLabel(title)
        self.title.setToolTip(spec.doc)
        self.value_label = QLabel()
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.value_label.setMinimumWidth(80)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setToolTip(f"{self.low:g} … {self.high:g} {spec.unit}")
        self.slider.valueChanged.connect(self._moved)
        self.slider.sliderReleased.connect(lambda: self.edited.emit(self.value(), False))
        remove = QToolButton()
        remove.setText("×")
        remove.setAutoRaise(True)
        remove.setToolTip("Unpin this control")
        remove.clicked.connect(self.unpinned)
        grid.addWidget(self.title, 0, 0, 1, 2)
        grid.addWidget(remove, 0, 2)
        grid.addWidget(self.slider, 1, 0)
        grid.addWidget(self.value_label, 1, 1, 1, 2)
        self._setting = False
        self.set_value(value)

    def value(self) -> float:
        fraction = self.slider.value() / SLIDER_STEPS
        return self.low + fraction * (self.high - self.low)

    def set_value(self, value: float) -> None:
        """Follow the model (no edit is reported)."""
        value = float(value)
        if value < self.low or value > self.high:  # typed elsewhere beyond the range
            self.low, self.high = min(self.low, value), max(self.high, value)
        self._setting = True
        span = self.high - self.low
        self.slider.setValue(round((value - self.low) / span * SLIDER_STEPS) if span else 0)
        self._setting = False
        self.value_label.setText(f"{value:.4g} {self.spec.unit}")

    def _moved(self, _: int) -> None:
        if self._setting:
            return
        value = self.value()
        if math.isfinite(value):
            self.value_label.setText(f"{value:.4g} {self.spec.unit}")
            self.edited.emit(value, True)


class ControlsPanel(QWidget):
    """Sliders for the pinned live parameters of one network."""

    #: ``node_id, parameter, value, merge`` (as :class:`~widgets.inspector.Inspector`).
    param_edit_requested = Signal(str, str, object, bool)
    #: The pinned ``[(node_id, parameter), ...]`` changed.
    pins_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.network: Network | None = None
        self.sliders: dict[tuple[str, str], ControlSlider] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self.hint = QLabel(
            "Pin live parameters here with the ⇲ button next to them in the Inspector."
        )
        self.hint.setObjectName("placeholder")
        self.hint.setWordWrap(True)
        self._layout.addWidget(self.hint)
        self._layout.addStretch(1)

    def set_network(self, network: Network, pins: list[tuple[str, str]]) -> None:
        """Show ``network``'s pinned controls (pins of missing nodes are dropped)."""
        if self.network is not None:
            self.network.events.disconnect("param_changed", self._param_changed)
            self.network.events.disconnect("node_removed", self._node_removed)
        for key in list(self.sliders):
            self._remove(key, report=False)
        self.network = network
        network.events.connect("param_changed", self._param_changed)
        network.events.connect("node_removed", self._node_removed)
        for node_id, name in pins:
            self.pin(node_id, name, report=False)

    def pins(self) -> list[tuple[str, str]]:
        return list(self.sliders)

    def pin(self, node_id: str, name: str, report: bool = True) -> ControlSlider | None:
        """Add a slider for ``node_id.name`` (nothing happens if it is there or not live)."""
        if self.network is None or (node_id, name) in self.sliders:
            return self.sliders.get((node_id, name))
        try:
            node = self.network.node(node_id)
            spec = self.network.node_type(node).param(name)
        except (KeyError, ValueError):
            return None
        value = node.params.get(name)
        if not spec.live or not isinstance(value, (int, float)):
            return None
        slider = ControlSlider(f"{node.name} · {name}", spec, float(value))
        slider.edited.connect(
            lambda v, merge, n=node_id, p=name: self.param_edit_requested.emit(n, p, v, merge)
        )
        slider.unpinned.connect(lambda key=(node_id, name): self._remove(key))
        self._layout.insertWidget(self._layout.count() - 1, slider)
        self.sliders[(node_id, name)] = slider
        self.hint.hide()
        if report:
            self.pins_changed.emit(self.pins())
        return slider

    def _remove(self, key: tuple[str, str], report: bool = True) -> None:
        slider = self.sliders.pop(key, None)
        if slider is not None:
            slider.setParent(None)
            slider.deleteLater()
        self.hint.setVisible(not self.sliders)
        if report:
            self.pins_changed.emit(self.pins())

    def _param_changed(self, node, name: str, old: Any, new: Any) -> None:
        slider = self.sliders.get((node.id, name))
        if slider is not None and isinstance(new, (int, float)):
            slider.set_value(float(new))

    def _node_removed(self, node, **_: Any) -> None:
        for key in [k for k in self.sliders if k[0] == node.id]:
            self._remove(key)
