"""Builders of input encoders.

Encoders that emit explicit spikes (regular trains, latency and phase codes, CSV rates, event
files) compute every spike when the network is built, for the whole run [0, duration_ms], and
hand them to the kernel as (step, neuron) events: a run then never depends on how it is cut
into chunks, and the random ones draw from the node's own stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from engine.errors import ValidationError
from engine.io import events as event_files
from engine.io import stimuli
from engine.model.network import Node
from engine.sim import kernels as K
from engine.sim.build import (
    BuildContext,
    CurrentSource,
    add_current_source,
    add_neurons,
    builds,
    set_rate_table,
)

#: Most spikes an encoder may precompute for one run (16 bytes each while building).
MAX_PRECOMPUTED_SPIKES = 50_000_000


@builds("encoder.poisson")
def _build_poisson(build: BuildContext, node: Node) -> None:
    params = node.params
    _add_poisson(build, node, min(1.0, params["rate_hz"] * build.dt / 1000.0))


def _add_poisson(build: BuildContext, node: Node, probability) -> None:
    """A Poisson group spiking with ``probability`` per step (a number, or one per neuron)
    between the node's ``start_ms`` and ``stop_ms``."""
    params = node.params
    par = np.zeros((K.N_PARAM_ROWS, params["size"]))
    par[K.POISSON_PROB] = probability
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


# -- helpers ------------------------------------------------------------------------------------
def _file(build: BuildContext, node: Node, param: str = "path") -> Path:
    """The file a path parameter names, resolved against the project folder; it must exist."""
    name = node.params[param]
    if name is None:
        raise build.fail(node, "no file chosen", param)
    path = build.network.resolve_path(name)
    if path.is_dir():
        raise build.fail(node, f"is a folder, not a file: {path}", param)
    if not path.is_file():
        raise build.fail(node, f"file not found: {path}", param)
    return path


@contextmanager
def _reported(build: BuildContext, node: Node) -> Iterator[None]:
    """Give a loader's error the node's field path (``nodes[i].params.path``)."""
    try:
        yield
    except ValidationError as err:
        raise build.fail(node, err.message, err.field) from None


def _end_ms(build: BuildContext, node: Node) -> float:
    stop = node.params.get("stop_ms")
    return float(build.network.settings["duration_ms"] if stop is None else stop)


def _on_grid(build: BuildContext, times_ms: np.ndarray, values: np.ndarray):
    """Table times rounded to steps; of rows that land on the same step the last one wins."""
    steps = np.rint(np.asarray(times_ms, dtype=np.float64) / build.dt).astype(np.int64)
    last = np.r_[steps[1:] != steps[:-1], True]
    return steps[last], np.asarray(values, dtype=np.float64)[last]


def _add_currents(
    build: BuildContext,
    node: Node,
    steps: np.ndarray,
    values: np.ndarray,
    *,
    interpolate: bool = False,
    gain: float = 1.0,
) -> None:
    """Feed the value table to every population the node's output is wired to."""
    for link in build.network.links_from(node.id, "out"):
        target = build.group_of[link.target]
        source = CurrentSource(
            target.start, target.size, steps, values, gain=gain, interpolate=interpolate
        )
        add_current_source(build, node, source)


def _check_count(build: BuildContext, node: Node, count: int, param: str = "") -> None:
    if count > MAX_PRECOMPUTED_SPIKES:
        raise build.fail(
            node,
            f"would emit {count:,} spikes in this run; at most {MAX_PRECOMPUTED_SPIKES:,} can be "
            "prepared (shorten the run or reduce the channels or rates)",
            param,
        )


def _add_event_group(build: BuildContext, node: Node, steps: np.ndarray, channels) -> None:
    """A group of size ``size`` whose channels spike in the given steps (step n: t = (n+1) dt)."""
    first = build.n_neurons
    build.spike_events.append(
        (np.asarray(steps, dtype=np.int64), first + np.asarray(channels, dtype=np.int64))
    )
    add_neurons(build, node, K.MODEL_SPIKE_TIMES, np.zeros((K.N_PARAM_ROWS, node.params["size"])))


def _add_timed_group(build: BuildContext, node: Node, times_ms, channels) -> None:
    """Spikes at times (ms) on the grid: the nearest multiple of dt, at least dt; those after
    the run's duration are dropped."""
    times = np.asarray(times_ms, dtype=np.float64)
    stamps = np.maximum(np.rint(times / build.dt), 1).astype(np.int64)
    keep = stamps <= build.steps(build.network.settings["duration_ms"])
    _add_event_group(build, node, stamps[keep] - 1, np.asarray(channels)[keep])


def _check_rate(build: BuildContext, node: Node, peak_hz: float, param: str) -> None:
    if peak_hz * build.dt / 1000.0 > 1.0:
        raise build.fail(
            node,
            f"a rate of {peak_hz:g} Hz is more than one spike per step (dt = {build.dt:g} ms "
            f"allows at most {1000.0 / build.dt:g} Hz)",
            param,
        )


