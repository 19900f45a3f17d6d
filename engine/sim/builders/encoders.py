"""Builders of input encoders."""

from __future__ import annotations

import numpy as np

from engine.model.network import Node
from engine.sim import kernels as K
from engine.sim.build import (
    BuildContext,
    CurrentSource,
    add_current_source,
    add_neurons,
    builds,
)


@builds("encoder.poisson")
def _build_poisson(build: BuildContext, node: Node) -> None:
    params = node.params
    size = params["size"]
    par = np.zeros((K.N_PARAM_ROWS, size))
    par[K.POISSON_PROB] = min(1.0, params["rate_hz"] * build.dt / 1000.0)
    par[K.POISSON_START] = build.steps(params["start_ms"])
    stop = params["stop_ms"]
    par[K.POISSON_STOP] = np.inf if stop is None else build.steps(stop)
    add_neurons(build, node, K.MODEL_POISSON, par)


@builds("encoder.spike_times")
def _build_spike_times(build: BuildContext, node: Node) -> None:
    params = node.params
    size = params["size"]
    start = build.n_neurons
    times = params["spike_times_ms"]
    per_neuron = times and isinstance(times[0], list)
    lists = times if per_neuron else [times] * size
    steps, neurons = [], []
    for i, neuron_times in enumerate(lists):
        stamps = np.rint(np.asarray(neuron_times, dtype=float) / build.dt).astype(np.int64)
        if stamps.size and stamps.min() < 1:
            raise build.fail(
                node,
                f"spike time {min(neuron_times)} ms is before the first "
                f"step ends (dt = {build.dt} ms)",
                "spike_times_ms",
            )
        steps.append(stamps - 1)  # a spike stamped t = (n + 1) dt is emitted by step n
        neurons.append(np.full(stamps.size, start + i, dtype=np.int64))
    build.spike_events.append((np.concatenate(steps), np.concatenate(neurons)))
    add_neurons(build, node, K.MODEL_SPIKE_TIMES, np.zeros((K.N_PARAM_ROWS, size)))


@builds("encoder.dc")
def _build_dc(build: BuildContext, node: Node) -> None:
    params = node.params
    start = build.steps(params["start_ms"])
    stop = params["stop_ms"]
    steps = [start] if stop is None else [start, build.steps(stop)]
    values = np.array([[1.0], [0.0]])[: len(steps)]
    for link in build.network.links_from(node.id, "out"):
        target = build.group_of[link.target]
        channels = np.ones((len(steps), params["size"])) * values
        add_current_source(build, node, CurrentSource(target.start, target.size,
                                                      np.array(steps), channels,
                                                      gain=params["amplitude_pa"]))  # fmt: skip
