"""Compile a network snapshot into the flat arrays the kernels run on.

Each node type has one builder here, found by its type id in :data:`BUILDERS`. Neuron groups
(populations and spike encoders) share one global neuron index space; synaptic currents live in
"channels", one block per target population and distinct synaptic time constant, so that a
static synapse only needs the index of the current it feeds.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.errors import MemoryBudgetError, ValidationError
from engine.model.checks import check_network
from engine.model.network import Network, Node
from engine.sim import kernels as K
from engine.sim.connectivity import draw_pairs, draw_values, expected_synapses
from engine.sim.seeding import stream

#: Bytes one synapse costs while the network is built (index arrays, weights, delays, sorting).
BUILD_BYTES_PER_SYNAPSE = 64
#: Bytes one neuron costs (state, parameters, propagators, buffers).
BYTES_PER_NEURON = 120


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


@dataclass
class CompiledNetwork:
    """Everything a :class:`~engine.sim.simulator.Simulator` needs; holds no reference to the
    document."""

    dt_ms: float
    seed: int
    groups: list[GroupInfo]
    projections: list[ProjectionInfo]
    traces: list[TraceInfo]
    weight_traces: list[WeightTraceInfo]
    arrays: dict[str, Any]
    current_sources: dict[str, list[int]] = field(default_factory=dict)
    plastic_rules: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def n_neurons(self) -> int:
        return sum(g.size for g in self.groups)

    def group(self, name_or_id: str) -> GroupInfo:
        for group in self.groups:
            if name_or_id in (group.name, group.node_id):
                return group
        raise KeyError(f"no neuron group {name_or_id!r}")


class _Build:
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
        self.currents: list[tuple[int, int, np.ndarray, int, int]] = []
        self.channel_taus: dict[str, list[float]] = {}
        # per population: tau_syn -> per-neuron propagator from a synaptic current to V
        self.couplings: dict[str, Callable[[float], np.ndarray]] = {}
        self.static_weights: dict[str, np.ndarray] = {}
        self.current_sources: dict[str, list[int]] = {}
        self.static: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.plastic: list[dict[str, Any]] = []
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

    def single_source(self, node: Node, port: str) -> Node:
        return self.network.node(self.network.links_into(node.id, port)[0].source)


Builder = Callable[[_Build, Node], Any]
BUILDERS: dict[str, Builder] = {}

#: Where each recordable variable of a population type lives in the state matrix.
STATE_ROWS: dict[str, dict[str, int]] = {
    "population.lif": {"v_m": K.STATE_V, "i_syn": K.VAR_I_SYN},
    "population.if": {"v_m": K.STATE_V, "i_syn": K.VAR_I_SYN},
    "population.adaptive_lif": {"v_m": K.STATE_V, "w": K.LIF_W, "i_syn": K.VAR_I_SYN},
    "population.izhikevich": {"v_m": K.STATE_V, "u": K.IZH_U, "i_syn": K.VAR_I_SYN},
    "population.adex": {"v_m": K.STATE_V, "w": K.ADEX_W, "i_syn": K.VAR_I_SYN},
    "population.hh": {
        "v_m": K.STATE_V,
        "m": K.HH_M,
        "h": K.HH_H,
        "n": K.HH_N,
        "i_syn": K.VAR_I_SYN,
    },
}


def builds(type_id: str) -> Callable[[Builder], Builder]:
    """Register the builder of a node type."""

    def register(function: Builder) -> Builder:
        if type_id in BUILDERS:
            raise ValueError(f"a builder for {type_id!r} is already registered")
        BUILDERS[type_id] = function
        return function

    return register


# -- neuron groups -------------------------------------------------------------------------------
def _add_neurons(
    build: _Build, node: Node, model: int, par: np.ndarray, state: np.ndarray | None = None
) -> None:
    size = par.shape[1]
    build.add_group(node, model, size)
    build.par_blocks.append(par)
    build.state_blocks.append(np.zeros((K.N_STATE_ROWS, size)) if state is None else state)


def _linear_if(
    build: _Build, node: Node, tau_m: float | None, *, tau_w: float | None = None, b: float = 0.0
) -> None:
    """LIF (``tau_m`` given), perfect IF (``tau_m=None``), with optional adaptation current."""
    params = node.params
    size = params["size"]
    h, c_m = build.dt, params["c_m"]
    par = np.zeros((K.N_PARAM_ROWS, size))
    if tau_m is None:
        par[K.LIF_P22] = 1.0
        par[K.LIF_P20] = h / c_m
    else:
        par[K.LIF_P22] = math.exp(-h / tau_m)
        par[K.LIF_P20] = -tau_m / c_m * math.expm1(-h / tau_m)
    par[K.LIF_E_L] = params.get("e_l", 0.0)
    par[K.LIF_V_TH] = params["v_th"]
    par[K.LIF_V_RESET] = params["v_reset"]
    par[K.LIF_REF_STEPS] = build.steps(params["t_ref"])
    par[K.LIF_I_E] = params["i_e"]
    par[K.LIF_W_DECAY] = 1.0 if tau_w is None else math.exp(-h / tau_w)
    par[K.LIF_W_P21] = 0.0 if tau_w is None else lif_p21(h, tau_m, c_m, tau_w)
    par[K.LIF_W_JUMP] = b
    state = np.zeros((K.N_STATE_ROWS, size))
    state[K.STATE_V] = draw_values(params["v_init"], size, build.rng(node, "v_init"))
    _add_neurons(build, node, K.MODEL_LIF, par, state)
    build.couplings[node.id] = lambda tau_syn: np.full(size, lif_p21(h, tau_m, c_m, tau_syn))


@builds("population.lif")
def _build_lif(build: _Build, node: Node) -> None:
    _linear_if(build, node, node.params["tau_m"])


@builds("population.if")
def _build_if(build: _Build, node: Node) -> None:
    _linear_if(build, node, None)


@builds("population.adaptive_lif")
def _build_adaptive_lif(build: _Build, node: Node) -> None:
    params = node.params
    _linear_if(build, node, params["tau_m"], tau_w=params["tau_w"], b=params["b"])


def _nonlinear(
    build: _Build,
    node: Node,
    model: int,
    rows: dict[int, str],
    extra_state: Callable[[np.ndarray], dict[int, np.ndarray]] | None = None,
) -> None:
    """Neurons whose kernel reads parameters directly (``rows``: par row -> param name)."""
    params = node.params
    size = params["size"]
    par = np.zeros((K.N_PARAM_ROWS, size))
    for row, name in rows.items():
        par[row] = params[name]
    par[K.PAR_I_E] = params["i_e"]
    if "t_ref" in params:
        par[K.PAR_REF_STEPS] = build.steps(params["t_ref"])
    state = np.zeros((K.N_STATE_ROWS, size))
    state[K.STATE_V] = draw_values(params["v_init"], size, build.rng(node, "v_init"))
    for row, values in (extra_state(state[K.STATE_V]) if extra_state else {}).items():
        state[row] = values
    _add_neurons(build, node, model, par, state)
    # synaptic currents enter these kernels directly, not through a propagator
    build.couplings[node.id] = lambda tau_syn: np.zeros(size)


@builds("population.izhikevich")
def _build_izhikevich(build: _Build, node: Node) -> None:
    params = node.params
    rows = {K.IZH_A: "a", K.IZH_B: "b", K.IZH_C: "c", K.IZH_D: "d", K.IZH_V_PEAK: "v_peak"}
    u_init = params["u_init"]
    _nonlinear(build, node, K.MODEL_IZHIKEVICH, rows, lambda v: {
        K.IZH_U: params["b"] * v if u_init is None else np.full(v.size, u_init)})  # fmt: skip


@builds("population.adex")
def _build_adex(build: _Build, node: Node) -> None:
    rows = {K.ADEX_C_M: "c_m", K.ADEX_G_L: "g_l", K.ADEX_E_L: "e_l", K.ADEX_V_T: "v_th",
            K.ADEX_DELTA_T: "delta_t", K.ADEX_V_PEAK: "v_peak", K.ADEX_V_RESET: "v_reset",
            K.ADEX_TAU_W: "tau_w", K.ADEX_A: "a", K.ADEX_B: "b"}  # fmt: skip
    _nonlinear(build, node, K.MODEL_ADEX, rows)


@builds("population.hh")
def _build_hh(build: _Build, node: Node) -> None:
    rows = {K.HH_C_M: "c_m", K.HH_G_NA: "g_na", K.HH_G_K: "g_k", K.HH_G_L: "g_l",
            K.HH_E_NA: "e_na", K.HH_E_K: "e_k", K.HH_E_L: "e_l"}  # fmt: skip

    def gates_at_rest(v: np.ndarray) -> dict[int, np.ndarray]:
        rates = np.array([K.hh_rates(x) for x in v]).T.reshape(6, v.size)
        am, bm, ah, bh, an, bn = rates
        return {K.HH_M: am / (am + bm), K.HH_H: ah / (ah + bh), K.HH_N: an / (an + bn)}

    _nonlinear(build, node, K.MODEL_HH, rows, gates_at_rest)


def lif_p21(h: float, tau_m: float | None, c_m: float, tau_syn: float) -> float:
    """Exact propagator from an exponential current (pA) to V (mV) over one step.

    V gains ``I0 / C * tau_m tau_s / (tau_s - tau_m) * (exp(-h/tau_s) - exp(-h/tau_m))``,
    written with ``expm1`` so that it stays accurate, and finite, as tau_s approaches tau_m.
    ``tau_m=None`` is the perfect integrator: ``I0 tau_s / C (1 - exp(-h/tau_s))``.
    """
    if tau_m is None:
        return -tau_syn / c_m * math.expm1(-h / tau_syn)
    a = (tau_syn - tau_m) / (tau_m * tau_syn)
    p22 = math.exp(-h / tau_m)
    if abs(a * h) < 1e-12:
        return p22 * h / c_m
    return p22 / (c_m * a) * math.expm1(h * a)


@builds("encoder.poisson")
def _build_poisson(build: _Build, node: Node) -> None:
    params = node.params
    size = params["size"]
    par = np.zeros((K.N_PARAM_ROWS, size))
    par[K.POISSON_PROB] = min(1.0, params["rate_hz"] * build.dt / 1000.0)
    par[K.POISSON_START] = build.steps(params["start_ms"])
    stop = params["stop_ms"]
    par[K.POISSON_STOP] = np.inf if stop is None else build.steps(stop)
    _add_neurons(build, node, K.MODEL_POISSON, par)


@builds("encoder.spike_times")
def _build_spike_times(build: _Build, node: Node) -> None:
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
    _add_neurons(build, node, K.MODEL_SPIKE_TIMES, np.zeros((K.N_PARAM_ROWS, size)))


# -- inputs that are not neurons ----------------------------------------------------------------
@builds("encoder.dc")
def _build_dc(build: _Build, node: Node) -> None:
    params = node.params
    start = build.steps(params["start_ms"])
    stop = params["stop_ms"]
    stop_step = 2**62 if stop is None else build.steps(stop)
    amp = np.full(params["size"], params["amplitude_pa"])
    for link in build.network.links_from(node.id, "out"):
        target = build.group_of[link.target]
        build.current_sources.setdefault(node.id, []).append(len(build.currents))
        build.currents.append((target.start, target.size, amp, start, stop_step))


# -- projections and plasticity -----------------------------------------------------------------
@builds("projection.synapses")
def _build_projection(build: _Build, node: Node) -> None:
    params = node.params
    pre = build.single_source(node, "pre")
    post_link = next(
        lk
        for lk in build.network.links_from(node.id, "post")
        if build.network.node_type(lk.target).category == "population"
    )
    pre_g, post_g = build.group_of[pre.id], build.group_of[post_link.target]
    rng = (
        stream(params["seed"], node.id, "synapses")
        if params["seed"] is not None
        else build.rng(node, "synapses")
    )
    src, dst = draw_pairs(
        params["rule"],
        pre_g.size,
        post_g.size,
        rng,
        p=params["p"],
        autapses=params["autapses"],
        recurrent=pre_g.node_id == post_g.node_id,
    )
    weights = draw_values(params["weight"], src.size, rng)
    delays_ms = draw_values(params["delay_ms"], src.size, rng)
    delays = np.maximum(1, np.rint(delays_ms / build.dt)).astype(np.int32)
    taus = build.channel_taus.setdefault(post_g.node_id, [])
    if params["tau_syn"] not in taus:
        taus.append(params["tau_syn"])
    channel = taus.index(params["tau_syn"])
    rule_links = build.network.links_into(node.id, "plasticity")
    plastic_index = -1
    if rule_links:
        rule = build.network.node(rule_links[0].source)
        rule_params = BUILDERS[rule.type_id](build, rule)
        plastic_index = len(build.plastic)
        build.plastic.append(
            {
                "pre": pre_g,
                "post": post_g,
                "channel": channel,
                "src": src,
                "dst": dst,
                "weights": np.clip(weights, rule_params["w_min"], rule_params["w_max"]),
                "delay": int(delays[0]) if delays.size else 1,
                "rule": rule_params,
                "rule_id": rule.id,
            }
        )
    else:
        build.static.append((src + pre_g.start, dst, weights, delays, post_g.node_id, channel))
        build.static_weights[node.id] = weights
    build.projections.append(
        ProjectionInfo(
            node.id, node.name, pre_g.node_id, post_g.node_id, int(src.size), plastic_index
        )
    )


@builds("plasticity.stdp_pair")
def _build_stdp_pair(build: _Build, node: Node) -> dict[str, float]:
    params = node.params
    return {
        "tau_plus": params["tau_plus"],
        "tau_minus": params["tau_minus"],
        "a_plus": params["a_plus"],
        "a_minus": params["a_minus"],
        "w_min": params["w_min"],
        "w_max": params["w_max"],
        "mode": K.STDP_MULTIPLICATIVE if params["mode"] == "multiplicative" else K.STDP_ADDITIVE,
    }


# -- recorders ----------------------------------------------------------------------------------
@builds("recorder.spikes")
def _build_spike_recorder(build: _Build, node: Node) -> None:
    """Spike recorders only mark groups as recorded (done in ``add_group``)."""


@builds("recorder.state")
def _build_state_recorder(build: _Build, node: Node) -> None:
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
def _build_weight_recorder(build: _Build, node: Node) -> None:
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


# -- the whole network --------------------------------------------------------------------------
def available_memory_bytes() -> int:
    """Memory the OS says is available now (MemAvailable), or a conservative guess."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 4 * 2**30


