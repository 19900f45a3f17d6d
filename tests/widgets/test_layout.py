"""Automatic layout: inputs on the left, outputs on the right, no overlaps."""

from __future__ import annotations

from engine.model.network import Network
from widgets.canvas.layout import layered_layout, layers, node_size


def test_columns_follow_the_wiring(network: Network) -> None:
    depth = layers(network)
    names = {network.node(k).name: v for k, v in depth.items()}
    assert names["Input"] < names["Input → Exc"] < names["Exc"]


def test_layout_places_every_node_without_overlap() -> None:
    network = Network()
    src = network.add_node("encoder.poisson")
    pops = [network.add_node("population.lif") for _ in range(4)]
    for pop in pops:
        network.connect_groups(src.id, pop.id)
    network.connect_groups(pops[0].id, pops[0].id)  # a cycle must not hang the layout
    positions = layered_layout(network)
    assert set(positions) == {n.id for n in network.nodes}
    boxes = []
    for node in network.nodes:
        w, h = node_size(network.node_type(node))
        x, y = positions[node.id]
        boxes.append((x, y, x + w, y + h))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
