"""Neuron populations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import ValidationError
from engine.model.catalog import CATALOG, NodeType, Port
from engine.model.params import ParamSpec
from engine.nodes.common import size_param

POPULATION_PORTS = (
    Port("synapses", "synapses", "in", multi=True, doc="Incoming projections"),
    Port("current", "current", "in", multi=True, doc="Injected currents"),
    Port("out", "spikes", "out", doc="Spikes of the population"),
)


def _lif_check(params: Mapping[str, Any]) -> list[ValidationError]:
    if params["v_reset"] >= params["v_th"]:
        return [ValidationError(f"must be below v_th ({params['v_th']} mV)", "v_reset")]
    return []


LIF = CATALOG.register(
    NodeType(
        type_id="population.lif",
        version=1,
        title="LIF neurons",
        category="population",
        doc=(
            "Leaky integrate-and-fire neurons with exponential current-based synapses "
            "(as NEST iaf_psc_exp).\n"
            "  C_m dV/dt = -(C_m / tau_m) (V - E_L) + I_syn + I_e + I_stim\n"
            "  dI_syn,k/dt = -I_syn,k / tau_syn,k   (one current per synaptic time constant)\n"
            "When V >= V_th: a spike, V <- V_reset, and V is held there for t_ref.\n"
            "Integrated exactly (exponential propagators) for inputs constant over a step."
        ),
        ports=POPULATION_PORTS,
        params=(
            size_param(),
            ParamSpec(
                "tau_m",
                10.0,
                "ms",
                "Membrane time constant",
                low=0.0,
                low_inclusive=False,
                high=1e5,
                live=False,
            ),
            ParamSpec(
                "c_m", 250.0, "pF", "Membrane capacitance", low=0.0, low_inclusive=False, high=1e6
            ),
            ParamSpec(
                "e_l", -70.0, "mV", "Resting (leak reversal) potential", low=-200.0, high=100.0
            ),
            ParamSpec("v_th", -55.0, "mV", "Spike threshold", low=-200.0, high=100.0),
            ParamSpec("v_reset", -70.0, "mV", "Potential after a spike", low=-200.0, high=100.0),
            ParamSpec("t_ref", 2.0, "ms", "Refractory period", low=0.0, high=1e4),
            ParamSpec("i_e", 0.0, "pA", "Constant bias current", low=-1e6, high=1e6, live=True),
            ParamSpec(
                "v_init",
                -70.0,
                "mV",
                "Initial membrane potential",
                low=-200.0,
                high=100.0,
                allow_distribution=True,
            ),
        ),
        state_vars={"v_m": "mV", "i_syn": "pA"},
        check=_lif_check,
    )
)