def _encoded_values(build: BuildContext, node: Node) -> np.ndarray:
    """The values of a latency/phase encoder as x in [0, 1], one per channel."""
    params = node.params
    size = params["size"]
    if params["path"] is None:
        raw, source = np.asarray(params["values"], dtype=np.float64), "values"
    else:
        path = _file(build, node)
        source = "path"
        with _reported(build, node):
            raw = stimuli.read_values(path)
            if raw.ndim == 2 and params["shape"] is not None:
                raw = stimuli.image_for_shape(raw, params["shape"], params["resize"])
        raw = raw.ravel()
        if raw.size != size:
            raise build.fail(
                node,
                f"{path.name} holds {raw.size} values, but size is {size} (give the node a "
                "shape [rows, columns] to resize an image to)",
                "path",
            )
    with _reported(build, node):
        return stimuli.normalise(raw, params["normalise"], source)


# -- currents -----------------------------------------------------------------------------------
@builds("encoder.step_current")
def _build_step_current(build: BuildContext, node: Node) -> None:
    table = np.asarray(node.params["current_table"], dtype=np.float64)
    steps, values = _on_grid(build, table[:, 0], table[:, 1:2])
    _add_currents(build, node, steps, values)


@builds("encoder.ramp_current")
def _build_ramp_current(build: BuildContext, node: Node) -> None:
    params = node.params
    s0, s1 = build.steps(params["start_ms"]), build.steps(params["stop_ms"])
    if s1 <= s0:
        raise build.fail(
            node, f"the ramp is shorter than one time step (dt = {build.dt:g} ms)", "stop_ms"
        )
    a0, a1 = params["amplitude_start_pa"], params["amplitude_stop_pa"]

    def middle(n: int) -> float:
        # the ramp's value in the middle of step n
        return a0 + (a1 - a0) * (n + 0.5 - s0) / (s1 - s0)

    points = [(s0, middle(s0))]
    if s1 - 1 > s0:
        points.append((s1 - 1, middle(s1 - 1)))
    points.append((s1, a1 if params["after_stop"] == "hold" else 0.0))
    steps = np.array([p[0] for p in points], dtype=np.int64)
    values = np.array([[p[1]] for p in points])
    _add_currents(build, node, steps, values, interpolate=True)


@builds("encoder.csv_current")
def _build_csv_current(build: BuildContext, node: Node) -> None:
    params = node.params
    path = _file(build, node)
    with _reported(build, node):
        times, values = stimuli.read_time_series(path, params["time_unit"])
    if values.shape[1] != params["size"]:
        raise build.fail(
            node,
            f"{path.name} has {values.shape[1]} channel columns, but size is {params['size']}",
            "size",
        )
    steps, values = _on_grid(build, times, values)
    _add_currents(
        build, node, steps, values, interpolate=params["interpolate"], gain=params["scale_pa"]
    )


# -- rates --------------------------------------------------------------------------------------
@builds("encoder.poisson_table")
def _build_poisson_table(build: BuildContext, node: Node) -> None:
    params = node.params
    table = np.asarray(params["rate_table"], dtype=np.float64)
    peak = float(table[:, 1].max())
    _check_rate(build, node, peak, "rate_table")
    factors = table[:, 1] / peak if peak > 0 else np.zeros(len(table))
    steps, factors = _on_grid(build, table[:, 0], factors)
    par = np.zeros((K.N_PARAM_ROWS, params["size"]))
    par[K.POISSON_PROB] = peak * build.dt / 1000.0
    par[K.POISSON_STOP] = np.inf
    add_neurons(build, node, K.MODEL_POISSON, par)
    set_rate_table(build, node, steps, factors)


@builds("encoder.image_rate")
def _build_image_rate(build: BuildContext, node: Node) -> None:
    params = node.params
    path = _file(build, node)
    with _reported(build, node):
        image = stimuli.read_image(path)
        intensity = stimuli.image_for_shape(image, params["shape"], params["resize"])
        intensity = stimuli.normalise(intensity, params["normalise"], "path")
    _check_rate(build, node, params["max_rate_hz"], "max_rate_hz")
    _add_poisson(build, node, params["max_rate_hz"] * intensity * build.dt / 1000.0)