def estimate_memory(network: Network) -> tuple[int, list[tuple[str, float]]]:
    """Bytes needed to build ``network``, and the expected synapse count per projection."""
    sizes = {n.id: n.params.get("size", 0) for n in network.nodes}
    total = BYTES_PER_NEURON * sum(
        s
        for n, s in zip(network.nodes, sizes.values(), strict=True)
        if network.node_type(n).is_neuron_group
    )
    per_projection = []
    for node in network.nodes:
        if node.type_id != "projection.synapses":
            continue
        pre = network.links_into(node.id, "pre")
        post = [
            lk
            for lk in network.links_from(node.id, "post")
            if network.node_type(lk.target).category == "population"
        ]
        if not pre or not post:
            continue
        count = expected_synapses(
            node.params["rule"], sizes[pre[0].source], sizes[post[0].target], node.params["p"]
        )
        per_projection.append((node.name, count))
        total += int(count * BUILD_BYTES_PER_SYNAPSE)
    return total, per_projection


def compile_network(network: Network, *, memory_limit: int | None = None) -> CompiledNetwork:
    """Turn a network snapshot into arrays; raises ``ValidationError`` or ``MemoryBudgetError``.

    Parameters
    ----------
    network
        The document (or a copy of it); it is not modified and not kept.
    memory_limit
        Bytes the build may use; by default what the machine has available now.
    """
    report = check_network(network)
    if report.errors:
        raise report.errors[0]
    needed, per_projection = estimate_memory(network)
    limit = available_memory_bytes() if memory_limit is None else memory_limit
    if needed > limit:
        largest = max(per_projection, key=lambda item: item[1], default=("", 0))
        detail = (
            f"; the largest projection, {largest[0]!r}, has about {largest[1]:.3g} synapses"
            if largest[0]
            else ""
        )
        raise MemoryBudgetError(
            f"this network needs about {needed / 2**30:.1f} GiB to build, but only "
            f"{limit / 2**30:.1f} GiB is available{detail}"
        )
    build = _Build(network)
    by_category: dict[str, list[Node]] = {}
    for node in network.nodes:
        by_category.setdefault(network.node_type(node).category, []).append(node)
    for node in network.nodes:
        if network.node_type(node).is_neuron_group:
            BUILDERS[node.type_id](build, node)
    for category in ("encoder", "projection", "recorder"):
        for node in by_category.get(category, []):
            if not network.node_type(node).is_neuron_group:
                BUILDERS[node.type_id](build, node)
    arrays = _assemble(build)
    return CompiledNetwork(
        build.dt,
        build.seed,
        build.groups,
        build.projections,
        build.traces,
        build.weight_traces,
        arrays,
        build.current_sources,
        [it["rule_id"] for it in build.plastic],
        report.warnings,
    )


