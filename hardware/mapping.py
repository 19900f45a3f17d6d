"""Place a network's neurons on the cores of a hardware profile.

Two stages, as in PACMAN and nengo-loihi:

1. **Greedy fill in graph order.** Neuron groups that run on cores are taken in the order of
   the compiled network and poured into cores; a core is closed when one more neuron would break
   a per-core limit (neurons, synaptic memory, distinct input axons, or a type's own
   ``max_per_core``). Populations are thus split into core-sized slices, and small ones share a
   core. Profiles whose mapping unit is ``"layer"`` (Speck, Akida) put each group on its own
   core instead. A neuron that alone breaks a limit (a fan-in of 300 on a 256-axon core) still
   gets a core; the design-rule check reports it.
2. **Refinement.** For the pairs of cores that exchange the most traffic, a Kernighan-Lin
   bisection (networkx) of the neurons of both cores swaps neurons between them to cut the
   synapses (weighted by measured spike counts after a run) that cross cores. A swap is kept
   only if both cores still respect every limit and the cut shrinks.

Cores are then laid on the chip's router mesh in a serpentine so that consecutive cores are
neighbours, and chips are filled one after another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from engine.model.network import Network
from engine.sim.compiler import CompiledNetwork
from hardware.arrays import distinct
from hardware.profiles import Profile, Support
from hardware.synapses import SynapseTable, group_index

#: Refinement is skipped above these sizes (networkx's Kernighan-Lin is pure Python).
REFINE_MAX_NEURONS = 50_000
REFINE_MAX_PAIR_NEURONS = 4_096
REFINE_MAX_PAIRS = 64
#: Kernighan-Lin swaps single neurons between two cores while the graph of the pair has at
#: most REFINE_MAX_PAIR_EDGES edges and the refinement has not yet spent REFINE_EDGE_BUDGET
#: edges on single-neuron graphs; beyond, it swaps blocks of consecutive neurons (at most
#: REFINE_COARSE_BLOCKS per pair). networkx's implementation is pure Python: its time grows
#: with the edges (about 0.1 s per 6,000).
REFINE_MAX_PAIR_EDGES = 6_000
REFINE_EDGE_BUDGET = 60_000
REFINE_COARSE_BLOCKS = 64


@dataclass
class Placement:
    """Where every neuron runs.

    Attributes
    ----------
    core_of
        Core index of every neuron of the global index space; -1 for neurons that run on the
        host (spike encoders on most chips).
    n_cores
        Cores used.
    chip, x, y, router
        Per core: chip index, router column and row on the global mesh (chips tiled), and the
        global router id.
    method
        ``"greedy"`` or ``"greedy+kl"``.
    notes
        What the placer did or skipped, in words.
    """

    core_of: np.ndarray
    n_cores: int
    chip: np.ndarray
    x: np.ndarray
    y: np.ndarray
    router: np.ndarray
    method: str = "greedy"
    notes: list[str] = field(default_factory=list)

    @property
    def n_chips(self) -> int:
        return int(self.chip.max()) + 1 if self.n_cores else 0


@dataclass
class CoreUsage:
    """What each core holds and needs (arrays indexed by core)."""

    neurons: np.ndarray
    synapses: np.ndarray
    synaptic_memory_bits: np.ndarray
    fan_in: np.ndarray
    fan_out: np.ndarray
    destinations: np.ndarray
    groups: list[list[int]]


@dataclass
class Mapping:
    """A network placed on a profile: the input of the design-rule check and energy model."""

    network: Network
    compiled: CompiledNetwork
    profile: Profile
    synapses: SynapseTable
    supports: dict[str, Support]
    placement: Placement
    usage: CoreUsage
    groups_of: np.ndarray

    @property
    def cores_used(self) -> int:
        return self.placement.n_cores

    @property
    def chips_used(self) -> int:
        return self.placement.n_chips

    def group_support(self, g: int) -> Support:
        return self.supports[self.compiled.groups[g].node_id]

    def utilization(self) -> list[dict[str, Any]]:
        """Per core: neurons, synaptic memory and fan-in (and fan-out) as fractions of the limit;
        ``None`` where the platform publishes no limit."""
        limits = {
            "neurons": self.profile.limit("max_neurons"),
            "synaptic_memory": self.profile.limit("synaptic_memory_bits"),
            "fan_in": self.profile.limit("max_fan_in_axons"),
            "fan_out": self.profile.limit("max_fan_out"),
        }
        used = {
            "neurons": self.usage.neurons,
            "synaptic_memory": self.usage.synaptic_memory_bits,
            "fan_in": self.usage.fan_in,
            "fan_out": self.usage.fan_out,
        }
        rows = []
        for c in range(self.cores_used):
            row: dict[str, Any] = {
                "core": c,
                "chip": int(self.placement.chip[c]),
                "x": int(self.placement.x[c]),
                "y": int(self.placement.y[c]),
                "nodes": [self.compiled.groups[g].node_id for g in self.usage.groups[c]],
            }
            for key, values in used.items():
                limit = limits[key]
                value = float(values[c])
                row[key] = {
                    "used": int(value) if value.is_integer() else value,
                    "limit": limit,
                    "fraction": None if not limit else value / limit,
                }
            rows.append(row)
        return rows


# -- the whole mapping -------------------------------------------------------------------------
def node_supports(network: Network, profile: Profile) -> dict[str, Support]:
    """The support of every node of the document on ``profile``, by node id."""
    return {node.id: profile.support(node.type_id, node.params) for node in network.nodes}


def map_network(
    network: Network,
    compiled: CompiledNetwork,
    profile: Profile,
    synapses: SynapseTable,
    *,
    traffic: np.ndarray | None = None,
    refine: bool = True,
) -> Mapping:
    """Place ``compiled`` on ``profile``.

    Parameters
    ----------
    network
        The document ``compiled`` was built from (for node types and parameters).
    compiled, synapses
        The compiled network and its :func:`~hardware.synapses.synapse_table`.
    traffic
        Spikes per neuron from a run; refinement then weighs each synapse by its presynaptic
        spike count instead of 1.
    refine
        Run the Kernighan-Lin refinement after the greedy fill.
    """
    supports = node_supports(network, profile)
    groups_of = group_index(compiled)
    core_of = greedy_fill(compiled, profile, synapses, supports)
    method, notes = "greedy", []
    if refine and profile.mapping_unit == "neuron":
        core_of, notes = refine_placement(core_of, compiled, profile, synapses, supports, traffic)
        method = "greedy+kl"
    placement = lay_out(core_of, profile)
    placement.method, placement.notes = method, notes
    usage = core_usage(placement, profile, synapses, groups_of)
    return Mapping(network, compiled, profile, synapses, supports, placement, usage, groups_of)


# -- stage 1: greedy fill ----------------------------------------------------------------------
class _CoreFit:
    """Incremental checks of one core's limits while neurons are poured in."""

    def __init__(self, profile: Profile, synapses: SynapseTable) -> None:
        self.max_neurons = profile.limit("max_neurons") or math.inf
        self.max_bits = profile.limit("synaptic_memory_bits") or math.inf
        self.bits = profile.limit("bits_per_synapse") or 0.0
        self.max_fan_in = profile.limit("max_fan_in_axons") or math.inf
        self.ptr, self.order = synapses.by_post()
        self.pre_sorted = synapses.pre[self.order]
        #: Inputs of the open core, and a scratch mask (both over all neurons).
        self.seen = np.zeros(synapses.n_neurons, dtype=bool)
        self.marks = np.zeros(synapses.n_neurons, dtype=bool)

    def fits(self, neurons: int, n_syn: int, fan_in: int) -> bool:
        return (
            neurons <= self.max_neurons
            and n_syn * self.bits <= self.max_bits
            and fan_in <= self.max_fan_in
        )

    def inputs(self, a: int, b: int) -> np.ndarray:
        """Presynaptic neurons of the synapses into neurons ``a..b-1``."""
        return self.pre_sorted[self.ptr[a] : self.ptr[b]]

    def count_new_inputs(self, a: int, b: int) -> int:
        """Distinct presynaptic neurons of neurons ``a..b-1`` not yet inputs of the open core."""
        pres = self.inputs(a, b)
        fresh = pres[~self.seen[pres]]
        self.marks[fresh] = True
        count = int(np.count_nonzero(self.marks))
        self.marks[fresh] = False
        return count


