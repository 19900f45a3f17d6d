"""Builders of recorders."""

from __future__ import annotations

import numpy as np

from engine.model.network import Node
from engine.sim.build import STATE_ROWS, BuildContext, TraceInfo, WeightTraceInfo, builds


@builds("recorder.spikes")
def _build_spike_recorder(build: BuildContext, node: Node) -> None:
    """Spike recorders only mark groups as recorded (done in ``add_group``)."""


@builds("recorder.state")
def _build_state_recorder(build: BuildContext, node: Node) -> None:
    source = build.single_source(node, "source")
    group = build.group_of[source.id]
    variable = node.params["variable"]
    unit = build.network.node_type(source).state_vars[variable]
    build.traces.append(
        TraceInfo(
            node.id,
            node.name,
            group.name,
            variable,
            unit,
            np.asarray(node.params["neurons"], dtype=np.int64),
            max(1, build.steps(node.params["interval_ms"])),
            STATE_ROWS[source.type_id][variable],
        )
    )


@builds("recorder.weights")
def _build_weight_recorder(build: BuildContext, node: Node) -> None:
    projection = build.single_source(node, "source")
    info = next(p for p in build.projections if p.node_id == projection.id)
    width = min(node.params["max_synapses"], info.n_synapses)
    static_weights = None
    if info.plastic_index < 0:
        static_weights = build.static_weights[projection.id][:width].copy()
    build.weight_traces.append(
        WeightTraceInfo(
            node.id,
            node.name,
            projection.name,
            width,
            max(1, build.steps(node.params["interval_ms"])),
            info.plastic_index,
            static_weights,
        )
    )
