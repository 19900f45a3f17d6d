"""Neuron populations."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from engine.errors import ValidationError
from engine.model.catalog import CATALOG, NodeType, Port
from engine.model.params import ParamSpec
from engine.nodes.common import all_checks, shape_param, shape_problems, size_param

POPULATION_PORTS = (
    Port("synapses", "synapses", "in", multi=True, doc="Incoming projections"),
    Port("current", "current", "in", multi=True, doc="Injected currents"),
    Port("out", "spikes", "out", doc="Spikes of the population"),
)


def highest(value: Any) -> float:
    """The largest value a parameter can take (a number, or a distribution's support)."""
    if isinstance(value, Mapping):
        return value.get("high", value.get("mean", 0.0) if value.get("std", 0) == 0 else math.inf)
    return value


def lowest(value: Any) -> float:
    """The smallest value a parameter can take."""
    if isinstance(value, Mapping):
        return value.get("low", value.get("mean", 0.0) if value.get("std", 0) == 0 else -math.inf)
    return value


def _reset_below_threshold(params: Mapping[str, Any]) -> list[ValidationError]:
    if highest(params["v_reset"]) >= lowest(params["v_th"]):
        return [ValidationError("must be below v_th for every neuron (also across their "
                                "distributions)", "v_reset")]  # fmt: skip
    return []


def _tau_m() -> ParamSpec:
    return ParamSpec("tau_m", 10.0, "ms", "Membrane time constant", low=0.0,
                     low_inclusive=False, high=1e5, allow_distribution=True)  # fmt: skip


def _e_l() -> ParamSpec:
    return ParamSpec("e_l", -70.0, "mV", "Resting (leak reversal) potential", low=-200.0,
                     high=100.0, allow_distribution=True)  # fmt: skip


def _integrate_and_fire_params() -> tuple[ParamSpec, ...]:
    """Capacitance, threshold, reset, refractoriness, bias and initial state."""
    return (
        ParamSpec("c_m", 250.0, "pF", "Membrane capacitance", low=0.0, low_inclusive=False,
                  high=1e6, allow_distribution=True),
        ParamSpec("v_th", -55.0, "mV", "Spike threshold", low=-200.0, high=100.0,
                  allow_distribution=True),
        ParamSpec("v_reset", -70.0, "mV", "Potential after a spike", low=-200.0, high=100.0,
                  allow_distribution=True),
        ParamSpec("t_ref", 2.0, "ms", "Refractory period", low=0.0, high=1e4,
                  allow_distribution=True),
        ParamSpec("i_e", 0.0, "pA", "Constant bias current", low=-1e6, high=1e6, live=True,
                  allow_distribution=True),
        ParamSpec("v_init", -70.0, "mV", "Initial membrane potential", low=-200.0, high=100.0,
                  allow_distribution=True),
    )  # fmt: skip


_SYNAPSES_DOC = (
    "  dI_syn,k/dt = -I_syn,k / tau_syn,k   (one current per synaptic time constant)\n"
    "When V >= V_th: a spike, V <- V_reset, and V is held there for t_ref.\n"
    "Integrated exactly (exponential propagators) for inputs constant over a step. Every "
    "parameter but the size may differ between neurons (a distribution); when tau_m or C_m "
    "do, or conductance synapses arrive, the population is integrated with RK4 sub-steps "
    "of at most 0.01 ms instead."
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
        params=(size_param(), shape_param(), _tau_m(), _e_l(), *_integrate_and_fire_params()),
        state_vars={"v_m": "mV", "i_syn": "pA"},
        check=all_checks(_reset_below_threshold, shape_problems),
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
        params=(size_param(), shape_param(), *_integrate_and_fire_params()),
        state_vars={"v_m": "mV", "i_syn": "pA"},
        check=all_checks(_reset_below_threshold, shape_problems),
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
            "  tau_w dw/dt = -w,   w <- w + b at each spike\n"
            "The threshold may adapt too (homeostasis, as in Diehl & Cook 2015): it rises by "
            "theta_plus at each spike and relaxes back with tau_theta.\n" + _SYNAPSES_DOC
        ),
        ports=POPULATION_PORTS,
        params=(
            size_param(),
            shape_param(),
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
            ParamSpec(
                "theta_plus",
                0.0,
                "mV",
                "Rise of the threshold at each spike "
                "(homeostatic adaptive threshold; 0: fixed threshold)",
                low=0.0,
                high=1e3,
            ),
            ParamSpec(
                "tau_theta",
                1000.0,
                "ms",
                "Decay time constant of the threshold rise",
                low=0.0,
                low_inclusive=False,
                high=1e9,
            ),
        ),
        state_vars={"v_m": "mV", "w": "pA", "theta": "mV", "i_syn": "pA"},
        check=all_checks(_reset_below_threshold, shape_problems),
    )
)


def _v_init(default: float) -> ParamSpec:
    return ParamSpec("v_init", default, "mV", "Initial membrane potential", low=-200.0,
                     high=100.0, allow_distribution=True)  # fmt: skip