def greedy_fill(
    compiled: CompiledNetwork,
    profile: Profile,
    synapses: SynapseTable,
    supports: dict[str, Support],
) -> np.ndarray:
    """Stage 1: the core of every neuron (-1 on the host), filling cores in graph order."""
    core_of = np.full(compiled.n_neurons, -1, dtype=np.int64)
    fit = _CoreFit(profile, synapses)
    core = -1
    state = _OpenCore(fit)
    for g, info in enumerate(compiled.groups):
        support = supports[info.node_id]
        if not support.on_cores:
            continue
        cap = support.max_per_core or math.inf
        if profile.mapping_unit == "layer":
            core += 1
            core_of[info.start : info.start + info.size] = core
            continue
        a, end = info.start, info.start + info.size
        while a < end:
            if core < 0 or state.group_count.get(g, 0) >= cap:
                core, state = core + 1, _OpenCore(fit)
            b = _largest(a, end, lambda b_: state.accepts(fit, g, cap, a, b_))  # noqa: B023
            if b == a:
                if state.neurons:  # close this core and retry on an empty one
                    core, state = core + 1, _OpenCore(fit)
                    continue
                # one neuron alone breaks the fan-in limit: pack what the other limits allow
                # and let the design-rule check report it
                relaxed = _largest(a, end, lambda b_: state.accepts(fit, g, cap, a, b_, True))  # noqa: B023
                b = max(a + 1, relaxed)
            core_of[a:b] = core
            state.add(fit, g, a, b)
            a = b
    return core_of


