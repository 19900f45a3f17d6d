"""The network document: nodes, links and simulation settings, with change events.

The document is the single source of truth. Editors change it only through its methods, each
of which validates first and then emits one event; views subscribe to the events. The
simulator never reads it live: it compiles a :meth:`Network.copy`.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import ValidationError
from engine.model.catalog import NodeCatalog, NodeType, can_connect, default_catalog
from engine.model.params import ParamSpec

#: Events a :class:`Network` emits, with the keyword arguments each carries.
EVENTS = {
    "node_added": ("node",),
    "node_removed": ("node",),
    "node_renamed": ("node", "old", "new"),
    "param_changed": ("node", "name", "old", "new"),
    "link_added": ("link",),
    "link_removed": ("link",),
    "settings_changed": ("name", "old", "new"),
}
#: The events after which a built or checked network is out of date (all but renames).
CHANGE_EVENTS = tuple(name for name in EVENTS if name != "node_renamed")

#: Simulation settings, validated like node parameters.
SETTINGS = (
    ParamSpec("dt_ms", 0.1, "ms", "Time step of the simulation", low=0.001, high=10.0),
    ParamSpec(
        "duration_ms", 1000.0, "ms", "Length of a run", low=0.0, low_inclusive=False, high=1e8
    ),
    ParamSpec(
        "seed",
        1,
        "",
        "Seed of every random draw (connectivity, inputs, initial state)",
        kind="int",
        low=0,
        high=2**63 - 1,
    ),
    ParamSpec(
        "max_delay_ms",
        20.0,
        "ms",
        "Longest synaptic delay the network may use",
        low=0.0,
        low_inclusive=False,
        high=1000.0,
    ),
)
SETTINGS_BY_NAME = {spec.name: spec for spec in SETTINGS}

MAX_NAME_LENGTH = 80


class EventEmitter:
    """Named events with plain callbacks; a callback receives the event's keyword arguments."""

    def __init__(self, names: Iterable[str]) -> None:
        self._callbacks: dict[str, list[Callable[..., None]]] = {name: [] for name in names}

    def connect(self, name: str, callback: Callable[..., None]) -> None:
        """Call ``callback(**kwargs)`` whenever event ``name`` is emitted."""
        self._callbacks[name].append(callback)

    def disconnect(self, name: str, callback: Callable[..., None]) -> None:
        self._callbacks[name].remove(callback)

    def emit(self, event: str, /, **kwargs: Any) -> None:
        for callback in list(self._callbacks[event]):
            callback(**kwargs)


@dataclass
class Node:
    """One node of the document. Change it only through :class:`Network` methods."""

    id: str
    type_id: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    """A wire from an output port to an input port. Wires carry no properties."""

    id: str
    source: str
    source_port: str
    target: str
    target_port: str


def _inserted(items: dict[str, Any], key: str, value: Any, index: int | None) -> dict[str, Any]:
    """``items`` with ``key: value`` added at position ``index`` (at the end if None)."""
    if index is None or index >= len(items):
        items[key] = value
        return items
    entries = list(items.items())
    entries.insert(max(0, index), (key, value))
    return dict(entries)


def new_id() -> str:
    """A fresh, stable node or link id."""
    return uuid.uuid4().hex


