"""What a wire dropped on the canvas means: a link, a new projection, or a refusal with a reason.

Qt-free so that the rules can be tested directly. The scene calls :func:`resolve_wire` when the
user releases a wire over a node or a port, and :func:`port_accepts` to highlight the ports a
wire being dragged could end on.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.model.catalog import PORT_KINDS
from engine.model.network import Network


@dataclass(frozen=True)
class WireEnd:
    """The port a wire drag started from."""

    node_id: str
    port: str
    direction: str  # "in" or "out"
    kind: str


@dataclass(frozen=True)
class WireResult:
    """Outcome of dropping a wire.

    ``action`` is ``"link"`` (add the link ``source.source_port -> target.target_port``),
    ``"groups"`` (insert a projection from ``source`` onto ``target``), or ``"refused"``
    (``reason`` says why).
    """

    action: str
    source: str = ""
    source_port: str = ""
    target: str = ""
    target_port: str = ""
    reason: str = ""


def _groups_gesture(network: Network, pre: str, post: str, post_port: str | None) -> bool:
    """Whether spikes of ``pre`` dropped on ``post`` mean "insert a projection"."""
    if not network.node_type(pre).is_neuron_group:
        return False
    if network.node_type(post).category != "population":
        return False
    return post_port in (None, "synapses")


def port_accepts(network: Network, start: WireEnd, node_id: str, port: str) -> bool:
    """Whether a wire started at ``start`` could end on ``node_id.port`` (by kind only)."""
    node_type = network.node_type(node_id)
    target = node_type.port(port)
    if target.direction == start.direction:
        return False
    if start.direction == "out":
        if start.kind == "spikes" and _groups_gesture(network, start.node_id, node_id, port):
            return True
        return target.kind == start.kind and node_id != start.node_id
    if start.kind == "synapses" and target.kind == "spikes":
        return _groups_gesture(network, node_id, start.node_id, start.port)
    return target.kind == start.kind and node_id != start.node_id


def resolve_wire(
    network: Network, start: WireEnd, target_node: str, target_port: str | None = None
) -> WireResult:
    """Decide what dropping the wire from ``start`` on a node (or one of its ports) does.

    Parameters
    ----------
    network
        The document.
    start
        Where the drag began.
    target_node
        The node under the mouse when the wire was dropped.
    target_port
        The port under the mouse, or ``None`` if the wire was dropped on the node's body (the
        first port that fits is chosen).
    """
    if start.direction == "out":
        pre, pre_port, post, post_port = start.node_id, start.port, target_node, target_port
    else:
        pre, pre_port, post, post_port = target_node, target_port, start.node_id, start.port
    pre_type, post_type = network.node_type(pre), network.node_type(post)
    pre_name, post_name = network.node(pre).name, network.node(post).name

    if start.direction == "out":
        groups = start.kind == "spikes" and _groups_gesture(network, pre, post, post_port)
    else:
        spikes = pre_port is None or pre_type.port(pre_port).kind == "spikes"
        groups = (
            start.kind == "synapses" and spikes and _groups_gesture(network, pre, post, post_port)
        )
    if groups:
        if pre == post and target_port is None:
            port = "synapses" if start.direction == "out" else "out"
            return WireResult(
                "refused",
                reason=(
                    f"to make a recurrent projection, drop the wire on the '{port}' port of "
                    f"{post_name!r}"
                ),
            )
        return WireResult("groups", source=pre, target=post)

    if pre_port is None:
        candidates = [p.name for p in pre_type.outputs]
        if not candidates:
            return WireResult("refused", reason=f"{pre_name!r} has no outputs")
        kind = start.kind
        first_problem = ""
        for name in candidates:
            problem = network.connection_problem(pre, name, post, start.port)
            if problem is None:
                return WireResult("link", pre, name, post, start.port)
            if pre_type.port(name).kind == kind and not first_problem:
                first_problem = problem
        if first_problem:
            return WireResult("refused", reason=first_problem)
        return WireResult(
            "refused", reason=f"{pre_name!r} has no output that carries {PORT_KINDS[kind]}"
        )
    if post_port is None:
        inputs = post_type.inputs
        if not inputs:
            return WireResult("refused", reason=f"{post_name!r} has no inputs")
        first_problem = ""
        for port in inputs:
            problem = network.connection_problem(pre, pre_port, post, port.name)
            if problem is None:
                return WireResult("link", pre, pre_port, post, port.name)
            if port.kind == start.kind and not first_problem:
                first_problem = problem
        if first_problem:
            return WireResult("refused", reason=first_problem)
        kind = pre_type.port(pre_port).kind
        return WireResult(
            "refused", reason=f"{post_name!r} has no input that takes {PORT_KINDS[kind]}"
        )
    problem = network.connection_problem(pre, pre_port, post, post_port)
    if problem is not None:
        return WireResult("refused", reason=problem)
    return WireResult("link", pre, pre_port, post, post_port)
