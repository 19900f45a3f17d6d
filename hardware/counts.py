"""Event counts per core from a simulation run: the inputs of the energy model.

Given a placement and every spike of a run, count for each core (hardware-facts §5.4):

- ``synaptic_events``: spikes arriving at synapses of the core's neurons (NeuroBench effective
  ACs restricted to the core);
- ``neuron_updates_active`` / ``neuron_updates_idle``: neuron-ticks with / without input or a
  spike (a neuron is updated every chip tick);
- ``spikes_out``: spikes its neurons emit;
- ``spikes_intra_core``: spikes delivered to the sending core itself;
- ``spikes_inter_core``: packets to other cores (one per destination core and spike);
- ``spikes_local``: those of them that stay under the same router (Loihi: the same tile);
- ``hops_ew`` / ``hops_ns``: router hops of those packets on the mesh (Manhattan, by axis);
- ``spikes_inter_chip`` and ``chip_hops``: packets that leave the chip and the chip
  boundaries they cross;
- ``plasticity_updates``: weight updates of plastic synapses (one per pre spike arrival and one
  per post spike, per synapse), charged to the postsynaptic core;
- ``router_packets``: multicast packets through routers (SpiNNaker's energy model): one per
  spike leaving a core plus one per chip boundary crossed; host-injected spikes included.

Spikes of host neurons (encoders) arrive as ``host_packets``. Delays are ignored when spikes
are binned into ticks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hardware.arrays import distinct, distinct_counts
from hardware.mapping import Mapping
from hardware.quantize import RunSpikes

#: Above this many synaptic events the active/idle split and the per-tick matrices are
#: estimated instead of counted (memory).
EXACT_EVENT_LIMIT = 20_000_000
#: Largest ticks x cores matrix kept for the "as fast as possible" time base.
PER_TICK_LIMIT = 20_000_000

PER_CORE_KEYS = (
    "synaptic_events",
    "neuron_updates_active",
    "neuron_updates_idle",
    "spikes_out",
    "spikes_intra_core",
    "spikes_inter_core",
    "spikes_local",
    "hops_ew",
    "hops_ns",
    "spikes_inter_chip",
    "chip_hops",
    "plasticity_updates",
    "router_packets",
)


@dataclass
class ActivityCounts:
    """Counts of one run on one placement.

    Attributes
    ----------
    per_core
        ``{key: array over cores}`` for every key of :data:`PER_CORE_KEYS`.
    n_ticks, tick_ms
        Chip ticks the run lasted and their length.
    duration_ms
        Simulated time.
    host_packets
        Spikes injected from the host (one per destination core).
    syn_per_tick, active_per_tick
        ``(n_ticks, n_cores)`` synaptic events and active neurons, when small enough to keep.
    spikes_per_neuron
        Spike count of every neuron of the global index space.
    notes
        Estimates made, in words.
    """

    per_core: dict[str, np.ndarray]
    n_ticks: int
    tick_ms: float
    duration_ms: float
    host_packets: int
    spikes_per_neuron: np.ndarray
    syn_per_tick: np.ndarray | None = None
    active_per_tick: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def total(self, key: str) -> float:
        return float(self.per_core[key].sum())

    def totals(self) -> dict[str, float]:
        out = {key: self.total(key) for key in PER_CORE_KEYS}
        out["host_packets"] = float(self.host_packets)
        out["ticks"] = float(self.n_ticks)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "tick_ms": self.tick_ms,
            "ticks": self.n_ticks,
            "duration_ms": self.duration_ms,
            "totals": {k: _plain(v) for k, v in self.totals().items()},
            "per_core": [
                {"core": c, **{k: _plain(self.per_core[k][c]) for k in PER_CORE_KEYS}}
                for c in range(len(self.per_core["spikes_out"]))
            ],
            "notes": list(self.notes),
        }


def _plain(value: float) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() else value


def _pairs(
    neuron: np.ndarray, core: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (neuron, core) pairs of synapses, and how many synapses each pair has."""
    keys, n_synapses = distinct_counts(neuron * width + core)
    return keys // width, keys % width, n_synapses.astype(np.float64)


