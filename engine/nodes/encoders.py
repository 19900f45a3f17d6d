"""Input encoders: nodes that turn a stimulus into spikes or currents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import ValidationError
from engine.model.catalog import CATALOG, NodeType, Port
from engine.model.params import ParamSpec
from engine.nodes.common import (
    all_checks,
    shape_param,
    shape_problems,
    size_param,
    start_param,
    stop_param,
)

SPIKES_OUT = Port("out", "spikes", "out", doc="Spikes of the encoder's channels")


def _window_check(params: Mapping[str, Any]) -> list[ValidationError]:
    stop = params.get("stop_ms")
    if stop is not None and stop < params["start_ms"]:
        return [ValidationError("must not be earlier than start_ms", "stop_ms")]
    return []


POISSON = CATALOG.register(
    NodeType(
        type_id="encoder.poisson",
        version=1,
        title="Poisson spikes",
        category="encoder",
        doc=(
            "Independent Poisson spike trains, one per channel. In each time step of length dt "
            "a channel spikes with probability rate * dt (rates above 1/dt saturate)."
        ),
        ports=(SPIKES_OUT,),
        params=(
            size_param("Number of channels (spike trains)"),
            shape_param(),
            ParamSpec(
                "rate_hz",
                10.0,
                "Hz",
                "Mean firing rate of every channel",
                low=0.0,
                high=10_000.0,
                live=True,
            ),
            start_param(),
            stop_param(),
        ),
        check=all_checks(_window_check, shape_problems),
    )
)

DC = CATALOG.register(
    NodeType(
        type_id="encoder.dc",
        version=1,
        title="DC / step current",
        category="encoder",
        doc=(
            "A constant current injected between start_ms and stop_ms (a step when stop_ms is "
            "set). With size 1 every target neuron receives it; with size equal to the target "
            "population, channel i feeds neuron i."
        ),
        ports=(Port("out", "current", "out", doc="Injected current"),),
        params=(
            size_param("Number of channels (1: the same current for every neuron)", default=1),
            ParamSpec(
                "amplitude_pa",
                400.0,
                "pA",
                "Amplitude of the current",
                low=-1e6,
                high=1e6,
                live=True,
            ),
            start_param(),
            stop_param(),
        ),
        check=_window_check,
    )
)


def _spike_times_check(params: Mapping[str, Any]) -> list[ValidationError]:
    times = params["spike_times_ms"]
    if times and isinstance(times[0], list) and len(times) != params["size"]:
        return [
            ValidationError(
                f"gives spike times for {len(times)} neurons, but size is {params['size']} "
                "(give one list per neuron, or one list shared by all)",
                "spike_times_ms",
            )
        ]
    return []


SPIKE_TIMES = CATALOG.register(
    NodeType(
        type_id="encoder.spike_times",
        version=1,
        title="Spike times",
        category="encoder",
        doc=(
            "Spikes at explicit times: one sorted list shared by every channel, or one list per "
            "channel. Times are rounded to the nearest multiple of dt and must be > 0."
        ),
        ports=(SPIKES_OUT,),
        params=(
            size_param("Number of channels", default=1),
            ParamSpec(
                "spike_times_ms",
                [10.0, 20.0, 30.0],
                "ms",
                "Spike times: a list for all channels, or a list of lists (one per channel)",
                kind="times",
            ),
        ),
        check=_spike_times_check,
    )
)
