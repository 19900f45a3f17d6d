"""The network document: edits validate first, then emit exactly one event each."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import ValidationError
from engine.model.network import EVENTS, Network


class Recorder:
    """Subscribes to every event of a network and keeps ``(event, kwargs)`` in order."""

    def __init__(self, network: Network) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        for name in EVENTS:
            network.events.connect(name, self._callback(name))

    def _callback(self, name: str):
        def record(**kwargs: Any) -> None:
            assert set(kwargs) == set(EVENTS[name])
            self.events.append((name, kwargs))

        return record

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.events]


@pytest.fixture
def net() -> Network:
    """Poisson -> projection -> LIF, a DC drive into the LIF, a spike recorder."""
    net = Network()
    net.add_node("encoder.poisson", "Input", node_id="input")
    net.add_node("population.lif", "Exc", node_id="exc")
    net.add_node("encoder.dc", "Drive", node_id="drive")
    net.add_node("recorder.spikes", "Spikes", node_id="spikes")
    net.connect_groups("input", "exc", name="Input → Exc")
    net.add_link("drive", "out", "exc", "current", link_id="drive-exc")
    net.add_link("exc", "out", "spikes", "source", link_id="exc-spikes")
    return net


def snapshot(net: Network) -> tuple:
    return (
        [(n.id, n.type_id, n.name, repr(n.params)) for n in net.nodes],
        net.links,
        dict(net.settings),
    )


# -- events -----------------------------------------------------------------------------------
def test_node_added():
    net = Network()
    events = Recorder(net)
    node = net.add_node("population.lif", "P", {"size": 5})
    assert events.events == [("node_added", {"node": node})]
    assert node.params["size"] == 5 and node.params["tau_m"] == 10.0


def test_node_removed_after_its_links(net):
    events = Recorder(net)
    wired = {lk.id for lk in net.links_of("exc")}
    node, links = net.remove_node("exc")
    assert events.names == ["link_removed"] * len(wired) + ["node_removed"]
    assert {kw["link"].id for _, kw in events.events[:-1]} == wired == {lk.id for lk in links}
    assert events.events[-1][1]["node"] is node
    assert net.links_of("exc") == [] and "exc" not in {n.id for n in net.nodes}


def test_remove_and_insert_restore_the_document(net):
    before = snapshot(net)
    node, links = net.remove_node("exc")
    net.insert_node(node)
    for link in links:
        net.insert_link(link)
    assert sorted(map(repr, snapshot(net)[0])) == sorted(map(repr, before[0]))
    assert set(net.links) == set(before[1])


def test_param_changed_carries_old_and_new(net):
    events = Recorder(net)
    stored = net.set_param("exc", "tau_m", 20)
    assert stored == 20.0 and isinstance(stored, float)
    assert events.events == [
        ("param_changed", {"node": net.node("exc"), "name": "tau_m", "old": 10.0, "new": 20.0})
    ]


def test_setting_the_same_value_emits_nothing(net):
    events = Recorder(net)
    net.set_param("exc", "tau_m", 10.0)
    net.rename_node("exc", "Exc")
    net.set_setting("dt_ms", 0.1)
    assert events.events == []


def test_node_renamed(net):
    events = Recorder(net)
    net.rename_node("exc", "Excitatory")
    assert events.events == [
        ("node_renamed", {"node": net.node("exc"), "old": "Exc", "new": "Excitatory"})
    ]
    assert net.node_by_name("Excitatory").id == "exc"


def test_link_added(net):
    events = Recorder(net)
    link = net.add_link("input", "out", "spikes", "source", link_id="l")
    assert events.events == [("link_added", {"link": link})]
    assert net.link("l") == link


def test_settings_changed(net):
    events = Recorder(net)
    assert net.set_setting("duration_ms", 50) == 50.0
    assert events.events == [
        ("settings_changed", {"name": "duration_ms", "old": 1000.0, "new": 50.0})
    ]


def test_bad_settings_are_refused(net):
    events = Recorder(net)
    with pytest.raises(ValidationError) as info:
        net.set_setting("dt_ms", 0)
    assert info.value.field == "dt_ms"
    with pytest.raises(ValidationError, match="unknown simulation setting"):
        net.set_setting("dt", 0.1)
    assert net.settings["dt_ms"] == 0.1 and events.events == []


# -- names and ids ----------------------------------------------------------------------------
def test_unique_name(net):
    assert net.unique_name("Inh") == "Inh"
    assert net.unique_name("Exc") == "Exc 2"
    net.add_node("population.lif", "Exc 2")
    assert net.unique_name("Exc") == "Exc 3"
    assert net.unique_name("Exc 2") == "Exc 3"


def test_new_nodes_get_their_title_made_unique():
    net = Network()
    first = net.add_node("population.lif")
    second = net.add_node("population.lif")
    title = net.node_type(first).title
    assert (first.name, second.name) == (title, f"{title} 2")
    assert first.id != second.id and len(first.id) == 32


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"name": "Exc"}, "name", "already called 'Exc'"),
        ({"name": "  "}, "name", "non-empty name"),
        ({"name": "x" * 81}, "name", "longer than 80"),
        ({"node_id": "exc"}, "id", "already exists"),
        ({"params": {"tau_m": -1}}, "tau_m", "must be > 0 ms"),
        ({"params": {"colour": 1}}, "colour", "unknown parameter"),
    ],
)
def test_add_node_refuses_and_leaves_the_document_unchanged(net, kwargs, field, message):
    before = snapshot(net)
    events = Recorder(net)
    with pytest.raises(ValidationError) as info:
        net.add_node("population.lif", **{"name": "New", **kwargs})
    assert info.value.field == field and message in info.value.message
    assert snapshot(net) == before and events.events == []


def test_unknown_node_type_is_a_validation_error():
    with pytest.raises(ValidationError) as info:
        Network().add_node("population.no_such_model")
    assert info.value.field == "type"


def test_rename_to_a_taken_name_is_refused(net):
    with pytest.raises(ValidationError, match="already called"):
        net.rename_node("exc", "Input")
    assert net.node("exc").name == "Exc"


# -- connections ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        (("input", "out", "exc", "current"), "takes an injected current"),
        (("drive", "out", "exc", "synapses"), "carries an injected current"),
        (("exc", "out", "exc", "current"), "cannot be wired to itself"),
        (("exc", "out", "spikes", "source"), "already wired"),
        (("exc", "current", "spikes", "source"), "wires start at an output"),
        (("exc", "out", "input", "out"), "wires end at an input"),
        (("exc", "out", "spikes", "in"), "has no port 'in'"),
        (("exc", "spikes", "spikes", "source"), "has no port 'spikes'"),
        (("ghost", "out", "spikes", "source"), "no node with id 'ghost'"),
        (("exc", "out", "ghost", "source"), "no node with id 'ghost'"),
    ],
)
def test_refused_connections_say_why(net, wire, reason):
    problem = net.connection_problem(*wire)
    assert problem is not None and reason in problem
    before = snapshot(net)
    events = Recorder(net)
    with pytest.raises(ValidationError) as info:
        net.add_link(*wire)
    assert reason in info.value.message
    assert snapshot(net) == before and events.events == []


def test_a_single_input_takes_one_wire(net):
    projection = net.node_by_name("Input → Exc")
    reason = net.connection_problem("exc", "out", projection.id, "pre")
    assert reason == "'pre' of 'Input → Exc' takes only one wire"


def test_multi_inputs_take_several_wires(net):
    net.add_node("encoder.dc", "Drive 2", node_id="drive2")
    assert net.connection_problem("drive2", "out", "exc", "current") is None


def test_duplicate_link_id_is_refused(net):
    with pytest.raises(ValidationError, match="already exists"):
        net.add_link("input", "out", "spikes", "source", link_id="exc-spikes")


def test_connect_groups_inserts_a_projection_and_two_links():
    net = Network()
    pre = net.add_node("encoder.poisson", "A")
    post = net.add_node("population.lif", "B")
    events = Recorder(net)
    projection = net.connect_groups(pre.id, post.id, {"p": 0.3})
    assert projection.type_id == "projection.synapses"
    assert projection.name == "A → B" and projection.params["p"] == 0.3
    assert events.names == ["node_added", "link_added", "link_added"]
    wires = {(lk.source, lk.source_port, lk.target, lk.target_port) for lk in net.links}
    assert wires == {
        (pre.id, "out", projection.id, "pre"),
        (projection.id, "post", post.id, "synapses"),
    }
    assert net.connect_groups(pre.id, post.id).name == "A → B 2"


@pytest.mark.parametrize(
    ("pre", "post", "message"),
    [
        ("drive", "exc", "does not emit spikes"),
        ("input", "spikes", "is not a neuron population"),
        ("input", "ghost", "both ends must be nodes"),
    ],
)
def test_connect_groups_refuses_what_cannot_be_wired(net, pre, post, message):
    before = snapshot(net)
    with pytest.raises(ValidationError, match=message):
        net.connect_groups(pre, post)
    assert snapshot(net) == before


def test_link_queries(net):
    projection = net.node_by_name("Input → Exc")
    assert {lk.id for lk in net.links_into("exc")} >= {"drive-exc"}
    assert [lk.id for lk in net.links_into("exc", "current")] == ["drive-exc"]
    assert [lk.target for lk in net.links_from(projection.id)] == ["exc"]
    assert len(net.links_of("exc")) == 3


# -- parameters -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("tau_m", -1.0, "tau_m"),
        ("tau_m", "10", "tau_m"),
        ("size", 2.5, "size"),
        ("v_reset", -40.0, "v_reset"),  # must stay below v_th
        ("tau", 1.0, "tau"),
    ],
)
def test_set_param_refuses_bad_values_and_leaves_the_document_unchanged(net, name, value, field):
    before = snapshot(net)
    events = Recorder(net)
    with pytest.raises(ValidationError) as info:
        net.set_param("exc", name, value)
    assert info.value.field == field
    assert snapshot(net) == before and events.events == []


def test_set_param_stores_normalised_distributions(net):
    stored = net.set_param("exc", "v_init", {"distribution": "uniform", "low": -70, "high": -60})
    assert (
        net.node("exc").params["v_init"]
        == stored
        == {
            "distribution": "uniform",
            "high": -60.0,
            "low": -70.0,
        }
    )


# -- copies -----------------------------------------------------------------------------------
def test_copy_is_independent(net):
    net.set_param("exc", "v_init", {"distribution": "uniform", "low": -70, "high": -60})
    clone = net.copy()
    events = Recorder(net)
    assert snapshot(clone) == snapshot(net)
    clone.set_param("exc", "tau_m", 30.0)
    clone.node("exc").params["v_init"]["low"] = -65.0
    clone.rename_node("input", "Renamed")
    clone.remove_node("spikes")
    clone.add_node("population.lif", "Only in the clone")
    clone.set_setting("seed", 99)
    assert net.node("exc").params["tau_m"] == 10.0
    assert net.node("exc").params["v_init"]["low"] == -70.0
    assert net.node("input").name == "Input"
    assert len(net.nodes) == 5 and len(net.links) == 4
    assert net.settings["seed"] == 1
    assert events.events == []


def test_a_copy_has_no_subscribers(net):
    events = Recorder(net)
    net.copy().set_param("exc", "tau_m", 30.0)
    assert events.events == []


def test_insert_at_an_index_restores_the_order():
    net = Network()
    a = net.add_node("population.lif", "a")
    b = net.add_node("population.lif", "b")
    c = net.add_node("population.lif", "c")
    node, links = net.remove_node(b.id)
    net.insert_node(node, 1)
    assert [n.name for n in net.nodes] == ["a", "b", "c"]
    net.insert_node(type(node)("z", "population.lif", "first", {}), 0)
    assert [n.name for n in net.nodes][:2] == ["first", "a"]
    assert c.id == net.nodes[-1].id and a.id == net.nodes[1].id and not links