class EventRoutes:
    """What one spike of each neuron causes on a placement: the synapses it reaches on each
    core and the packets, hops and chip crossings it sends. Computed once per mapping; the
    counts of a run are then weighted sums (:meth:`per_core`), cheap enough to redo while a
    simulation runs.
    """

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        placement, syn = mapping.placement, mapping.synapses
        n_cores = self.n_cores = placement.n_cores
        core_of = placement.core_of
        self.n_neurons = syn.n_neurons
        width = max(n_cores, 1)
        post_core = core_of[syn.post]
        on_chip = post_core >= 0
        self.syn_pre, self.syn_post = syn.pre[on_chip], syn.post[on_chip]
        # synapses per (neuron, core): a run's counts are then sums over these pairs, far
        # fewer than the synapses (cheap enough to redo while a simulation runs)
        self.pair_pre, self.pair_core, self.pair_synapses = _pairs(
            self.syn_pre, post_core[on_chip], width
        )
        plastic = on_chip & syn.plastic
        self.plastic_pre_pairs = _pairs(syn.pre[plastic], post_core[plastic], width)
        self.plastic_post_pairs = _pairs(syn.post[plastic], post_core[plastic], width)
        self.placed = core_of >= 0
        self.placed_core = core_of[self.placed]
        # packets: one per (spiking neuron, destination core)
        pairs = distinct(syn.pre[on_chip] * width + post_core[on_chip])
        src, dst = pairs // width, pairs % width
        src_core = core_of[src]
        from_host = src_core < 0
        self.host_src, self.host_dst = src[from_host], dst[from_host]
        keep = ~from_host
        src, dst, sc = src[keep], dst[keep], src_core[keep]
        same = sc == dst
        self.intra_src, self.intra_core = src[same], sc[same]
        other = ~same
        self.inter_src, sc_o, dst_o = src[other], sc[other], dst[other]
        self.inter_core = sc_o
        self.dx = np.abs(placement.x[sc_o] - placement.x[dst_o])
        self.dy = np.abs(placement.y[sc_o] - placement.y[dst_o])
        self.local = placement.router[sc_o] == placement.router[dst_o]
        chip_cols = mapping.profile.chip_grid_columns
        ca, cb = placement.chip[sc_o], placement.chip[dst_o]
        self.chip_dist = np.abs(ca % chip_cols - cb % chip_cols) + np.abs(
            ca // chip_cols - cb // chip_cols
        )
        # a spike leaves its core through the router once (multicast), then crosses chips
        self.senders = distinct(src)
        self.sender_core = core_of[self.senders]

    def per_core(self, spikes: np.ndarray) -> tuple[dict[str, np.ndarray], float]:
        """Every count of :data:`PER_CORE_KEYS` but the neuron updates, for ``spikes`` (the
        spike count of every neuron), and the spikes injected from the host."""
        n_cores = self.n_cores

        def per(core: np.ndarray, weights: np.ndarray) -> np.ndarray:
            return np.bincount(core, weights=weights, minlength=n_cores).astype(np.float64)

        out = {key: np.zeros(n_cores) for key in PER_CORE_KEYS}
        out["synaptic_events"] = per(self.pair_core, spikes[self.pair_pre] * self.pair_synapses)
        out["plasticity_updates"] = sum(
            per(core, spikes[neuron] * n_synapses)
            for neuron, core, n_synapses in (self.plastic_pre_pairs, self.plastic_post_pairs)
        )
        out["spikes_out"] = per(self.placed_core, spikes[self.placed])
        host = spikes[self.host_src]
        # host-injected spikes enter the router of their destination's chip
        out["router_packets"] += per(self.host_dst, host)
        out["spikes_intra_core"] = per(self.intra_core, spikes[self.intra_src])
        s_o = spikes[self.inter_src]
        out["spikes_inter_core"] = per(self.inter_core, s_o)
        out["spikes_local"] = per(self.inter_core[self.local], s_o[self.local])
        out["hops_ew"] = per(self.inter_core, s_o * self.dx)
        out["hops_ns"] = per(self.inter_core, s_o * self.dy)
        crossing = self.chip_dist > 0
        out["spikes_inter_chip"] = per(self.inter_core[crossing], s_o[crossing])
        out["chip_hops"] = per(self.inter_core, s_o * self.chip_dist)
        out["router_packets"] += per(self.sender_core, spikes[self.senders])
        out["router_packets"] += out["chip_hops"]
        return out, float(host.sum())

    def estimated_active(self, spikes: np.ndarray, n_ticks: int) -> np.ndarray:
        """Active neuron-ticks per core, assuming each neuron's inputs and spikes are spread
        evenly and independently over the ticks."""
        incoming = np.bincount(
            self.syn_post, weights=spikes[self.syn_pre], minlength=self.n_neurons
        )
        load = (incoming + spikes) / n_ticks
        p_active = 1.0 - np.exp(-load)
        return np.bincount(
            self.placed_core, weights=p_active[self.placed] * n_ticks, minlength=self.n_cores
        )