def _assemble(build: _Build) -> dict[str, Any]:
    n = build.n_neurons
    n_groups = len(build.groups)
    groups = K.Groups(
        np.array([g.start for g in build.groups], dtype=np.int64),
        np.array([g.size for g in build.groups], dtype=np.int64),
        np.array(build.models, dtype=np.int64),
        np.array([g.recorded for g in build.groups], dtype=np.bool_),
    )
    par = (
        np.concatenate(build.par_blocks, axis=1)
        if build.par_blocks
        else np.zeros((K.N_PARAM_ROWS, 0))
    )
    state = (
        np.concatenate(build.state_blocks, axis=1)
        if build.state_blocks
        else np.zeros((K.N_STATE_ROWS, 0))
    )
    neurons = K.Neurons(state, np.zeros(n, dtype=np.int32), par, np.zeros(n))

    # channels: one block of currents per (target population, synaptic time constant)
    grp_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    block_start, decay, p21 = [], [], []
    channel_base: dict[str, int] = {}
    offset = 0
    for g, info in enumerate(build.groups):
        taus = build.channel_taus.get(info.node_id, [])
        channel_base[info.node_id] = offset
        for tau in taus:
            block_start.append(offset)
            offset += info.size
            decay.append(np.full(info.size, math.exp(-build.dt / tau)))
            p21.append(build.couplings[info.node_id](tau))
        grp_ptr[g + 1] = grp_ptr[g] + len(taus)
    n_inputs = offset
    channels = K.Channels(
        np.zeros(n_inputs),
        np.concatenate(decay) if decay else np.zeros(0),
        np.concatenate(p21) if p21 else np.zeros(0),
        grp_ptr,
        np.array(block_start, dtype=np.int64),
    )

    n_src = len(build.currents)
    width = max([c[2].size for c in build.currents], default=1)
    amp = np.zeros((n_src, width))
    for s, current in enumerate(build.currents):
        amp[s, : current[2].size] = current[2]
    currents = K.CurrentSources(
        np.array([c[0] for c in build.currents], dtype=np.int64),
        np.array([c[1] for c in build.currents], dtype=np.int64),
        np.array([c[2].size for c in build.currents], dtype=np.int64),
        amp,
        np.array([c[3] for c in build.currents], dtype=np.int64),
        np.array([c[4] for c in build.currents], dtype=np.int64),
    )

    if build.spike_events:
        steps = np.concatenate([e[0] for e in build.spike_events])
        who = np.concatenate([e[1] for e in build.spike_events])
        order = np.lexsort((who, steps))
        spike_times = K.SpikeTimes(steps[order], who[order])
    else:
        spike_times = K.SpikeTimes(np.zeros(0, np.int64), np.zeros(0, np.int64))

    static = _assemble_static(build, n, channel_base)
    plastic = _assemble_plastic(build, n, channel_base)
    return {
        "groups": groups,
        "neurons": neurons,
        "channels": channels,
        "currents": currents,
        "spike_times": spike_times,
        "static": static,
        "plastic": plastic,
    }


