"""The inspector: edits the selected node's parameters, built from its type's declaration.

Every parameter of the node type gets a row with its unit, its one-line doc and bounds as a
tooltip, and an inline message that says why a value was refused (no dialogs). Parameters that
allow distributions get a value / uniform / normal switch. Neuron models show their equations.
With nothing selected the inspector edits the simulation settings.

The inspector never changes the model: it validates what the user typed against the declaration
and emits a request (``param_edit_requested``...) that the application turns into an undoable
command. It follows model events, so undo and redo show up here too.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.errors import ValidationError
from engine.model.catalog import CATEGORY_TITLES, NodeType
from engine.model.network import MAX_NAME_LENGTH, SETTINGS, SETTINGS_BY_NAME, Network
from engine.model.params import ParamSpec
from widgets.icons import category_icon
from widgets.theme import CATEGORY_COLORS
from widgets.units import (
    ParseError,
    format_indices,
    format_number,
    format_times,
    parse_indices,
    parse_number,
    parse_times,
)

NEW_RULE_PREFIX = "new:"


# -- validation helpers (no Qt) ---------------------------------------------------------------
def param_problem(network: Network, node_id: str, name: str, value: Any) -> ValidationError | None:
    """Why ``network.set_param(node_id, name, value)`` would be refused, or ``None``.

    Checks the value against its spec and the node type's cross-parameter rules without
    changing anything.
    """
    node = network.node(node_id)
    node_type = network.node_type(node)
    try:
        spec = node_type.param(name)
    except KeyError:
        return ValidationError(f"unknown parameter of {node.type_id}", name)
    try:
        stored = spec.validate(value)
    except ValidationError as err:
        return err
    problems = node_type.param_problems(dict(node.params, **{name: stored}))
    return problems[0] if problems else None


def name_problem(network: Network, node_id: str, name: str) -> str | None:
    """Why renaming node ``node_id`` to ``name`` would be refused, or ``None``."""
    if not name.strip():
        return "a node needs a non-empty name"
    if len(name) > MAX_NAME_LENGTH:
        return f"is longer than {MAX_NAME_LENGTH} characters"
    for node in network.nodes:
        if node.name == name and node.id != node_id:
            return f"another node is already called {name!r}"
    return None


def problem_text(err: ValidationError, name: str) -> str:
    """A refusal as shown under the field of parameter ``name``."""
    field = err.field
    if field == name or not field:
        return err.message
    if field.startswith(f"{name}."):
        return f"{field[len(name) + 1 :]} {err.message}"
    if field.startswith(f"{name}["):
        return f"entry {field[len(name) :]} {err.message}"
    return f"{field} {err.message}"


def step_size(spec: ParamSpec, value: float | None) -> float:
    """How much one Up/Down press changes a value."""
    if spec.kind == "int":
        return 1.0
    if spec.low is not None and spec.high is not None and spec.high - spec.low <= 1.0:
        return 0.01
    if not value:
        return 1.0
    return max(10.0 ** (math.floor(math.log10(abs(value))) - 1), 0.001)


def _inside(spec: ParamSpec, x: float, center: float) -> float:
    """``x`` moved just inside the spec's bounds (towards ``center``, itself valid)."""
    if spec.low is not None and (x < spec.low or (x == spec.low and not spec.low_inclusive)):
        x = spec.low if spec.low_inclusive else (spec.low + center) / 2
    if spec.high is not None and (x > spec.high or (x == spec.high and not spec.high_inclusive)):
        x = spec.high if spec.high_inclusive else (spec.high + center) / 2
    return float(f"{x:.10g}")


def default_distribution(spec: ParamSpec, kind: str, current: Any) -> Any:
    """A sensible value when the user switches a parameter to ``kind`` (value/uniform/normal)."""
    if isinstance(current, dict):
        if current["distribution"] == "uniform":
            center = (current["low"] + current["high"]) / 2
        else:
            center = current["mean"]
    else:
        center = float(current if current is not None else spec.default)
    if kind == "value":
        return float(f"{center:.10g}")
    spread = abs(center) * 0.1 or step_size(spec, center)
    if kind == "uniform":
        return {
            "distribution": "uniform",
            "low": _inside(spec, center - spread, center),
            "high": _inside(spec, center + spread, center),
        }
    result: dict[str, Any] = {"distribution": "normal", "mean": center, "std": spread}
    if spec.low is not None:
        result["low"] = _inside(spec, center - 3 * spread, center)
    if spec.high is not None:
        result["high"] = _inside(spec, center + 3 * spread, center)
    return result


