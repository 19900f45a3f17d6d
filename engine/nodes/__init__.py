"""Built-in node types. Importing this package registers them in :data:`engine.model.catalog.CATALOG`.

One module per family; adding a node type means adding its declaration here, its builder in
:mod:`engine.sim.builders` and, for a new neuron model, its kernel branch.
"""

from engine.nodes import encoders, plasticity, populations, projections, recorders

__all__ = ["encoders", "plasticity", "populations", "projections", "recorders"]
