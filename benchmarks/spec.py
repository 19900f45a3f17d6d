"""The benchmark models, defined once for every implementation.

Plain Python (no numpy, no SpikeStudio import): :mod:`make_networks` turns these numbers into
project files, and the peer runners (``run_brian2.py``, ``run_nest.py``) import this module
from the peers' own environment to build the same models in Brian2 and NEST.

Units follow NEST and SpikeStudio: mV, ms, pF, pA, nS. Brian2's CUBA example adds weights in
mV to a variable that enters ``dv/dt = (ge + gi - (v - El)) / tau_m``; a current-based LIF
``C dv/dt = -(C / tau_m)(v - El) + I`` gets the same drive from ``I = ge C / tau_m``, so a
weight of ``w`` mV is ``w C / tau_m`` pA (:func:`mv_to_pa`).
"""

from __future__ import annotations

#: Simulation settings shared by every benchmark.
DT_MS = 0.1
DURATION_MS = 1000.0

#: CUBA (Vogels & Abbott 2005; Brette et al. 2007 benchmark 2).
CUBA = {
    "tau_m": 20.0,  # ms
    "c_m": 200.0,  # pF: only sets the mV -> pA conversion; the dynamics do not depend on it
    "e_l": -49.0,  # mV
    "v_th": -50.0,  # mV
    "v_reset": -60.0,  # mV
    "t_ref": 5.0,  # ms
    "tau_e": 5.0,  # ms
    "tau_i": 10.0,  # ms
    "w_e_mv": 60 * 0.27 / 10,  # mV
    "w_i_mv": -20 * 4.5 / 10,  # mV
    "synapses_per_neuron": 80.0,
    "exc_fraction": 0.8,
    "delay_ms": 0.1,
}

#: COBA (Brette et al. 2007 benchmark 1, as Brian2's COBA benchmark example): conductance-based
#: exponential synapses, a constant drive of 20 mV (200 pA through g_L = 10 nS).
COBA = {
    "tau_m": 20.0,  # ms
    "c_m": 200.0,  # pF
    "g_l": 10.0,  # nS: c_m / tau_m
    "e_l": -60.0,  # mV
    "v_th": -50.0,  # mV
    "v_reset": -60.0,  # mV
    "t_ref": 5.0,  # ms
    "i_e": 200.0,  # pA: Brian2's I = 20 mV times g_L
    "tau_e": 5.0,  # ms
    "tau_i": 10.0,  # ms
    "e_e": 0.0,  # mV
    "e_i": -80.0,  # mV
    "g_e": 6.0,  # nS: Brian2's we = 6/10 in units of g_L
    "g_i": 67.0,  # nS: Brian2's wi = 67/10 in units of g_L
    "synapses_per_neuron": 80.0,
    "exc_fraction": 0.8,
    "delay_ms": 0.1,
}

#: Pair STDP on the excitatory -> excitatory projection of CUBA (additive, all pairs). Small
#: steps keep the network in CUBA's regime over 1 s, so rates stay comparable: the benchmark
#: measures the cost of plasticity, not a change of dynamics.
STDP = {
    "tau_plus": 20.0,  # ms
    "tau_minus": 20.0,  # ms
    "a_plus_pa": 0.1,  # pA, about 0.6 % of the CUBA excitatory weight
    "a_minus_pa": 0.105,  # pA
    "w_min_pa": 0.0,
    "w_max_pa": 2.0 * 60 * 0.27 / 10 * 200.0 / 20.0,  # pA: twice the initial weight
}

#: Heterogeneous delays: every CUBA projection with delays uniform in [low, high] ms.
DELAYS = {"low_ms": 1.0, "high_ms": 10.0}

#: name -> (model family, default sizes, project file stem).
BENCHMARKS = {
    "cuba": ("cuba", (4000, 16000, 64000, 256000), "cuba_{n}"),
    "coba": ("coba", (4000,), "coba_{n}"),
    "stdp": ("stdp", (4000,), "stdp_cuba_{n}"),
    "delays": ("delays", (4000,), "delays_cuba_{n}"),
}

#: Rates (Hz) a correct CUBA shows in every implementation (performance-anchors.md).
CUBA_RATE_HZ = (5.5, 5.9)


def mv_to_pa(w_mv: float, params: dict = CUBA) -> float:
    """A Brian2-style weight in mV as the equivalent current jump in pA (``w C / tau_m``)."""
    return w_mv * params["c_m"] / params["tau_m"]


def split(n: int, params: dict = CUBA) -> tuple[int, int]:
    """Sizes of the excitatory and inhibitory populations of an ``n``-neuron network."""
    n_exc = int(n * params["exc_fraction"])
    return n_exc, n - n_exc


def connection_probability(n: int, params: dict = CUBA) -> float:
    """``p`` that gives about ``synapses_per_neuron`` synapses per neuron at any ``n``."""
    return min(1.0, params["synapses_per_neuron"] / n)


def project_stem(name: str, n: int) -> str:
    """File stem of a benchmark network (``cuba_4000``, ``stdp_cuba_4000``...)."""
    return BENCHMARKS[name][2].format(n=n)
