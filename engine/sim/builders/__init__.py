"""The builders of every built-in node type; importing this package registers them."""

from engine.sim.builders import encoders, neurons, plasticity, projections, recorders

__all__ = ["encoders", "neurons", "plasticity", "projections", "recorders"]
