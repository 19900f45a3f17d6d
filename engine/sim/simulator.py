"""The synchronous simulation API: build once, then ``advance(n_steps)`` chunk after chunk.

Running N steps in one call or in several gives bit-identical results: every random number is
a function of (seed, neuron, step) and all state lives in the simulator's own arrays.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from engine.errors import SimulationError, ValidationError
from engine.model.catalog import default_catalog
from engine.model.network import Network
from engine.sim import kernels as K
from engine.sim.build import STATE_ROWS
from engine.sim.compiler import RULE_COLUMNS, CompiledNetwork, compile_network


@dataclass(frozen=True)
class Trace:
    """Samples of one recorder within a chunk: ``values[k, j]`` is taken at ``times_ms[k]``."""

    times_ms: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class Chunk:
    """What one :meth:`Simulator.advance` call produced; every array is a copy.

    Attributes
    ----------
    step_start, n_steps
        Absolute index of the first step and number of steps.
    spike_steps, spike_neurons
        Spikes of recorded groups: step index (the spike's time is ``(step + 1) * dt``) and
        global neuron index (see :attr:`CompiledNetwork.groups` for the blocks).
    group_counts
        Spikes per step and group, shape ``(n_steps, n_groups)``, for every group.
    traces, weight_traces
        Samples of state and weight recorders, by recorder node id.
    weights
        Weights of each plastic projection at the end of the chunk, by projection node id.
    """

    step_start: int
    n_steps: int
    dt_ms: float
    spike_steps: np.ndarray
    spike_neurons: np.ndarray
    group_counts: np.ndarray
    traces: dict[str, Trace]
    weight_traces: dict[str, Trace]
    weights: dict[str, np.ndarray]

    @property
    def t_start_ms(self) -> float:
        return self.step_start * self.dt_ms

    @property
    def t_stop_ms(self) -> float:
        return (self.step_start + self.n_steps) * self.dt_ms

    @property
    def spike_times_ms(self) -> np.ndarray:
        return (self.spike_steps + 1) * self.dt_ms


def _live_params() -> dict[str, tuple[str, ...]]:
    """Parameters declared ``live`` in the catalog, by node type."""
    return {
        t.type_id: tuple(spec.name for spec in t.params if spec.live)
        for t in default_catalog()
        if any(spec.live for spec in t.params)
    }


#: Parameters that :meth:`Simulator.set_live_param` can change without a rebuild: exactly the
#: ones the catalog declares ``live`` (tests/engine/test_simulator.py applies each of them).
LIVE_PARAMS = _live_params()


def max_spikes_per_step(network: CompiledNetwork) -> int:
    """An upper bound of the spikes one step can produce.

    One per neuron, plus repeated explicit spike times in one step, plus the extra spikes an
    AdEx neuron without refractoriness can fire within one step (one per sub-step).
    """
    bound = network.n_neurons
    steps = network.arrays["spike_times"].step
    if steps.size:
        _, counts = np.unique(steps, return_counts=True)
        bound += int(counts.max())
    n_sub = max(1, int(np.ceil(network.dt_ms / K.MAX_SUBSTEP_MS - 1e-9)))
    adex = sum(g.size for g in network.groups if g.type_id == "population.adex")
    return bound + adex * (n_sub - 1)


class Simulator:
    """Runs a compiled network.

    Parameters
    ----------
    network
        A compiled network, or a document (compiled here from a copy).
    threads
        For a document: threads to run on (parallel mode). Large LIF groups are updated, and
        spikes delivered, in one share per thread; the spikes are the same as on one thread,
        bit for bit. A compiled network keeps the partitions it was compiled with
        (``compile_network(..., threads=N)``). Networks with short-term plasticity run on one.
    """

    def __init__(self, network: CompiledNetwork | Network, *, threads: int = 1) -> None:
        if isinstance(network, Network):
            network = compile_network(network.copy(), threads=threads)
        self.compiled = network
        n = network.n_neurons
        #: threads the kernels use: the partitions its static synapses were compiled into
        self.threads = (network.arrays["static"].ptr.size - 1) // n if n else 1
        self.dt_ms = network.dt_ms
        self.step = 0
        arrays = dict(network.arrays)
        static = arrays.pop("static")
        neurons = arrays.pop("neurons")
        self._a = copy.deepcopy(arrays)
        # static synapses are only read while running: shared with the compiled network (at
        # 100 million synapses a copy would be another 1 GB); their delay ring is our own.
        # So are the neuron parameters (128 MB at a million neurons) until a live change
        # writes to them.
        self._a["static"] = static._replace(ring=static.ring.copy())
        self._a["neurons"] = neurons._replace(
            state=neurons.state.copy(), refr=neurons.refr.copy(), stim=neurons.stim.copy()
        )
        self._own_par = False
        self._counters = np.zeros(K.N_COUNTERS, dtype=np.int64)
        self._fired = np.zeros(max(1, max_spikes_per_step(network)), dtype=np.int64)
        self._spike_capacity = max(4096, 2 * self._fired.size)
        self._failed: str | None = None
        traces = network.traces
        ptr = np.zeros(len(traces) + 1, dtype=np.int64)
        np.cumsum([t.neurons.size for t in traces], out=ptr[1:])
        self._trace_neurons = (
            np.concatenate([network.group(t.population).start + t.neurons for t in traces])
            if traces
            else np.zeros(0, np.int64)
        )
        self._trace_ptr = ptr
        self._trace_vars = np.array([t.row for t in traces], dtype=np.int64)
        self._trace_interval = np.array([t.interval_steps for t in traces], dtype=np.int64)
        plastic_weights = [w for w in network.weight_traces if w.plastic_index >= 0]
        self._weight_traces = plastic_weights
        self._weight_proj = np.array([w.plastic_index for w in plastic_weights], dtype=np.int64)
        self._weight_width = np.array([w.width for w in plastic_weights], dtype=np.int64)
        self._weight_interval = np.array(
            [w.interval_steps for w in plastic_weights], dtype=np.int64
        )

    @property
    def time_ms(self) -> float:
        """Simulated time reached so far."""
        return self.step * self.dt_ms

    def steps_for(self, duration_ms: float) -> int:
        """Number of steps that cover ``duration_ms``."""
        return int(round(duration_ms / self.dt_ms))

    # -- running -------------------------------------------------------------------------------
    def advance(self, n_steps: int) -> Chunk:
        """Simulate ``n_steps`` steps and return their results.

        Raises :class:`SimulationError` if the state stops being finite; the message names the
        population, and the simulator refuses to go on afterwards.
        """
        if self._failed:
            raise SimulationError(self._failed)
        if n_steps < 0:
            raise ValueError("n_steps must be >= 0")
        step0 = self.step
        pieces = []
        done = 0
        while done < n_steps or (n_steps == 0 and not pieces):
            piece = self._run(step0 + done, n_steps - done)
            pieces.append(piece)
            done += piece["n"]
            if self._counters[K.C_ERROR] != K.ERROR_NONE:
                self.step = step0 + done
                self._fail()
            if piece["n"] == 0 and n_steps > 0:
                self._spike_capacity *= 2
        self.step = step0 + n_steps
        return self._chunk(step0, n_steps, pieces)

    def _run(self, step0: int, n_steps: int) -> dict[str, Any]:
        a = self._a
        tr_offset, tr_samples = self._offsets(
            step0, n_steps, self._trace_interval, np.diff(self._trace_ptr)
        )
        wr_offset, wr_samples = self._offsets(
            step0, n_steps, self._weight_interval, self._weight_width
        )
        out = K.Outputs(
            np.zeros(self._spike_capacity, dtype=np.int64),
            np.zeros(self._spike_capacity, dtype=np.int64),
            np.zeros((n_steps, len(self.compiled.groups)), dtype=np.int32),
            np.zeros(int(tr_offset[-1]) if tr_offset.size else 0),
            np.zeros(int(wr_offset[-1]) if wr_offset.size else 0),
        )
        recording = K.Recording(
            self._trace_ptr,
            self._trace_neurons,
            self._trace_vars,
            self._trace_interval,
            tr_offset[:-1],
            self._weight_proj,
            self._weight_width,
            self._weight_interval,
            wr_offset[:-1],
        )
        self._counters[K.C_OUT_COUNT] = 0
        if self.threads > 1:
            # per calling thread in Numba: the GUI's worker thread sets its own
            numba.set_num_threads(min(self.threads, numba.config.NUMBA_NUM_THREADS))
        K.run_steps(
            step0,
            n_steps,
            self.dt_ms,
            self.compiled.seed,
            a["groups"],
            a["neurons"],
            a["channels"],
            a["currents"],
            a["rates"],
            a["spike_times"],
            a["static"],
            a["stp"],
            a["plastic"],
            a["modulation"],
            recording,
            out,
            self._counters,
            self._fired,
        )
        n = int(self._counters[K.C_STEPS_DONE])
        count = int(self._counters[K.C_OUT_COUNT])
        _, tr_done = self._offsets(step0, n, self._trace_interval, np.diff(self._trace_ptr))
        _, wr_done = self._offsets(step0, n, self._weight_interval, self._weight_width)
        return {
            "n": n,
            "spike_steps": out.spike_step[:count].copy(),
            "spike_neurons": out.spike_neuron[:count].copy(),
            "counts": out.group_counts[:n].copy(),
            "traces": self._split(
                out.traces, tr_offset, tr_samples, tr_done, np.diff(self._trace_ptr)
            ),
            "weights": self._split(out.weights, wr_offset, wr_samples, wr_done, self._weight_width),
            "step0": step0,
        }

    @staticmethod
    def _offsets(step0: int, n_steps: int, intervals: np.ndarray, widths: np.ndarray):
        samples = (
            (step0 + n_steps) // intervals - step0 // intervals
            if intervals.size
            else np.zeros(0, np.int64)
        )
        offsets = np.zeros(intervals.size + 1, dtype=np.int64)
        np.cumsum(samples * widths, out=offsets[1:])
        return offsets, samples

    @staticmethod
    def _split(flat, offsets, samples, done, widths) -> list[np.ndarray]:
        return [
            flat[offsets[r] : offsets[r] + done[r] * widths[r]].reshape(done[r], widths[r]).copy()
            for r in range(widths.size)
        ]

    def _sample_times(self, step0: int, n_steps: int, interval: int) -> np.ndarray:
        first = (step0 // interval + 1) * interval
        stamps = np.arange(first, step0 + n_steps + 1, interval)
        return stamps * self.dt_ms

    def _chunk(self, step0: int, n_steps: int, pieces: list[dict[str, Any]]) -> Chunk:
        compiled = self.compiled
        traces = {}
        for r, info in enumerate(compiled.traces):
            values = np.concatenate([p["traces"][r] for p in pieces])
            traces[info.recorder_id] = Trace(
                self._sample_times(step0, n_steps, info.interval_steps), values
            )
        weight_traces = {}
        for r, info in enumerate(self._weight_traces):
            values = np.concatenate([p["weights"][r] for p in pieces])
            weight_traces[info.recorder_id] = Trace(
                self._sample_times(step0, n_steps, info.interval_steps), values
            )
        for info in compiled.weight_traces:
            if info.plastic_index < 0:
                times = self._sample_times(step0, n_steps, info.interval_steps)
                weight_traces[info.recorder_id] = Trace(
                    times, np.tile(info.static_weights, (times.size, 1))
                )
        return Chunk(
            step_start=step0,
            n_steps=n_steps,
            dt_ms=self.dt_ms,
            spike_steps=np.concatenate([p["spike_steps"] for p in pieces]),
            spike_neurons=np.concatenate([p["spike_neurons"] for p in pieces]),
            group_counts=np.concatenate([p["counts"] for p in pieces]),
            traces=traces,
            weight_traces=weight_traces,
            weights={
                info.node_id: self.plastic_weights(info.node_id)
                for info in compiled.projections
                if info.plastic_index >= 0
            },
        )

    def _fail(self) -> None:
        group = self.compiled.groups[int(self._counters[K.C_ERROR_GROUP])]
        self._failed = (
            f"the membrane potential of population {group.name!r} became NaN or infinite at "
            f"t = {self.time_ms:.3f} ms; check its parameters and the weights and currents "
            "it receives"
        )
        raise SimulationError(self._failed)

    # -- inspecting and tuning -------------------------------------------------------------------
    def plastic_weights(self, projection_id: str) -> np.ndarray:
        """A copy of the current weights of a plastic projection, in synapse order (by pre)."""
        info = next(p for p in self.compiled.projections if p.node_id == projection_id)
        plastic = self._a["plastic"]
        first = plastic.row_ptr[plastic.row_off[info.plastic_index]]
        return plastic.weight[first : first + info.n_synapses].copy()

    def synapses(self, projection_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Pre and post indices (local to their groups) of a plastic projection's synapses."""
        info = next(p for p in self.compiled.projections if p.node_id == projection_id)
        plastic = self._a["plastic"]
        p = info.plastic_index
        r0 = plastic.row_off[p]
        first = plastic.row_ptr[r0]
        rows = plastic.syn_row[first : first + info.n_synapses] - r0
        return rows.copy(), plastic.post[first : first + info.n_synapses].copy()

    def state(self, group: str, variable: str = "v_m") -> np.ndarray:
        """A copy of a state variable (``"v_m"``, ...) of every neuron of a group."""
        info = self.compiled.group(group)
        row = STATE_ROWS.get(info.type_id, {}).get(variable)
        if row is None or row < 0:
            raise KeyError(f"{info.name!r} has no state variable {variable!r}")
        return self._a["neurons"].state[row, info.start : info.start + info.size].copy()

    def set_live_param(self, node_id: str, type_id: str, name: str, value: float) -> None:
        """Change a live-tunable parameter between chunks, keeping all state.

        ``value`` must already be validated (the document's ``set_param`` does that).
        """
        if name not in LIVE_PARAMS.get(type_id, ()):
            raise ValidationError("cannot change while running; stop and run again", name)
        if isinstance(value, dict):
            raise ValidationError(
                "a distribution cannot replace a value while running; stop and run again", name
            )
        neurons = self._a["neurons"]
        if not self._own_par:
            neurons = self._a["neurons"] = neurons._replace(par=neurons.par.copy())
            self._own_par = True
        if type_id.startswith("population.") or type_id == "encoder.poisson":
            info = self.compiled.group(node_id)
            block = slice(info.start, info.start + info.size)
            if name == "i_e":
                neurons.par[K.PAR_I_E, block] = value
            else:
                neurons.par[K.POISSON_PROB, block] = min(1.0, value * self.dt_ms / 1000.0)
        elif type_id == "encoder.dc":
            for s in self.compiled.current_sources.get(node_id, []):
                self._a["currents"].gain[s] = value
        else:
            rule = self._a["plastic"].rule
            for p, rule_id in enumerate(self.compiled.plastic_rules):
                if rule_id == node_id:
                    rule[p, RULE_COLUMNS[name]] = value


def warm_up_kernels() -> float:
    """Load (or, the first time ever, compile) the simulation kernels by running a tiny
    network; Numba caches them on disk. The app does this on a worker thread at start, so that
    the first run of a user's network starts without waiting for the JIT. Returns seconds."""
    start = time.perf_counter()
    network = Network()
    source = network.add_node("encoder.poisson", params={"size": 2})
    target = network.add_node("population.lif", params={"size": 2})
    rule = network.add_node("plasticity.stdp_pair")
    projection = network.connect_groups(source.id, target.id)
    network.add_link(rule.id, "out", projection.id, "plasticity")
    network.connect_groups(target.id, target.id)  # static synapses are built by kernels too
    Simulator(network).advance(10)
    return time.perf_counter() - start
