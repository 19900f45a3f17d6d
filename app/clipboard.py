"""Copy and paste of network pieces through the system clipboard, as JSON.

A *fragment* holds nodes (type, parameters, name, position), the wires between them and canvas
notes. It goes on the clipboard both as :data:`~widgets.mime.FRAGMENT_MIME` and as plain text,
so it can be pasted into another window, another SpikeStudio process, or a text editor and
back. Pasted text is validated like a project file before anything reaches the document; it is
never executed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QClipboard, QGuiApplication

from engine.model.catalog import NodeCatalog, can_connect
from engine.model.network import Link, Network, Node, new_id
from widgets.mime import FRAGMENT_MIME
from widgets.view_state import ViewState, clean_annotation

FRAGMENT_FORMAT = "spikestudio-fragment"
FRAGMENT_VERSION = 1
MAX_FRAGMENT_BYTES = 16 * 1024 * 1024


class FragmentError(ValueError):
    """Clipboard content that is not a usable SpikeStudio fragment; says why."""


def make_fragment(
    network: Network,
    view: ViewState,
    node_ids: Iterable[str],
    annotation_ids: Iterable[str] = (),
) -> dict[str, Any]:
    """The selected nodes, the wires among them, and the selected notes, as plain data."""
    ids = list(dict.fromkeys(node_ids))
    chosen = set(ids)
    nodes = []
    for node_id in ids:
        node = network.node(node_id)
        position = view.position(node_id) or (0.0, 0.0)
        nodes.append(
            {
                "id": node.id,
                "type": node.type_id,
                "type_version": network.node_type(node).version,
                "name": node.name,
                "params": json.loads(json.dumps(node.params)),
                "position": [position[0], position[1]],
            }
        )
    links = [
        {
            "source": {"node": link.source, "port": link.source_port},
            "target": {"node": link.target, "port": link.target_port},
        }
        for link in network.links
        if link.source in chosen and link.target in chosen
    ]
    wanted = set(annotation_ids)
    notes = [a for a in view.annotations if a["id"] in wanted]
    return {
        "format": FRAGMENT_FORMAT,
        "version": FRAGMENT_VERSION,
        "nodes": nodes,
        "links": links,
        "annotations": notes,
    }


def fragment_to_json(fragment: Mapping[str, Any]) -> str:
    """The fragment as pretty, stable JSON text."""
    return json.dumps(fragment, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)


def _number_pair(value: Any) -> tuple[float, float] | None:
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and all(math.isfinite(v) for v in value)
    ):
        return float(value[0]), float(value[1])
    return None


def parse_fragment(text: str, catalog: NodeCatalog) -> dict[str, Any]:
    """Read and check a fragment; raises :class:`FragmentError` naming the first problem.

    Node types are resolved (legacy ids too) and parameters migrated and validated, so that
    what comes back can be inserted without further checks.
    """
    if len(text.encode("utf-8", errors="ignore")) > MAX_FRAGMENT_BYTES:
        raise FragmentError("the clipboard holds too much data for a network fragment")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise FragmentError("the clipboard does not hold SpikeStudio nodes") from None
    if not isinstance(data, dict) or data.get("format") != FRAGMENT_FORMAT:
        raise FragmentError("the clipboard does not hold SpikeStudio nodes")
    version = data.get("version")
    if not isinstance(version, int) or version > FRAGMENT_VERSION:
        raise FragmentError("these nodes were copied from a newer SpikeStudio")
    nodes_in = data.get("nodes", [])
    links_in = data.get("links", [])
    notes_in = data.get("annotations", [])
    if not all(isinstance(v, list) for v in (nodes_in, links_in, notes_in)):
        raise FragmentError("malformed fragment: nodes, links and annotations must be lists")
    nodes: list[dict[str, Any]] = []
    ports: dict[str, Any] = {}
    for i, entry in enumerate(nodes_in):
        where = f"nodes[{i}]"
        if not isinstance(entry, dict):
            raise FragmentError(f"{where}: must be an object")
        node_id, name, type_id = entry.get("id"), entry.get("name"), entry.get("type")
        if not isinstance(node_id, str) or not node_id or node_id in ports:
            raise FragmentError(f"{where}.id: missing or repeated")
        if not isinstance(name, str) or not name.strip():
            raise FragmentError(f"{where}.name: must be a non-empty string")
        resolved = catalog.resolve_id(type_id) if isinstance(type_id, str) else None
        if resolved is None:
            raise FragmentError(f"{where}.type: unknown node type {type_id!r}")
        node_type = catalog.get(resolved)
        params = entry.get("params", {})
        if not isinstance(params, dict):
            raise FragmentError(f"{where}.params: must be an object")
        type_version = entry.get("type_version", node_type.version)
        if not isinstance(type_version, int) or type_version > node_type.version:
            raise FragmentError(f"{where}.type_version: newer than this SpikeStudio knows")
        if type_version < node_type.version:
            params = node_type.migrate(dict(params), type_version)
        problems = node_type.param_problems(params)
        if problems:
            raise FragmentError(f"{where}.params.{problems[0]}")
        position = _number_pair(entry.get("position", [0.0, 0.0]))
        if position is None:
            raise FragmentError(f"{where}.position: must be [x, y]")
        nodes.append(
            {
                "id": node_id,
                "type": resolved,
                "name": name.strip()[:80],
                "params": node_type.validate_params(params),
                "position": position,
            }
        )
        ports[node_id] = node_type
    links: list[dict[str, Any]] = []
    for i, entry in enumerate(links_in):
        try:
            source, target = entry["source"], entry["target"]
            src_type, dst_type = ports[source["node"]], ports[target["node"]]
            src_port, dst_port = src_type.port(source["port"]), dst_type.port(target["port"])
        except (KeyError, TypeError):
            raise FragmentError(f"links[{i}]: does not join two copied ports") from None
        reason = can_connect(src_port, dst_port)
        if reason:
            raise FragmentError(f"links[{i}]: {reason}")
        links.append(
            {
                "source": source["node"],
                "source_port": src_port.name,
                "target": target["node"],
                "target_port": dst_port.name,
            }
        )
    notes = [a for a in map(clean_annotation, notes_in) if a is not None]
    if not nodes and not notes:
        raise FragmentError("the clipboard holds no nodes or notes")
    return {"nodes": nodes, "links": links, "annotations": notes}


def fragment_origin(fragment: Mapping[str, Any]) -> tuple[float, float]:
    """Top-left corner of everything in a parsed fragment."""
    points = [n["position"] for n in fragment["nodes"]]
    points += [(a["x"], a["y"]) for a in fragment["annotations"]]
    return min(p[0] for p in points), min(p[1] for p in points)


def instantiate(
    fragment: Mapping[str, Any], network: Network, offset: tuple[float, float]
) -> tuple[list[Node], dict[str, tuple[float, float]], list[Link], list[dict[str, Any]]]:
    """Fresh nodes, positions, links and notes for pasting a parsed fragment into ``network``.

    Every id is new and names that are taken get a number (``LIF neurons 2``), so pasting
    the same fragment twice, or into the window it came from, always works.
    """
    taken = {node.name for node in network.nodes}
    id_map: dict[str, str] = {}
    nodes: list[Node] = []
    positions: dict[str, tuple[float, float]] = {}
    for entry in fragment["nodes"]:
        name = _free_name(entry["name"], taken)
        taken.add(name)
        node_id = new_id()
        id_map[entry["id"]] = node_id
        nodes.append(Node(node_id, entry["type"], name, json.loads(json.dumps(entry["params"]))))
        x, y = entry["position"]
        positions[node_id] = (x + offset[0], y + offset[1])
    links: list[Link] = []
    used_inputs: set[tuple[str, str]] = set()
    for entry in fragment["links"]:
        source, target = id_map[entry["source"]], id_map[entry["target"]]
        key = (target, entry["target_port"])
        port = network.catalog.get(next(n.type_id for n in nodes if n.id == target)).port(
            entry["target_port"]
        )
        if source == target or (key in used_inputs and not port.multi):
            continue
        used_inputs.add(key)
        links.append(Link(new_id(), source, entry["source_port"], target, entry["target_port"]))
    notes = []
    for annotation in fragment["annotations"]:
        notes.append(
            dict(
                annotation,
                id=new_id(),
                x=annotation["x"] + offset[0],
                y=annotation["y"] + offset[1],
            )
        )
    return nodes, positions, links, notes


def _free_name(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    stem = base.rstrip("0123456789").rstrip() or base
    number = 2
    while f"{stem} {number}" in taken:
        number += 1
    return f"{stem} {number}"


# -- the system clipboard -----------------------------------------------------------------------
def copy_to_clipboard(fragment: Mapping[str, Any], clipboard: QClipboard | None = None) -> None:
    """Put ``fragment`` on the clipboard (as our MIME type and as plain JSON text)."""
    text = fragment_to_json(fragment)
    mime = QMimeData()
    mime.setData(FRAGMENT_MIME, text.encode("utf-8"))
    mime.setText(text)
    (clipboard or QGuiApplication.clipboard()).setMimeData(mime)


def release_clipboard(clipboard: QClipboard | None = None) -> None:
    """Before the application quits, leave a copied fragment on the clipboard as plain text.

    Qt still holding a QMimeData made in Python when the interpreter shuts down crashes the
    process on exit; plain text is owned by Qt, and paste still recognises it.
    """
    clipboard = clipboard or QGuiApplication.clipboard()
    mime = clipboard.mimeData()
    if mime is not None and mime.hasFormat(FRAGMENT_MIME):
        clipboard.setText(mime.text())


def clipboard_text(clipboard: QClipboard | None = None) -> str | None:
    """The clipboard's fragment text, if it might hold one."""
    mime = (clipboard or QGuiApplication.clipboard()).mimeData()
    if mime is None:
        return None
    if mime.hasFormat(FRAGMENT_MIME):
        return bytes(mime.data(FRAGMENT_MIME).data()).decode("utf-8", errors="replace")
    if mime.hasText() and FRAGMENT_FORMAT in mime.text():
        return mime.text()
    return None
