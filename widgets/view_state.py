"""The view half of a project (node positions, canvas annotations, zoom), with change events.

:class:`~engine.model.project.Project` keeps view state in a plain ``view`` dict that has no
events, so the canvas could not follow undo and redo of a move. :class:`ViewState` wraps that
dict: commands change positions and annotations only through it, it writes the change into the
dict (what gets saved) and emits an event that the scene follows, exactly as the network does
for nodes and links. It is Qt-free.

Layout of the dict, as saved in ``.snnproj`` files::

    positions    {node_id: [x, y]}   top-left corner of the node on the canvas
    annotations  [{"id", "text", "x", "y", "width", "height"}, ...]
    zoom         view scale (1.0 = 100 %)
    center       [x, y] of the canvas point in the middle of the view
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from engine.model.network import EventEmitter, new_id
from engine.model.project import empty_view

#: Events a :class:`ViewState` emits, with the keyword arguments each carries.
VIEW_EVENTS = {
    "position_changed": ("node_id", "position"),
    "position_removed": ("node_id",),
    "annotation_added": ("annotation",),
    "annotation_removed": ("annotation",),
    "annotation_changed": ("annotation",),
}

ANNOTATION_KEYS = ("id", "text", "x", "y", "width", "height")
DEFAULT_ANNOTATION_SIZE = (220.0, 90.0)
MIN_ANNOTATION_SIZE = (60.0, 30.0)


def make_annotation(
    text: str,
    x: float,
    y: float,
    width: float = DEFAULT_ANNOTATION_SIZE[0],
    height: float = DEFAULT_ANNOTATION_SIZE[1],
    annotation_id: str | None = None,
) -> dict[str, Any]:
    """A new annotation (a text box on the canvas) as stored in the project file."""
    return {
        "id": annotation_id or new_id(),
        "text": str(text),
        "x": float(x),
        "y": float(y),
        "width": max(MIN_ANNOTATION_SIZE[0], float(width)),
        "height": max(MIN_ANNOTATION_SIZE[1], float(height)),
    }


def clean_annotation(entry: Any) -> dict[str, Any] | None:
    """A well-formed copy of an annotation read from a file or the clipboard, or ``None``."""
    if not isinstance(entry, Mapping):
        return None
    try:
        numbers = [float(entry.get(k, d)) for k, d in (("x", 0), ("y", 0))]
        width = float(entry.get("width", DEFAULT_ANNOTATION_SIZE[0]))
        height = float(entry.get("height", DEFAULT_ANNOTATION_SIZE[1]))
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (*numbers, width, height)):
        return None
    text = entry.get("text", "")
    if not isinstance(text, str):
        return None
    annotation_id = entry.get("id")
    if not isinstance(annotation_id, str) or not annotation_id:
        annotation_id = None
    return make_annotation(text, numbers[0], numbers[1], width, height, annotation_id)


class ViewState:
    """Positions and annotations of one project, kept in ``project.view``.

    Parameters
    ----------
    view
        The project's ``view`` dict; it is updated in place, so saving the project saves the
        current view. Missing keys are filled with defaults.
    """

    def __init__(self, view: dict[str, Any]) -> None:
        defaults = empty_view()
        for key, value in defaults.items():
            view.setdefault(key, value)
        if not isinstance(view.get("positions"), dict):
            view["positions"] = {}
        annotations = view.get("annotations")
        if not isinstance(annotations, list):
            annotations = []
        view["annotations"] = [a for a in map(clean_annotation, annotations) if a is not None]
        self.view = view
        self.events = EventEmitter(VIEW_EVENTS)

    # -- positions ---------------------------------------------------------------------------
    def position(self, node_id: str) -> tuple[float, float] | None:
        """Top-left corner of node ``node_id`` on the canvas, or ``None`` if it has none."""
        pos = self.view["positions"].get(node_id)
        if pos is None:
            return None
        return float(pos[0]), float(pos[1])

    def set_position(self, node_id: str, x: float, y: float) -> None:
        """Place a node; emits ``position_changed`` if it moved."""
        new = [float(x), float(y)]
        if not all(math.isfinite(v) for v in new):
            raise ValueError(f"position must be finite, got {new}")
        if self.view["positions"].get(node_id) == new:
            return
        self.view["positions"][node_id] = new
        self.events.emit("position_changed", node_id=node_id, position=(new[0], new[1]))

    def remove_position(self, node_id: str) -> tuple[float, float] | None:
        """Forget a node's position (when the node goes); returns what it was."""
        pos = self.view["positions"].pop(node_id, None)
        if pos is None:
            return None
        self.events.emit("position_removed", node_id=node_id)
        return float(pos[0]), float(pos[1])

    # -- annotations -------------------------------------------------------------------------
    @property
    def annotations(self) -> list[dict[str, Any]]:
        """Annotations in drawing order (copies; change them through this object)."""
        return [dict(a) for a in self.view["annotations"]]

    def annotation(self, annotation_id: str) -> dict[str, Any]:
        """A copy of one annotation; raises ``KeyError`` if there is none with this id."""
        return dict(self._find(annotation_id)[1])

    def _find(self, annotation_id: str) -> tuple[int, dict[str, Any]]:
        for index, entry in enumerate(self.view["annotations"]):
            if entry["id"] == annotation_id:
                return index, entry
        raise KeyError(f"no annotation with id {annotation_id!r}")

    def add_annotation(self, annotation: Mapping[str, Any], index: int | None = None) -> None:
        """Add an annotation (at ``index`` in drawing order, default on top)."""
        entry = clean_annotation(annotation)
        if entry is None or entry["id"] != annotation.get("id", entry["id"]):
            raise ValueError(f"malformed annotation: {annotation!r}")
        if any(a["id"] == entry["id"] for a in self.view["annotations"]):
            raise ValueError(f"an annotation with id {entry['id']!r} already exists")
        items = self.view["annotations"]
        items.insert(len(items) if index is None else index, entry)
        self.events.emit("annotation_added", annotation=dict(entry))

    def remove_annotation(self, annotation_id: str) -> tuple[dict[str, Any], int]:
        """Remove an annotation; returns it and its index so that undo can put it back."""
        index, entry = self._find(annotation_id)
        del self.view["annotations"][index]
        self.events.emit("annotation_removed", annotation=dict(entry))
        return dict(entry), index

    def update_annotation(self, annotation_id: str, **changes: Any) -> None:
        """Change text, position or size of an annotation; emits ``annotation_changed``."""
        unknown = set(changes) - set(ANNOTATION_KEYS[1:])
        if unknown:
            raise ValueError(f"unknown annotation keys: {sorted(unknown)}")
        index, entry = self._find(annotation_id)
        candidate = clean_annotation({**entry, **changes})
        if candidate is None:
            raise ValueError(f"malformed annotation change: {changes!r}")
        if candidate == entry:
            return
        self.view["annotations"][index] = candidate
        self.events.emit("annotation_changed", annotation=dict(candidate))

    # -- camera (not undoable, no events) ------------------------------------------------------
    @property
    def zoom(self) -> float:
        """Saved zoom of the canvas (1.0 = 100 %)."""
        zoom = self.view.get("zoom", 1.0)
        return float(zoom) if isinstance(zoom, int | float) and zoom > 0 else 1.0

    @property
    def center(self) -> tuple[float, float] | None:
        """Saved scene point at the centre of the view, or ``None``."""
        center = self.view.get("center")
        if isinstance(center, list | tuple) and len(center) == 2:
            return float(center[0]), float(center[1])
        return None

    def set_camera(self, zoom: float, center: tuple[float, float]) -> None:
        """Remember the zoom and the centre of the view (saved with the project)."""
        if zoom > 0 and math.isfinite(zoom) and all(math.isfinite(c) for c in center):
            self.view["zoom"] = float(zoom)
            self.view["center"] = [float(center[0]), float(center[1])]

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of the view dict (for tests and comparisons)."""
        return copy.deepcopy(self.view)
