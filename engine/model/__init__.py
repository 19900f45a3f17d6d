"""The document model: node-type catalog, parameter specs, network and project."""
