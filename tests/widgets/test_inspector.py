"""The inspector: a form per node type, inline validation, model events."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.model.network import Network
from widgets.inspector import (
    DistributionEditor,
    Inspector,
    ScalarEditor,
    default_distribution,
    param_problem,
)


@pytest.fixture
def inspector(qtbot, network: Network) -> Inspector:
    widget = Inspector(network)
    widget.resize(360, 800)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def line_edit(editor):
    """The text field of a number editor (a distribution editor in 'fixed value' mode too)."""
    return editor.fields["value"] if isinstance(editor, DistributionEditor) else editor.field


def type_into(qtbot, field, text: str) -> None:
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)


@pytest.mark.parametrize(
    "type_id",
    [
        "encoder.poisson",
        "encoder.dc",
        "encoder.spike_times",
        "population.lif",
        "projection.synapses",
        "plasticity.stdp_pair",
        "recorder.spikes",
        "recorder.state",
        "recorder.weights",
    ],
)
def test_every_declared_parameter_gets_a_row_with_unit_and_doc(qtbot, inspector, type_id):
    network = inspector.network
    node = network.add_node(type_id)
    inspector.show_node(node.id)
    node_type = network.node_type(node)
    assert list(inspector.rows) == [spec.name for spec in node_type.params]
    for spec in node_type.params:
        row = inspector.row(spec.name)
        assert row.unit.text() == spec.unit
        assert spec.doc in row.label.toolTip()
        bounds = spec.bounds_text()
        if bounds:
            assert bounds in row.label.toolTip()


def test_every_catalog_type_has_a_form(qtbot, inspector) -> None:
    network = inspector.network
    for node_type in network.catalog:
        node = network.add_node(node_type.type_id)
        inspector.show_node(node.id)
        assert len(inspector.rows) == len(node_type.params)


def test_typing_a_valid_value_requests_the_edit(qtbot, inspector, network) -> None:
    exc = network.node_by_name("Exc")
    inspector.show_node(exc.id)
    field = inspector.row("tau_m").editor.field
    with qtbot.waitSignal(inspector.param_edit_requested) as blocker:
        type_into(qtbot, field, "12.5")
    assert blocker.args == [exc.id, "tau_m", 12.5, False]
    assert exc.params["tau_m"] == 10.0  # the inspector never changes the model itself


def test_values_with_other_units_are_converted(qtbot, inspector, network) -> None:
    exc = network.node_by_name("Exc")
    inspector.show_node(exc.id)
    with qtbot.waitSignal(inspector.param_edit_requested) as blocker:
        type_into(qtbot, inspector.row("tau_m").editor.field, "0.02 s")
    assert blocker.args[2] == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("tau_m", "-3", "must be > 0 ms"),
        ("tau_m", "fast", "not a number"),
        ("size", "2.5", "whole number"),
        ("v_reset", "-40", "must be below v_th"),
        ("t_ref", "5 mV", "cannot use the unit"),
    ],
)
def test_bad_values_are_refused_inline_with_the_reason(
    qtbot, inspector, network, name, text, message
) -> None:
    exc = network.node_by_name("Exc")
    inspector.show_node(exc.id)
    requests: list = []
    inspector.param_edit_requested.connect(lambda *args: requests.append(args))
    row = inspector.row(name)
    type_into(qtbot, line_edit(row.editor), text)
    assert requests == []
    assert message in row.error_text
    assert line_edit(row.editor).property("invalid") is True
    # fixing the value clears the message
    row.editor.revert()
    assert row.error_text == ""


def test_model_changes_and_undo_show_up_in_the_form(qtbot, inspector, network) -> None:
    exc = network.node_by_name("Exc")
    inspector.show_node(exc.id)
    network.set_param(exc.id, "tau_m", 15.0)
    assert inspector.row("tau_m").editor.field.text() == "15"
    network.rename_node(exc.id, "Excitatory")
    assert inspector.name_edit.text() == "Excitatory"
    network.remove_node(exc.id)
    assert inspector.mode == "settings"


def test_arrow_keys_step_and_ask_to_merge(qtbot, inspector, network) -> None:
    exc = network.node_by_name("Exc")
    inspector.show_node(exc.id)
    field = inspector.row("tau_m").editor.field
    field.setFocus()
    with qtbot.waitSignal(inspector.param_edit_requested) as blocker:
        QTest.keyClick(field, Qt.Key.Key_Up)
    assert blocker.args == [exc.id, "tau_m", 11.0, True]


def test_rename_is_validated_inline(qtbot, inspector, network) -> None:
    exc = network.node_by_name("Exc")
    inspector.show_node(exc.id)
    requests: list = []
    inspector.rename_requested.connect(lambda *args: requests.append(args))
    type_into(qtbot, inspector.name_edit, "Input")
    assert requests == []
    assert "already called" in inspector.name_error.text()
    type_into(qtbot, inspector.name_edit, "Excitatory")
    assert requests == [(exc.id, "Excitatory")]


def test_choices_booleans_and_relevance(qtbot, inspector, network) -> None:
    projection = network.node_by_name("Input → Exc")
    inspector.show_node(projection.id)
    assert not inspector.row("p").label.isHidden()
    with qtbot.waitSignal(inspector.param_edit_requested) as blocker:
        combo = inspector.row("rule").editor.combo
        combo.activated.emit(combo.findText("all_to_all"))
    assert blocker.args[1:3] == ["rule", "all_to_all"]
    network.set_param(projection.id, "rule", "all_to_all")
    assert inspector.row("p").label.isHidden()  # p only matters for fixed_probability
    with qtbot.waitSignal(inspector.param_edit_requested) as blocker:
        inspector.row("autapses").editor.box.setChecked(True)
    assert blocker.args[1:3] == ["autapses", True]


def test_distributions_where_allowed(qtbot, inspector, network) -> None:
    projection = network.node_by_name("Input → Exc")
    inspector.show_node(projection.id)
    editor = inspector.row("weight").editor
    assert isinstance(editor, DistributionEditor)
    assert isinstance(inspector.row("tau_syn").editor, ScalarEditor)
    with qtbot.waitSignal(inspector.param_edit_requested) as blocker:
        editor.mode.activated.emit(1)  # uniform
    value = blocker.args[2]
    assert value["distribution"] == "uniform" and value["low"] < 100.0 < value["high"]
    assert param_problem(network, projection.id, "weight", value) is None
    network.set_param(projection.id, "weight", value)
    assert editor.current_mode() == "uniform"
    requests: list = []
    inspector.param_edit_requested.connect(lambda *args: requests.append(args))
    type_into(qtbot, editor.fields["low"], "500")
    assert requests == []
    assert (
        "low must not exceed high" in inspector.row("weight").error_text
        or "must not exceed" in inspector.row("weight").error_text
    )


@pytest.mark.parametrize("kind", ["uniform", "normal", "value"])
def test_default_distributions_are_valid_for_every_distribution_param(network, kind) -> None:
    for node_type in network.catalog:
        for spec in node_type.params:
            if spec.allow_distribution:
                value = default_distribution(spec, kind, spec.default)
                spec.validate(value)


def test_lists_of_times_and_indices(qtbot, inspector, network) -> None:
    times = network.add_node("encoder.spike_times", "Times")
    inspector.show_node(times.id)
    with qtbot.waitSignal(inspector.param_edit_requested) as blocker:
        type_into(qtbot, inspector.row("spike_times_ms").editor.field, "5, 15, 25")
    assert blocker.args[2] == [5, 15, 25]
    requests: list = []
    inspector.param_edit_requested.connect(lambda *args: requests.append(args))
    type_into(qtbot, inspector.row("spike_times_ms").editor.field, "30, 10")
    assert requests == []
    assert "sorted" in inspector.row("spike_times_ms").error_text


def test_neuron_models_show_their_equations(qtbot, inspector, network) -> None:
    from PySide6.QtWidgets import QPlainTextEdit

    inspector.show_node(network.node_by_name("Exc").id)
    boxes = inspector.scroll.widget().findChildren(QPlainTextEdit)
    assert boxes and "dV/dt" in boxes[0].toPlainText()


def test_projection_shows_its_ends_and_plasticity_choice(qtbot, inspector, network) -> None:
    projection = network.node_by_name("Input → Exc")
    rule = network.add_node("plasticity.stdp_pair", "STDP")
    inspector.show_node(projection.id)
    combo = inspector.plasticity_combo
    entries = [combo.itemText(i) for i in range(combo.count())]
    assert entries[0].startswith("None") and "STDP" in entries
    assert any(e.startswith("New Pair STDP") for e in entries)
    with qtbot.waitSignal(inspector.plasticity_requested) as blocker:
        combo.activated.emit(combo.findData(rule.id))
    assert blocker.args == [projection.id, rule.id]
    network.add_link(rule.id, "out", projection.id, "plasticity")
    assert inspector.plasticity_combo.currentData() == rule.id


def test_settings_when_nothing_is_selected(qtbot, inspector, network) -> None:
    inspector.show_settings()
    assert list(inspector.rows) == ["dt_ms", "duration_ms", "seed", "max_delay_ms"]
    with qtbot.waitSignal(inspector.setting_edit_requested) as blocker:
        type_into(qtbot, inspector.row("duration_ms").editor.field, "2 s")
    assert blocker.args == ["duration_ms", 2000.0, False]
    type_into(qtbot, inspector.row("dt_ms").editor.field, "0")
    assert "must be >= 0.001" in inspector.row("dt_ms").error_text


def test_link_and_multi_selection_views(qtbot, inspector, network) -> None:
    link = network.links[0]
    inspector.show_link(link.id)
    assert inspector.mode == "link"
    inspector.show_selection_summary(3)
    assert inspector.title_label.text() == "3 items selected"
