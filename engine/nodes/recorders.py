"""Recorders: what a run keeps for plots and files (the NEST recording-device idiom)."""

from __future__ import annotations

from engine.model.catalog import CATALOG, NodeType, Port
from engine.model.params import ParamSpec

#: Every state variable some population type can record (populations register first).
RECORDABLE = tuple(
    dict.fromkeys(v for t in CATALOG if t.category == "population" for v in t.state_vars)
)

SPIKE_RECORDER = CATALOG.register(
    NodeType(
        type_id="recorder.spikes",
        version=1,
        title="Spike recorder",
        category="recorder",
        doc="Keeps every spike of the neuron groups wired to it (for rasters and files).",
        ports=(
            Port(
                "source",
                "spikes",
                "in",
                multi=True,
                required=True,
                doc="Populations or encoders to record",
            ),
        ),
        params=(),
    )
)

STATE_RECORDER = CATALOG.register(
    NodeType(
        type_id="recorder.state",
        version=1,
        title="State recorder",
        category="recorder",
        doc="Samples a state variable (membrane potential, synaptic current) of chosen neurons.",
        ports=(Port("source", "spikes", "in", required=True, doc="The population to sample"),),
        params=(
            ParamSpec(
                "variable",
                "v_m",
                "",
                "State variable to sample (each population type has its own)",
                kind="choice",
                choices=RECORDABLE,
            ),
            ParamSpec("neurons", [0], "", "Indices of the neurons to sample", kind="indices"),
            ParamSpec(
                "interval_ms",
                0.1,
                "ms",
                "Sampling interval (rounded to a whole number of steps, at least one)",
                low=0.0,
                low_inclusive=False,
                high=1e5,
            ),
        ),
    )
)

WEIGHT_RECORDER = CATALOG.register(
    NodeType(
        type_id="recorder.weights",
        version=1,
        title="Weight recorder",
        category="recorder",
        doc="Samples the weights of a projection over time (most useful on plastic ones).",
        ports=(Port("source", "synapses", "in", required=True, doc="The projection to sample"),),
        params=(
            ParamSpec(
                "interval_ms",
                10.0,
                "ms",
                "Sampling interval",
                low=0.0,
                low_inclusive=False,
                high=1e6,
            ),
            ParamSpec(
                "max_synapses",
                10_000,
                "",
                "Record at most this many synapses (the first ones)",
                kind="int",
                low=1,
                high=10_000_000,
            ),
        ),
    )
)
