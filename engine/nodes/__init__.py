"""Built-in node types; importing this package registers them in the catalog.

One module per family; adding a node type means adding its declaration here, its builder in
:mod:`engine.sim.builders` and, for a new neuron model, its kernel branch.
"""

from engine.nodes import encoders, plasticity, populations, projections, recorders

__all__ = ["encoders", "plasticity", "populations", "projections", "recorders"]
