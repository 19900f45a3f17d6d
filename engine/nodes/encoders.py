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


# -- shared pieces of the encoders below ------------------------------------------------------
CURRENT_OUT = Port("out", "current", "out", doc="Injected current")

#: How encoders that emit explicit spikes place them on the time grid (also in their docs).
GRID_RULE = (
    "A spike at time t is emitted in the step that ends at the nearest multiple of dt (a time "
    "that rounds to 0 ms is emitted at t = dt, the earliest possible); spikes after the run's "
    "duration_ms are dropped."
)


def _channels_param(default: int = 1) -> ParamSpec:
    return size_param("Number of channels (1: the same current for every neuron)", default)


def _path_param(doc: str) -> ParamSpec:
    return ParamSpec("path", None, "", doc, kind="path", optional=True)


def _time_unit_param(default: str, doc: str) -> ParamSpec:
    return ParamSpec("time_unit", default, "", doc, kind="choice", choices=("us", "ms", "s"))


def _normalise_param(default: str) -> ParamSpec:
    return ParamSpec(
        "normalise",
        default,
        "",
        "min_max: x = (v - min) / (max - min); none: values must already lie in [0, 1]",
        kind="choice",
        choices=("min_max", "none"),
    )


def _resize_param() -> ParamSpec:
    return ParamSpec(
        "resize",
        "area",
        "",
        "How an image is resized to the shape: area averaging or nearest pixel",
        kind="choice",
        choices=("area", "nearest"),
    )


def _max_rate_param(name: str, default: float, doc: str) -> ParamSpec:
    return ParamSpec(name, default, "Hz", doc, low=0.0, high=10_000.0)


def _values_param(default: list[float]) -> ParamSpec:
    return ParamSpec(
        "values",
        default,
        "",
        "Values to encode, one per channel (used when no file is chosen)",
        kind="floats",
    )


def _value_source_check(params: Mapping[str, Any]) -> list[ValidationError]:
    """Without a file, the values give one number per channel (in [0, 1] unless normalised)."""
    if params.get("path") is not None:
        return []
    values = params["values"]
    if len(values) != params["size"]:
        return [
            ValidationError(f"gives {len(values)} values, but size is {params['size']}", "values")
        ]
    if params["normalise"] == "none":
        for i, v in enumerate(values):
            if not 0.0 <= v <= 1.0:
                return [
                    ValidationError(
                        f"must lie in [0, 1] when normalise is 'none' (got {v:g})", f"values[{i}]"
                    )
                ]
    return []


def _table_rows_at_least(name: str, low: float, unit: str):
    def check(params: Mapping[str, Any]) -> list[ValidationError]:
        for i, (_, value) in enumerate(params[name]):
            if value < low:
                return [
                    ValidationError(f"must be >= {low:g} {unit} (got {value:g})", f"{name}[{i}][1]")
                ]
        return []

    return check


# -- currents -----------------------------------------------------------------------------------
STEP_CURRENT = CATALOG.register(
    NodeType(
        type_id="encoder.step_current",
        version=1,
        title="Step current",
        category="encoder",
        doc=(
            "A piecewise-constant current from a table of [time_ms, amplitude_pA] rows: "
            "I(t) = a_k for t_k <= t < t_k+1, 0 before the first row, the last amplitude held "
            "to the end. Times are rounded to the nearest multiple of dt. With size 1 every "
            "target neuron receives it; with size equal to the target population, each neuron "
            "gets its own (identical) channel."
        ),
        ports=(CURRENT_OUT,),
        params=(
            _channels_param(),
            ParamSpec(
                "current_table",
                [[100.0, 400.0], [300.0, 0.0]],
                "pA",
                "Rows [time_ms, amplitude_pA]: the current from each time on",
                kind="table",
            ),
        ),
    )
)


def _ramp_check(params: Mapping[str, Any]) -> list[ValidationError]:
    if params["stop_ms"] <= params["start_ms"]:
        return [ValidationError("must be later than start_ms", "stop_ms")]
    return []


