"""Plasticity rules and neuromodulators: visible graph elements wired to what they govern."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import ValidationError
from engine.model.catalog import CATALOG, NodeType, Port
from engine.model.params import ParamSpec

RULE_OUT = Port("out", "rule", "out", doc="To the projections this rule governs")


def _bounds_check(params: Mapping[str, Any]) -> list[ValidationError]:
    if params["w_min"] >= params["w_max"]:
        return [ValidationError(f"must be above w_min ({params['w_min']} pA)", "w_max")]
    return []


def _tau(name: str, default: float, doc: str) -> ParamSpec:
    return ParamSpec(name, default, "ms", doc, low=0.0, low_inclusive=False, high=1e7)


def _amplitude(name: str, default: float, doc: str) -> ParamSpec:
    return ParamSpec(name, default, "pA", doc, low=0.0, high=1e6, live=True)


def _weight_bounds(w_max: float = 200.0) -> tuple[ParamSpec, ParamSpec]:
    return (
        ParamSpec("w_min", 0.0, "pA", "Lowest weight", low=-1e6, high=1e6),
        ParamSpec("w_max", w_max, "pA", "Highest weight", low=-1e6, high=1e6),
    )


def _mode() -> ParamSpec:
    return ParamSpec("mode", "additive", "", "How the change depends on the weight",
                     kind="choice", choices=("additive", "multiplicative"))  # fmt: skip


_PAIR_WINDOW = (
    "  dt > 0: w += A+ exp(-dt / tau_plus) * f+(w)\n  dt < 0: w -= A- exp(dt / tau_minus) * f-(w)\n"
)
_WEIGHT_DEPENDENCE = (
    "additive: f+ = f- = 1, weights clipped to [w_min, w_max];\n"
    "multiplicative (soft bounds): f+ = (w_max - w) / (w_max - w_min), "
    "f- = (w - w_min) / (w_max - w_min).\n"
    "Spikes at the same time step do not interact. Implemented with traces, updated "
    "only at spikes (event-driven, exact)."
)

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
            + _PAIR_WINDOW
            + _WEIGHT_DEPENDENCE
        ),
        ports=(RULE_OUT,),
        params=(
            _tau("tau_plus", 20.0, "Time constant of potentiation"),
            _tau("tau_minus", 20.0, "Time constant of depression"),
            _amplitude("a_plus", 1.0, "Weight change of a pre-then-post pair at dt = 0+"),
            _amplitude("a_minus", 1.05, "Weight change of a post-then-pre pair at dt = 0-"),
            *_weight_bounds(),
            _mode(),
        ),
        check=_bounds_check,
    )
)

STDP_TRIPLET = CATALOG.register(
    NodeType(
        type_id="plasticity.stdp_triplet",
        version=1,
        title="Triplet STDP",
        category="plasticity",
        doc=(
            "Triplet STDP, all-to-all interactions (Pfister & Gerstner 2006). Presynaptic "
            "traces r1 (tau_plus), r2 (tau_x) and postsynaptic traces o1 (tau_minus), o2 "
            "(tau_y) jump by 1 at each spike and decay exponentially; with the values just "
            "before the spike:\n"
            "  at a postsynaptic spike:  w += r1 (A2+ + A3+ o2)\n"
            "  at a presynaptic arrival: w -= o1 (A2- + A3- r2)\n"
            "With A3+ = A3- = 0 it is pair STDP. Defaults: the paper's visual-cortex all-to-all "
            "fit, with weights scaled to w_max = 100 pA. " + _WEIGHT_DEPENDENCE
        ),
        ports=(RULE_OUT,),
        params=(
            _tau("tau_plus", 16.8, "Time constant of the presynaptic pair trace r1"),
            _tau("tau_minus", 33.7, "Time constant of the postsynaptic pair trace o1"),
            _tau("tau_x", 101.0, "Time constant of the presynaptic triplet trace r2"),
            _tau("tau_y", 125.0, "Time constant of the postsynaptic triplet trace o2"),
            _amplitude("a_plus", 5e-8, "Pair potentiation amplitude A2+"),
            _amplitude("a3_plus", 0.62, "Triplet potentiation amplitude A3+"),
            _amplitude("a_minus", 0.7, "Pair depression amplitude A2-"),
            _amplitude("a3_minus", 0.023, "Triplet depression amplitude A3-"),
            *_weight_bounds(100.0),
            _mode(),
        ),
        check=_bounds_check,
    )
)

REWARD_STDP = CATALOG.register(
    NodeType(
        type_id="plasticity.reward_stdp",
        version=1,
        title="Reward-modulated STDP",
        category="plasticity",
        doc=(
            "Reward-modulated STDP (Izhikevich 2007): pair STDP does not change the weight "
            "but an eligibility trace c per synapse, which decays with tau_c; the weight "
            "follows the product of c and the neuromodulator d wired to 'modulator':\n"
            "  dc/dt = -c / tau_c + STDP(pairs),   dw/dt = eta * c * d\n"
            "The STDP pairs use the pair window:\n"
            + _PAIR_WINDOW
            + "Weights are clipped to [w_min, w_max]; integrated once per time step."
        ),
        ports=(
            Port(
                "modulator", "modulation", "in", required=True, doc="The reward (dopamine) signal"
            ),
            RULE_OUT,
        ),
        params=(
            _tau("tau_plus", 20.0, "Time constant of potentiation"),
            _tau("tau_minus", 20.0, "Time constant of depression"),
            _amplitude("a_plus", 1.0, "Eligibility added by a pre-then-post pair at dt = 0+"),
            _amplitude("a_minus", 1.5, "Eligibility removed by a post-then-pre pair at dt = 0-"),
            _tau("tau_c", 1000.0, "Decay time constant of the eligibility trace"),
            ParamSpec(
                "eta",
                0.01,
                "1/ms",
                "Learning rate: weight change per unit of c * d",
                low=0.0,
                high=1e3,
                live=True,
            ),
            *_weight_bounds(),
        ),
        check=_bounds_check,
    )
)


SYNAPTIC_SCALING = CATALOG.register(
    NodeType(
        type_id="plasticity.synaptic_scaling",
        version=1,
        title="Synaptic scaling",
        category="plasticity",
        doc=(
            "Homeostatic synaptic scaling (Turrigiano 1998; van Rossum et al. 2000): every "
            "interval, each postsynaptic neuron's incoming weights are multiplied by\n"
            "  1 + eta * clip((target - rate) / target, -1, 1)\n"
            "where rate is the neuron's firing rate over that interval, so that rates drift "
            "towards the target (the relative error is clipped so that one interval changes "
            "weights by at most a factor 1 +- eta). Weights are clipped to [w_min, w_max]."
        ),
        ports=(RULE_OUT,),
        params=(
            ParamSpec(
                "target_hz",
                5.0,
                "Hz",
                "Target firing rate",
                low=0.0,
                low_inclusive=False,
                high=1e4,
                live=True,
            ),
            ParamSpec(
                "eta",
                0.1,
                "",
                "Fraction of the relative rate error corrected per interval",
                low=0.0,
                high=1.0,
                live=True,
            ),
            _tau("interval_ms", 1000.0, "How often weights are scaled"),
            *_weight_bounds(),
        ),
        check=_bounds_check,
    )
)

REWARD = CATALOG.register(
    NodeType(
        type_id="modulator.reward",
        version=1,
        title="Reward signal",
        category="modulator",
        doc=(
            "A neuromodulatory (dopamine-like) signal d(t) for reward-modulated plasticity: "
            "each reward adds 'amount' and the signal decays back to its baseline:\n"
            "  d(t) = baseline + sum_k amount exp(-(t - t_k) / tau_d)   for t >= t_k"
        ),
        ports=(Port("out", "modulation", "out", doc="To reward-modulated plasticity rules"),),
        params=(
            ParamSpec(
                "reward_times_ms", [500.0], "ms", "Times at which rewards are given", kind="times"
            ),
            ParamSpec("amount", 1.0, "", "Size of each reward", low=-1e6, high=1e6),
            _tau("tau_d", 200.0, "Decay time constant of the signal"),
            ParamSpec("baseline", 0.0, "", "Tonic level of the signal", low=-1e6, high=1e6),
        ),
    )
)
