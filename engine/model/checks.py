"""Whole-graph checks: what a network needs, beyond valid parameters, before it can run.

Field paths use the node's position in the document (``nodes[3]``), which is also its position
in the project file, so the same message works for the editor and for ``spikestudio validate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from engine.errors import ValidationError
from engine.model.network import Network, Node


@dataclass
class CheckReport:
    """Result of :func:`check_network`: errors prevent a run, warnings do not."""

    errors: list[ValidationError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def as_graph(network: Network) -> nx.MultiDiGraph:
    """The document as a networkx multigraph; edges carry their ports and link id."""
    graph = nx.MultiDiGraph()
    for node in network.nodes:
        graph.add_node(node.id, type_id=node.type_id, name=node.name)
    for link in network.links:
        graph.add_edge(
            link.source,
            link.target,
            key=link.id,
            source_port=link.source_port,
            target_port=link.target_port,
        )
    return graph


def group_size(network: Network, node: Node) -> int | None:
    """Number of neurons (or channels) of a node that has a ``size`` parameter."""
    size = node.params.get("size")
    return int(size) if size is not None else None


def check_network(network: Network) -> CheckReport:
    """Check wiring rules that single parameters cannot express."""
    report = CheckReport()
    graph = as_graph(network)
    index = {node.id: i for i, node in enumerate(network.nodes)}

    def error(node: Node, message: str) -> None:
        report.errors.append(
            ValidationError(f"{message} (node {node.name!r})", f"nodes[{index[node.id]}]")
        )

    for node in network.nodes:
        node_type = network.node_type(node)
        for port in node_type.inputs:
            wires = network.links_into(node.id, port.name)
            if port.required and not wires:
                error(node, f"input '{port.name}' must be wired ({port.doc.lower()})")
            if not port.multi and len(wires) > 1:
                error(node, f"input '{port.name}' takes one wire, it has {len(wires)}")
        category = node_type.category
        if category == "projection":
            _check_projection(network, node, error)
        elif category == "recorder":
            _check_recorder(network, node, error)
        elif category == "encoder" and node_type.outputs[0].kind == "current":
            _check_current_source(network, node, error)
        elif category == "population" and graph.in_degree(node.id) == 0:
            report.warnings.append(f"population {node.name!r} receives no input")
        elif category == "plasticity" and graph.out_degree(node.id) == 0:
            report.warnings.append(f"plasticity rule {node.name!r} governs no projection")
    if not any(network.node_type(n).category == "population" for n in network.nodes):
        report.warnings.append("the network has no neuron population")
    return report


def _check_projection(network: Network, node: Node, error) -> None:
    targets = [
        network.node(lk.target)
        for lk in network.links_from(node.id, "post")
        if network.node_type(lk.target).category == "population"
    ]
    if len(targets) != 1:
        error(node, f"'post' must be wired to exactly one population (it reaches {len(targets)})")
        return
    sources = [network.node(lk.source) for lk in network.links_into(node.id, "pre")]
    if len(sources) != 1:
        return
    pre, post = sources[0], targets[0]
    if node.params["rule"] == "one_to_one":
        n_pre, n_post = group_size(network, pre), group_size(network, post)
        if n_pre != n_post:
            error(
                node,
                f"one_to_one needs equal sizes, but {pre.name!r} has {n_pre} neurons "
                f"and {post.name!r} has {n_post}",
            )
    delay = node.params["delay_ms"]
    max_delay = network.settings["max_delay_ms"]
    longest = delay.get("high", delay.get("mean")) if isinstance(delay, dict) else delay
    if longest is not None and longest > max_delay:
        error(
            node,
            f"delay_ms reaches {longest} ms, beyond the project's max_delay_ms ({max_delay} ms)",
        )
    elif isinstance(delay, dict) and "high" not in delay:
        error(node, "a normal delay distribution needs 'high' (at most max_delay_ms)")
    if network.links_into(node.id, "plasticity") and isinstance(delay, dict):
        error(
            node,
            "a plastic projection needs one delay value, not a distribution "
            "(heterogeneous delays are supported on static projections)",
        )


def _check_recorder(network: Network, node: Node, error) -> None:
    if node.type_id != "recorder.state":
        return
    for link in network.links_into(node.id, "source"):
        source_type = network.node_type(link.source)
        if source_type.category != "population":
            error(
                node,
                f"a state recorder samples a population; {network.node(link.source).name!r} "
                "is an encoder",
            )
            continue
        variable = node.params["variable"]
        if variable not in source_type.state_vars:
            error(node, f"{source_type.title} has no state variable {variable!r}")
        size = group_size(network, network.node(link.source)) or 0
        too_big = [i for i in node.params["neurons"] if i >= size]
        if too_big:
            error(
                node,
                f"neuron index {too_big[0]} is out of range for "
                f"{network.node(link.source).name!r} ({size} neurons)",
            )


def _check_current_source(network: Network, node: Node, error) -> None:
    size = node.params["size"]
    for link in network.links_from(node.id):
        target = network.node(link.target)
        target_size = group_size(network, target)
        if size not in (1, target_size):
            error(
                node,
                f"has {size} channels but {target.name!r} has {target_size} neurons "
                "(use 1 channel for all, or one per neuron)",
            )