def count_activity(mapping: Mapping, run: RunSpikes, tick_ms: float) -> ActivityCounts:
    """Count the events of ``run`` on ``mapping``'s placement, binned into chip ticks."""
    notes: list[str] = []
    tick_ms = max(tick_ms, run.dt_ms)
    n_ticks = max(1, math.ceil(run.duration_ms / tick_ms - 1e-9))
    spikes = np.bincount(run.neurons, minlength=mapping.synapses.n_neurons).astype(np.float64)
    routes = EventRoutes(mapping)
    per_core, host_packets = routes.per_core(spikes)
    active, syn_tick, active_tick = _active_updates(mapping, run, tick_ms, n_ticks, notes)
    if active is None:
        active = routes.estimated_active(spikes, n_ticks)
        notes.append("active/idle neuron updates estimated (too many events to count exactly)")
    return _with_updates(mapping, per_core, active, n_ticks, tick_ms, run.duration_ms,
                         host_packets, spikes, syn_tick, active_tick, notes)  # fmt: skip


def count_spike_totals(
    routes: EventRoutes, spikes: np.ndarray, duration_ms: float, dt_ms: float, tick_ms: float
) -> ActivityCounts:
    """Counts from the spike count of every neuron alone (no spike times), as while a
    simulation runs: the active/idle split of neuron updates is estimated as in
    :meth:`EventRoutes.estimated_active`, everything else is exact."""
    tick_ms = max(tick_ms, dt_ms)
    n_ticks = max(1, math.ceil(duration_ms / tick_ms - 1e-9))
    spikes = np.asarray(spikes, dtype=np.float64)
    per_core, host_packets = routes.per_core(spikes)
    active = routes.estimated_active(spikes, n_ticks)
    notes = ["active/idle neuron updates estimated from spike counts (no spike times)"]
    return _with_updates(routes.mapping, per_core, active, n_ticks, tick_ms, duration_ms,
                         host_packets, spikes, None, None, notes)  # fmt: skip


def _with_updates(mapping, per_core, active, n_ticks, tick_ms, duration_ms, host_packets,
                  spikes, syn_tick, active_tick, notes) -> ActivityCounts:  # fmt: skip
    updates = mapping.usage.neurons.astype(np.float64) * n_ticks
    per_core["neuron_updates_active"] = np.minimum(active, updates)
    per_core["neuron_updates_idle"] = updates - per_core["neuron_updates_active"]
    return ActivityCounts(per_core, n_ticks, tick_ms, duration_ms, int(host_packets),
                          spikes, syn_tick, active_tick, notes)  # fmt: skip


def _active_updates(mapping: Mapping, run: RunSpikes, tick_ms: float, n_ticks: int, notes):
    """Exact active neuron-ticks per core (and per tick when small enough)."""
    placement, syn = mapping.placement, mapping.synapses
    core_of, n_cores, n = placement.core_of, placement.n_cores, syn.n_neurons
    keep = core_of[syn.post] >= 0
    pre, post = syn.pre[keep], syn.post[keep]
    order = np.argsort(pre, kind="stable")
    post = post[order]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n), out=ptr[1:])
    fan = ptr[1:] - ptr[:-1]
    steps = np.rint(run.times_ms / run.dt_ms).astype(np.int64) - 1
    ticks = np.minimum((steps * run.dt_ms / tick_ms + 1e-9).astype(np.int64), n_ticks - 1)
    total = int(fan[run.neurons].sum()) if run.neurons.size else 0
    if total > EXACT_EVENT_LIMIT:
        return None, None, None
    # expand every spike into its on-chip targets
    reps = fan[run.neurons]
    event_tick = np.repeat(ticks, reps)
    starts = np.repeat(ptr[run.neurons], reps)
    offsets = np.arange(total) - np.repeat(np.cumsum(reps) - reps, reps)
    event_post = post[starts + offsets] if total else np.zeros(0, np.int64)
    spiking = core_of[run.neurons] >= 0
    keys = np.concatenate([event_tick * n + event_post, ticks[spiking] * n + run.neurons[spiking]])
    keys = distinct(keys)
    key_core = core_of[keys % n]
    active = np.bincount(key_core, minlength=n_cores).astype(np.float64)
    syn_tick = active_tick = None
    if n_ticks * max(n_cores, 1) <= PER_TICK_LIMIT:
        syn_tick = np.bincount(event_tick * n_cores + core_of[event_post],
                               minlength=n_ticks * n_cores).reshape(n_ticks, n_cores)  # fmt: skip
        active_tick = np.bincount(
            (keys // n) * n_cores + key_core, minlength=n_ticks * n_cores
        ).reshape(n_ticks, n_cores)
    else:
        notes.append("per-tick matrices not kept (too many ticks x cores); the 'as fast as "
                     "possible' time base uses totals")  # fmt: skip
    return active, syn_tick, active_tick
