"""The results of one run: chunks gathered into whole-run arrays, ``summary.json`` and
``results.npz``.

A :class:`RunRecord` is created from a :class:`~engine.sim.simulator.Simulator` before the run
(so that it sees the initial weights), receives every :class:`~engine.sim.simulator.Chunk` in
order through :meth:`RunRecord.append`, and then answers for the whole run. The arrays do not
depend on how the run was chunked.

``results.npz`` holds only numeric and string arrays (it loads with ``allow_pickle=False``);
its keys are listed in :data:`NPZ_KEYS` and in ``docs/cli.md``. Node names are used in keys
(``trace/<recorder name>/values``); a ``%`` or ``/`` inside a name is written ``%25`` / ``%2F``
(see :func:`npz_name`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from engine import __version__
from engine.io.atomic import write_atomically
from engine.sim.compiler import CompiledNetwork, GroupInfo
from engine.sim.simulator import Chunk, Simulator

#: Width of the bins of the population rates written to ``results.npz`` (ms).
RATE_BIN_MS = 10.0

#: The keys of ``results.npz``; ``<...>`` stands for a (quoted) node name.
NPZ_KEYS = {
    "dt_ms": "time step (ms), scalar",
    "duration_ms": "simulated time (ms), scalar",
    "seed": "project seed used for the run, scalar",
    "spike_times_ms": "time of every spike of a recorded group (ms), sorted by time",
    "spike_neurons": "global neuron id of every spike (int64)",
    "group_names": "name of each neuron group (population or spike encoder)",
    "group_types": "node type id of each group",
    "group_starts": "first global neuron id of each group",
    "group_sizes": "number of neurons of each group",
    "group_recorded": "whether each group's spikes are in spike_times_ms (bool)",
    "group_spike_counts": "spikes of each group over the run, recorded or not",
    "rate_bin_ms": "width of the rate bins (ms), scalar",
    "rate_time_ms": "centre of each rate bin (ms), shape (n_bins,)",
    "rates_hz": "mean rate per neuron of each group in each bin (Hz), shape (n_bins, n_groups)",
    "trace/<recorder>/times_ms": "sample times of a state recorder (ms)",
    "trace/<recorder>/values": "samples, shape (n_samples, n_neurons), in trace/<recorder>/unit",
    "trace/<recorder>/neurons": "indices, local to the population, of the sampled neurons",
    "trace/<recorder>/population": "name of the sampled population",
    "trace/<recorder>/variable": "sampled state variable (v_m, i_syn, w...)",
    "trace/<recorder>/unit": "unit of the values (mV for v_m, pA for currents)",
    "weights/<projection>/initial": "weights of a plastic projection before the run (pA)",
    "weights/<projection>/final": "weights at the end of the run (pA)",
    "weights/<projection>/pre": "presynaptic neuron of each synapse (local index)",
    "weights/<projection>/post": "postsynaptic neuron of each synapse (local index)",
    "weight_trace/<recorder>/times_ms": "sample times of a weight recorder (ms)",
    "weight_trace/<recorder>/values": "weights (pA), shape (n_samples, n_synapses recorded)",
}


@dataclass(frozen=True)
class StateTrace:
    """Whole-run samples of one state recorder: ``values[k, j]`` is neuron ``neurons[j]`` of
    ``population`` at ``times_ms[k]``, in ``unit``."""

    name: str
    population: str
    variable: str
    unit: str
    neurons: np.ndarray
    times_ms: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class WeightTrace:
    """Whole-run samples of one weight recorder (pA), shape ``(n_samples, n_synapses)``."""

    name: str
    projection: str
    times_ms: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class ProjectionWeights:
    """Weights (pA) of a plastic projection before and after the run, with its synapses'
    presynaptic and postsynaptic indices (local to their groups)."""

    name: str
    pre_group: str
    post_group: str
    initial: np.ndarray
    final: np.ndarray
    pre: np.ndarray
    post: np.ndarray


class RunRecord:
    """Accumulates the chunks of one run.

    Parameters
    ----------
    simulator
        The simulator about to run. Its current weights are taken as the initial ones and its
        current step as the start of the record.
    name
        Project name, for reports.
    """

    def __init__(self, simulator: Simulator, name: str = "") -> None:
        compiled: CompiledNetwork = simulator.compiled
        self.name = name
        self.compiled = compiled
        self.dt_ms = float(compiled.dt_ms)
        self.seed = int(compiled.seed)
        self.step_start = int(simulator.step)
        self.n_steps = 0
        self._chunks: list[Chunk] = []
        self._cache: dict[str, Any] = {}
        self._plastic = [p for p in compiled.projections if p.plastic_index >= 0]
        self._initial = {p.node_id: simulator.plastic_weights(p.node_id) for p in self._plastic}
        self._synapses = {p.node_id: simulator.synapses(p.node_id) for p in self._plastic}
        self._final: dict[str, np.ndarray] = dict(self._initial)

    # -- filling ----------------------------------------------------------------------------
    def append(self, chunk: Chunk) -> None:
        """Add the next chunk; chunks must follow each other without gaps."""
        expected = self.step_start + self.n_steps
        if chunk.step_start != expected:
            raise ValueError(
                f"chunk starts at step {chunk.step_start}, but the record expects step {expected}"
            )
        # keep only the latest weights: every chunk carries a full copy of them
        self._final = dict(chunk.weights)
        self._chunks.append(replace(chunk, weights={}))
        self.n_steps += chunk.n_steps
        self._cache.clear()

    # -- whole-run arrays -------------------------------------------------------------------
    @property
    def groups(self) -> list[GroupInfo]:
        return self.compiled.groups

    @property
    def t_start_ms(self) -> float:
        return self.step_start * self.dt_ms

    @property
    def duration_ms(self) -> float:
        """Simulated time covered by the record (ms)."""
        return self.n_steps * self.dt_ms

    def _cached(self, key: str, make) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def spike_steps(self) -> np.ndarray:
        """Step index of every spike of the recorded groups (int64), in time order."""
        return self._cached(
            "spike_steps",
            lambda: _cat([c.spike_steps for c in self._chunks], np.int64),
        )

    @property
    def spike_neurons(self) -> np.ndarray:
        """Global neuron id of every spike of the recorded groups (int64)."""
        return self._cached(
            "spike_neurons",
            lambda: _cat([c.spike_neurons for c in self._chunks], np.int64),
        )

    @property
    def spike_times_ms(self) -> np.ndarray:
        """Time of every spike (ms): a spike of step ``n`` happens at ``(n + 1) * dt``."""
        return (self.spike_steps + 1) * self.dt_ms

    def group(self, name_or_id: str) -> GroupInfo:
        return self.compiled.group(name_or_id)

    def spikes(self, group: str) -> tuple[np.ndarray, np.ndarray]:
        """Spike times (ms) and local neuron indices of one group (empty if not recorded)."""
        info = self.group(group)
        neurons = self.spike_neurons
        mask = (neurons >= info.start) & (neurons < info.start + info.size)
        return self.spike_times_ms[mask], neurons[mask] - info.start

    @property
    def group_counts(self) -> np.ndarray:
        """Spikes per step and group, shape ``(n_steps, n_groups)``, for every group."""
        return self._cached(
            "group_counts",
            lambda: (
                np.concatenate([c.group_counts for c in self._chunks])
                if self._chunks
                else np.zeros((0, len(self.groups)), dtype=np.int32)
            ),
        )

    def spike_counts(self) -> np.ndarray:
        """Spikes of each group over the whole run (int64), recorded or not."""
        return self._cached(
            "spike_counts",
            lambda: (
                np.sum([c.group_counts.sum(axis=0, dtype=np.int64) for c in self._chunks], axis=0)
                if self._chunks
                else np.zeros(len(self.groups), dtype=np.int64)
            ).astype(np.int64),
        )

    def mean_rates_hz(self) -> np.ndarray:
        """Mean rate per neuron of each group over the run (Hz); zeros for an empty run."""
        sizes = np.array([g.size for g in self.groups], dtype=float)
        seconds = self.duration_ms / 1000.0
        if seconds <= 0:
            return np.zeros(len(self.groups))
        return self.spike_counts() / sizes / seconds

    def rates(self, bin_ms: float = RATE_BIN_MS) -> tuple[np.ndarray, np.ndarray]:
        """Population rates in bins of ``bin_ms`` (rounded to whole steps).

        Returns
        -------
        times_ms
            Centre of each bin (ms), shape ``(n_bins,)``.
        rates_hz
            Mean rate per neuron of each group in each bin (Hz), shape ``(n_bins, n_groups)``.
            A last, shorter bin is divided by its own width.
        """
        counts = self.group_counts
        n_groups = len(self.groups)
        if self.n_steps == 0:
            return np.zeros(0), np.zeros((0, n_groups))
        bin_steps = max(1, int(round(bin_ms / self.dt_ms)))
        starts = np.arange(0, self.n_steps, bin_steps)
        sums = np.add.reduceat(counts.astype(np.int64), starts, axis=0)
        widths = np.diff(np.append(starts, self.n_steps))
        sizes = np.array([g.size for g in self.groups], dtype=float)
        rates = sums / sizes[None, :] / (widths[:, None] * self.dt_ms / 1000.0)
        centres = self.t_start_ms + (starts + widths / 2.0) * self.dt_ms
        return centres, rates

    @property
    def state_traces(self) -> dict[str, StateTrace]:
        """Samples of every state recorder, by recorder name."""
        return self._cached("state_traces", self._state_traces)

    def _state_traces(self) -> dict[str, StateTrace]:
        result = {}
        for info in self.compiled.traces:
            parts = [c.traces[info.recorder_id] for c in self._chunks]
            result[info.name] = StateTrace(
                info.name,
                info.population,
                info.variable,
                info.unit,
                np.asarray(info.neurons, dtype=np.int64).copy(),
                _cat([p.times_ms for p in parts], np.float64),
                _cat2([p.values for p in parts], info.neurons.size),
            )
        return result

    @property
    def weight_traces(self) -> dict[str, WeightTrace]:
        """Samples of every weight recorder, by recorder name."""
        return self._cached("weight_traces", self._weight_traces)

    def _weight_traces(self) -> dict[str, WeightTrace]:
        result = {}
        for info in self.compiled.weight_traces:
            parts = [c.weight_traces[info.recorder_id] for c in self._chunks]
            result[info.name] = WeightTrace(
                info.name,
                info.projection,
                _cat([p.times_ms for p in parts], np.float64),
                _cat2([p.values for p in parts], info.width),
            )
        return result

    @property
    def plastic_weights(self) -> dict[str, ProjectionWeights]:
        """Initial and final weights of every plastic projection, by projection name."""
        return self._cached("plastic_weights", self._plastic_weights)

    def _plastic_weights(self) -> dict[str, ProjectionWeights]:
        names = {g.node_id: g.name for g in self.groups}
        result = {}
        for info in self._plastic:
            initial = self._initial[info.node_id]
            final = self._final[info.node_id]
            pre, post = self._synapses[info.node_id]
            result[info.name] = ProjectionWeights(
                info.name,
                names[info.pre],
                names[info.post],
                initial.copy(),
                np.asarray(final).copy(),
                pre.copy(),
                post.copy(),
            )
        return result

    # -- outputs -----------------------------------------------------------------------------
    def summary(
        self,
        *,
        wall_s: float | None = None,
        build_s: float | None = None,
        sim_s: float | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The content of ``summary.json``.

        Parameters
        ----------
        wall_s, build_s, sim_s
            Seconds spent in the whole run, in building (compile, simulator, JIT warm-up) and
            in the stepping loop alone.
        extra
            More top-level keys (e.g. ``project``).
        """
        counts = self.spike_counts()
        rates = self.mean_rates_hz()
        populations = {
            g.name: {
                "type": g.type_id,
                "size": int(g.size),
                "recorded": bool(g.recorded),
                "spike_count": int(counts[i]),
                "mean_rate_hz": float(rates[i]),
            }
            for i, g in enumerate(self.groups)
        }
        plastic = self.plastic_weights
        projections = {}
        for info in self.compiled.projections:
            entry: dict[str, Any] = {
                "n_synapses": int(info.n_synapses),
                "plastic": info.plastic_index >= 0,
                "mean_weight_start": None,
                "mean_weight_end": None,
            }
            if info.name in plastic:
                weights = plastic[info.name]
                entry["mean_weight_start"] = _mean(weights.initial)
                entry["mean_weight_end"] = _mean(weights.final)
            projections[info.name] = entry
        result = {
            "spikestudio_version": __version__,
            "duration_ms": self.duration_ms,
            "dt_ms": self.dt_ms,
            "seed": self.seed,
            "wall_s": wall_s,
            "build_s": build_s,
            "sim_s": sim_s,
            "n_neurons": int(self.compiled.n_neurons),
            "n_synapses": int(sum(p.n_synapses for p in self.compiled.projections)),
            "populations": populations,
            "projections": projections,
            "warnings": list(self.compiled.warnings),
        }
        result.update(extra or {})
        return result

    def arrays(self, rate_bin_ms: float = RATE_BIN_MS) -> dict[str, np.ndarray]:
        """Everything :meth:`save_npz` writes, as ``{key: array}`` (see :data:`NPZ_KEYS`)."""
        groups = self.groups
        rate_time, rates = self.rates(rate_bin_ms)
        out: dict[str, np.ndarray] = {
            "dt_ms": np.float64(self.dt_ms),
            "duration_ms": np.float64(self.duration_ms),
            "seed": np.int64(self.seed),
            "spike_times_ms": self.spike_times_ms,
            "spike_neurons": self.spike_neurons,
            "group_names": _strings([g.name for g in groups]),
            "group_types": _strings([g.type_id for g in groups]),
            "group_starts": np.array([g.start for g in groups], dtype=np.int64),
            "group_sizes": np.array([g.size for g in groups], dtype=np.int64),
            "group_recorded": np.array([g.recorded for g in groups], dtype=bool),
            "group_spike_counts": self.spike_counts(),
            "rate_bin_ms": np.float64(max(1, round(rate_bin_ms / self.dt_ms)) * self.dt_ms),
            "rate_time_ms": rate_time,
            "rates_hz": rates,
        }
        for name, trace in self.state_traces.items():
            key = f"trace/{npz_name(name)}"
            out[f"{key}/times_ms"] = trace.times_ms
            out[f"{key}/values"] = trace.values
            out[f"{key}/neurons"] = trace.neurons
            out[f"{key}/population"] = np.array(trace.population)
            out[f"{key}/variable"] = np.array(trace.variable)
            out[f"{key}/unit"] = np.array(trace.unit)
        for name, weights in self.plastic_weights.items():
            key = f"weights/{npz_name(name)}"
            out[f"{key}/initial"] = weights.initial
            out[f"{key}/final"] = weights.final
            out[f"{key}/pre"] = weights.pre.astype(np.int64)
            out[f"{key}/post"] = weights.post.astype(np.int64)
        for name, trace in self.weight_traces.items():
            key = f"weight_trace/{npz_name(name)}"
            out[f"{key}/times_ms"] = trace.times_ms
            out[f"{key}/values"] = trace.values
        return out

    def save_npz(self, path: str | os.PathLike[str], rate_bin_ms: float = RATE_BIN_MS) -> None:
        """Write :meth:`arrays` to ``path`` (uncompressed ``.npz``), atomically."""
        arrays = self.arrays(rate_bin_ms)

        def write(handle) -> None:
            np.savez(handle, **arrays)

        write_atomically(path, write, binary=True)


def npz_name(name: str) -> str:
    """A node name as it appears in an npz key: ``%`` and ``/`` percent-encoded."""
    return name.replace("%", "%25").replace("/", "%2F")


def load_results(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read a ``results.npz`` back into ``{key: array}`` (never unpickles anything)."""
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def _cat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _cat2(parts: list[np.ndarray], width: int) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros((0, width))


def _strings(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=str) if values else np.zeros(0, dtype="<U1")


def _mean(values: np.ndarray) -> float | None:
    if values.size == 0:
        return None
    mean = float(np.mean(values))
    return mean if math.isfinite(mean) else None