def _i_e() -> ParamSpec:
    return ParamSpec("i_e", 0.0, "pA", "Constant bias current", low=-1e6, high=1e6, live=True,
                     allow_distribution=True)  # fmt: skip


#: Izhikevich (2003), Fig. 2: the classic cortical firing classes.
IZHIKEVICH_PRESETS = {
    "regular spiking": {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0},
    "intrinsically bursting": {"a": 0.02, "b": 0.2, "c": -55.0, "d": 4.0},
    "chattering": {"a": 0.02, "b": 0.2, "c": -50.0, "d": 2.0},
    "fast spiking": {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0},
    "low-threshold spiking": {"a": 0.02, "b": 0.25, "c": -65.0, "d": 2.0},
}

IZHIKEVICH = CATALOG.register(
    NodeType(
        type_id="population.izhikevich",
        version=1,
        title="Izhikevich neurons",
        category="population",
        doc=(
            "Izhikevich (2003) simple model; u and currents are in pA with an implied "
            "capacitance of 1 pF, so 1 pA moves v by 1 mV/ms.\n"
            "  dv/dt = 0.04 v^2 + 5 v + 140 - u + I_syn + I_e + I_stim\n"
            "  du/dt = a (b v - u)\n"
            "When v >= v_peak: a spike, v <- c, u <- u + d.\n"
            "Integrated like NEST's izhikevich (forward Euler on the start-of-step values); "
            "presets give the firing classes of the paper's Fig. 2; a, b, c, d and I_e may "
            "differ between neurons (distributions), as in the paper's network."
        ),
        ports=POPULATION_PORTS,
        params=(
            size_param(),
            shape_param(),
            ParamSpec(
                "a", 0.02, "1/ms", "Recovery rate of u", low=0.0, high=10.0, allow_distribution=True
            ),
            ParamSpec(
                "b",
                0.2,
                "nS",
                "Sensitivity of u to v",
                low=-10.0,
                high=10.0,
                allow_distribution=True,
            ),
            ParamSpec(
                "c",
                -65.0,
                "mV",
                "Potential after a spike",
                low=-200.0,
                high=100.0,
                allow_distribution=True,
            ),
            ParamSpec(
                "d",
                8.0,
                "pA",
                "Increment of u at a spike",
                low=-1e4,
                high=1e4,
                allow_distribution=True,
            ),
            ParamSpec("v_peak", 30.0, "mV", "Spike cut-off", low=-100.0, high=200.0),
            _i_e(),
            _v_init(-65.0),
            ParamSpec(
                "u_init",
                None,
                "pA",
                "Initial u (empty: b * v_init)",
                low=-1e4,
                high=1e4,
                optional=True,
            ),
        ),
        state_vars={"v_m": "mV", "u": "pA", "i_syn": "pA"},
        presets=IZHIKEVICH_PRESETS,
        check=shape_problems,
    )
)


def _adex_check(params: Mapping[str, Any]) -> list[ValidationError]:
    if params["v_peak"] <= params["v_th"]:
        return [ValidationError(f"must be above v_th ({params['v_th']} mV)", "v_peak")]
    if params["v_reset"] >= params["v_peak"]:
        return [ValidationError(f"must be below v_peak ({params['v_peak']} mV)", "v_reset")]
    return []


ADEX = CATALOG.register(
    NodeType(
        type_id="population.adex",
        version=1,
        title="AdEx neurons",
        category="population",
        doc=(
            "Adaptive exponential integrate-and-fire (Brette & Gerstner 2005), defaults as "
            "NEST's aeif_psc_exp.\n"
            "  C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th) / Delta_T) - w + I\n"
            "  tau_w dw/dt = a (V - E_L) - w\n"
            "When V >= v_peak: a spike, V <- v_reset, w <- w + b; V is clamped for t_ref.\n"
            "Integrated with RK4 on sub-steps of at most 0.01 ms."
        ),
        ports=POPULATION_PORTS,
        params=(
            size_param(),
            shape_param(),
            ParamSpec(
                "c_m", 281.0, "pF", "Membrane capacitance", low=0.0, low_inclusive=False, high=1e6
            ),
            ParamSpec(
                "g_l", 30.0, "nS", "Leak conductance", low=0.0, low_inclusive=False, high=1e6
            ),
            ParamSpec("e_l", -70.6, "mV", "Leak reversal potential", low=-200.0, high=100.0),
            ParamSpec(
                "v_th", -50.4, "mV", "Spike initiation threshold (V_T)", low=-200.0, high=100.0
            ),
            ParamSpec(
                "delta_t",
                2.0,
                "mV",
                "Slope factor of the spike upstroke",
                low=0.0,
                low_inclusive=False,
                high=100.0,
            ),
            ParamSpec("v_peak", 0.0, "mV", "Spike detection threshold", low=-200.0, high=200.0),
            ParamSpec("v_reset", -60.0, "mV", "Potential after a spike", low=-200.0, high=100.0),
            ParamSpec("t_ref", 0.0, "ms", "Refractory period (V clamped)", low=0.0, high=1e4),
            ParamSpec(
                "tau_w",
                144.0,
                "ms",
                "Adaptation time constant",
                low=0.0,
                low_inclusive=False,
                high=1e5,
            ),
            ParamSpec("a", 4.0, "nS", "Subthreshold adaptation", low=-1e4, high=1e4),
            ParamSpec("b", 80.5, "pA", "Spike-triggered adaptation", low=-1e5, high=1e5),
            _i_e(),
            _v_init(-70.6),
        ),
        state_vars={"v_m": "mV", "w": "pA", "i_syn": "pA"},
        check=all_checks(_adex_check, shape_problems),
    )
)

