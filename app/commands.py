"""Undoable document edits.

Every command changes only the model: the :class:`~engine.model.network.Network` through its
methods, or the view state (positions, annotations) through :class:`~widgets.view_state.ViewState`.
Views follow the model's events. Commands never touch widgets and never push other commands;
an edit made of several steps is one :class:`CompoundCommand`.

Ids are fixed when a command is created, so redo after undo recreates the very same nodes and
links, and later commands that refer to them stay valid.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtGui import QUndoCommand

from engine.model.network import Link, Network, Node, new_id
from widgets.view_state import ViewState

#: Command ids for ``mergeWith`` (Qt merges consecutive commands with the same id).
MERGE_PARAM = 1001
MERGE_SETTING = 1002
MERGE_MOVE = 1003


def _clone(node: Node) -> Node:
    return Node(node.id, node.type_id, node.name, copy.deepcopy(node.params))


class AddNodeCommand(QUndoCommand):
    """Add a node of ``type_id`` at ``position`` (top-left corner on the canvas).

    Parameters
    ----------
    network, view
        The document.
    type_id
        Node type to create.
    position
        ``(x, y)`` on the canvas.
    name
        Node name; by default a unique one derived from the type's title.
    params
        Parameters that differ from the defaults.
    """

    def __init__(
        self,
        network: Network,
        view: ViewState,
        type_id: str,
        position: tuple[float, float],
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(parent)
        self.network = network
        self.view = view
        self.type_id = type_id
        self.position = (float(position[0]), float(position[1]))
        #: The node's name; chosen on the first redo when not given, then kept.
        self.name = name
        self.params = dict(params or {})
        self.node_id = new_id()
        self.setText(f"Add {name or network.catalog.get(type_id).title}")

    def redo(self) -> None:
        if self.name is None:
            self.name = self.network.unique_name(self.network.catalog.get(self.type_id).title)
        self.view.set_position(self.node_id, *self.position)
        self.network.add_node(self.type_id, self.name, self.params, node_id=self.node_id)

    def undo(self) -> None:
        self.network.remove_node(self.node_id)
        self.view.remove_position(self.node_id)


class InsertNodesCommand(QUndoCommand):
    """Put whole nodes, links and notes into the document (paste, duplicate, restore).

    Parameters
    ----------
    network, view
        The document.
    nodes
        Nodes with their final ids and names.
    positions
        ``{node_id: (x, y)}``.
    links
        Links between the inserted nodes (or to existing ones).
    annotations
        Notes to add.
    text
        Text of the undo step.
    """

    def __init__(
        self,
        network: Network,
        view: ViewState,
        nodes: Iterable[Node],
        positions: Mapping[str, tuple[float, float]],
        links: Iterable[Link] = (),
        annotations: Iterable[Mapping[str, Any]] = (),
        text: str = "Paste",
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(text, parent)
        self.network = network
        self.view = view
        self.nodes = [_clone(n) for n in nodes]
        self.positions = {k: (float(v[0]), float(v[1])) for k, v in positions.items()}
        self.links = list(links)
        self.annotations = [dict(a) for a in annotations]

    @property
    def node_ids(self) -> list[str]:
        """Ids of the nodes this command inserts."""
        return [n.id for n in self.nodes]

    @property
    def annotation_ids(self) -> list[str]:
        """Ids of the notes this command inserts."""
        return [a["id"] for a in self.annotations]

    def redo(self) -> None:
        for node in self.nodes:
            if node.id in self.positions:
                self.view.set_position(node.id, *self.positions[node.id])
            self.network.insert_node(_clone(node))
        for link in self.links:
            self.network.insert_link(link)
        for annotation in self.annotations:
            self.view.add_annotation(annotation)

    def undo(self) -> None:
        for annotation in reversed(self.annotations):
            self.view.remove_annotation(annotation["id"])
        for link in reversed(self.links):
            self.network.remove_link(link.id)
        for node in reversed(self.nodes):
            self.network.remove_node(node.id)
            self.view.remove_position(node.id)


class RemoveItemsCommand(QUndoCommand):
    """Delete nodes (with their wires), wires and notes; undo puts everything back.

    Parameters
    ----------
    network, view
        The document.
    node_ids, link_ids, annotation_ids
        What to delete. Links attached to deleted nodes go too.
    """

    def __init__(
        self,
        network: Network,
        view: ViewState,
        node_ids: Iterable[str] = (),
        link_ids: Iterable[str] = (),
        annotation_ids: Iterable[str] = (),
        text: str | None = None,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(parent)
        self.network = network
        self.view = view
        node_ids = list(dict.fromkeys(node_ids))
        node_order = {node.id: index for index, node in enumerate(network.nodes)}
        node_ids.sort(key=node_order.__getitem__)
        self.nodes = [_clone(network.node(i)) for i in node_ids]
        # where each node and wire was, so that undo restores the document's order exactly
        self.node_indices = [node_order[i] for i in node_ids]
        self.positions = {i: view.position(i) for i in node_ids}
        link_set = dict.fromkeys(link_ids)
        for node_id in node_ids:
            link_set.update(dict.fromkeys(link.id for link in network.links_of(node_id)))
        order = {link.id: index for index, link in enumerate(network.links)}
        self.links = sorted((network.link(i) for i in link_set), key=lambda lk: order[lk.id])
        self.link_indices = [order[link.id] for link in self.links]
        notes = {a["id"]: (i, a) for i, a in enumerate(view.annotations)}
        self.annotations = sorted(
            (notes[i] for i in dict.fromkeys(annotation_ids) if i in notes), key=lambda e: e[0]
        )
        if text is None:
            count = len(self.nodes) + len(self.annotations) + (0 if self.nodes else len(self.links))
            if len(self.nodes) == 1 and count == 1:
                text = f"Delete {self.nodes[0].name}"
            elif not self.nodes and len(self.links) == 1 and count == 1:
                text = "Delete wire"
            else:
                text = f"Delete {count} items"
        self.setText(text)

    def is_empty(self) -> bool:
        """Whether there is nothing to delete."""
        return not (self.nodes or self.links or self.annotations)

    def redo(self) -> None:
        for _, annotation in reversed(self.annotations):
            self.view.remove_annotation(annotation["id"])
        present = {lk.id for lk in self.network.links}
        for link in reversed(self.links):
            if link.id in present:  # links of removed nodes may already be gone
                self.network.remove_link(link.id)
        for node in reversed(self.nodes):
            self.network.remove_node(node.id)
            self.view.remove_position(node.id)

    def undo(self) -> None:
        # ascending original positions: each insertion lands where it was
        for node, index in zip(self.nodes, self.node_indices, strict=True):
            position = self.positions.get(node.id)
            if position is not None:
                self.view.set_position(node.id, *position)
            self.network.insert_node(_clone(node), index)
        for link, index in zip(self.links, self.link_indices, strict=True):
            self.network.insert_link(link, index)
        for index, annotation in self.annotations:
            self.view.add_annotation(annotation, index)


class MoveItemsCommand(QUndoCommand):
    """Move nodes and notes (one drag, or an align); ``moves`` map ids to ``(old, new)``.

    With ``merge``, consecutive moves of the same items (arrow-key nudges) make one undo step.
    """

    def __init__(
        self,
        view: ViewState,
        node_moves: Mapping[str, tuple[tuple[float, float], tuple[float, float]]],
        annotation_moves: Mapping[str, tuple[tuple[float, float], tuple[float, float]]] = {},  # noqa: B006
        text: str | None = None,
        merge: bool = False,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(parent)
        self.merge = merge
        self.view = view
        self.node_moves = {k: (tuple(a), tuple(b)) for k, (a, b) in node_moves.items()}
        self.annotation_moves = {k: (tuple(a), tuple(b)) for k, (a, b) in annotation_moves.items()}
        count = len(self.node_moves) + len(self.annotation_moves)
        self.setText(text or (f"Move {count} items" if count > 1 else "Move"))

    def id(self) -> int:
        return MERGE_MOVE

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt override)
        if not (
            isinstance(other, MoveItemsCommand)
            and self.merge
            and other.merge
            and set(other.node_moves) == set(self.node_moves)
            and set(other.annotation_moves) == set(self.annotation_moves)
        ):
            return False
        for table, new in (
            (self.node_moves, other.node_moves),
            (self.annotation_moves, other.annotation_moves),
        ):
            for key, (_, end) in new.items():
                table[key] = (table[key][0], end)
        return True

    def _apply(self, which: int) -> None:
        for node_id, positions in self.node_moves.items():
            self.view.set_position(node_id, *positions[which])
        for note_id, positions in self.annotation_moves.items():
            x, y = positions[which]
            self.view.update_annotation(note_id, x=x, y=y)

    def redo(self) -> None:
        self._apply(1)

    def undo(self) -> None:
        self._apply(0)


class RenameNodeCommand(QUndoCommand):
    """Rename a node."""

    def __init__(
        self, network: Network, node_id: str, name: str, parent: QUndoCommand | None = None
    ) -> None:
        super().__init__(parent)
        self.network = network
        self.node_id = node_id
        self.old = network.node(node_id).name
        self.new = name
        self.setText(f"Rename {self.old} to {name}")

    def redo(self) -> None:
        self.network.rename_node(self.node_id, self.new)

    def undo(self) -> None:
        self.network.rename_node(self.node_id, self.old)


class _SetValueCommand(QUndoCommand):
    """Set one value from ``old`` to ``new``; consecutive edits of the same value may merge
    into one undo step (spin-box steps and slider drags do; a typed value does not start a
    merge but may end one). Subclasses say what the value is (:meth:`key`) and how to set it
    (:meth:`apply`)."""

    merge_id = 0

    def __init__(self, old: Any, new: Any, merge: bool, parent: QUndoCommand | None) -> None:
        super().__init__(parent)
        self.old = copy.deepcopy(old)
        self.new = copy.deepcopy(new)
        self.merge = merge

    def key(self) -> tuple:
        raise NotImplementedError

    def apply(self, value: Any) -> None:
        raise NotImplementedError

    def id(self) -> int:
        return self.merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt override)
        if not (
            type(other) is type(self) and other.merge and self.merge and other.key() == self.key()
        ):
            return False
        self.new = other.new
        if self.new == self.old:
            self.setObsolete(True)
        return True

    def redo(self) -> None:
        self.apply(copy.deepcopy(self.new))

    def undo(self) -> None:
        self.apply(copy.deepcopy(self.old))


class SetParamCommand(_SetValueCommand):
    """Set one parameter of a node.

    Parameters
    ----------
    network
        The document.
    node_id, name, value
        What to set.
    merge
        Whether this edit may merge with the previous one on the same parameter.
    """

    merge_id = MERGE_PARAM

    def __init__(
        self,
        network: Network,
        node_id: str,
        name: str,
        value: Any,
        merge: bool = False,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(network.node(node_id).params[name], value, merge, parent)
        self.network = network
        self.node_id = node_id
        self.name = name
        self.setText(f"Set {network.node(node_id).name}.{name}")

    def key(self) -> tuple:
        return (self.node_id, self.name)

    def apply(self, value: Any) -> None:
        self.network.set_param(self.node_id, self.name, value)


class SetSettingCommand(_SetValueCommand):
    """Set one simulation setting (``dt_ms``, ``duration_ms``...)."""

    merge_id = MERGE_SETTING

    def __init__(
        self,
        network: Network,
        name: str,
        value: Any,
        merge: bool = False,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(network.settings[name], value, merge, parent)
        self.network = network
        self.name = name
        self.setText(f"Set {name}")

    def key(self) -> tuple:
        return (self.name,)

    def apply(self, value: Any) -> None:
        self.network.set_setting(self.name, value)


class AddLinkCommand(QUndoCommand):
    """Wire ``source.source_port`` to ``target.target_port``.

    Check :meth:`problem` before pushing: a command whose redo fails must not reach the stack.
    """

    def __init__(
        self,
        network: Network,
        source: str,
        source_port: str,
        target: str,
        target_port: str,
        text: str | None = None,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(parent)
        self.network = network
        self.link = Link(new_id(), source, source_port, target, target_port)
        self.setText(text or f"Wire {network.node(source).name} to {network.node(target).name}")

    def problem(self) -> str | None:
        """Why the link cannot be added now, or ``None``."""
        link = self.link
        return self.network.connection_problem(
            link.source, link.source_port, link.target, link.target_port
        )

    def redo(self) -> None:
        self.network.insert_link(self.link)

    def undo(self) -> None:
        self.network.remove_link(self.link.id)


class ConnectGroupsCommand(QUndoCommand):
    """Wire spike source ``pre`` onto population ``post`` through a new projection node.

    The projection is placed at ``position`` (by default half-way between the two nodes) with
    default parameters, as :meth:`Network.connect_groups` makes it.
    """

    def __init__(
        self,
        network: Network,
        view: ViewState,
        pre: str,
        post: str,
        position: tuple[float, float],
        params: Mapping[str, Any] | None = None,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(parent)
        self.network = network
        self.view = view
        self.pre = pre
        self.post = post
        self.position = (float(position[0]), float(position[1]))
        self.params = dict(params or {})
        self.node: Node | None = None
        self.links: list[Link] = []
        self.setText(f"Connect {network.node(pre).name} to {network.node(post).name}")

    @property
    def projection_id(self) -> str | None:
        """Id of the inserted projection (known after the first redo)."""
        return self.node.id if self.node is not None else None

    def redo(self) -> None:
        if self.node is None:
            # First time: let the model build the projection exactly as connect_groups does,
            # then remember what it made, so that a later redo recreates the same ids.
            added: list[str] = []

            def on_added(node: Node) -> None:
                added.append(node.id)
                self.view.set_position(node.id, *self.position)

            self.network.events.connect("node_added", on_added)
            try:
                node = self.network.connect_groups(self.pre, self.post, self.params)
            finally:
                self.network.events.disconnect("node_added", on_added)
            self.node = _clone(node)
            self.links = self.network.links_of(node.id)
            return
        self.view.set_position(self.node.id, *self.position)
        self.network.insert_node(_clone(self.node))
        for link in self.links:
            self.network.insert_link(link)

    def undo(self) -> None:
        assert self.node is not None
        self.network.remove_node(self.node.id)
        self.view.remove_position(self.node.id)


class AddAnnotationCommand(QUndoCommand):
    """Add a note to the canvas."""

    def __init__(
        self, view: ViewState, annotation: Mapping[str, Any], parent: QUndoCommand | None = None
    ) -> None:
        super().__init__("Add note", parent)
        self.view = view
        self.annotation = dict(annotation)

    def redo(self) -> None:
        self.view.add_annotation(self.annotation)

    def undo(self) -> None:
        self.view.remove_annotation(self.annotation["id"])


class EditAnnotationCommand(QUndoCommand):
    """Change a note's text or size (``changes`` and ``previous`` hold the same keys)."""

    def __init__(
        self,
        view: ViewState,
        annotation_id: str,
        changes: Mapping[str, Any],
        previous: Mapping[str, Any] | None = None,
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.annotation_id = annotation_id
        self.changes = dict(changes)
        current = view.annotation(annotation_id)
        self.previous = dict(previous) if previous else {k: current[k] for k in changes}
        self.setText("Edit note" if "text" in changes else "Resize note")

    def redo(self) -> None:
        self.view.update_annotation(self.annotation_id, **self.changes)

    def undo(self) -> None:
        self.view.update_annotation(self.annotation_id, **self.previous)


class CompoundCommand(QUndoCommand):
    """One undo step made of several commands, run in order on redo and in reverse on undo.

    The parts are plain Python references, not Qt child commands: a Qt child created from
    Python would be deleted twice (once by its Qt parent, once by Python).
    """

    def __init__(self, text: str = "", parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self.parts: list[QUndoCommand] = []

    def add(self, command: QUndoCommand) -> QUndoCommand:
        """Append a part; returns it."""
        self.parts.append(command)
        return command

    def redo(self) -> None:
        for part in self.parts:
            part.redo()

    def undo(self) -> None:
        for part in reversed(self.parts):
            part.undo()


class SetPlasticityCommand(CompoundCommand):
    """Make rule node ``rule_id`` (or none, with ``""``) govern a projection.

    Removes the wire from the current rule, if any, and wires the new one; with ``new_type``
    a new rule node of that type is created first, at ``position``.
    """

    def __init__(
        self,
        network: Network,
        view: ViewState,
        projection_id: str,
        rule_id: str = "",
        new_type: str | None = None,
        position: tuple[float, float] = (0.0, 0.0),
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(parent=parent)
        old = network.links_into(projection_id, "plasticity")
        if old:
            self.add(RemoveItemsCommand(network, view, link_ids=[lk.id for lk in old]))
        self.rule_id = rule_id
        rule_type = network.node_type(rule_id) if rule_id else None
        if new_type is not None:
            add = self.add(AddNodeCommand(network, view, new_type, position))
            self.rule_id = add.node_id
            rule_type = network.catalog.get(new_type)
        if rule_type is not None:
            port = next(p.name for p in rule_type.outputs if p.kind == "rule")
            self.add(
                AddLinkCommand(
                    network, self.rule_id, port, projection_id, "plasticity", text="Wire rule"
                )
            )
        name = network.node(projection_id).name
        self.setText(f"Set plasticity of {name}" if self.rule_id else f"Make {name} static")