def tooltip_for(spec: ParamSpec) -> str:
    """Tooltip of a parameter: its doc, bounds and whether it can change during a run."""
    lines = [f"<b>{spec.name}</b>" + (f" ({spec.unit})" if spec.unit else "")]
    if spec.doc:
        lines.append(spec.doc)
    bounds = spec.bounds_text()
    if bounds:
        lines.append(f"Allowed: {bounds}")
    if spec.kind == "choice":
        lines.append("One of: " + ", ".join(spec.choices))
    if spec.allow_distribution:
        lines.append("May be a uniform or normal distribution (drawn per neuron or synapse).")
    if spec.optional:
        lines.append("Leave empty for 'not set'.")
    if spec.live:
        lines.append("<i>Can be changed while the simulation runs.</i>")
    return "<br>".join(lines)


# -- editors ----------------------------------------------------------------------------------
class NumberField(QLineEdit):
    """A line edit for numbers: Up/Down (Shift: ×10) or the wheel, when focused, step the value."""

    stepped = Signal(float)
    escaped = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        factor = 10.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
        if event.key() == Qt.Key.Key_Up:
            self.stepped.emit(factor)
            return
        if event.key() == Qt.Key.Key_Down:
            self.stepped.emit(-factor)
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        if not self.hasFocus():
            event.ignore()
            return
        delta = event.angleDelta().y()
        if delta:
            self.stepped.emit(1.0 if delta > 0 else -1.0)
        event.accept()


class ValueEditor(QWidget):
    """Base of the per-kind editors. ``edited(value, merge)``; ``invalid(message)``."""

    edited = Signal(object, bool)
    invalid = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.value: Any = spec.default
        self.setToolTip(tooltip_for(spec))

    def set_value(self, value: Any) -> None:
        """Show the model's value (after a command or an undo)."""
        self.value = value

    def set_invalid(self, invalid: bool) -> None:
        """Mark the editor as holding a refused value."""

    def revert(self) -> None:
        """Throw away what was typed and show the model's value again (Escape)."""
        self.set_value(self.value)
        self.invalid.emit("")


def _compact(combo: QComboBox) -> None:
    """Let a combo box be narrower than its longest entry (the inspector may be narrow)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(6)


def _mark(field: QLineEdit, invalid: bool) -> None:
    if bool(field.property("invalid")) != invalid:
        field.setProperty("invalid", invalid)
        field.style().unpolish(field)
        field.style().polish(field)


class ScalarEditor(ValueEditor):
    """A float or int parameter (optionally empty for 'not set')."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.field = NumberField()
        self.field.setToolTip(tooltip_for(spec))
        if spec.optional:
            self.field.setPlaceholderText("not set")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        self.field.editingFinished.connect(lambda: self.commit(False))
        self.field.stepped.connect(self.step)
        self.field.escaped.connect(self.revert)
        self.set_value(spec.default)

    def set_value(self, value: Any) -> None:
        super().set_value(value)
        self.field.setText(format_number(value))
        self.set_invalid(False)

    def set_invalid(self, invalid: bool) -> None:
        _mark(self.field, invalid)

    def parse(self) -> Any:
        text = self.field.text().strip()
        if not text and self.spec.optional:
            return None
        if not text:
            raise ParseError("needs a value")
        return parse_number(text, self.spec.unit, integer=self.spec.kind == "int")

    def commit(self, merge: bool = False) -> None:
        """Report the typed value (Enter or leaving the field)."""
        if self.field.text().strip() == format_number(self.value):
            self.invalid.emit("")
            return
        try:
            value = self.parse()
        except ParseError as err:
            self.invalid.emit(str(err))
            return
        self.edited.emit(value, merge)

    def step(self, factor: float) -> None:
        """One Up/Down press: change the value by one step (merged into one undo step)."""
        try:
            base = self.parse()
        except ParseError:
            base = self.value
        if base is None:
            base = self.spec.low if self.spec.low is not None else 0.0
        new = base + factor * step_size(self.spec, base)
        new = _inside(self.spec, new, base) if self.spec.kind == "float" else new
        if self.spec.kind == "int":
            new = int(round(new))
            if self.spec.low is not None and new < self.spec.low:
                new = int(self.spec.low)
            if self.spec.high is not None and new > self.spec.high:
                new = int(self.spec.high)
        self.field.setText(format_number(new))
        self.edited.emit(new, True)


