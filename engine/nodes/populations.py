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


def _reset_below_threshold(params: Mapping[str, Any]) -> list[ValidationError]:
    if params["v_reset"] >= params["v_th"]:
        return [ValidationError(f"must be below v_th ({params['v_th']} mV)", "v_reset")]
    return []


def _tau_m() -> ParamSpec:
    return ParamSpec("tau_m", 10.0, "ms", "Membrane time constant", low=0.0,
                     low_inclusive=False, high=1e5)  # fmt: skip


def _e_l() -> ParamSpec:
    return ParamSpec("e_l", -70.0, "mV", "Resting (leak reversal) potential", low=-200.0,
                     high=100.0)  # fmt: skip


def _integrate_and_fire_params() -> tuple[ParamSpec, ...]:
    """Capacitance, threshold, reset, refractoriness, bias and initial state."""
    return (
        ParamSpec("c_m", 250.0, "pF", "Membrane capacitance", low=0.0, low_inclusive=False,
                  high=1e6),
        ParamSpec("v_th", -55.0, "mV", "Spike threshold", low=-200.0, high=100.0),
        ParamSpec("v_reset", -70.0, "mV", "Potential after a spike", low=-200.0, high=100.0),
        ParamSpec("t_ref", 2.0, "ms", "Refractory period", low=0.0, high=1e4),
        ParamSpec("i_e", 0.0, "pA", "Constant bias current", low=-1e6, high=1e6, live=True),
        ParamSpec("v_init", -70.0, "mV", "Initial membrane potential", low=-200.0, high=100.0,
                  allow_distribution=True),
    )  # fmt: skip


_SYNAPSES_DOC = (
    "  dI_syn,k/dt = -I_syn,k / tau_syn,k   (one current per synaptic time constant)\n"
    "When V >= V_th: a spike, V <- V_reset, and V is held there for t_ref.\n"
    "Integrated exactly (exponential propagators) for inputs constant over a step."
)

LIF = CATALOG.register(
    NodeType(
        type_id="population.lif",
        version=1,
        title="LIF neurons",
        category="population",
        doc=(
            "Leaky integrate-and-fire neurons with exponential current-based synapses "
            "(as NEST iaf_psc_exp).\n"
            "  C_m dV/dt = -(C_m / tau_m) (V - E_L) + I_syn + I_e + I_stim\n" + _SYNAPSES_DOC
        ),
        ports=POPULATION_PORTS,
        params=(size_param(), _tau_m(), _e_l(), *_integrate_and_fire_params()),
        state_vars={"v_m": "mV", "i_syn": "pA"},
        check=_reset_below_threshold,
    )
)

IF = CATALOG.register(
    NodeType(
        type_id="population.if",
        version=1,
        title="IF neurons (perfect integrator)",
        category="population",
        doc=(
            "Integrate-and-fire neurons without leak: the membrane sums its input.\n"
            "  C_m dV/dt = I_syn + I_e + I_stim\n" + _SYNAPSES_DOC
        ),
        ports=POPULATION_PORTS,
        params=(size_param(), *_integrate_and_fire_params()),
        state_vars={"v_m": "mV", "i_syn": "pA"},
        check=_reset_below_threshold,
    )
)

ADAPTIVE_LIF = CATALOG.register(
    NodeType(
        type_id="population.adaptive_lif",
        version=1,
        title="Adaptive LIF neurons",
        category="population",
        doc=(
            "LIF neurons with spike-frequency adaptation: every spike adds b to an adaptation "
            "current w that decays with tau_w and is subtracted from the input.\n"
            "  C_m dV/dt = -(C_m / tau_m) (V - E_L) - w + I_syn + I_e + I_stim\n"
            "  tau_w dw/dt = -w,   w <- w + b at each spike\n" + _SYNAPSES_DOC
        ),
        ports=POPULATION_PORTS,
        params=(
            size_param(),
            _tau_m(),
            _e_l(),
            *_integrate_and_fire_params(),
            ParamSpec(
                "tau_w",
                100.0,
                "ms",
                "Decay time constant of the adaptation current",
                low=0.0,
                low_inclusive=False,
                high=1e5,
            ),
            ParamSpec(
                "b",
                50.0,
                "pA",
                "Increment of the adaptation current at each spike",
                low=0.0,
                high=1e6,
            ),
        ),
        state_vars={"v_m": "mV", "w": "pA", "i_syn": "pA"},
        check=_reset_below_threshold,
    )
)
