"""The canvas scene follows the model, and turns mouse gestures into requests."""

from __future__ import annotations

import pytest
from canvas_helpers import drag_on, show_canvas
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from engine.model.network import Network
from widgets.canvas.link_item import LinkItem
from widgets.canvas.node_item import NodeItem
from widgets.view_state import ViewState, make_annotation


@pytest.fixture
def canvas(qtbot, network: Network, view_state: ViewState):
    scene, view = show_canvas(qtbot, network, view_state, 1000)
    view.centerOn(340, 40)
    yield scene, view
    scene.detach()


def test_scene_builds_items_for_the_document(canvas, network: Network) -> None:
    scene, _ = canvas
    assert {i.node_id for i in scene.node_items()} == {n.id for n in network.nodes}
    assert {i.link_id for i in scene.link_items()} == {lk.id for lk in network.links}
    item = scene.node_item(network.node_by_name("Exc").id)
    assert item.pos() == QPointF(480, 0)
    assert item.summary == "30 neurons"
    assert set(item.ports) == {"synapses", "current", "out"}
    # links are drawn as curves that end at their ports
    link = scene.link_items()[0]
    path = link.path()
    assert path.elementCount() >= 4  # a cubic
    assert path.pointAtPercent(0) == link.source.anchor()
    assert path.pointAtPercent(1) == link.target.anchor()


def test_scene_follows_model_events(canvas, network: Network, view_state: ViewState) -> None:
    scene, _ = canvas
    node = network.add_node("recorder.spikes", "Rec")
    view_state.set_position(node.id, 800, 0)
    assert scene.node_item(node.id).pos() == QPointF(800, 0)
    exc = network.node_by_name("Exc")
    link = network.add_link(exc.id, "out", node.id, "source")
    assert isinstance(scene.link_item(link.id), LinkItem)
    assert scene.node_item(node.id).port("source").connected
    network.rename_node(exc.id, "Excitatory")
    network.set_param(exc.id, "size", 50)
    assert scene.node_item(exc.id).name == "Excitatory"
    assert scene.node_item(exc.id).summary == "50 neurons"
    network.remove_node(node.id)
    with pytest.raises(KeyError):
        scene.node_item(node.id)
    with pytest.raises(KeyError):
        scene.link_item(link.id)
    view_state.add_annotation(make_annotation("note", 0, 200, annotation_id="n"))
    assert scene.annotation_item("n").text == "note"
    view_state.update_annotation("n", text="changed", x=20)
    assert scene.annotation_item("n").text_item.toPlainText() == "changed"
    assert scene.annotation_item("n").pos().x() == 20
    view_state.remove_annotation("n")
    assert scene.annotation_items() == []


def test_moving_nodes_with_the_mouse_reports_one_move(qtbot, canvas, network) -> None:
    scene, view = canvas
    item = scene.node_item(network.node_by_name("Input").id)
    start = item.mapToScene(QPointF(60, 10))
    with qtbot.waitSignal(scene.items_moved) as blocker:
        drag_on(view, start, start + QPointF(57, 31), steps=6)
    node_moves, note_moves = blocker.args
    assert note_moves == {}
    ((old, new),) = node_moves.values()
    assert old == (0.0, 0.0)
    assert new == (60.0, 30.0)  # snapped to the grid


def test_wiring_port_to_port_requests_a_link(qtbot, canvas, network, view_state) -> None:
    scene, view = canvas
    rec = network.add_node("recorder.spikes", "Rec")
    view_state.set_position(rec.id, 700, 200)
    exc = scene.node_item(network.node_by_name("Exc").id)
    with qtbot.waitSignal(scene.link_requested) as blocker:
        drag_on(view, exc.port("out").anchor(), scene.node_item(rec.id).port("source").anchor())
    assert blocker.args == [exc.node_id, "out", rec.id, "source"]
    assert not scene.is_wiring()