class BoolEditor(ValueEditor):
    """A check box for a true/false parameter."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        self.box.toggled.connect(lambda checked: self.edited.emit(bool(checked), False))
        self.set_value(spec.default)

    def set_value(self, value: Any) -> None:
        super().set_value(value)
        with QSignalBlocker(self.box):
            self.box.setChecked(bool(value))


class ChoiceEditor(ValueEditor):
    """A drop-down list for a parameter with fixed choices."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox()
        _compact(self.combo)
        self.combo.addItems(list(spec.choices))
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        self.combo.activated.connect(
            lambda index: self.edited.emit(self.combo.itemText(index), False)
        )
        self.set_value(spec.default)

    def set_value(self, value: Any) -> None:
        super().set_value(value)
        with QSignalBlocker(self.combo):
            self.combo.setCurrentText(str(value))


class ListEditor(ValueEditor):
    """Spike times (``10, 20, 30`` or ``[10, 20], [5]``) or neuron indices (``0, 3, 10-19``)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.field = NumberField()
        self.field.setToolTip(tooltip_for(spec))
        if spec.optional:
            self.field.setPlaceholderText("not set")
        else:
            self.field.setPlaceholderText(
                "e.g. 10, 20, 30" if spec.kind == "times" else "e.g. 0, 1, 10-19"
            )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        self.field.editingFinished.connect(self.commit)
        self.field.escaped.connect(self.revert)
        self.set_value(spec.default)

    def _format(self, value: Any) -> str:
        if value is None:
            return ""
        return format_times(value) if self.spec.kind == "times" else format_indices(value)

    def set_value(self, value: Any) -> None:
        super().set_value(value)
        self.field.setText(self._format(value))
        self.set_invalid(False)

    def set_invalid(self, invalid: bool) -> None:
        _mark(self.field, invalid)

    def commit(self, merge: bool = False) -> None:
        """Report the typed list (Enter or leaving the field)."""
        text = self.field.text()
        if text.strip() == self._format(self.value):
            self.invalid.emit("")
            return
        try:
            if not text.strip() and self.spec.optional:
                value = None
            elif self.spec.kind == "times":
                value = parse_times(text)
            else:
                value = parse_indices(text)
        except ParseError as err:
            self.invalid.emit(str(err))
            return
        self.edited.emit(value, False)


class DistributionEditor(ValueEditor):
    """A value that may be fixed or drawn from a uniform or normal distribution.

    One compact row: the value (or the distribution's numbers) and a small mode switch; a
    normal distribution's optional limits go on a second row.
    """

    MODES = (("value", "fixed"), ("uniform", "uniform"), ("normal", "normal"))
    FIELDS = {
        "value": (("value", ""),),
        "uniform": (("low", "from"), ("high", "to")),
        "normal": (("mean", "mean"), ("std", "std"), ("low", "min"), ("high", "max")),
    }

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.mode = QComboBox()
        for key, text in self.MODES:
            self.mode.addItem(text, key)
        self.mode.setToolTip(
            "fixed: one value for all; uniform / normal: drawn for each neuron or synapse"
        )
        self.mode.setFixedWidth(86)
        _compact(self.mode)
        self.fields: dict[str, NumberField] = {}
        self.labels: dict[str, QLabel] = {}
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(4)
        self.grid.setVerticalSpacing(4)
        for key in ("value", "mean", "std", "low", "high"):
            label = QLabel(key)
            label.setObjectName("muted")
            field = NumberField()
            field.setToolTip(tooltip_for(spec))
            field.setMinimumWidth(40)
            field.editingFinished.connect(lambda: self.commit(False))
            field.stepped.connect(lambda factor, k=key: self.step(k, factor))
            field.escaped.connect(self.revert)
            self.fields[key] = field
            self.labels[key] = label
        self.mode.activated.connect(self._mode_changed)
        self._layout_mode: str | None = None
        self.set_value(spec.default)

    def current_mode(self) -> str:
        """``"value"``, ``"uniform"`` or ``"normal"``."""
        return self.mode.currentData()

    @property
    def field(self) -> NumberField:
        """The single-value field (shown in "fixed" mode), like a plain number editor's."""
        return self.fields["value"]

    def _show_fields(self, mode: str) -> None:
        if mode == self._layout_mode:
            return
        self._layout_mode = mode
        while self.grid.count():
            self.grid.takeAt(0)
        for widget in (*self.fields.values(), *self.labels.values()):
            widget.hide()
        entries = self.FIELDS[mode]
        if mode == "value":
            # the common case stays on one row: [value][fixed]
            self.grid.addWidget(self.fields["value"], 0, 0, 1, 4)
            self.fields["value"].show()
            self.grid.addWidget(self.mode, 0, 4)
        else:
            # a distribution: the switch, then its numbers in pairs below it
            self.grid.addWidget(self.mode, 0, 0, 1, 5, Qt.AlignmentFlag.AlignLeft)
            for index, (key, text) in enumerate(entries):
                row, pair = divmod(index, 2)
                self.labels[key].setText(text)
                self.grid.addWidget(self.labels[key], row + 1, 2 * pair)
                self.grid.addWidget(self.fields[key], row + 1, 2 * pair + 1, 1, 1 + pair)
                self.labels[key].show()
                self.fields[key].show()
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(3, 1)
        optional = mode == "normal"
        for key in ("low", "high"):
            self.fields[key].setPlaceholderText("none" if optional else "")

    def set_value(self, value: Any) -> None:
        super().set_value(value)
        mode = value["distribution"] if isinstance(value, dict) else "value"
        with QSignalBlocker(self.mode):
            self.mode.setCurrentIndex([m for m, _ in self.MODES].index(mode))
        for key, field in self.fields.items():
            if mode == "value":
                field.setText(format_number(value) if key == "value" else "")
            else:
                field.setText(format_number(value.get(key)) if key in value else "")
        self._show_fields(mode)
        self.set_invalid(False)

    def set_invalid(self, invalid: bool) -> None:
        shown = {key for key, _ in self.FIELDS[self.current_mode()]}
        for key, field in self.fields.items():
            _mark(field, invalid and key in shown)

    def parse(self) -> Any:
        mode = self.current_mode()
        values: dict[str, Any] = {}
        for key, _ in self.FIELDS[mode]:
            text = self.fields[key].text().strip()
            if not text:
                if mode == "normal" and key in ("low", "high"):
                    continue
                raise ParseError(f"{key} needs a value")
            try:
                values[key] = parse_number(text, self.spec.unit)
            except ParseError as err:
                raise ParseError(f"{key}: {err}") from None
        if mode == "value":
            return values["value"]
        return {"distribution": mode, **values}

    def commit(self, merge: bool = False) -> None:
        try:
            value = self.parse()
        except ParseError as err:
            self.invalid.emit(str(err))
            return
        if value == self.value:
            self.invalid.emit("")
            return
        self.edited.emit(value, merge)

    def step(self, key: str, factor: float) -> None:
        field = self.fields[key]
        try:
            base = parse_number(field.text(), self.spec.unit)
        except ParseError:
            return
        field.setText(format_number(float(f"{base + factor * step_size(self.spec, base):.10g}")))
        self.commit(True)

    def _mode_changed(self, index: int) -> None:
        mode = self.mode.itemData(index)
        value = default_distribution(self.spec, mode, self.value)
        self.edited.emit(value, False)


def make_editor(spec: ParamSpec) -> ValueEditor:
    """The editor that fits ``spec``."""
    if spec.allow_distribution:
        return DistributionEditor(spec)
    if spec.kind in ("float", "int"):
        return ScalarEditor(spec)
    if spec.kind == "bool":
        return BoolEditor(spec)
    if spec.kind == "choice":
        return ChoiceEditor(spec)
    return ListEditor(spec)


class ParamRow:
    """Label, editor, unit and inline error of one parameter, placed in a grid."""

    def __init__(self, spec: ParamSpec, grid: QGridLayout, row: int) -> None:
        self.spec = spec
        self.label = QLabel(spec.name)
        self.label.setToolTip(tooltip_for(spec))
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.editor = make_editor(spec)
        self.unit = QLabel(spec.unit)
        self.unit.setObjectName("unitLabel")
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        top = Qt.AlignmentFlag.AlignTop if spec.allow_distribution else Qt.AlignmentFlag(0)
        grid.addWidget(self.label, row, 0, top)
        grid.addWidget(self.editor, row, 1)
        grid.addWidget(self.unit, row, 2, top)
        grid.addWidget(self.error, row + 1, 1, 1, 2)
        if spec.allow_distribution:
            self.label.setContentsMargins(0, 5, 0, 0)
            self.unit.setContentsMargins(0, 5, 0, 0)

    def set_error(self, message: str | None) -> None:
        """Show (or clear, with ``None`` or "") why the typed value was refused."""
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.editor.set_invalid(bool(message))

    def set_visible(self, visible: bool) -> None:
        """Show or hide the whole row (parameters irrelevant for the current settings)."""
        for widget in (self.label, self.editor, self.unit):
            widget.setVisible(visible)
        self.error.setVisible(visible and bool(self.error.text()))

    @property
    def error_text(self) -> str:
        """The refusal shown under the field ("" if none)."""
        return self.error.text() if not self.error.isHidden() else ""


def is_live(type_id: str, spec: ParamSpec) -> bool:
    """Whether a parameter may change while a simulation runs (``ParamSpec.live``; the
    simulator's ``LIVE_PARAMS`` lists the same ones, and a catalog test keeps them equal)."""
    return spec.live


def _section(title: str) -> QLabel:
    label = QLabel(title.upper())
    label.setObjectName("sectionTitle")
    return label


class Inspector(QWidget):
    """Form for the selected node, wire or, with no selection, the simulation settings.

    Parameters
    ----------
    network
        The document to show; change it later with :meth:`set_network`.
    """

    #: ``node_id, parameter, value, merge``: the user changed a parameter to a valid value.
    param_edit_requested = Signal(str, str, object, bool)
    #: ``node_id, new name``.
    rename_requested = Signal(str, str)
    #: ``setting, value, merge``.
    setting_edit_requested = Signal(str, object, bool)
    #: ``projection_id, rule``: the rule node id, "" for none, or "new:<type id>".
    plasticity_requested = Signal(str, str)
    #: The user clicked a node named in the inspector (to select it).
    node_link_activated = Signal(str)
    #: ``node_id, parameter``: pin a slider for a live-tunable parameter to the Controls panel.
    pin_requested = Signal(str, str)

    def __init__(self, network: Network | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.network: Network | None = None
        self.node_id: str | None = None
        self.link_id: str | None = None
        self.mode = "empty"
        self.rows: dict[str, ParamRow] = {}
        self.name_edit: QLineEdit | None = None
        self.name_error: QLabel | None = None
        self.plasticity_combo: QComboBox | None = None
        self.title_label: QLabel | None = None
        self.scroll = QScrollArea()
        self.scroll.setObjectName("inspectorScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        self._handlers = {
            "node_removed": self._on_node_removed,
            "node_renamed": self._on_node_renamed,
            "param_changed": self._on_param_changed,
            "link_added": self._on_link_changed,
            "link_removed": self._on_link_changed,
            "settings_changed": self._on_settings_changed,
            "node_added": self._on_node_added,
        }
        if network is not None:
            self.set_network(network)
        else:
            self._new_body()

    # -- model ---------------------------------------------------------------------------------
    def set_network(self, network: Network) -> None:
        """Show ``network`` (a new document); starts with its simulation settings."""
        if self.network is not None:
            for name, handler in self._handlers.items():
                self.network.events.disconnect(name, handler)
        self.network = network
        for name, handler in self._handlers.items():
            network.events.connect(name, handler)
        self.show_settings()

    def detach(self) -> None:
        """Stop following the network (before the inspector or document goes away)."""
        if self.network is not None:
            for name, handler in self._handlers.items():
                self.network.events.disconnect(name, handler)
            self.network = None

    def _on_node_removed(self, node, **_: Any) -> None:
        if node.id == self.node_id:
            self.show_settings()
        elif self.mode in ("node", "settings"):
            self._refresh_related()

    def _on_node_added(self, node, **_: Any) -> None:
        if self.mode == "settings":
            self._update_stats()
        elif self.mode == "node":
            self._refresh_plasticity_choices()

    def _on_node_renamed(self, node, old: str, new: str) -> None:
        if node.id == self.node_id and self.name_edit is not None:
            self.name_edit.setText(new)
            self._set_name_error(None)
        elif self.mode == "node":
            self._refresh_related()

    def _on_param_changed(self, node, name: str, old: Any, new: Any) -> None:
        if node.id != self.node_id:
            return
        row = self.rows.get(name)
        if row is not None:
            row.editor.set_value(new)
            row.set_error(None)
        self._update_relevance()

    def _on_link_changed(self, link) -> None:
        if self.mode == "node" and self.node_id in (link.source, link.target):
            self._refresh_related()
        elif self.mode == "link" and link.id == self.link_id:
            self.show_settings()
        elif self.mode == "settings":
            self._update_stats()

    def _on_settings_changed(self, name: str, old: Any, new: Any) -> None:
        if self.mode == "settings" and name in self.rows:
            self.rows[name].editor.set_value(new)
            self.rows[name].set_error(None)

    # -- building the form -----------------------------------------------------------------------
    def commit_pending(self) -> None:
        """Report what is being typed in the focused field before the form changes (the
        user clicked another node while typing: the value must not be lost)."""
        focus = QApplication.focusWidget()
        body = self.scroll.widget()
        if focus is None or body is None or not body.isAncestorOf(focus):
            return
        if focus is self.name_edit:
            self._name_edited()
            return
        for row in list(self.rows.values()):
            if row.editor.isAncestorOf(focus) and hasattr(row.editor, "commit"):
                row.editor.commit()
                return

    def _new_body(self) -> QVBoxLayout:
        # the old form's fields may still report a focus-out while being destroyed
        for row in self.rows.values():
            row.editor.blockSignals(True)
        if self.name_edit is not None:
            self.name_edit.blockSignals(True)
        self.rows = {}
        self.name_edit = None
        self.name_error = None
        self.plasticity_combo = None
        self.title_label = None
        self._related: QWidget | None = None
        self._related_layout: QVBoxLayout | None = None
        self._stats: QLabel | None = None
        body = QWidget()
        body.setObjectName("inspectorBody")
        layout = QVBoxLayout(body)
        # the body never shrinks below what its rows need: the scroll area scrolls instead
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.setContentsMargins(14, 10, 14, 14)
        layout.setSpacing(6)
        self.scroll.setWidget(body)
        return layout

    def _header(self, layout: QVBoxLayout, category: str | None, title: str, subtitle: str) -> None:
        row = QHBoxLayout()
        row.setSpacing(10)
        if category is not None:
            chip = QLabel()
            chip.setPixmap(category_icon(category, CATEGORY_COLORS[category], 30).pixmap(30, 30))
            chip.setFixedSize(30, 30)
            row.addWidget(chip, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(2)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("inspectorTitle")
        self.title_label.setWordWrap(True)
        column.addWidget(self.title_label)
        sub = QLabel(subtitle)
        sub.setObjectName("inspectorSubtitle")
        sub.setWordWrap(True)
        column.addWidget(sub)
        row.addLayout(column, 1)
        layout.addLayout(row)

    def _grid(self, layout: QVBoxLayout) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(3)
        grid.setColumnStretch(1, 1)
        grid.setColumnMinimumWidth(0, 64)
        layout.addLayout(grid)
        return grid

    def show_settings(self) -> None:
        """Show the simulation settings (what the inspector shows with nothing selected)."""
        self.commit_pending()
        self.mode = "settings"
        self.node_id = None
        self.link_id = None
        layout = self._new_body()
        if self.network is None:
            layout.addStretch(1)
            return
        self._header(layout, None, "Simulation", "Settings of the whole network")
        self._stats = QLabel()
        self._stats.setObjectName("muted")
        layout.addWidget(self._stats)
        self._update_stats()
        layout.addWidget(_section("Settings"))
        grid = self._grid(layout)
        for index, spec in enumerate(SETTINGS):
            row = ParamRow(spec, grid, 2 * index)
            row.editor.set_value(self.network.settings[spec.name])
            row.editor.edited.connect(
                lambda value, merge, n=spec.name: self._setting_edited(n, value, merge)
            )
            row.editor.invalid.connect(lambda message, r=row: r.set_error(message))
            self.rows[spec.name] = row
        hint = QLabel(
            "Select a node on the canvas to edit its parameters. Drag from a node's output "
            "port onto another node to wire them."
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout.addSpacing(12)
        layout.addWidget(hint)
        layout.addStretch(1)

    def _update_stats(self) -> None:
        if self._stats is not None and self.network is not None:
            n, m = len(self.network.nodes), len(self.network.links)
            self._stats.setText(f"{n} node{'s' * (n != 1)}, {m} wire{'s' * (m != 1)}")

    def show_selection_summary(self, count: int) -> None:
        """Several items are selected: say so (the inspector edits one node at a time)."""
        self.commit_pending()
        if self.mode == "multi" and self.title_label is not None:
            self.title_label.setText(f"{count} items selected")
            return
        self.mode = "multi"
        self.node_id = None
        self.link_id = None
        layout = self._new_body()
        self._header(layout, None, f"{count} items selected", "Select one node to edit it")
        hint = QLabel(
            "Move them together by dragging, align them from Edit ▸ Align, or copy, duplicate "
            "and delete them as a group."
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addStretch(1)

    def show_link(self, link_id: str) -> None:
        """Describe a selected wire (wires carry no properties)."""
        self.commit_pending()
        assert self.network is not None
        link = self.network.link(link_id)
        self.mode = "link"
        self.node_id = None
        self.link_id = link_id
        layout = self._new_body()
        source, target = self.network.node(link.source), self.network.node(link.target)
        kind = self.network.node_type(source).port(link.source_port).kind
        self._header(layout, None, "Wire", f"carries {kind}")
        layout.addWidget(_section("From"))
        layout.addWidget(self._node_link(source.id, f"{source.name} · {link.source_port}"))
        layout.addWidget(_section("To"))
        layout.addWidget(self._node_link(target.id, f"{target.name} · {link.target_port}"))
        hint = QLabel(
            "Wires only say what feeds what. Synapse properties (weights, delays, "
            "connectivity) live on the projection node."
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout.addSpacing(10)
        layout.addWidget(hint)
        layout.addStretch(1)

    def _node_link(self, node_id: str, text: str) -> QLabel:
        label = QLabel(f"<a href='{node_id}'>{text}</a>")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        label.linkActivated.connect(self.node_link_activated.emit)
        return label

    def show_node(self, node_id: str) -> None:
        """Show the form of node ``node_id``."""
        self.commit_pending()
        assert self.network is not None
        node = self.network.node(node_id)
        node_type = self.network.node_type(node)
        self.mode = "node"
        self.node_id = node_id
        self.link_id = None
        layout = self._new_body()
        self._header(
            layout,
            node_type.category,
            node_type.title,
            f"{CATEGORY_TITLES[node_type.category]} · {node_type.type_id}",
        )
        layout.addWidget(_section("Name"))
        self.name_edit = QLineEdit(node.name)
        self.name_edit.setToolTip("The node's name, unique in the network (F2)")
        self.name_edit.editingFinished.connect(lambda n=node_id: self._name_edited(n))
        layout.addWidget(self.name_edit)
        self.name_error = QLabel()
        self.name_error.setObjectName("fieldError")
        self.name_error.hide()
        layout.addWidget(self.name_error)

        if node_type.params:
            layout.addWidget(_section("Parameters"))
            grid = self._grid(layout)
            for index, spec in enumerate(node_type.params):
                row = ParamRow(spec, grid, 2 * index)
                row.editor.set_value(node.params[spec.name])
                row.editor.edited.connect(
                    lambda value, merge, n=spec.name, i=node_id: self._param_edited(
                        n, value, merge, i
                    )
                )
                row.editor.invalid.connect(lambda message, r=row: r.set_error(message))
                if is_live(node_type.type_id, spec):
                    row.label.setToolTip(
                        f"{row.label.toolTip()}<br><i>Live: can change while a simulation runs.</i>"
                    )
                    pin = QToolButton()
                    pin.setObjectName(f"pin_{spec.name}")
                    pin.setText("⇲")
                    pin.setAutoRaise(True)
                    pin.setToolTip("Pin a slider for this live parameter to the Controls panel")
                    pin.clicked.connect(
                        lambda _=False, n=spec.name, i=node_id: self.pin_requested.emit(i, n)
                    )
                    grid.addWidget(pin, 2 * index, 3)
                self.rows[spec.name] = row
            self._update_relevance()

        layout.addWidget(_section("Connections"))
        self._related = QWidget()
        self._related_layout = QVBoxLayout(self._related)
        self._related_layout.setContentsMargins(0, 0, 0, 0)
        self._related_layout.setSpacing(4)
        layout.addWidget(self._related)
        self._refresh_related()

        if node_type.doc:
            population = node_type.category == "population"
            layout.addWidget(_section("Model equations" if population else "About"))
            if population:
                text = QPlainTextEdit(node_type.doc)
                text.setObjectName("equations")
                text.setReadOnly(True)
                text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
                lines = node_type.doc.count("\n") + 4
                text.setFixedHeight(min(260, 16 * lines + 24))
                layout.addWidget(text)
            else:
                about = QLabel(node_type.doc.replace("\n", "<br>"))
                about.setObjectName("muted")
                about.setWordWrap(True)
                layout.addWidget(about)
        layout.addStretch(1)

    def _refresh_related(self) -> None:
        if self.mode != "node" or self._related_layout is None or self.network is None:
            return
        layout = self._related_layout
        while layout.count():
            item = layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        self.plasticity_combo = None
        node = self.network.node(self.node_id)
        node_type = self.network.node_type(node)
        for port in node_type.ports:
            if port.direction == "in":
                others = [
                    self.network.node(lk.source)
                    for lk in self.network.links_into(node.id, port.name)
                ]
                arrow = "←"
            else:
                others = [
                    self.network.node(lk.target)
                    for lk in self.network.links_from(node.id, port.name)
                ]
                arrow = "→"
            if node_type.category == "projection" and port.name == "plasticity":
                layout.addWidget(self._plasticity_row(node.id, others))
                continue
            names = ", ".join(f"<a href='{o.id}'>{o.name}</a>" for o in others)
            missing = port.required and not others
            if not names:
                names = (
                    "<span style='color:#d13a3a'>not wired (required)</span>" if missing else "—"
                )
            label = QLabel(f"<b>{port.name}</b> {arrow} {names}")
            label.setWordWrap(True)
            label.setToolTip(port.doc)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
            label.linkActivated.connect(self.node_link_activated.emit)
            layout.addWidget(label)

    def _plasticity_row(self, projection_id: str, rules: list) -> QWidget:
        assert self.network is not None
        widget = QWidget()
        row = QHBoxLayout(widget)
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel("<b>plasticity</b>")
        label.setToolTip("The plasticity rule that changes this projection's weights")
        combo = QComboBox()
        _compact(combo)
        combo.setToolTip("Which plasticity rule governs this projection")
        combo.addItem("None (static weights)", "")
        for node in self.network.nodes:
            if self.network.node_type(node).category == "plasticity":
                combo.addItem(node.name, node.id)
        for node_type in self.network.catalog.in_category("plasticity"):
            combo.addItem(f"New {node_type.title} rule…", NEW_RULE_PREFIX + node_type.type_id)
        current = rules[0].id if rules else ""
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.activated.connect(
            lambda index: self._plasticity_chosen(projection_id, combo.itemData(index), current)
        )
        row.addWidget(label)
        row.addWidget(combo, 1)
        self.plasticity_combo = combo
        return widget

    def _refresh_plasticity_choices(self) -> None:
        if self.node_id is not None and self.network is not None:
            if self.network.node_type(self.node_id).category == "projection":
                self._refresh_related()

    def _plasticity_chosen(self, projection_id: str, choice: str, current: str) -> None:
        if choice != current:
            self.plasticity_requested.emit(projection_id, choice)

    def _update_relevance(self) -> None:
        if self.network is None or self.node_id is None:
            return
        params = self.network.node(self.node_id).params
        for row in self.rows.values():
            relevant = all(params.get(k) in values for k, values in row.spec.relevant_when.items())
            row.set_visible(relevant)

    # -- edits ---------------------------------------------------------------------------------
    def _param_edited(self, name: str, value: Any, merge: bool, node_id: str) -> None:
        if self.network is None or node_id != self.node_id:
            return  # a late report from a form that is gone
        row = self.rows[name]
        problem = param_problem(self.network, self.node_id, name, value)
        if problem is not None:
            row.set_error(problem_text(problem, name))
            return
        row.set_error(None)
        current = self.network.node(self.node_id).params[name]
        stored = row.spec.validate(value)
        if stored == current and type(stored) is type(current):
            row.editor.set_value(current)
            return
        self.param_edit_requested.emit(self.node_id, name, value, merge)

    def _setting_edited(self, name: str, value: Any, merge: bool) -> None:
        assert self.network is not None
        row = self.rows[name]
        try:
            stored = SETTINGS_BY_NAME[name].validate(value)
        except ValidationError as err:
            row.set_error(problem_text(err, name))
            return
        row.set_error(None)
        if stored != self.network.settings[name]:
            self.setting_edit_requested.emit(name, value, merge)

    def _set_name_error(self, message: str | None) -> None:
        if self.name_error is None or self.name_edit is None:
            return
        self.name_error.setText(message or "")
        self.name_error.setVisible(bool(message))
        _mark(self.name_edit, bool(message))

    def _name_edited(self, node_id: str | None = None) -> None:
        if self.network is None or self.node_id is None or self.name_edit is None:
            return
        if node_id is not None and node_id != self.node_id:
            return
        name = self.name_edit.text()
        if name == self.network.node(self.node_id).name:
            self._set_name_error(None)
            return
        problem = name_problem(self.network, self.node_id, name)
        self._set_name_error(problem)
        if problem is None:
            self.rename_requested.emit(self.node_id, name)

    def focus_name(self) -> None:
        """Put the cursor in the name field (F2 / double-click on a node)."""
        if self.name_edit is not None:
            self.name_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.name_edit.selectAll()

    def refuse_edit(self, node_id: str, name: str, message: str) -> None:
        """Put the stored value back in a field whose edit was refused, and say why."""
        if self.network is None or node_id != self.node_id or name not in self.rows:
            return
        row = self.rows[name]
        row.editor.set_value(self.network.node(node_id).params[name])
        row.set_error(message)

    def row(self, name: str) -> ParamRow:
        """The row of parameter (or setting) ``name`` currently shown."""
        return self.rows[name]

    def node_type(self) -> NodeType | None:
        """Type of the node shown, or ``None``."""
        if self.network is None or self.node_id is None:
            return None
        return self.network.node_type(self.node_id)
