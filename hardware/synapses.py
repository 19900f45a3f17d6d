"""Every synapse of a compiled network as flat arrays: pre, post, weight, delay, projection.

The compiled network keeps static synapses in CSR form by presynaptic neuron with the index of
the *channel input* they feed, and plastic ones per projection; the mapper needs plain
(pre neuron, post neuron) pairs. This module rebuilds them from ``compiled.arrays`` without
changing the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.sim.compiler import CompiledNetwork


@dataclass(frozen=True)
class SynapseTable:
    """One row per synapse, all in the global neuron index space.

    Attributes
    ----------
    pre, post
        Global neuron indices (int64).
    weight
        Weights in the projection's unit (pA, nS or mV).
    delay
        Delays in simulation steps (int64, >= 1).
    projection
        Index into ``compiled.projections`` (int64).
    plastic
        Whether the synapse belongs to a plastic projection.
    n_neurons
        Size of the global index space.
    """

    pre: np.ndarray
    post: np.ndarray
    weight: np.ndarray
    delay: np.ndarray
    projection: np.ndarray
    plastic: np.ndarray
    n_neurons: int

    @property
    def size(self) -> int:
        return int(self.pre.size)

    def by_post(self) -> tuple[np.ndarray, np.ndarray]:
        """``(ptr, order)``: synapses into neuron ``j`` are ``order[ptr[j]:ptr[j+1]]``."""
        order = np.argsort(self.post, kind="stable")
        ptr = np.zeros(self.n_neurons + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.post, minlength=self.n_neurons), out=ptr[1:])
        return ptr, order


def group_index(compiled: CompiledNetwork) -> np.ndarray:
    """The group (index into ``compiled.groups``) of every neuron."""
    out = np.empty(compiled.n_neurons, dtype=np.int64)
    for g, info in enumerate(compiled.groups):
        out[info.start : info.start + info.size] = g
    return out


def synapse_table(compiled: CompiledNetwork) -> SynapseTable:
    """Rebuild every synapse of ``compiled`` as a :class:`SynapseTable`.

    Static synapses are attributed to their projection by (pre group, post group); when two
    static projections join the same pair of groups, their synapses are attributed to the first
    (the compiled arrays do not keep the projection of a static synapse).
    """
    arrays = compiled.arrays
    n = compiled.n_neurons
    groups_of = group_index(compiled)
    starts = np.array([g.start for g in compiled.groups], dtype=np.int64)
    index_of = {g.node_id: i for i, g in enumerate(compiled.groups)}

    static = arrays["static"]
    channels = arrays["channels"]
    counts = np.diff(static.ptr)
    # a network compiled for several threads has one CSR partition per thread, each n rows
    parts = counts.size // n if n else 1
    s_pre = np.repeat(np.tile(np.arange(n, dtype=np.int64), parts), counts)
    target = np.asarray(static.target, dtype=np.int64)
    block = np.searchsorted(channels.block_start, target, side="right") - 1
    s_group = np.searchsorted(channels.grp_ptr, block, side="right") - 1
    s_post = starts[s_group] + target - channels.block_start[block]
    s_proj = np.full(s_pre.size, -1, dtype=np.int64)
    pair_to_proj: dict[tuple[int, int], int] = {}
    for k, info in enumerate(compiled.projections):
        if info.plastic_index < 0:
            pair_to_proj.setdefault((index_of[info.pre], index_of[info.post]), k)
    if s_pre.size:
        pre_group = groups_of[s_pre]
        for (gp, gq), k in pair_to_proj.items():
            s_proj[(pre_group == gp) & (s_group == gq)] = k

    plastic = arrays["plastic"]
    p_pre, p_post, p_w, p_d, p_proj = [], [], [], [], []
    proj_of_plastic = {
        info.plastic_index: k
        for k, info in enumerate(compiled.projections)
        if info.plastic_index >= 0
    }
    if plastic.pre_start.size and plastic.syn_row.size:
        syn_row = np.asarray(plastic.syn_row, dtype=np.int64)
        p_index = np.searchsorted(plastic.row_off, syn_row, side="right") - 1
        p_pre.append(plastic.pre_start[p_index] + syn_row - plastic.row_off[p_index])
        p_post.append(plastic.post_start[p_index] + np.asarray(plastic.post, dtype=np.int64))
        p_w.append(np.asarray(plastic.weight, dtype=np.float64))
        p_d.append(plastic.delay[p_index].astype(np.int64))
        lookup = np.array([proj_of_plastic.get(p, -1) for p in range(plastic.pre_start.size)])
        p_proj.append(lookup[p_index])
    cat = np.concatenate
    n_plastic = sum(a.size for a in p_pre)
    return SynapseTable(
        pre=cat([s_pre, *p_pre]).astype(np.int64),
        post=cat([s_post, *p_post]).astype(np.int64),
        weight=cat([np.asarray(static.weight, dtype=np.float64), *p_w]),
        delay=cat([np.asarray(static.delay, dtype=np.int64), *p_d]),
        projection=cat([s_proj, *p_proj]).astype(np.int64),
        plastic=cat([np.zeros(s_pre.size, bool), np.ones(n_plastic, bool)]),
        n_neurons=n,
    )
