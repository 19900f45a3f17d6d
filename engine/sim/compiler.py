"""Compile a network snapshot into the flat arrays the kernels run on.

Each node type has one builder (in :mod:`engine.sim.builders`), found by its type id in
:data:`BUILDERS`. Neuron groups
(populations and spike encoders) share one global neuron index space; synaptic currents live in
"channels", one block per target population and distinct synaptic time constant, so that a
static synapse only needs the index of the current it feeds.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import engine.sim.builders  # noqa: F401  (registers every builder)
from engine.errors import MemoryBudgetError, ValidationError
from engine.model.checks import check_network
from engine.model.network import Network, Node
from engine.sim import kernels as K
from engine.sim.build import (
    BUILDERS,
    BuildContext,
    GroupInfo,
    ProjectionInfo,
    TraceInfo,
    WeightTraceInfo,
)
from engine.sim.connectivity import projection_expected_synapses
from engine.sim.jit import njit

# The memory guard budgets what a build adds to the process: Python, numpy, Numba and the loaded
# kernels (about 170 MB) are resident already, and MemAvailable leaves them out.
# benchmarks/large_network.py measures it (docs/benchmarks.md, "One million neurons").
#: Bytes a static synapse costs: the 10 it is stored in (a projection is drawn block by block
#: straight into the stored arrays, never held whole) and a margin; CUBA with a million
#: neurons adds 10.4 per synapse.
BUILD_BYTES_PER_SYNAPSE = 12
#: Bytes a synapse of a plastic projection costs: it is drawn whole (int64 pairs, float64
#: weights and delays), then turned into row and column tables (CUBA with STDP on E -> E and
#: 100,000 neurons: about 80 per plastic synapse).
PLASTIC_BYTES_PER_SYNAPSE = 96
#: Bytes one neuron costs: parameters, state and synaptic channels (about 190 for a LIF
#: neuron with two kinds of synapse).
BYTES_PER_NEURON = 224
#: Bytes one neuron costs per partition of the static synapses (one per thread): its row
#: pointer, and the row count and cursors of the counting sort.
BYTES_PER_ROW = 32
#: Bytes any build needs: a block of synapses being drawn, with its temporaries.
BUILD_BYTES_FIXED = 64 * 2**20


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


def estimate_memory(network: Network, threads: int = 1) -> tuple[int, list[tuple[str, float]]]:
    """Bytes building ``network`` adds to the process at its peak, and the expected synapse
    count per projection."""
    sizes = {n.id: n.params.get("size", 0) for n in network.nodes}
    neurons = sum(
        s
        for n, s in zip(network.nodes, sizes.values(), strict=True)
        if network.node_type(n).is_neuron_group
    )
    total = BUILD_BYTES_FIXED + (BYTES_PER_NEURON + BYTES_PER_ROW * threads) * neurons
    per_projection = []
    for node in network.nodes:
        if network.node_type(node).category != "projection":
            continue
        pre = network.links_into(node.id, "pre")
        post = [
            lk
            for lk in network.links_from(node.id, "post")
            if network.node_type(lk.target).category == "population"
        ]
        if not pre or not post:
            continue
        pre_node, post_node = network.node(pre[0].source), network.node(post[0].target)
        count = projection_expected_synapses(
            node.params,
            sizes[pre_node.id],
            sizes[post_node.id],
            pre_shape=pre_node.params.get("shape"),
            post_shape=post_node.params.get("shape"),
            recurrent=pre_node.id == post_node.id,
            resolve_path=network.resolve_path,
        )
        per_projection.append((node.name, count))
        plastic = bool(network.links_into(node.id, "plasticity"))
        total += int(count * (PLASTIC_BYTES_PER_SYNAPSE if plastic else BUILD_BYTES_PER_SYNAPSE))
    return total, per_projection


#: The parallel mode pays off from about this many neurons in groups large enough to be split
#: between threads (``make bench``: on 2 threads CUBA is slower than on one at 16,000 neurons,
#: 1.4 x faster at 64,000); below it, each step's hand-off costs more than it saves.
PARALLEL_WORTHWHILE_NEURONS = 32_768


def worthwhile_threads(network: Network, threads: int) -> int:
    """``threads``, or 1 for a network too small for the parallel mode to pay off (the app's
    *Simulation threads* preference goes through this; results are the same either way)."""
    shared = sum(
        node.params.get("size", 0)
        for node in network.nodes
        if node.type_id.startswith("population.")
        and node.params.get("size", 0) >= K.PARALLEL_MIN_NEURONS
    )
    return threads if shared >= PARALLEL_WORTHWHILE_NEURONS else 1


def compile_network(
    network: Network, *, memory_limit: int | None = None, threads: int = 1
) -> CompiledNetwork:
    """Turn a network snapshot into arrays; raises ``ValidationError`` or ``MemoryBudgetError``.

    Parameters
    ----------
    network
        The document (or a copy of it); it is not modified and not kept.
    memory_limit
        Bytes the build may use; by default what the machine has available now.
    threads
        Threads the simulation will run on: static synapses are split into this many
        partitions by target, so that each thread delivers spikes to its own targets (see
        :func:`_assemble_static`). Networks with short-term plasticity get one partition.
    """
    if threads < 1:
        raise ValueError("threads must be >= 1")
    report = check_network(network)
    if report.errors:
        raise report.errors[0]
    needed, per_projection = estimate_memory(network, threads)
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
    build = BuildContext(network)
    by_category: dict[str, list[Node]] = {}
    for node in network.nodes:
        by_category.setdefault(network.node_type(node).category, []).append(node)
    for node in network.nodes:
        if network.node_type(node).is_neuron_group:
            BUILDERS[node.type_id](build, node)
    for category in ("encoder", "modulator", "projection"):
        for node in by_category.get(category, []):
            if not network.node_type(node).is_neuron_group:
                BUILDERS[node.type_id](build, node)
    arrays = _assemble(build, threads)
    # recorders read what the assembly made: a static projection's synapse count and weights
    for node in by_category.get("recorder", []):
        BUILDERS[node.type_id](build, node)
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


def _assemble(build: BuildContext, threads: int = 1) -> dict[str, Any]:
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
    # the groups' blocks are copied: let them go before the synapses take their room
    build.par_blocks.clear()
    build.state_blocks.clear()
    neurons = K.Neurons(state, np.zeros(n, dtype=np.int32), par, np.zeros(n))

    # channels: one block per (target population, synapse kind, time constant, reversal)
    grp_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    block_start, kinds, e_revs, decay, p21, p_aux, fused, gain = [], [], [], [], [], [], [], []
    channel_base: dict[str, int] = {}
    offset = 0
    for g, info in enumerate(build.groups):
        keys = build.channel_keys.get(info.node_id, [])
        channel_base[info.node_id] = offset
        if any(kind == K.CH_COND for kind, _, _ in keys) and build.models[g] == K.MODEL_LIF:
            groups.model[g] = K.MODEL_LIF_COND
        for kind, tau, e_rev in keys:
            block_start.append(offset)
            kinds.append(kind)
            e_revs.append(e_rev)
            fused.append(groups.model[g] in (K.MODEL_LIF, K.MODEL_RELAY))
            offset += info.size
            decay.append(0.0 if kind == K.CH_DELTA else math.exp(-build.dt / tau))
            gain.append(math.e / tau if kind == K.CH_ALPHA else 1.0)
            to_v, aux_to_v = build.couplings[info.node_id](kind, tau)
            p21.append(to_v)
            p_aux.append(aux_to_v)
        grp_ptr[g + 1] = grp_ptr[g] + len(keys)
    block_start.append(offset)
    n_inputs = offset

    channels = K.Channels(
        np.zeros(n_inputs),
        np.zeros(n_inputs),
        np.array(decay, dtype=np.float64),
        np.array(p21, dtype=np.float64),
        np.array(p_aux, dtype=np.float64),
        grp_ptr,
        np.array(block_start, dtype=np.int64),
        np.array(kinds, dtype=np.int64),
        np.array(e_revs, dtype=np.float64),
        np.array(fused, dtype=np.bool_),
        np.array(gain, dtype=np.float64),
    )

    sources = build.currents
    width = max([c.values.shape[1] for c in sources], default=1)
    table_ptr = np.zeros(len(sources) + 1, dtype=np.int64)
    np.cumsum([len(c.steps) for c in sources], out=table_ptr[1:])
    table_value = np.zeros((int(table_ptr[-1]), width))
    for c, first in zip(sources, table_ptr, strict=False):
        table_value[first : first + len(c.steps), : c.values.shape[1]] = c.values
    currents = K.CurrentSources(
        np.array([c.target_start for c in sources], dtype=np.int64),
        np.array([c.target_size for c in sources], dtype=np.int64),
        np.array([c.values.shape[1] for c in sources], dtype=np.int64),
        np.array([c.gain for c in sources], dtype=np.float64),
        table_ptr,
        np.concatenate([c.steps for c in sources]).astype(np.int64)
        if sources
        else np.zeros(0, np.int64),
        table_value,
        np.array([c.interpolate for c in sources], dtype=np.int64),
    )
    rate_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    rate_steps, rate_factors = [], []
    for g, info in enumerate(build.groups):
        steps, factors = build.rate_tables.get(info.node_id, (np.zeros(0), np.zeros(0)))
        rate_ptr[g + 1] = rate_ptr[g] + len(steps)
        rate_steps.append(steps)
        rate_factors.append(factors)
    rates = K.RateTables(
        rate_ptr,
        np.concatenate(rate_steps).astype(np.int64) if rate_steps else np.zeros(0, np.int64),
        np.concatenate(rate_factors).astype(np.float64) if rate_factors else np.zeros(0),
    )

    if build.spike_events:
        steps = np.concatenate([e[0] for e in build.spike_events])
        who = np.concatenate([e[1] for e in build.spike_events])
        order = np.lexsort((who, steps))
        spike_times = K.SpikeTimes(steps[order], who[order])
    else:
        spike_times = K.SpikeTimes(np.zeros(0, np.int64), np.zeros(0, np.int64))

    static, stp = _assemble_static(build, n, channel_base, threads)
    plastic = _assemble_plastic(build, n, channel_base)
    modulation = _assemble_modulation(build)
    return {
        "groups": groups,
        "neurons": neurons,
        "channels": channels,
        "currents": currents,
        "rates": rates,
        "spike_times": spike_times,
        "static": static,
        "stp": stp,
        "plastic": plastic,
        "modulation": modulation,
    }


def _input_index(
    build: BuildContext, channel_base: dict[str, int], post_id: str, channel: int, dst: np.ndarray
) -> np.ndarray:
    size = build.group_of[post_id].size
    return channel_base[post_id] + channel * size + dst


def _assemble_static(
    build: BuildContext, n: int, channel_base: dict[str, int], threads: int = 1
) -> tuple[K.Static, K.Stp]:
    """Static synapses in CSR form by presynaptic neuron, in ``parts`` partitions by target.

    Partition ``p`` holds the synapses onto the neurons of the p-th share of their group (the
    share that thread ``p`` updates, so that it delivers only to neurons it updates itself);
    row ``i`` of partition ``p`` is ``ptr[p * n + i] : ptr[p * n + i + 1]``. With
    one partition this is plain CSR. Within a row, synapses keep projection order, then drawing
    order, so every target receives its arrivals in the same order whatever the partitions:
    runs on several threads give the same spikes as on one.

    A counting sort, straight into the stored dtypes: each projection's synapses are read
    twice, block by block, once to count each row's synapses and once to place them (a rule
    draws them again, the same, from its own stream), so no projection is ever held whole.
    """
    stp_params: list[tuple[float, float, float]] = []  # per slot: U, tau_rec, tau_fac
    first_slots = []  # per projection: its first neuron's slot, or -1 (no short-term plasticity)
    for projection in build.static:
        stp = projection.stp
        if stp is None:
            first_slots.append(-1)
            continue
        first_slots.append(len(stp_params))
        stp_params.extend([(stp["U"], stp["tau_rec"], stp["tau_fac"])] * stp["pre_size"])
    # short-term plasticity keeps state per presynaptic neuron, updated by its first synapse
    # in a step: one partition, so that no two threads update it
    parts = 1 if stp_params else threads
    n_inputs = sum(len(k) * build.group_of[g].size for g, k in build.channel_keys.items())
    bases = [
        int(_input_index(build, channel_base, s.post_id, s.channel, np.int64(0)))
        for s in build.static
    ]
    sizes = [build.group_of[s.post_id].size for s in build.static]  # of their targets
    counts = np.zeros(parts * n, dtype=np.int64)
    for projection, size in zip(build.static, sizes, strict=True):
        count = 0
        for pre, post in projection.synapses().pairs():
            _count_rows(pre, post, projection.pre_start, parts, size, n, counts)
            count += pre.size
        info = build.projections[projection.info_index]
        build.projections[projection.info_index] = replace(info, n_synapses=count)
    ptr = np.zeros(parts * n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    del counts
    total = int(ptr[-1])
    target = np.empty(total, K.STATIC_TARGET_DTYPE)
    weight = np.empty(total, K.STATIC_WEIGHT_DTYPE)
    delay = np.empty(total, K.STATIC_DELAY_DTYPE)
    slot = np.full(total if stp_params else 0, -1, np.int64)
    cursor = ptr[:-1].copy()
    longest = 0
    for projection, base, size, first_slot in zip(
        build.static, bases, sizes, first_slots, strict=True
    ):
        rows = (projection.pre_start, projection.pre_size, n, parts)
        first = cursor.copy()  # where each of its rows starts; cursor, once placed, ends them
        synapses = projection.synapses()
        for pre, post in synapses.pairs():
            _place_targets(pre, post, projection.pre_start, base, parts, size, n,
                           first_slot, cursor, target, slot)  # fmt: skip
        # weights and delays come in pre-major order: row by row, partitions in order (a
        # pre neuron's synapses sorted by post fall in the partitions in order)
        at = np.zeros(3, dtype=np.int64)
        shown = []  # the first weights, for weight recorders
        for values in synapses.weights():
            _place_values(values, *rows, first, cursor, at, weight)
            shown.append(values[: projection.recorded - sum(map(len, shown))].copy())
        build.static_weights[projection.node_id] = np.concatenate(shown or [weight[:0]])
        at[:] = 0
        for values in synapses.delays():
            longest = max(longest, int(values.max()) if values.size else 0)
            if longest > np.iinfo(K.STATIC_DELAY_DTYPE).max:
                raise ValidationError(
                    f"a delay of {longest} steps is longer than the engine supports "
                    f"({np.iinfo(K.STATIC_DELAY_DTYPE).max} steps); use a larger dt_ms or "
                    "shorter delays",
                    "simulation.max_delay_ms",
                )
            _place_values(values.astype(K.STATIC_DELAY_DTYPE), *rows, first, cursor, at, delay)
        del first, synapses
    ring_len = longest + 1 if delay.size else 2
    params = np.array(stp_params, dtype=np.float64).reshape(-1, 3)
    static = K.Static(
        ptr,
        target,
        weight,
        delay,
        np.zeros((ring_len, n_inputs), K.RING_DTYPE),
        slot,
    )
    stp = K.Stp(
        params[:, 0].copy(),  # u starts at U
        np.ones(len(params)),
        np.full(len(params), -1, dtype=np.int64),
        np.zeros(len(params)),
        params[:, 0].copy(),
        params[:, 1].copy(),
        params[:, 2].copy(),
    )
    return static, stp


@njit
def _part_of(local, parts, size):
    """The partition of a synapse onto neuron ``local`` of a group of ``size``: the share
    ``p`` with ``size * p // parts <= local < size * (p + 1) // parts`` (as the kernels split
    a group between threads)."""
    return ((local + 1) * parts - 1) // size


@njit
def _count_rows(pre, post, pre_start, parts, size, n, counts):
    """Count synapses per (partition, row); rows are ``pre_start + pre``, targets neurons
    ``post`` of a group of ``size``."""
    for k in range(pre.shape[0]):
        counts[_part_of(post[k], parts, size) * n + pre_start + pre[k]] += 1


@njit
def _place_targets(pre, post, pre_start, base, parts, size, n, first_slot, cursor,
                   out_target, out_slot):  # fmt: skip
    """Place synapses in their rows (``cursor`` holds each row's next free position). Targets
    are input indices ``base + post``; with short-term plasticity (``first_slot`` >= 0), a
    synapse's slot is ``first_slot + pre``."""
    for k in range(pre.shape[0]):
        target = base + post[k]
        row = _part_of(post[k], parts, size) * n + pre_start + pre[k]
        pos = cursor[row]
        cursor[row] = pos + 1
        out_target[pos] = target
        if first_slot >= 0:
            out_slot[pos] = first_slot + pre[k]


@njit
def _place_values(values, pre_start, pre_size, n, parts, first, last, at, out):
    """Write one projection's ``values`` (in pre-major order) into its segments
    ``first[row]:last[row]``, rows ``part * n + pre_start + i`` taken by ``i``, then ``part``.
    ``at`` (``i``, ``part``, offset in the segment) says where the previous block stopped."""
    i, part, offset = at[0], at[1], at[2]
    k = 0
    while k < values.shape[0] and i < pre_size:
        row = part * n + pre_start + i
        pos = first[row] + offset
        take = min(last[row] - pos, values.shape[0] - k)
        for j in range(take):
            out[pos + j] = values[k + j]
        k += take
        offset += take
        if first[row] + offset == last[row]:
            offset = 0
            part += 1
            if part == parts:
                part = 0
                i += 1
    at[0], at[1], at[2] = i, part, offset


#: Columns of the kernel's rule matrix, by the key a plasticity builder returns.
RULE_COLUMNS = {
    "kind": K.RP_KIND,
    "tau_plus": K.RP_TAU_PLUS,
    "tau_minus": K.RP_TAU_MINUS,
    "tau_x": K.RP_TAU_X,
    "tau_y": K.RP_TAU_Y,
    "a_plus": K.RP_A_PLUS,
    "a_minus": K.RP_A_MINUS,
    "a3_plus": K.RP_A3_PLUS,
    "a3_minus": K.RP_A3_MINUS,
    "w_min": K.RP_W_MIN,
    "w_max": K.RP_W_MAX,
    "mode": K.RP_MODE,
    "tau_c": K.RP_TAU_C,
    "eta": K.RP_ETA,
    "modulator": K.RP_MODULATOR,
    "target_hz": K.RP_TARGET_HZ,
    "interval": K.RP_INTERVAL,
}
# time constants a rule does not use stay 1 ms, so that unused traces decay harmlessly
_RULE_DEFAULTS = {"tau_plus": 1.0, "tau_minus": 1.0, "tau_x": 1.0, "tau_y": 1.0,
                  "tau_c": 1.0, "interval": 1.0, "target_hz": 1.0}  # fmt: skip


def rule_matrix(rules: list[dict[str, float]]) -> np.ndarray:
    """The kernel's ``rule[p, RP_*]`` matrix from the dicts plasticity builders return."""
    matrix = np.zeros((len(rules), K.N_RULE_PARAMS))
    for p, rule in enumerate(rules):
        for key, value in {**_RULE_DEFAULTS, **rule}.items():
            matrix[p, RULE_COLUMNS[key]] = value
    return matrix


def _assemble_modulation(build: BuildContext) -> K.Modulation:
    mods = build.modulators
    ptr = np.zeros(len(mods) + 1, dtype=np.int64)
    np.cumsum([m["steps"].size for m in mods], out=ptr[1:])
    return K.Modulation(
        np.zeros(len(mods)),
        np.array([m["decay"] for m in mods], dtype=np.float64),
        np.array([m["baseline"] for m in mods], dtype=np.float64),
        ptr,
        np.concatenate([m["steps"] for m in mods]).astype(np.int64)
        if mods
        else np.zeros(0, np.int64),
        np.concatenate([m["amounts"] for m in mods]).astype(np.float64) if mods else np.zeros(0),
    )


def _assemble_plastic(build: BuildContext, n: int, channel_base: dict[str, int]) -> K.Plastic:
    items = build.plastic
    count = len(items)

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
        np.array(
            [build.channel_keys[it["post"].node_id][it["channel"]][0] for it in items],
            dtype=np.int64,
        ),
        np.array(
            [
                math.e / build.channel_keys[it["post"].node_id][it["channel"]][1]
                if build.channel_keys[it["post"].node_id][it["channel"]][0] == K.CH_ALPHA
                else 1.0
                for it in items
            ],
            dtype=np.float64,
        ),  # fmt: skip
        row_off,
        col_off,
        rule_matrix([it["rule"] for it in items]),
        cat(row_ptrs).astype(np.int64) if items else np.zeros(1, np.int64),
        cat(posts).astype(np.int64) if items else np.zeros(0, np.int64),
        cat(syn_rows).astype(np.int64) if items else np.zeros(0, np.int64),
        cat(col_ptrs).astype(np.int64) if items else np.zeros(1, np.int64),
        cat(col_syns).astype(np.int64) if items else np.zeros(0, np.int64),
        cat(weights).astype(np.float64) if items else np.zeros(0),
        np.zeros(syn),
        np.zeros(rows),
        np.zeros(rows),
        np.zeros(rows, dtype=np.int64),
        np.zeros(cols),
        np.zeros(cols),
        np.zeros(cols, dtype=np.int64),
        np.zeros(cols, dtype=np.int64),
        np.zeros((hist_len, max(1, pre_capacity)), dtype=np.int64),
        np.zeros(hist_len, dtype=np.int64),
        is_pre,
    )
