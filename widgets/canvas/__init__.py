"""The node-graph canvas: scene, view and items."""
