"""Projections: the synapses from one group of neurons onto a population."""

from __future__ import annotations

from engine.model.catalog import CATALOG, NodeType, Port
from engine.model.params import ParamSpec

CONNECTIVITY_RULES = ("all_to_all", "one_to_one", "fixed_probability")
SYNAPSE_MODELS = ("current_exp",)


SYNAPSES = CATALOG.register(
    NodeType(
        type_id="projection.synapses",
        version=1,
        title="Projection",
        category="projection",
        doc=(
            "Synapses from the neurons wired to 'pre' onto the population wired from 'post'. "
            "The connectivity rule draws the synapses (reproducibly, from the project seed and "
            "this node's id, or from its own seed); each synapse has a weight and a delay, "
            "which may be drawn from a distribution.\n"
            "current_exp: a spike arriving at time t adds the weight (pA) to a synaptic "
            "current that decays with tau_syn: I(t') = w exp(-(t' - t) / tau_syn). "
            "Negative weights are inhibitory.\n"
            "Delays are rounded to whole time steps, at least one."
        ),
        ports=(
            Port("pre", "spikes", "in", required=True, doc="The presynaptic neurons"),
            Port("plasticity", "rule", "in", doc="The plasticity rule that changes the weights"),
            Port("post", "synapses", "out", doc="Onto the target population"),
        ),
        params=(
            ParamSpec(
                "rule",
                "fixed_probability",
                "",
                "How synapses are drawn",
                kind="choice",
                choices=CONNECTIVITY_RULES,
            ),
            ParamSpec(
                "p",
                0.1,
                "",
                "Probability of each possible synapse",
                low=0.0,
                high=1.0,
                relevant_when={"rule": ("fixed_probability",)},
            ),
            ParamSpec(
                "autapses",
                False,
                "",
                "Allow a neuron to synapse onto itself (recurrent projections)",
                kind="bool",
                relevant_when={"rule": ("all_to_all", "fixed_probability")},
            ),
            ParamSpec(
                "synapse", "current_exp", "", "Synapse model", kind="choice", choices=SYNAPSE_MODELS
            ),
            ParamSpec(
                "weight",
                100.0,
                "pA",
                "Synaptic weight (negative: inhibitory)",
                low=-1e6,
                high=1e6,
                allow_distribution=True,
            ),
            ParamSpec(
                "delay_ms",
                1.0,
                "ms",
                "Transmission delay",
                low=0.0,
                low_inclusive=False,
                high=1000.0,
                allow_distribution=True,
            ),
            ParamSpec(
                "tau_syn",
                2.0,
                "ms",
                "Decay time constant of the synaptic current",
                low=0.0,
                low_inclusive=False,
                high=1e4,
            ),
            ParamSpec(
                "seed",
                None,
                "",
                "Seed of this projection's connectivity (empty: derived from the project seed)",
                kind="int",
                low=0,
                high=2**63 - 1,
                optional=True,
            ),
        ),
    )
)
