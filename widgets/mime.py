"""MIME types the editor exchanges through drag and drop and the clipboard."""

from __future__ import annotations

#: A node type dragged from the palette; the payload is the type id in UTF-8.
NODE_TYPE_MIME = "application/x-spikestudio-node-type"

#: A copied piece of a network (nodes, wires, positions, notes) as JSON.
FRAGMENT_MIME = "application/x-spikestudio-fragment+json"

#: File name suffix of project files.
PROJECT_SUFFIX = ".snnproj"