def _input_index(
    build: _Build, channel_base: dict[str, int], post_id: str, channel: int, dst: np.ndarray
) -> np.ndarray:
    size = build.group_of[post_id].size
    return channel_base[post_id] + channel * size + dst


def _assemble_static(build: _Build, n: int, channel_base: dict[str, int]) -> K.Static:
    if build.static:
        src = np.concatenate([s[0] for s in build.static])
        target = np.concatenate(
            [_input_index(build, channel_base, s[4], s[5], s[1]) for s in build.static]
        )
        weight = np.concatenate([s[2] for s in build.static])
        delay = np.concatenate([s[3] for s in build.static])
        order = np.argsort(src, kind="stable")
        src, target, weight, delay = src[order], target[order], weight[order], delay[order]
    else:
        src = target = np.zeros(0, np.int64)
        weight = np.zeros(0)
        delay = np.zeros(0, np.int32)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=ptr[1:])
    ring_len = int(delay.max()) + 1 if delay.size else 2
    n_inputs = sum(len(t) * build.group_of[g].size for g, t in build.channel_taus.items())
    return K.Static(
        ptr,
        target.astype(np.int64),
        weight.astype(np.float64),
        delay.astype(np.int64),
        np.zeros((ring_len, n_inputs)),
    )


def _assemble_plastic(build: _Build, n: int, channel_base: dict[str, int]) -> K.Plastic:
    items = build.plastic
    count = len(items)

    def column(key: str, dtype=np.float64) -> np.ndarray:
        return np.array([it["rule"][key] for it in items], dtype=dtype)

    row_off = np.zeros(count, dtype=np.int64)
    col_off = np.zeros(count, dtype=np.int64)
    row_ptrs, posts, syn_rows, col_ptrs, col_syns, weights = [], [], [], [], [], []
    rows = cols = syn = 0
    is_pre = np.zeros(n, dtype=np.bool_)
    for p, it in enumerate(items):
        n_pre, n_post = it["pre"].size, it["post"].size
        row_off[p], col_off[p] = rows, cols
        counts = np.bincount(it["src"], minlength=n_pre)
        row_ptr = syn + np.concatenate([[0], np.cumsum(counts)])
        row_ptrs.append(row_ptr[:-1] if p < count - 1 else row_ptr)
        posts.append(it["dst"])
        syn_rows.append(rows + it["src"])
        order = np.argsort(it["dst"], kind="stable")
        col_counts = np.bincount(it["dst"], minlength=n_post)
        col_ptr = syn + np.concatenate([[0], np.cumsum(col_counts)])
        col_ptrs.append(col_ptr[:-1] if p < count - 1 else col_ptr)
        col_syns.append(syn + order)
        weights.append(it["weights"])
        is_pre[it["pre"].start : it["pre"].start + n_pre] = True
        rows += n_pre
        cols += n_post
        syn += it["src"].size
    hist_len = max([it["delay"] for it in items], default=1) + 1
    pre_capacity = int(is_pre.sum())
    cat = np.concatenate
    return K.Plastic(
        np.array([it["pre"].start for it in items], dtype=np.int64),
        np.array([it["pre"].size for it in items], dtype=np.int64),
        np.array([it["post"].start for it in items], dtype=np.int64),
        np.array([it["post"].size for it in items], dtype=np.int64),
        np.array([it["delay"] for it in items], dtype=np.int64),
        np.array(
            [
                _input_index(build, channel_base, it["post"].node_id, it["channel"], 0)
                for it in items
            ],
            dtype=np.int64,
        ),
        row_off,
        col_off,
        column("tau_plus"),
        column("tau_minus"),
        column("a_plus"),
        column("a_minus"),
        column("w_min"),
        column("w_max"),
        column("mode", np.int64),
        cat(row_ptrs).astype(np.int64) if items else np.zeros(1, np.int64),
        cat(posts).astype(np.int64) if items else np.zeros(0, np.int64),
        cat(syn_rows).astype(np.int64) if items else np.zeros(0, np.int64),
        cat(col_ptrs).astype(np.int64) if items else np.zeros(1, np.int64),
        cat(col_syns).astype(np.int64) if items else np.zeros(0, np.int64),
        cat(weights).astype(np.float64) if items else np.zeros(0),
        np.zeros(rows),
        np.zeros(rows, dtype=np.int64),
        np.zeros(cols),
        np.zeros(cols, dtype=np.int64),
        np.zeros((hist_len, max(1, pre_capacity)), dtype=np.int64),
        np.zeros(hist_len, dtype=np.int64),
        is_pre,
    )