RAMP_CURRENT = CATALOG.register(
    NodeType(
        type_id="encoder.ramp_current",
        version=1,
        title="Ramp current",
        category="encoder",
        doc=(
            "A current that rises (or falls) linearly from amplitude_start_pa at start_ms to "
            "amplitude_stop_pa at stop_ms: I(t) = a0 + (a1 - a0) (t - t0) / (t1 - t0), 0 before "
            "t0; after t1 it is 0 (after_stop = 'off') or stays at a1 ('hold'). t0 and t1 are "
            "rounded to the time grid, and the current in each step is the ramp's value at the "
            "middle of the step, so the membrane follows the continuous ramp to second order "
            "in dt."
        ),
        ports=(CURRENT_OUT,),
        params=(
            _channels_param(),
            ParamSpec("amplitude_start_pa", 0.0, "pA", "Current at start_ms", low=-1e6, high=1e6),
            ParamSpec(
                "amplitude_stop_pa", 400.0, "pA", "Current reached at stop_ms", low=-1e6, high=1e6
            ),
            ParamSpec("start_ms", 0.0, "ms", "Time at which the ramp starts", low=0.0),
            ParamSpec("stop_ms", 100.0, "ms", "Time at which the ramp ends", low=0.0),
            ParamSpec(
                "after_stop",
                "off",
                "",
                "After stop_ms: off (0 pA) or hold (stay at amplitude_stop_pa)",
                kind="choice",
                choices=("off", "hold"),
            ),
        ),
        check=_ramp_check,
    )
)

CSV_CURRENT = CATALOG.register(
    NodeType(
        type_id="encoder.csv_current",
        version=1,
        title="Current from CSV",
        category="encoder",
        doc=(
            "Currents from a CSV time series: the first column is the time (time_unit), each "
            "other column one channel, an optional header row names them, lines starting with "
            "'#' are comments. The current of channel c is I_c(t) = scale_pa * v_c(t), where "
            "v_c(t) is the last row at or before t (held) or the linear interpolation between "
            "rows (interpolate); 0 before the first row, the last row held to the end. Times "
            "are rounded to the grid; the value in a step is the one at the step's start. "
            "With one channel every target neuron receives it; otherwise size must equal both "
            "the number of channels and the target population."
        ),
        ports=(CURRENT_OUT,),
        params=(
            size_param("Number of channels: columns after the time column", default=1),
            _path_param(
                "CSV file: a time column, then one column per channel (empty: none chosen)"
            ),
            _time_unit_param("ms", "Unit of the time column"),
            ParamSpec(
                "interpolate",
                False,
                "",
                "Interpolate linearly between rows (else hold each row's value)",
                kind="bool",
            ),
            ParamSpec(
                "scale_pa", 1.0, "pA", "Current per unit of the file's values", low=-1e6, high=1e6
            ),
        ),
    )
)

# -- time-varying and file-driven rates ---------------------------------------------------------
POISSON_TABLE = CATALOG.register(
    NodeType(
        type_id="encoder.poisson_table",
        version=1,
        title="Poisson spikes, rate over time",
        category="encoder",
        doc=(
            "Independent Poisson spike trains whose common rate follows a table of "
            "[time_ms, rate_hz] rows: r(t) = r_k for t_k <= t < t_k+1, 0 before the first row, "
            "the last rate held to the end. In each step a channel spikes with probability "
            "r(t) dt; the largest rate must satisfy r dt <= 1 (checked when the network is "
            "built)."
        ),
        ports=(SPIKES_OUT,),
        params=(
            size_param("Number of channels (spike trains)"),
            shape_param(),
            ParamSpec(
                "rate_table",
                [[0.0, 10.0], [500.0, 50.0]],
                "Hz",
                "Rows [time_ms, rate_hz]: the rate from each time on",
                kind="table",
            ),
        ),
        check=all_checks(_table_rows_at_least("rate_table", 0.0, "Hz"), shape_problems),
    )
)