class Network:
    """Nodes, links and simulation settings of one project.

    Parameters
    ----------
    catalog
        Node types the document may hold; the built-in catalog by default.
    """

    def __init__(self, catalog: NodeCatalog | None = None) -> None:
        self.catalog = catalog or default_catalog()
        self._nodes: dict[str, Node] = {}
        self._links: dict[str, Link] = {}
        self.settings: dict[str, Any] = {spec.name: spec.default for spec in SETTINGS}
        self.events = EventEmitter(EVENTS)
        #: Folder that relative file parameters (images, event files) are resolved against:
        #: the project file's folder once it has been saved or loaded. Not saved in the file.
        self.base_dir: Path | None = None

    # -- reading ---------------------------------------------------------------------------
    @property
    def nodes(self) -> list[Node]:
        """Nodes in insertion order."""
        return list(self._nodes.values())

    @property
    def links(self) -> list[Link]:
        """Links in insertion order."""
        return list(self._links.values())

    def node(self, node_id: str) -> Node:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise KeyError(f"no node with id {node_id!r}") from None

    def link(self, link_id: str) -> Link:
        try:
            return self._links[link_id]
        except KeyError:
            raise KeyError(f"no link with id {link_id!r}") from None

    def node_by_name(self, name: str) -> Node:
        for node in self._nodes.values():
            if node.name == name:
                return node
        raise KeyError(f"no node named {name!r}")

    def node_type(self, node: Node | str) -> NodeType:
        if isinstance(node, str):
            node = self.node(node)
        return self.catalog.get(node.type_id)

    def links_of(self, node_id: str) -> list[Link]:
        """Every link that starts or ends at ``node_id``."""
        return [lk for lk in self._links.values() if node_id in (lk.source, lk.target)]

    def links_into(self, node_id: str, port: str | None = None) -> list[Link]:
        return [
            lk
            for lk in self._links.values()
            if lk.target == node_id and (port is None or lk.target_port == port)
        ]

    def links_from(self, node_id: str, port: str | None = None) -> list[Link]:
        return [
            lk
            for lk in self._links.values()
            if lk.source == node_id and (port is None or lk.source_port == port)
        ]

    def resolve_path(self, name: str) -> Path:
        """A file parameter as a path: absolute as given, else relative to :attr:`base_dir`."""
        path = Path(name).expanduser()
        if path.is_absolute() or self.base_dir is None:
            return path
        return self.base_dir / path

    def unique_name(self, base: str) -> str:
        """``base`` if no node has that name, else ``base 2``, ``base 3``..."""
        taken = {node.name for node in self._nodes.values()}
        if base not in taken:
            return base
        stem = re.sub(r"\s+\d+$", "", base)
        number = 2
        while f"{stem} {number}" in taken:
            number += 1
        return f"{stem} {number}"

    # -- nodes -----------------------------------------------------------------------------
    def add_node(
        self,
        type_id: str,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        node_id: str | None = None,
    ) -> Node:
        """Create a node of ``type_id`` with default parameters overridden by ``params``.

        Raises :class:`ValidationError` if the type is unknown, a parameter is invalid, or the
        name or id is already taken.
        """
        try:
            node_type = self.catalog.get(type_id)
        except KeyError as err:
            raise ValidationError(str(err.args[0]), "type") from None
        values = node_type.default_params()
        values.update(params or {})
        values = node_type.validate_params(values)
        name = self.unique_name(node_type.title) if name is None else name
        node = Node(node_id or new_id(), node_type.type_id, name, values)
        self.insert_node(node)
        return node

    def insert_node(self, node: Node, index: int | None = None) -> None:
        """Put back a node (used by undo and paste); validates id, name and parameters.

        ``index`` puts it at that position of :attr:`nodes` (undo restores the file order);
        by default it goes last.
        """
        if node.id in self._nodes:
            raise ValidationError(f"a node with id {node.id!r} already exists", "id")
        self._check_name(node.name)
        node_type = self.catalog.get(node.type_id)
        node.params = node_type.validate_params(node.params)
        self._nodes = _inserted(self._nodes, node.id, node, index)
        self.events.emit("node_added", node=node)

    def remove_node(self, node_id: str) -> tuple[Node, list[Link]]:
        """Remove a node and its links; returns both so that the removal can be undone."""
        node = self.node(node_id)
        removed = self.links_of(node_id)
        for link in removed:
            self.remove_link(link.id)
        del self._nodes[node_id]
        self.events.emit("node_removed", node=node)
        return node, removed

    def rename_node(self, node_id: str, name: str) -> None:
        node = self.node(node_id)
        if name == node.name:
            return
        self._check_name(name)
        old, node.name = node.name, name
        self.events.emit("node_renamed", node=node, old=old, new=name)

    def set_param(self, node_id: str, name: str, value: Any) -> Any:
        """Validate and set one parameter; returns the stored (normalised) value.

        Raises :class:`ValidationError` whose ``field`` is the parameter name; the document is
        left unchanged.
        """
        node = self.node(node_id)
        node_type = self.catalog.get(node.type_id)
        try:
            spec = node_type.param(name)
        except KeyError:
            raise ValidationError(f"unknown parameter of {node.type_id}", name) from None
        stored = spec.validate(value)
        candidate = dict(node.params, **{name: stored})
        problems = node_type.param_problems(candidate)
        if problems:
            raise problems[0]
        old = node.params[name]
        if old == stored and type(old) is type(stored):
            return stored
        node.params[name] = stored
        self.events.emit("param_changed", node=node, name=name, old=old, new=stored)
        return stored

    def _check_name(self, name: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("a node needs a non-empty name", "name")
        if len(name) > MAX_NAME_LENGTH:
            raise ValidationError(f"is longer than {MAX_NAME_LENGTH} characters", "name")
        if any(node.name == name for node in self._nodes.values()):
            raise ValidationError(f"another node is already called {name!r}", "name")

    # -- links -----------------------------------------------------------------------------
    def connection_problem(
        self, source: str, source_port: str, target: str, target_port: str
    ) -> str | None:
        """Why this wire may not be drawn, or ``None`` if it may."""
        if source not in self._nodes:
            return f"there is no node with id {source!r}"
        if target not in self._nodes:
            return f"there is no node with id {target!r}"
        if source == target:
            return "a node cannot be wired to itself (use a projection for recurrence)"
        src_type, dst_type = self.node_type(source), self.node_type(target)
        try:
            out_port = src_type.port(source_port)
        except KeyError:
            return f"{src_type.title} has no port {source_port!r}"
        try:
            in_port = dst_type.port(target_port)
        except KeyError:
            return f"{dst_type.title} has no port {target_port!r}"
        reason = can_connect(out_port, in_port)
        if reason:
            return reason
        for link in self.links_into(target, target_port):
            if link.source == source and link.source_port == source_port:
                return "these ports are already wired"
            if not in_port.multi:
                return f"'{target_port}' of {self.node(target).name!r} takes only one wire"
        return None

    def add_link(
        self,
        source: str,
        source_port: str,
        target: str,
        target_port: str,
        link_id: str | None = None,
    ) -> Link:
        """Wire an output to an input; raises :class:`ValidationError` saying why if refused."""
        link = Link(link_id or new_id(), source, source_port, target, target_port)
        self.insert_link(link)
        return link

    def insert_link(self, link: Link, index: int | None = None) -> None:
        """Put back a link (used by undo and paste) at ``index`` of :attr:`links` (default:
        last); refuses incompatible ports."""
        if link.id in self._links:
            raise ValidationError(f"a link with id {link.id!r} already exists", "id")
        reason = self.connection_problem(
            link.source, link.source_port, link.target, link.target_port
        )
        if reason:
            raise ValidationError(reason, "link")
        self._links = _inserted(self._links, link.id, link, index)
        self.events.emit("link_added", link=link)

    def remove_link(self, link_id: str) -> Link:
        link = self.link(link_id)
        del self._links[link_id]
        self.events.emit("link_removed", link=link)
        return link

    def connect_groups(
        self, pre: str, post: str, params: Mapping[str, Any] | None = None, name: str | None = None
    ) -> Node:
        """The common gesture: wire a spike source onto a population through a new projection.

        Inserts a ``projection.synapses`` node with default (or given) parameters and the two
        wires; returns the projection node.
        """
        if pre not in self._nodes or post not in self._nodes:
            raise ValidationError("both ends must be nodes of this network", "link")
        if not self.node_type(pre).is_neuron_group:
            raise ValidationError(f"{self.node(pre).name!r} does not emit spikes", "link")
        if self.node_type(post).category != "population":
            raise ValidationError(f"{self.node(post).name!r} is not a neuron population", "link")
        base = name or f"{self.node(pre).name} → {self.node(post).name}"
        projection = self.add_node("projection.synapses", self.unique_name(base), params)
        self.add_link(pre, "out", projection.id, "pre")
        self.add_link(projection.id, "post", post, "synapses")
        return projection

    # -- settings --------------------------------------------------------------------------
    def set_setting(self, name: str, value: Any) -> Any:
        try:
            spec = SETTINGS_BY_NAME[name]
        except KeyError:
            raise ValidationError("unknown simulation setting", name) from None
        stored = spec.validate(value)
        old = self.settings[name]
        if old != stored:
            self.settings[name] = stored
            self.events.emit("settings_changed", name=name, old=old, new=stored)
        return stored

    # -- copies ----------------------------------------------------------------------------
    def copy(self) -> Network:
        """An independent snapshot with no subscribers (what a simulator compiles)."""
        clone = Network(self.catalog)
        clone.settings = dict(self.settings)
        clone.base_dir = self.base_dir
        clone._nodes = {
            k: Node(n.id, n.type_id, n.name, copy.deepcopy(n.params))
            for k, n in self._nodes.items()
        }
        clone._links = dict(self._links)
        return clone