class _OpenCore:
    """The core being filled: its neurons, synapses, input axons and neurons per group.

    Its input axons are marked in ``fit.seen`` (one core is open at a time), so that a probe
    costs the synapses it adds, not the core's whole input list.
    """

    def __init__(self, fit: _CoreFit) -> None:
        self.neurons = 0
        self.synapses = 0
        self.fan_in = 0
        self.group_count: dict[int, int] = {}
        fit.seen[:] = False

    def accepts(
        self, fit: _CoreFit, g: int, cap: float, a: int, b: int, relax_fan_in: bool = False
    ) -> bool:
        """Whether neurons ``a..b-1`` of group ``g`` fit in as well."""
        if self.group_count.get(g, 0) + (b - a) > cap:
            return False
        neurons = self.neurons + (b - a)
        n_syn = self.synapses + int(fit.ptr[b] - fit.ptr[a])
        if relax_fan_in or not fit.fits(neurons, n_syn, 0):
            return fit.fits(neurons, n_syn, 0)
        return fit.fits(neurons, n_syn, self.fan_in + fit.count_new_inputs(a, b))

    def add(self, fit: _CoreFit, g: int, a: int, b: int) -> None:
        self.neurons += b - a
        self.synapses += int(fit.ptr[b] - fit.ptr[a])
        self.fan_in += fit.count_new_inputs(a, b)
        fit.seen[fit.inputs(a, b)] = True
        self.group_count[g] = self.group_count.get(g, 0) + (b - a)