CSV_RATE = CATALOG.register(
    NodeType(
        type_id="encoder.csv_rate",
        version=1,
        title="Poisson rates from CSV",
        category="encoder",
        doc=(
            "Poisson spike trains, one per CSV column, each with its own rate over time: the "
            "first column is the time (time_unit), each other column a channel's value, and "
            "r_c(t) = scale_hz * v_c(t), held from row to row or interpolated, 0 before the "
            "first row, the last row held. In each step n a channel spikes with probability "
            "r_c(t_n) dt (r dt <= 1 is checked). Because every channel has its own rate, the "
            "spikes are drawn when the network is built, for the whole run [0, duration_ms], "
            "from the node's random stream: they depend on the seed and the node, never on "
            "how the run is cut into chunks."
        ),
        ports=(SPIKES_OUT,),
        params=(
            size_param("Number of channels: columns after the time column", default=1),
            shape_param(),
            _path_param(
                "CSV file: a time column, then one column per channel (empty: none chosen)"
            ),
            _time_unit_param("ms", "Unit of the time column"),
            ParamSpec(
                "interpolate",
                False,
                "",
                "Interpolate rates linearly between rows (else hold each row's value)",
                kind="bool",
            ),
            ParamSpec(
                "scale_hz", 1.0, "Hz", "Rate per unit of the file's values", low=0.0, high=1e6
            ),
        ),
        check=shape_problems,
    )
)

IMAGE_RATE = CATALOG.register(
    NodeType(
        type_id="encoder.image_rate",
        version=1,
        title="Image (rate coding)",
        category="encoder",
        doc=(
            "Rate coding of a greyscale image: the image (PNG or NPY) is resized to the node's "
            "shape [rows, columns] (area averaging or nearest pixel) and pixel i drives a "
            "Poisson train of rate r_i = max_rate_hz * x_i between start_ms and stop_ms, x_i "
            "being its intensity in [0, 1] (8-bit levels / 255, colour as 0.299 R + 0.587 G + "
            "0.114 B, alpha ignored; or min-max normalised). max_rate_hz dt <= 1 is checked."
        ),
        ports=(SPIKES_OUT,),
        params=(
            size_param("Number of pixels (rows x columns)", default=784),
            ParamSpec(
                "shape",
                [28, 28],
                "",
                "Image size [rows, columns] (or [1, rows, columns]) the picture is resized to",
                kind="indices",
                optional=True,
            ),
            _path_param("Image file (.png or .npy), greyscale or colour (empty: none chosen)"),
            _max_rate_param("max_rate_hz", 100.0, "Rate of a white pixel (intensity 1)"),
            _normalise_param("none"),
            _resize_param(),
            start_param(),
            stop_param(),
        ),
        check=all_checks(_window_check, shape_problems),
    )
)

# -- explicit spike trains ----------------------------------------------------------------------
REGULAR = CATALOG.register(
    NodeType(
        type_id="encoder.regular",
        version=1,
        title="Regular spike trains",
        category="encoder",
        doc=(
            "Periodic spike trains: every channel spikes at t_k = start_ms + phase_ms + k T "
            "(k = 0, 1, ...; T = 1000 / rate_hz ms) up to stop_ms (or the end of the run). "
            "With jitter_ms > 0 each spike moves by an independent normal amount of that "
            "standard deviation, drawn from the node's random stream (a moved spike before "
            "0 ms or after the end is dropped). " + GRID_RULE
        ),
        ports=(SPIKES_OUT,),
        params=(
            size_param("Number of channels (spike trains)", default=1),
            shape_param(),
            ParamSpec(
                "rate_hz",
                10.0,
                "Hz",
                "Spikes per second of each channel",
                low=0.0,
                low_inclusive=False,
                high=10_000.0,
            ),
            ParamSpec("phase_ms", 0.0, "ms", "Delay of the first spike after start_ms", low=0.0),
            ParamSpec(
                "jitter_ms", 0.0, "ms", "Standard deviation of each spike's random shift", low=0.0
            ),
            start_param(),
            stop_param(),
        ),
        check=all_checks(_window_check, shape_problems),
    )
)


