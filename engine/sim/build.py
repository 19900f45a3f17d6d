"""What builders share: the build context, the builder registry and the compiled metadata.

Each node type has one builder, registered with :func:`builds` under its type id; the
modules of :mod:`engine.sim.builders` hold them, one per family of node types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from engine.errors import ValidationError
from engine.model.network import Network, Node
from engine.sim import kernels as K
from engine.sim.seeding import stream


@dataclass(frozen=True)
class GroupInfo:
    """A block of neurons in the global index space (a population or a spike encoder)."""

    node_id: str
    name: str
    type_id: str
    category: str
    start: int
    size: int
    recorded: bool


@dataclass(frozen=True)
class ProjectionInfo:
    node_id: str
    name: str
    pre: str
    post: str
    n_synapses: int
    plastic_index: int  # -1 for static projections


@dataclass(frozen=True)
class TraceInfo:
    """A state recorder: which neurons of which population it samples, and how often."""

    recorder_id: str
    name: str
    population: str
    variable: str
    unit: str
    neurons: np.ndarray
    interval_steps: int
    row: int  # state row sampled, or a derived quantity such as kernels.VAR_I_SYN


@dataclass(frozen=True)
class WeightTraceInfo:
    recorder_id: str
    name: str
    projection: str
    width: int
    interval_steps: int
    plastic_index: int
    static_weights: np.ndarray | None


@dataclass(frozen=True)
class CurrentSource:
    """A time course of current into a block of neurons (see ``kernels.CurrentSources``).

    ``values`` has one row per point of ``steps`` and one column per channel (a single column
    feeds every target neuron); the current is ``gain * values``, zero before the first point.
    """

    target_start: int
    target_size: int
    steps: np.ndarray
    values: np.ndarray
    gain: float = 1.0
    interpolate: bool = False


class SynapseBlocks(Protocol):
    """A static projection's synapses, block by block, read once in this order: every (pre,
    post) pair first, then every weight, then every delay.

    Pre and post are indices within the two groups. Within the pairs, the synapses of any one
    pre neuron come in ascending post order; weights (float32, pA) and delays (whole steps, at
    least 1) come in pre-major order, post ascending (the order of
    :func:`engine.sim.connectivity.draw_pairs`).
    """

    def pairs(self) -> Iterator[tuple[np.ndarray, np.ndarray]]: ...

    def weights(self) -> Iterator[np.ndarray]: ...

    def delays(self) -> Iterator[np.ndarray]: ...


@dataclass(frozen=True)
class StaticProjection:
    """A static projection, placed in the compiled CSR when the network is assembled.

    ``synapses()`` gives its synapses from the start each time it is called; a rule that draws
    them draws them again, the same, from its own stream, so that a large projection is never
    held whole (the compiler reads it twice: to count each row's synapses, then to place them).
    """

    node_id: str
    info_index: int  # of its ProjectionInfo in BuildContext.projections
    pre_start: int
    pre_size: int
    post_id: str
    channel: int
    stp: dict[str, float] | None
    recorded: int  # how many of its first weights weight recorders show
    synapses: Callable[[], SynapseBlocks]


class BuildContext:
    """Accumulates arrays while builders run."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.dt = float(network.settings["dt_ms"])
        self.seed = int(network.settings["seed"])
        self.index = {node.id: i for i, node in enumerate(network.nodes)}
        self.groups: list[GroupInfo] = []
        self.group_of: dict[str, GroupInfo] = {}
        self.models: list[int] = []
        self.par_blocks: list[np.ndarray] = []
        self.state_blocks: list[np.ndarray] = []
        self.spike_events: list[tuple[np.ndarray, np.ndarray]] = []
        self.currents: list[CurrentSource] = []
        self.rate_tables: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # per target group: its synaptic channels as (kind, tau_ms, e_rev_mV)
        self.channel_keys: dict[str, list[tuple[int, float, float]]] = {}
        # per population: (kind, tau_syn) -> propagators to V of a synaptic current and of an
        # alpha kernel's dI; models integrated numerically have none (zeros)
        self.couplings: dict[str, Callable[[int, float], tuple[float, float]]] = {}
        # per static projection: its first weights, for weight recorders (set when assembled)
        self.static_weights: dict[str, np.ndarray] = {}
        self.current_sources: dict[str, list[int]] = {}
        self.static: list[StaticProjection] = []
        self.plastic: list[dict[str, Any]] = []
        # neuromodulators: {"node_id", "decay", "baseline", "steps", "amounts"}
        self.modulators: list[dict[str, Any]] = []
        self.projections: list[ProjectionInfo] = []
        self.traces: list[TraceInfo] = []
        self.weight_traces: list[WeightTraceInfo] = []
        self.n_neurons = 0

    def rng(self, node: Node, purpose: str) -> np.random.Generator:
        return stream(self.seed, node.id, purpose)

    def steps(self, ms: float) -> int:
        return int(round(ms / self.dt))

    def fail(self, node: Node, message: str, param: str = "") -> ValidationError:
        where = f"nodes[{self.index[node.id]}]" + (f".params.{param}" if param else "")
        return ValidationError(f"{message} (node {node.name!r})", where)

    def add_group(self, node: Node, model: int, size: int) -> int:
        start = self.n_neurons
        recorded = any(
            self.network.node(lk.target).type_id == "recorder.spikes"
            for lk in self.network.links_from(node.id, "out")
        )
        node_type = self.network.node_type(node)
        info = GroupInfo(
            node.id, node.name, node.type_id, node_type.category, start, size, recorded
        )
        self.groups.append(info)
        self.group_of[node.id] = info
        self.models.append(model)
        self.n_neurons += size
        return start

    def channel(self, group_id: str, kind: int, tau_ms: float, e_rev: float = 0.0) -> int:
        """Index, within its target group, of the synaptic channel of this kind and constants."""
        keys = self.channel_keys.setdefault(group_id, [])
        key = (kind, float(tau_ms), float(e_rev))
        if key not in keys:
            keys.append(key)
        return keys.index(key)

    def modulator_index(self, node_id: str) -> int:
        """Index of an already built modulator node."""
        for index, modulator in enumerate(self.modulators):
            if modulator["node_id"] == node_id:
                return index
        raise KeyError(f"modulator {node_id!r} is not built")

    def single_source(self, node: Node, port: str) -> Node:
        return self.network.node(self.network.links_into(node.id, port)[0].source)


Builder = Callable[[BuildContext, Node], Any]
BUILDERS: dict[str, Builder] = {}

#: Where each recordable variable of a population type lives in the state matrix; filled by
#: the neuron builders.
STATE_ROWS: dict[str, dict[str, int]] = {}


def builds(type_id: str) -> Callable[[Builder], Builder]:
    """Register the builder of a node type."""

    def register(function: Builder) -> Builder:
        if type_id in BUILDERS:
            raise ValueError(f"a builder for {type_id!r} is already registered")
        BUILDERS[type_id] = function
        return function

    return register


def add_neurons(
    build: BuildContext, node: Node, model: int, par: np.ndarray, state: np.ndarray | None = None
) -> None:
    """Add a neuron group with its parameter matrix (and initial state, zeros by default)."""
    size = par.shape[1]
    build.add_group(node, model, size)
    build.par_blocks.append(par)
    build.state_blocks.append(np.zeros((K.N_STATE_ROWS, size)) if state is None else state)


def add_current_source(build: BuildContext, node: Node, source: CurrentSource) -> None:
    """Register a current source of ``node``; live changes of its amplitude set the gain."""
    values = np.asarray(source.values, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != len(source.steps):
        raise ValueError("values must have one row per time point")
    if values.shape[1] not in (1, source.target_size):
        raise build.fail(node, f"has {values.shape[1]} channels but the target has "
                         f"{source.target_size} neurons")  # fmt: skip
    build.current_sources.setdefault(node.id, []).append(len(build.currents))
    build.currents.append(source)


def set_rate_table(build: BuildContext, node: Node, steps: np.ndarray, factors: np.ndarray) -> None:
    """Make a Poisson group's rates vary over time: ``factor[k]`` from ``steps[k]`` on."""
    build.rate_tables[node.id] = (np.asarray(steps, np.int64), np.asarray(factors, np.float64))