@builds("encoder.csv_rate")
def _build_csv_rate(build: BuildContext, node: Node) -> None:
    params = node.params
    size = params["size"]
    path = _file(build, node)
    with _reported(build, node):
        times, values = stimuli.read_time_series(path, params["time_unit"])
    if values.shape[1] != size:
        raise build.fail(
            node, f"{path.name} has {values.shape[1]} channel columns, but size is {size}", "size"
        )
    if values.min() < 0:
        row, column = np.argwhere(values < 0)[0]
        raise build.fail(
            node,
            f"{path.name}: rates must be >= 0 (data row {row + 1}, column {column + 2}: "
            f"{values[row, column]:g})",
            "path",
        )
    rates = values * params["scale_hz"]
    _check_rate(build, node, float(rates.max()), "scale_hz")
    steps, rates = _on_grid(build, times, rates)
    n_steps = build.steps(build.network.settings["duration_ms"])
    rng = build.rng(node, "spikes")
    block = max(1, 2**20 // size)
    found_steps, found_channels, count = [], [], 0
    for first in range(0, n_steps, block):
        n = np.arange(first, min(n_steps, first + block))
        row = np.searchsorted(steps, n, side="right") - 1
        r0 = np.maximum(row, 0)
        rate = rates[r0]
        if params["interpolate"]:
            r1 = np.minimum(r0 + 1, len(steps) - 1)
            span = steps[r1] - steps[r0]
            frac = np.where(span > 0, (n - steps[r0]) / np.maximum(span, 1), 0.0)
            rate = rate + frac[:, None] * (rates[r1] - rate)
        rate[row < 0] = 0.0
        hit_step, hit_channel = np.nonzero(rng.random(rate.shape) < rate * build.dt / 1000.0)
        count += hit_step.size
        _check_count(build, node, count)
        found_steps.append(n[hit_step])
        found_channels.append(hit_channel)
    empty = np.zeros(0, dtype=np.int64)
    _add_event_group(
        build, node, np.concatenate([empty, *found_steps]), np.concatenate([empty, *found_channels])
    )


# -- explicit spike trains ----------------------------------------------------------------------
@builds("encoder.regular")
def _build_regular(build: BuildContext, node: Node) -> None:
    params = node.params
    size = params["size"]
    period = 1000.0 / params["rate_hz"]
    first = params["start_ms"] + params["phase_ms"]
    end = _end_ms(build, node)
    n = int(np.floor((end - first) / period + 1e-9)) + 1 if first <= end else 0
    _check_count(build, node, n * size, "rate_hz")
    times = np.broadcast_to(first + np.arange(n) * period, (size, n))
    if params["jitter_ms"] > 0:
        times = times + build.rng(node, "jitter").normal(0.0, params["jitter_ms"], (size, n))
    channels = np.broadcast_to(np.arange(size)[:, None], (size, n))
    keep = (times >= 0) & (times <= end + 1e-9)
    _add_timed_group(build, node, times[keep], channels[keep])


@builds("encoder.latency")
def _build_latency(build: BuildContext, node: Node) -> None:
    params = node.params
    x = _encoded_values(build, node)
    threshold, t_max = params["threshold"], params["t_max_ms"]
    if params["rule"] == "linear":
        spikes = x >= threshold
        latency = t_max * (1.0 - x)
    else:
        spikes = x > threshold
        with np.errstate(divide="ignore", invalid="ignore"):
            latency = params["tau_ms"] * np.log(x / (x - threshold))
        spikes &= latency <= t_max
    channels = np.flatnonzero(spikes)
    end = _end_ms(build, node)
    repeat = params["repeat_ms"]
    n_windows = 1 if repeat is None else int(np.floor((end - params["start_ms"]) / repeat)) + 1
    _check_count(build, node, n_windows * channels.size, "repeat_ms")
    onsets = params["start_ms"] + np.arange(max(n_windows, 0)) * (repeat or 0.0)
    times = onsets[:, None] + latency[channels][None, :]
    keep = times <= end + 1e-9
    _add_timed_group(build, node, times[keep], np.broadcast_to(channels, times.shape)[keep])


@builds("encoder.phase")
def _build_phase(build: BuildContext, node: Node) -> None:
    params = node.params
    x = _encoded_values(build, node)
    period = 1000.0 / params["frequency_hz"]
    offset = x * params["max_phase_deg"] / 360.0 * period
    start, end = params["start_ms"], _end_ms(build, node)
    n_cycles = int(np.floor((end - start) / period + 1e-9)) + 1 if start <= end else 0
    _check_count(build, node, n_cycles * x.size, "frequency_hz")
    times = start + np.arange(n_cycles)[:, None] * period + offset[None, :]
    keep = times <= end + 1e-9
    channels = np.broadcast_to(np.arange(x.size), times.shape)
    _add_timed_group(build, node, times[keep], channels[keep])


@builds("encoder.events")
def _build_events(build: BuildContext, node: Node) -> None:
    params = node.params
    path = _file(build, node)
    with _reported(build, node):
        times, channels = event_files.load_events(
            path,
            params["format"],
            shape=params["shape"],
            size=params["size"],
            polarity=params["polarity"],
            time_unit=params["time_unit"],
            sample=params["sample"],
        )
    origin = times.min() if params["time_origin"] == "first_event" and times.size else 0.0
    since = times - origin
    keep = since >= params["window_start_ms"]
    if params["window_stop_ms"] is not None:
        keep &= since < params["window_stop_ms"]
    _add_timed_group(
        build,
        node,
        since[keep] - params["window_start_ms"] + params["offset_ms"],
        channels[keep],
    )