def _latency_check(params: Mapping[str, Any]) -> list[ValidationError]:
    problems = []
    if params["rule"] == "log" and params["threshold"] <= 0:
        problems.append(ValidationError("must be > 0 for the log rule", "threshold"))
    repeat = params["repeat_ms"]
    if repeat is not None and repeat < params["t_max_ms"]:
        problems.append(ValidationError("must be at least t_max_ms", "repeat_ms"))
    return problems


LATENCY = CATALOG.register(
    NodeType(
        type_id="encoder.latency",
        version=1,
        title="Latency coding",
        category="encoder",
        doc=(
            "Time-to-first-spike coding of a vector (values) or an image file (resized to the "
            "shape, or of exactly size values without a shape). Each value becomes x in [0, 1] "
            "(min-max normalised, or as given) and its channel spikes once, at start_ms + "
            "t(x): linear rule t = t_max_ms (1 - x) for x >= threshold; log rule (an RC "
            "neuron charged by x reaching the threshold) t = tau_ms ln(x / (x - threshold)) "
            "for x > threshold, spikes later than t_max_ms dropped. Values below the "
            "threshold do not spike. With repeat_ms the pattern repeats every repeat_ms up to "
            "stop_ms (or the end of the run). " + GRID_RULE
        ),
        ports=(SPIKES_OUT,),
        params=(
            size_param("Number of channels (values)", default=5),
            shape_param(),
            _values_param([0.0, 0.25, 0.5, 0.75, 1.0]),
            _path_param("Image or vector file (.png or .npy) (empty: encode values)"),
            _normalise_param("min_max"),
            _resize_param(),
            ParamSpec(
                "rule",
                "linear",
                "",
                "linear: t = t_max (1 - x); log: t = tau ln(x / (x - threshold))",
                kind="choice",
                choices=("linear", "log"),
            ),
            ParamSpec(
                "t_max_ms",
                50.0,
                "ms",
                "Latency of the smallest value (linear); latest spike",
                low=0.0,
                low_inclusive=False,
            ),
            ParamSpec(
                "tau_ms",
                10.0,
                "ms",
                "Time constant of the log rule",
                low=0.0,
                low_inclusive=False,
            ),
            ParamSpec("threshold", 0.0, "", "Values below it do not spike", low=0.0, high=1.0),
            ParamSpec(
                "repeat_ms",
                None,
                "ms",
                "Period of repetition (empty: spike once)",
                low=0.0,
                low_inclusive=False,
                optional=True,
            ),
            start_param(),
            stop_param(),
        ),
        check=all_checks(_window_check, shape_problems, _value_source_check, _latency_check),
    )
)

PHASE = CATALOG.register(
    NodeType(
        type_id="encoder.phase",
        version=1,
        title="Phase coding",
        category="encoder",
        doc=(
            "Phase coding against an oscillation of frequency f: each value becomes x in [0, 1] "
            "(min-max normalised, or as given) and its channel spikes once per cycle at the "
            "phase phi = x * max_phase_deg, i.e. at t_k = start_ms + (k + phi / 360) * 1000 / f "
            "(k = 0, 1, ...) up to stop_ms (or the end of the run). Values come from the list "
            "or from an image file (resized to the shape, or of exactly size values). " + GRID_RULE
        ),
        ports=(SPIKES_OUT,),
        params=(
            size_param("Number of channels (values)", default=5),
            shape_param(),
            _values_param([0.0, 0.25, 0.5, 0.75, 1.0]),
            _path_param("Image or vector file (.png or .npy) (empty: encode values)"),
            _normalise_param("min_max"),
            _resize_param(),
            ParamSpec(
                "frequency_hz",
                10.0,
                "Hz",
                "Frequency of the reference oscillation",
                low=0.0,
                low_inclusive=False,
                high=10_000.0,
            ),
            ParamSpec(
                "max_phase_deg",
                180.0,
                "deg",
                "Phase of the largest value (x = 1)",
                low=0.0,
                low_inclusive=False,
                high=360.0,
                high_inclusive=False,
            ),
            start_param(),
            stop_param(),
        ),
        check=all_checks(_window_check, shape_problems, _value_source_check),
    )
)