def _largest(a: int, end: int, ok) -> int:
    """The largest ``b`` in ``[a, end]`` with ``ok(b)``, assuming ``ok`` is monotone."""
    if ok(end):
        return end
    lo, hi = a, end  # ok(lo) holds (an empty range), ok(hi) fails
    step = 1
    while a + step < end and ok(a + step):  # gallop: most slices are short
        lo = a + step
        step *= 2
    hi = min(end, a + step)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


# -- stage 2: refinement -----------------------------------------------------------------------
def cut_weight(core_of: np.ndarray, synapses: SynapseTable, traffic: np.ndarray | None) -> float:
    """Synapses between neurons on different cores (host neurons excluded), each weighted by
    its presynaptic spike count when ``traffic`` is given."""
    a, b = core_of[synapses.pre], core_of[synapses.post]
    crossing = (a >= 0) & (b >= 0) & (a != b)
    if traffic is None:
        return float(crossing.sum())
    return float(traffic[synapses.pre[crossing]].sum())


def refine_placement(
    core_of: np.ndarray,
    compiled: CompiledNetwork,
    profile: Profile,
    synapses: SynapseTable,
    supports: dict[str, Support],
    traffic: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Stage 2: Kernighan-Lin swaps between the most strongly coupled pairs of cores."""
    placed = core_of >= 0
    notes: list[str] = []
    if int(placed.sum()) > REFINE_MAX_NEURONS:
        notes.append(
            f"refinement skipped: {int(placed.sum())} neurons on cores "
            f"(limit {REFINE_MAX_NEURONS}); greedy placement kept"
        )
        return core_of, notes
    core_of = core_of.copy()
    weight_of = np.ones(synapses.size) if traffic is None else traffic[synapses.pre].astype(float)
    pre_core, post_core = core_of[synapses.pre], core_of[synapses.post]
    crossing = (pre_core >= 0) & (post_core >= 0) & (pre_core != post_core)
    if not crossing.any():
        return core_of, notes
    lo = np.minimum(pre_core[crossing], post_core[crossing])
    hi = np.maximum(pre_core[crossing], post_core[crossing])
    n_cores = int(core_of.max()) + 1
    pair_w = np.bincount(lo * n_cores + hi, weights=weight_of[crossing])
    pairs = np.flatnonzero(pair_w)
    pairs = pairs[np.argsort(-pair_w[pairs], kind="stable")][:REFINE_MAX_PAIRS]
    groups_of = group_index(compiled)
    caps = np.array(
        [supports[g.node_id].max_per_core or np.iinfo(np.int64).max for g in compiled.groups]
    )
    fit = _CoreFit(profile, synapses)
    before = cut_weight(core_of, synapses, traffic)
    local = np.full(synapses.n_neurons, -1, dtype=np.int64)
    swaps = coarse = 0
    budget = REFINE_EDGE_BUDGET
    for key in pairs:
        ca, cb = divmod(int(key), n_cores)
        members_a = np.flatnonzero(core_of == ca)
        members_b = np.flatnonzero(core_of == cb)
        if members_a.size + members_b.size > REFINE_MAX_PAIR_NEURONS:
            continue
        max_edges = min(REFINE_MAX_PAIR_EDGES, budget)
        graph, start_a, start_b, neurons = _pair_graph(
            members_a, members_b, fit, synapses, weight_of, local, max_edges
        )
        if graph.number_of_nodes() < members_a.size + members_b.size:
            coarse += 1
        else:
            budget -= graph.number_of_edges()
        old_cut = nx.cut_size(graph, start_a, weight="weight")
        if old_cut == 0:
            continue
        new_a, new_b = nx.algorithms.community.kernighan_lin_bisection(
            graph, partition=(start_a, start_b), max_iter=10, weight="weight", seed=0
        )
        if nx.cut_size(graph, new_a, weight="weight") >= old_cut:
            continue
        side_a, side_b = neurons(new_a), neurons(new_b)
        if not (
            _core_fits(side_a, fit, groups_of, caps) and _core_fits(side_b, fit, groups_of, caps)
        ):
            continue
        core_of[side_a] = ca
        core_of[side_b] = cb
        swaps += 1
    if coarse:
        notes.append(
            f"Kernighan-Lin swapped blocks of neurons, not single neurons, for {coarse} "
            "large core pair(s)"
        )
    after = cut_weight(core_of, synapses, traffic)
    unit = "spikes" if traffic is not None else "synapses"
    notes.append(
        f"Kernighan-Lin refinement: {swaps} core pair(s) improved; inter-core {unit} "
        f"{before:.0f} -> {after:.0f}"
    )
    return core_of, notes


def _into(members: np.ndarray, fit: _CoreFit) -> np.ndarray:
    """Positions, in the by-post order of ``fit``, of the synapses into ``members``."""
    counts = fit.ptr[members + 1] - fit.ptr[members]
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    return np.repeat(fit.ptr[members] - (np.cumsum(counts) - counts), counts) + np.arange(total)


def _pair_graph(
    members_a: np.ndarray,
    members_b: np.ndarray,
    fit: _CoreFit,
    synapses: SynapseTable,
    weight_of: np.ndarray,
    local: np.ndarray,
    max_edges: int,
) -> tuple[nx.Graph, set, set, Any]:
    """The graph Kernighan-Lin partitions for one pair of cores.

    Nodes are the neurons of both cores, edges the synapses between them in synapse-table
    order, weighted by ``weight_of`` (parallel synapses summed, self-synapses dropped). With
    more than ``max_edges`` edges, runs of consecutive neurons of one core are
    merged into at most :data:`REFINE_COARSE_BLOCKS` blocks (networkx's Kernighan-Lin is pure
    Python and its time grows with the edges). ``local`` is a scratch array of -1 over all
    neurons, left as it was found.

    Returns
    -------
    graph, side_a, side_b
        The graph and the labels of the nodes on each core.
    neurons
        ``labels -> sorted array of the neurons they stand for``.
    """
    nodes = np.concatenate([members_a, members_b])
    idx = np.sort(fit.order[_into(nodes, fit)])
    local[nodes] = np.arange(nodes.size)
    lu, lv = local[synapses.pre[idx]], local[synapses.post[idx]]
    local[nodes] = -1
    keep = (lu >= 0) & (lu != lv)
    idx, lu, lv = idx[keep], lu[keep], lv[keep]
    labels = nodes
    keys = np.minimum(lu, lv) * nodes.size + np.maximum(lu, lv)
    unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    if unique.size > max_edges:
        size = math.ceil(nodes.size / REFINE_COARSE_BLOCKS)
        n_a = -(-members_a.size // size)
        block_of = np.concatenate(
            [np.arange(members_a.size) // size, n_a + np.arange(members_b.size) // size]
        )
        lu, lv = block_of[lu], block_of[lv]
        keep = lu != lv
        idx, lu, lv = idx[keep], lu[keep], lv[keep]
        labels = np.arange(int(block_of.max()) + 1)
        keys = np.minimum(lu, lv) * labels.size + np.maximum(lu, lv)
        unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    weights = np.bincount(inverse, weights=weight_of[idx], minlength=unique.size)
    graph = nx.Graph()
    graph.add_nodes_from(labels.tolist())
    graph.add_weighted_edges_from(
        (int(labels[lu[first[k]]]), int(labels[lv[first[k]]]), float(weights[k]))
        for k in np.argsort(first, kind="stable").tolist()
    )
    if labels is nodes:
        side_a, side_b = set(members_a.tolist()), set(members_b.tolist())
        return graph, side_a, side_b, lambda chosen: np.array(sorted(chosen), dtype=np.int64)
    groups = np.split(nodes, np.flatnonzero(np.diff(block_of)) + 1)
    return (graph, set(range(n_a)), set(range(n_a, labels.size)),
            lambda chosen: np.sort(np.concatenate([groups[b] for b in chosen])))  # fmt: skip


def _core_fits(members: np.ndarray, fit: _CoreFit, groups_of: np.ndarray, caps: np.ndarray) -> bool:
    counts = np.bincount(groups_of[members], minlength=caps.size)
    if (counts > caps).any():
        return False
    into = _into(members, fit)
    return fit.fits(members.size, into.size, distinct(fit.pre_sorted[into]).size)


# -- layout on the mesh ------------------------------------------------------------------------
def lay_out(core_of: np.ndarray, profile: Profile) -> Placement:
    """Give each core a chip and a router position: chips filled in turn, routers in a
    serpentine over the chip's router grid, so that consecutive cores are neighbours."""
    used = distinct(core_of[core_of >= 0])
    # renumber cores densely in order of first use (refinement keeps numbers, but be safe)
    renumber = np.full(int(core_of.max()) + 2 if core_of.size else 1, -1, dtype=np.int64)
    renumber[used] = np.arange(used.size)
    core_of = np.where(core_of >= 0, renumber[np.maximum(core_of, 0)], -1)
    n = used.size
    cpc, cpr = profile.cores_per_chip, profile.cores_per_router
    cols, rows = profile.router_grid
    chip_cols = profile.chip_grid_columns
    k = np.arange(n)
    chip = k // cpc
    local_router = (k % cpc) // cpr
    ry = local_router // cols
    rx = np.where(ry % 2 == 0, local_router % cols, cols - 1 - local_router % cols)
    x = (chip % chip_cols) * cols + rx
    y = (chip // chip_cols) * rows + ry
    router = chip * (cols * rows) + local_router
    return Placement(core_of, n, chip, x, y, router)


# -- usage per core ----------------------------------------------------------------------------
def core_usage(
    placement: Placement, profile: Profile, synapses: SynapseTable, groups_of: np.ndarray
) -> CoreUsage:
    """Neurons, synapses, synaptic memory, distinct input axons, fan-out edges and destination
    cores of every core."""
    n = placement.n_cores
    core_of = placement.core_of
    pre_core, post_core = core_of[synapses.pre], core_of[synapses.post]
    neurons = np.bincount(core_of[core_of >= 0], minlength=n)
    into = post_core >= 0
    n_syn = np.bincount(post_core[into], minlength=n)
    bits = profile.limit("bits_per_synapse") or 0.0
    fan_in = _distinct_count(post_core[into], synapses.pre[into], n)
    out = (pre_core >= 0) & (post_core >= 0) & (pre_core != post_core)
    edges = distinct(synapses.pre[out] * max(n, 1) + post_core[out])
    fan_out = (
        np.bincount(core_of[edges // max(n, 1)], minlength=n)
        if edges.size
        else np.zeros(n, dtype=np.int64)
    )
    dest = _distinct_count(pre_core[out], post_core[out], n)
    groups = [[] for _ in range(n)]
    for core, g in np.unique(np.stack([core_of, groups_of])[:, core_of >= 0], axis=1).T:
        groups[int(core)].append(int(g))
    return CoreUsage(neurons, n_syn, n_syn * bits, fan_in, fan_out, dest, groups)


def _distinct_count(keys: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """For each key in ``range(n)``, how many distinct values it is paired with."""
    if keys.size == 0:
        return np.zeros(n, dtype=np.int64)
    width = int(values.max()) + 1
    pairs = distinct(keys.astype(np.int64) * width + values)
    return np.bincount(pairs // width, minlength=n)


def targets_per_neuron(placement: Placement, synapses: SynapseTable) -> np.ndarray:
    """Distinct destination cores of every neuron (its own core included)."""
    post_core = placement.core_of[synapses.post]
    keep = post_core >= 0
    n = synapses.n_neurons
    if not keep.any():
        return np.zeros(n, dtype=np.int64)
    width = placement.n_cores
    pairs = distinct(synapses.pre[keep] * width + post_core[keep])
    return np.bincount(pairs // width, minlength=n)
