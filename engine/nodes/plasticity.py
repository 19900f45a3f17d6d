"""Plasticity rules: visible graph elements wired to the projections they govern."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import ValidationError
from engine.model.catalog import CATALOG, NodeType, Port
from engine.model.params import ParamSpec


def _bounds_check(params: Mapping[str, Any]) -> list[ValidationError]:
    if params["w_min"] >= params["w_max"]:
        return [ValidationError(f"must be above w_min ({params['w_min']} pA)", "w_max")]
    return []


STDP_PAIR = CATALOG.register(
    NodeType(
        type_id="plasticity.stdp_pair",
        version=1,
        title="Pair STDP",
        category="plasticity",
        doc=(
            "Pair-based spike-timing-dependent plasticity, all pairs interacting "
            "(Song, Miller & Abbott 2000; Bi & Poo 1998). For a presynaptic spike arriving at "
            "t_pre and a postsynaptic spike at t_post, with dt = t_post - t_pre:\n"
            "  dt > 0: w += A+ exp(-dt / tau_plus) * f+(w)\n"
            "  dt < 0: w -= A- exp(dt / tau_minus) * f-(w)\n"
            "additive: f+ = f- = 1, weights clipped to [w_min, w_max];\n"
            "multiplicative (soft bounds): f+ = (w_max - w) / (w_max - w_min), "
            "f- = (w - w_min) / (w_max - w_min).\n"
            "Spikes at the same time step do not interact. Implemented with traces, updated "
            "only at spikes (event-driven, exact)."
        ),
        ports=(Port("out", "rule", "out", doc="To the projections this rule governs"),),
        params=(
            ParamSpec(
                "tau_plus",
                20.0,
                "ms",
                "Time constant of potentiation",
                low=0.0,
                low_inclusive=False,
                high=1e5,
            ),
            ParamSpec(
                "tau_minus",
                20.0,
                "ms",
                "Time constant of depression",
                low=0.0,
                low_inclusive=False,
                high=1e5,
            ),
            ParamSpec(
                "a_plus",
                1.0,
                "pA",
                "Weight change of a pre-then-post pair at dt = 0+",
                low=0.0,
                high=1e6,
                live=True,
            ),
            ParamSpec(
                "a_minus",
                1.05,
                "pA",
                "Weight change of a post-then-pre pair at dt = 0-",
                low=0.0,
                high=1e6,
                live=True,
            ),
            ParamSpec("w_min", 0.0, "pA", "Lowest weight", low=-1e6, high=1e6),
            ParamSpec("w_max", 200.0, "pA", "Highest weight", low=-1e6, high=1e6),
            ParamSpec(
                "mode",
                "additive",
                "",
                "How the change depends on the weight",
                kind="choice",
                choices=("additive", "multiplicative"),
            ),
        ),
        check=_bounds_check,
    )
)