def _event_window_check(params: Mapping[str, Any]) -> list[ValidationError]:
    stop = params.get("window_stop_ms")
    if stop is not None and stop <= params["window_start_ms"]:
        return [ValidationError("must be later than window_start_ms", "window_stop_ms")]
    return []


EVENTS = CATALOG.register(
    NodeType(
        type_id="encoder.events",
        version=1,
        title="Event file",
        category="encoder",
        doc=(
            "Spikes from a local event file: N-MNIST/N-Caltech101 binary (.bin), AEDAT 3.1 "
            "(DVS-Gesture) or AEDAT 2.0 (CIFAR10-DVS) (.aedat), SHD/SSC HDF5 (.h5, one sample), "
            "or plain .npy/.csv events (t, x, y, p) or (t, channel). A pixel event (x, y, p) "
            "feeds channel p * rows * columns + y * columns + x of the shape [2, rows, "
            "columns] (polarity 'separate'; p = 1 for ON), or y * columns + x of [rows, "
            "columns] ('merge'); a (t, channel) event feeds its channel. With tau the file's "
            "time in ms, origin the first event's time (or 0), the spike time is "
            "t = tau - origin - window_start_ms + offset_ms, kept if window_start_ms <= "
            "tau - origin < window_stop_ms. " + GRID_RULE
        ),
        ports=(SPIKES_OUT,),
        params=(
            size_param("Number of channels", default=2 * 34 * 34),
            ParamSpec(
                "shape",
                [2, 34, 34],
                "",
                "Sensor layout [2, rows, columns] (or [rows, columns] for merged polarity)",
                kind="indices",
                optional=True,
            ),
            _path_param("Event file: .bin, .aedat, .h5, .npy or .csv (empty: none chosen)"),
            ParamSpec(
                "format",
                "auto",
                "",
                "File layout (auto: from the extension)",
                kind="choice",
                choices=("auto", "nmnist_bin", "aedat", "hdf5", "npy", "csv"),
            ),
            ParamSpec(
                "sample",
                0,
                "",
                "Which sample of an HDF5 file (0 = the first)",
                kind="int",
                low=0,
                high=10_000_000,
                relevant_when={"format": ("auto", "hdf5")},
            ),
            ParamSpec(
                "time_unit",
                "us",
                "",
                "Unit of the times in .npy/.csv files (the other layouts fix their own)",
                kind="choice",
                choices=("us", "ms", "s"),
                relevant_when={"format": ("auto", "npy", "csv")},
            ),
            ParamSpec(
                "polarity",
                "separate",
                "",
                "separate: ON and OFF events feed different channels; merge: the same one",
                kind="choice",
                choices=("separate", "merge"),
            ),
            ParamSpec(
                "time_origin",
                "first_event",
                "",
                "Time that becomes 0: the first event's, or the file's own zero",
                kind="choice",
                choices=("first_event", "zero"),
            ),
            ParamSpec(
                "window_start_ms",
                0.0,
                "ms",
                "Events earlier than this (after the origin) are dropped",
                low=0.0,
            ),
            ParamSpec(
                "window_stop_ms",
                None,
                "ms",
                "Events from this time on are dropped (empty: none)",
                low=0.0,
                optional=True,
            ),
            ParamSpec("offset_ms", 0.0, "ms", "Added to every spike time", low=0.0),
        ),
        check=all_checks(shape_problems, _event_window_check),
    )
)
