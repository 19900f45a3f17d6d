"""What dropping a wire means (Qt-free rules behind the canvas)."""

from __future__ import annotations

from engine.model.network import Network
from widgets.canvas.wiring import WireEnd, port_accepts, resolve_wire


def make() -> tuple[Network, dict[str, str]]:
    network = Network()
    ids = {
        "poisson": network.add_node("encoder.poisson", "P").id,
        "dc": network.add_node("encoder.dc", "DC").id,
        "a": network.add_node("population.lif", "A").id,
        "b": network.add_node("population.lif", "B").id,
        "rule": network.add_node("plasticity.stdp_pair", "STDP").id,
        "rec": network.add_node("recorder.spikes", "Rec").id,
    }
    return network, ids


def out(ids, name, port="out", kind="spikes") -> WireEnd:
    return WireEnd(ids[name], port, "out", kind)


def test_spikes_onto_a_population_insert_a_projection() -> None:
    network, ids = make()
    result = resolve_wire(network, out(ids, "a"), ids["b"])
    assert (result.action, result.source, result.target) == ("groups", ids["a"], ids["b"])
    result = resolve_wire(network, out(ids, "poisson"), ids["a"], "synapses")
    assert result.action == "groups"


def test_dragging_backwards_from_the_synapses_input_also_inserts_a_projection() -> None:
    network, ids = make()
    start = WireEnd(ids["b"], "synapses", "in", "synapses")
    result = resolve_wire(network, start, ids["a"])
    assert (result.action, result.source, result.target) == ("groups", ids["a"], ids["b"])


def test_a_wire_onto_a_node_body_picks_the_port_that_fits() -> None:
    network, ids = make()
    result = resolve_wire(network, out(ids, "dc", kind="current"), ids["a"])
    assert (result.action, result.target_port) == ("link", "current")
    result = resolve_wire(network, out(ids, "a"), ids["rec"])
    assert (result.action, result.target_port) == ("link", "source")


def test_incompatible_ports_are_refused_with_the_reason() -> None:
    network, ids = make()
    result = resolve_wire(network, out(ids, "poisson"), ids["a"], "current")
    assert result.action == "refused"
    assert "spike trains" in result.reason and "injected current" in result.reason
    result = resolve_wire(network, out(ids, "rule", kind="rule"), ids["a"])
    assert result.action == "refused" and "plasticity rule" in result.reason


def test_recurrence_needs_the_explicit_port() -> None:
    network, ids = make()
    refused = resolve_wire(network, out(ids, "a"), ids["a"])
    assert refused.action == "refused" and "recurrent" in refused.reason
    assert resolve_wire(network, out(ids, "a"), ids["a"], "synapses").action == "groups"


def test_port_highlighting_follows_kinds() -> None:
    network, ids = make()
    start = out(ids, "poisson")
    assert port_accepts(network, start, ids["a"], "synapses")
    assert not port_accepts(network, start, ids["a"], "current")
    assert port_accepts(network, start, ids["rec"], "source")
    assert not port_accepts(network, start, ids["b"], "out")
