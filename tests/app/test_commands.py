"""Undo commands: each kind of edit round-trips through undo and redo.

The document is compared as saved (``dumps_project``), so positions, notes and parameters
all count. Node order is ignored: undoing a delete re-appends the node (``Network.insert_node``
has no index).
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QUndoStack

from app.clipboard import (
    FragmentError,
    fragment_to_json,
    instantiate,
    make_fragment,
    parse_fragment,
)
from app.commands import (
    AddAnnotationCommand,
    AddLinkCommand,
    AddNodeCommand,
    ConnectGroupsCommand,
    EditAnnotationCommand,
    InsertNodesCommand,
    MoveItemsCommand,
    RemoveItemsCommand,
    RenameNodeCommand,
    SetParamCommand,
    SetPlasticityCommand,
    SetSettingCommand,
)
from engine.io.project_file import dumps_project
from engine.model.project import Project
from widgets.view_state import ViewState, make_annotation


def snapshot(project: Project) -> dict:
    """The saved document (undo must restore even the order of nodes and wires)."""
    data = json.loads(dumps_project(project))
    data["view"]["annotations"] = sorted(data["view"]["annotations"], key=lambda a: a["id"])
    return data


@pytest.fixture
def doc():
    project = Project()
    network = project.network
    view = ViewState(project.view)
    source = network.add_node("encoder.poisson", "Input")
    exc = network.add_node("population.lif", "Exc")
    out = network.add_node("population.lif", "Out")
    view.set_position(source.id, 0, 0)
    view.set_position(exc.id, 300, 0)
    view.set_position(out.id, 600, 0)
    projection = network.connect_groups(source.id, exc.id)
    view.set_position(projection.id, 150, 0)
    view.add_annotation(make_annotation("a note", 0, 200, annotation_id="note"))
    return project, view, QUndoStack()


def round_trip(project: Project, stack: QUndoStack, command) -> tuple[dict, dict]:
    """Push, undo, redo; check the document before/after match at every step."""
    before = snapshot(project)
    stack.push(command)
    after = snapshot(project)
    assert after != before, "the command changed nothing"
    stack.undo()
    assert snapshot(project) == before
    stack.redo()
    assert snapshot(project) == after
    stack.undo()
    stack.redo()
    assert snapshot(project) == after
    return before, after


def test_add_node(doc) -> None:
    project, view, stack = doc
    command = AddNodeCommand(project.network, view, "recorder.spikes", (40, 80))
    round_trip(project, stack, command)
    node = project.network.node(command.node_id)
    assert node.name == "Spike recorder"
    assert view.position(node.id) == (40.0, 80.0)


def test_remove_nodes_links_and_notes(doc) -> None:
    project, view, stack = doc
    network = project.network
    exc = network.node_by_name("Exc")
    command = RemoveItemsCommand(network, view, [exc.id], [], ["note"])
    _, after = round_trip(project, stack, command)
    assert exc.id not in {n["id"] for n in after["nodes"]}
    assert not any(exc.id in (lk["source"]["node"], lk["target"]["node"]) for lk in after["links"])
    assert after["view"]["annotations"] == []


def test_remove_a_wire(doc) -> None:
    project, view, stack = doc
    link = project.network.links[0]
    command = RemoveItemsCommand(project.network, view, link_ids=[link.id])
    assert command.text() == "Delete wire"
    round_trip(project, stack, command)


def test_move_nodes_and_notes(doc) -> None:
    project, view, stack = doc
    exc = project.network.node_by_name("Exc")
    command = MoveItemsCommand(view, {exc.id: ((300, 0), (310, 50))}, {"note": ((0, 200), (5, 5))})
    round_trip(project, stack, command)
    assert view.position(exc.id) == (310.0, 50.0)
    assert view.annotation("note")["x"] == 5.0


def test_rename(doc) -> None:
    project, _, stack = doc
    exc = project.network.node_by_name("Exc")
    round_trip(project, stack, RenameNodeCommand(project.network, exc.id, "Excitatory"))
    assert exc.name == "Excitatory"


def test_set_param_and_distribution(doc) -> None:
    project, _, stack = doc
    exc = project.network.node_by_name("Exc")
    round_trip(project, stack, SetParamCommand(project.network, exc.id, "tau_m", 12.0))
    value = {"distribution": "uniform", "low": -70.0, "high": -60.0}
    round_trip(project, stack, SetParamCommand(project.network, exc.id, "v_init", value))
    assert exc.params["v_init"] == value


def test_stepped_param_edits_merge_into_one_undo_step(doc) -> None:
    project, _, stack = doc
    exc = project.network.node_by_name("Exc")
    for value in (11.0, 12.0, 13.0):
        stack.push(SetParamCommand(project.network, exc.id, "tau_m", value, merge=True))
    assert stack.count() == 1
    assert exc.params["tau_m"] == 13.0
    stack.undo()
    assert exc.params["tau_m"] == 10.0
    stack.redo()
    # a typed value is its own step; a step on another parameter does not merge either
    stack.push(SetParamCommand(project.network, exc.id, "tau_m", 20.0))
    stack.push(SetParamCommand(project.network, exc.id, "c_m", 200.0, merge=True))
    stack.push(SetParamCommand(project.network, exc.id, "c_m", 210.0, merge=True))
    assert stack.count() == 3


def test_steps_back_to_the_start_leave_no_undo_step(doc) -> None:
    project, _, stack = doc
    exc = project.network.node_by_name("Exc")
    stack.push(SetParamCommand(project.network, exc.id, "tau_m", 11.0, merge=True))
    stack.push(SetParamCommand(project.network, exc.id, "tau_m", 10.0, merge=True))
    assert stack.count() == 0
    assert exc.params["tau_m"] == 10.0


def test_settings_edit_and_merge(doc) -> None:
    project, _, stack = doc
    round_trip(project, stack, SetSettingCommand(project.network, "duration_ms", 2000.0))
    stack.push(SetSettingCommand(project.network, "seed", 2, merge=True))
    stack.push(SetSettingCommand(project.network, "seed", 3, merge=True))
    assert stack.count() == 2 and project.network.settings["seed"] == 3


def test_add_link(doc) -> None:
    project, _, stack = doc
    network = project.network
    exc, out = network.node_by_name("Exc"), network.node_by_name("Out")
    rec = network.add_node("recorder.spikes", "Rec")
    command = AddLinkCommand(network, exc.id, "out", rec.id, "source")
    assert command.problem() is None
    round_trip(project, stack, command)
    refused = AddLinkCommand(network, exc.id, "out", out.id, "current")
    assert "spike trains" in refused.problem()


def test_connect_groups_inserts_a_projection_and_redo_keeps_its_id(doc) -> None:
    project, view, stack = doc
    network = project.network
    exc, out = network.node_by_name("Exc"), network.node_by_name("Out")
    command = ConnectGroupsCommand(network, view, exc.id, out.id, (450, 0))
    round_trip(project, stack, command)
    projection = network.node(command.projection_id)
    assert projection.type_id == "projection.synapses"
    assert view.position(projection.id) == (450.0, 0.0)
    assert {(lk.source, lk.target) for lk in network.links_of(projection.id)} == {
        (exc.id, projection.id),
        (projection.id, out.id),
    }


def test_notes_add_and_edit(doc) -> None:
    project, view, stack = doc
    round_trip(project, stack, AddAnnotationCommand(view, make_annotation("hi", 1, 2)))
    round_trip(project, stack, EditAnnotationCommand(view, "note", {"text": "new"}))
    round_trip(project, stack, EditAnnotationCommand(view, "note", {"width": 300.0}))
    assert view.annotation("note")["text"] == "new"


def test_plasticity_new_rule_existing_rule_and_none(doc) -> None:
    project, view, stack = doc
    network = project.network
    projection = network.node_by_name("Input → Exc")
    command = SetPlasticityCommand(
        network, view, projection.id, new_type="plasticity.stdp_pair", position=(150, -120)
    )
    round_trip(project, stack, command)
    (rule_link,) = network.links_into(projection.id, "plasticity")
    assert network.node(rule_link.source).type_id == "plasticity.stdp_pair"
    other = network.add_node("plasticity.stdp_pair", "Other rule")
    round_trip(project, stack, SetPlasticityCommand(network, view, projection.id, other.id))
    assert [lk.source for lk in network.links_into(projection.id, "plasticity")] == [other.id]
    round_trip(project, stack, SetPlasticityCommand(network, view, projection.id, ""))
    assert network.links_into(projection.id, "plasticity") == []


def test_paste_fragment_round_trip(doc) -> None:
    project, view, stack = doc
    network = project.network
    ids = [network.node_by_name(n).id for n in ("Input", "Input → Exc", "Exc")]
    text = fragment_to_json(make_fragment(network, view, ids, ["note"]))
    fragment = parse_fragment(text, network.catalog)
    nodes, positions, links, notes = instantiate(fragment, network, (0, 300))
    command = InsertNodesCommand(network, view, nodes, positions, links, notes)
    round_trip(project, stack, command)
    names = sorted(n.name for n in network.nodes)
    assert names == ["Exc", "Exc 2", "Input", "Input 2", "Input → Exc", "Input → Exc 2", "Out"]
    assert len(network.links) == 4
    assert view.position(nodes[0].id) == (0.0, 300.0)
    assert len(view.annotations) == 2


def test_undo_everything_back_to_an_empty_document() -> None:
    project = Project()
    view = ViewState(project.view)
    network = project.network
    stack = QUndoStack()
    empty = snapshot(project)
    add = [
        AddNodeCommand(network, view, t, (i * 250.0, 0.0))
        for i, t in enumerate(
            ("encoder.poisson", "population.lif", "population.lif", "plasticity.stdp_pair")
        )
    ]
    for command in add:
        stack.push(command)
    source, exc, out, rule = (c.node_id for c in add)
    stack.push(ConnectGroupsCommand(network, view, source, exc, (125, 0)))
    second = ConnectGroupsCommand(network, view, exc, out, (375, 0))
    stack.push(second)
    stack.push(AddLinkCommand(network, rule, "out", second.projection_id, "plasticity"))
    full = snapshot(project)
    while stack.canUndo():
        stack.undo()
    assert snapshot(project) == empty
    while stack.canRedo():
        stack.redo()
    assert snapshot(project) == full


# -- clipboard fragments ------------------------------------------------------------------------
def test_fragments_only_keep_wires_inside_the_selection(doc) -> None:
    project, view, _ = doc
    network = project.network
    fragment = make_fragment(network, view, [network.node_by_name("Exc").id])
    assert fragment["links"] == []
    assert fragment["nodes"][0]["position"] == [300.0, 0.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "does not hold SpikeStudio nodes"),
        ('{"format": "other"}', "does not hold SpikeStudio nodes"),
        ('{"format": "spikestudio-fragment", "version": 99}', "newer SpikeStudio"),
        (
            '{"format": "spikestudio-fragment", "version": 1, "nodes": [{"id": "a", "name": "x",'
            ' "type": "nope"}]}',
            "unknown node type",
        ),
        (
            '{"format": "spikestudio-fragment", "version": 1, "nodes": [{"id": "a", "name": "x",'
            ' "type": "population.lif", "params": {"tau_m": -1}}]}',
            "tau_m",
        ),
        ('{"format": "spikestudio-fragment", "version": 1, "nodes": []}', "no nodes"),
    ],
)
def test_bad_clipboard_content_is_refused_with_a_reason(text, message) -> None:
    from engine.model.catalog import default_catalog

    with pytest.raises(FragmentError, match=message):
        parse_fragment(text, default_catalog())


def test_nudges_merge_but_drags_do_not(doc) -> None:
    project, view, stack = doc
    exc = project.network.node_by_name("Exc")
    stack.push(MoveItemsCommand(view, {exc.id: ((300, 0), (310, 0))}, merge=True))
    stack.push(MoveItemsCommand(view, {exc.id: ((310, 0), (320, 0))}, merge=True))
    assert stack.count() == 1
    stack.push(MoveItemsCommand(view, {exc.id: ((320, 0), (400, 0))}))
    assert stack.count() == 2
    stack.undo()
    stack.undo()
    assert view.position(exc.id) == (300.0, 0.0)
