"""The builders of every built-in node type; importing this package registers them."""

from engine.sim.builders import encoders, neurons, projections, recorders

__all__ = ["encoders", "neurons", "projections", "recorders"]