HODGKIN_HUXLEY = CATALOG.register(
    NodeType(
        type_id="population.hh",
        version=1,
        title="Hodgkin-Huxley neurons",
        category="population",
        doc=(
            "Hodgkin & Huxley (1952) squid axon, parameters as NEST's hh_psc_alpha (membrane "
            "area 100 um^2 scaled: C_m = 100 pF).\n"
            "  C_m dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) + I\n"
            "  dx/dt = alpha_x(V) (1 - x) - beta_x(V) x   for x = m, h, n\n"
            "A spike is the peak of an excursion above 0 mV; none is counted for t_ref after "
            "it. Integrated with RK4 on sub-steps of at most 0.01 ms; gates start at rest."
        ),
        ports=POPULATION_PORTS,
        params=(
            size_param(),
            shape_param(),
            ParamSpec(
                "c_m", 100.0, "pF", "Membrane capacitance", low=0.0, low_inclusive=False, high=1e6
            ),
            ParamSpec("g_na", 12000.0, "nS", "Sodium peak conductance", low=0.0, high=1e7),
            ParamSpec("g_k", 3600.0, "nS", "Potassium peak conductance", low=0.0, high=1e7),
            ParamSpec("g_l", 30.0, "nS", "Leak conductance", low=0.0, high=1e6),
            ParamSpec("e_na", 50.0, "mV", "Sodium reversal potential", low=-200.0, high=200.0),
            ParamSpec("e_k", -77.0, "mV", "Potassium reversal potential", low=-200.0, high=200.0),
            ParamSpec("e_l", -54.402, "mV", "Leak reversal potential", low=-200.0, high=200.0),
            ParamSpec(
                "t_ref", 2.0, "ms", "Time after a spike in which none is counted", low=0.0, high=1e4
            ),
            _i_e(),
            _v_init(-65.0),
        ),
        state_vars={"v_m": "mV", "m": "", "h": "", "n": "", "i_syn": "pA"},
        check=shape_problems,
    )
)

SRM0 = CATALOG.register(
    NodeType(
        type_id="population.srm0",
        version=1,
        title="SRM0 neurons",
        category="population",
        doc=(
            "Spike response model SRM0 (Gerstner & Kistler 2002) with exponential kernels: the "
            "input is filtered by the membrane kernel and never reset; each spike adds an "
            "after-potential eta(t) = -eta_0 exp(-t / tau_eta).\n"
            "  u(t) = E_L + sum_f eta(t - t_f) + [membrane-filtered input]\n"
            "  the filtered input obeys C_m dV/dt = -(C_m / tau_m)(V - E_L) + I_syn + I_e\n"
            "A spike when u >= V_th; no input is integrated for t_ref after it. The recordable "
            "'theta' is the summed after-potential with its sign flipped (-eta).\n" + _SYNAPSES_DOC
        ),
        ports=POPULATION_PORTS,
        params=(
            size_param(),
            shape_param(),
            _tau_m(),
            _e_l(),
            ParamSpec(
                "c_m", 250.0, "pF", "Membrane capacitance", low=0.0, low_inclusive=False, high=1e6
            ),
            ParamSpec("v_th", -55.0, "mV", "Spike threshold", low=-200.0, high=100.0),
            ParamSpec("eta_0", 15.0, "mV", "Depth of the after-potential", low=0.0, high=1e3),
            ParamSpec(
                "tau_eta",
                10.0,
                "ms",
                "Decay time constant of the after-potential",
                low=0.0,
                low_inclusive=False,
                high=1e5,
            ),
            ParamSpec("t_ref", 2.0, "ms", "Absolute refractory period", low=0.0, high=1e4),
            _i_e(),
            _v_init(-70.0),
        ),
        state_vars={"v_m": "mV", "theta": "mV", "i_syn": "pA"},
        check=shape_problems,
    )
)

RELAY = CATALOG.register(
    NodeType(
        type_id="population.relay",
        version=1,
        title="Relay (parrot) neurons",
        category="population",
        doc=(
            "Neurons that repeat their input: a relay neuron spikes in every time step in which "
            "a spike with positive weight reaches it, stamped with the arrival time (as NEST's "
            "parrot_neuron, but at most one spike per step). Useful to give a Poisson or "
            "file input its own population (to record it, to delay it, or to let plasticity "
            "see it as a presynaptic group). It listens to static projections."
        ),
        ports=POPULATION_PORTS[:1] + POPULATION_PORTS[2:],
        params=(size_param(), shape_param()),
        state_vars={},
        check=shape_problems,
    )
)
