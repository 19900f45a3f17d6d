"""A project: the network document plus what only views care about.

The model (nodes, links, simulation settings) lives in :class:`~engine.model.network.Network`;
the view state (node positions, zoom, plot choices, canvas annotations) lives in
:attr:`Project.view` and never affects a simulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.model.network import Network


def empty_view() -> dict[str, Any]:
    """View state of a new project."""
    return {"positions": {}, "zoom": 1.0, "center": [0.0, 0.0], "plots": [], "annotations": []}


@dataclass
class Project:
    """Everything a ``.snnproj`` file holds.

    Parameters
    ----------
    network
        The model.
    name
        Title shown in the window and reports.
    description
        Free text, e.g. what a classroom demo shows.
    view
        Positions ``{node_id: [x, y]}``, ``zoom``, ``center``, ``plots`` and ``annotations``.
    """

    network: Network = field(default_factory=Network)
    name: str = "Untitled"
    description: str = ""
    view: dict[str, Any] = field(default_factory=empty_view)