def test_wiring_population_to_population_requests_a_projection(qtbot, canvas, network) -> None:
    scene, view = canvas
    other = network.add_node("population.lif", "Out")
    scene.node_item(other.id).setPos(760, 150)
    exc = scene.node_item(network.node_by_name("Exc").id)
    target = scene.node_item(other.id).mapToScene(QPointF(90, 10))  # the node's header
    with qtbot.waitSignal(scene.groups_requested) as blocker:
        drag_on(view, exc.port("out").anchor(), target)
    assert blocker.args == [exc.node_id, other.id]


def test_an_illegal_wire_is_refused_with_the_reason(qtbot, canvas, network) -> None:
    scene, view = canvas
    source = scene.node_item(network.node_by_name("Input").id)
    exc = scene.node_item(network.node_by_name("Exc").id)
    hints: list[str] = []
    scene.wire_hint_changed.connect(hints.append)
    with qtbot.waitSignal(scene.connection_refused) as blocker:
        drag_on(view, source.port("out").anchor(), exc.port("current").anchor())
    reason = blocker.args[0]
    assert "spike trains" in reason and "current" in reason
    assert reason in scene.toast_text()
    assert reason in hints  # shown while hovering, before the release
    assert all(p.state == "normal" for n in scene.node_items() for p in n.ports.values())


def test_ports_light_up_while_wiring_and_escape_cancels(qtbot, canvas, network) -> None:
    scene, view = canvas
    source = scene.node_item(network.node_by_name("Input").id)
    exc = scene.node_item(network.node_by_name("Exc").id)
    press = view.mapFromScene(source.port("out").anchor())
    QTest.mousePress(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, press
    )
    assert scene.is_wiring()
    assert exc.port("synapses").state == "compatible"
    assert exc.port("current").state == "dimmed"
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert not scene.is_wiring()
    assert exc.port("synapses").state == "normal"
    QTest.mouseRelease(
        view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, press
    )


def test_a_wire_dropped_on_empty_canvas_asks_what_to_add(qtbot, canvas, network) -> None:
    scene, view = canvas
    exc = scene.node_item(network.node_by_name("Exc").id)
    with qtbot.waitSignal(scene.wire_dropped) as blocker:
        drag_on(view, exc.port("out").anchor(), exc.port("out").anchor() + QPointF(150, 220))
    assert blocker.args[:3] == [exc.node_id, "out", "out"]


def test_rubber_band_selects_several_nodes(qtbot, canvas, network) -> None:
    scene, view = canvas
    drag_on(view, QPointF(-40, -60), QPointF(420, 140))
    names = {network.node(i).name for i in scene.selected_node_ids()}
    assert names == {"Input", "Input → Exc"}


def test_editing_a_note_reports_the_new_text(qtbot, canvas, view_state) -> None:
    scene, view = canvas
    view_state.add_annotation(make_annotation("", 0, 200, annotation_id="n"))
    note = scene.annotation_item("n")
    note.start_editing()
    QTest.keyClicks(view, "Hello")
    with qtbot.waitSignal(scene.annotation_edited) as blocker:
        note.finish_editing()
    assert blocker.args == ["n", {"text": "Hello"}, {"text": ""}]


def test_node_items_are_node_items(canvas) -> None:
    scene, _ = canvas
    assert all(isinstance(i, NodeItem) for i in scene.node_items())


def test_nodes_and_wires_are_highlighted_while_the_pointer_is_over_them(canvas):
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QGraphicsSceneHoverEvent

    scene, _ = canvas
    items = [i for i in scene.items() if isinstance(i, NodeItem | LinkItem)]
    assert {type(i) for i in items} == {NodeItem, LinkItem}
    for kind, expected in ((QEvent.Type.GraphicsSceneHoverEnter, True),
                           (QEvent.Type.GraphicsSceneHoverLeave, False)):  # fmt: skip
        for item in items:
            scene.sendEvent(item, QGraphicsSceneHoverEvent(kind))
        assert [item._hover for item in items] == [expected] * len(items)
