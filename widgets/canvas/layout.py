"""Node geometry and an automatic left-to-right layout (Qt-free).

:func:`layered_layout` places nodes in columns by their distance from the inputs, ordering each
column by the mean height of the nodes feeding it, which keeps wires short and mostly
uncrossed. It is used for projects that come without positions and by Edit ▸ Tidy Up.
"""

from __future__ import annotations

from engine.model.catalog import NodeType
from engine.model.network import Network

NODE_WIDTH = 188.0
COMPACT_WIDTH = 156.0
HEADER_HEIGHT = 28.0
SUBTITLE_HEIGHT = 22.0
PORT_ROW = 21.0
COMPACT_CATEGORIES = ("projection", "plasticity", "recorder", "modulator")


def node_size(node_type: NodeType) -> tuple[float, float]:
    """Width and height of a node of this type on the canvas."""
    width = COMPACT_WIDTH if node_type.category in COMPACT_CATEGORIES else NODE_WIDTH
    rows = max(len(node_type.inputs), len(node_type.outputs), 1)
    return width, HEADER_HEIGHT + SUBTITLE_HEIGHT + rows * PORT_ROW + 6.0


def layers(network: Network) -> dict[str, int]:
    """Column of each node: 0 for nodes fed by nothing, else one more than its deepest input.

    Cycles (recurrent projections) are broken by ignoring the wire that closes them.
    """
    preds: dict[str, list[str]] = {node.id: [] for node in network.nodes}
    for link in network.links:
        preds[link.target].append(link.source)
    depth: dict[str, int] = {}
    visiting: set[str] = set()

    def visit(node_id: str) -> int:
        if node_id in depth:
            return depth[node_id]
        visiting.add(node_id)
        best = 0
        for pred in preds[node_id]:
            if pred in visiting:
                continue
            best = max(best, visit(pred) + 1)
        visiting.discard(node_id)
        depth[node_id] = best
        return best

    for node in network.nodes:
        visit(node.id)
    # a plasticity rule sits in the column before the projection it governs, not at the far left
    for link in network.links:
        if network.node_type(link.source).category == "plasticity":
            depth[link.source] = max(depth[link.source], depth[link.target] - 1)
    return depth


def layered_layout(
    network: Network,
    origin: tuple[float, float] = (0.0, 0.0),
    column_gap: float = 80.0,
    row_gap: float = 36.0,
) -> dict[str, tuple[float, float]]:
    """Top-left position of every node for a tidy left-to-right drawing."""
    depth = layers(network)
    columns: dict[int, list[str]] = {}
    for node in network.nodes:
        columns.setdefault(depth[node.id], []).append(node.id)
    preds: dict[str, list[str]] = {node.id: [] for node in network.nodes}
    for link in network.links:
        preds[link.target].append(link.source)
    sizes = {node.id: node_size(network.node_type(node)) for node in network.nodes}
    positions: dict[str, tuple[float, float]] = {}
    centers: dict[str, float] = {}
    x = origin[0]
    for column in sorted(columns):
        ids = columns[column]

        def weight(node_id: str, order=ids) -> float:
            placed = [centers[p] for p in preds[node_id] if p in centers]
            return sum(placed) / len(placed) if placed else float(order.index(node_id)) * 1e-3

        ids = sorted(ids, key=weight)
        total = sum(sizes[i][1] for i in ids) + row_gap * (len(ids) - 1)
        y = origin[1] - total / 2
        width = max(sizes[i][0] for i in ids)
        for node_id in ids:
            w, h = sizes[node_id]
            positions[node_id] = (round(x + (width - w) / 2), round(y))
            centers[node_id] = y + h / 2
            y += h + row_gap
        x += width + column_gap
    return positions
