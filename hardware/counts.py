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


def count_activity(mapping: Mapping, run: RunSpikes, tick_ms: float) -> ActivityCounts:
    """Count the events of ``run`` on ``mapping``'s placement, binned into chip ticks."""
    placement, syn = mapping.placement, mapping.synapses
    n_cores = placement.n_cores
    core_of = placement.core_of
    n = syn.n_neurons
    notes: list[str] = []
    tick_ms = max(tick_ms, run.dt_ms)
    n_ticks = max(1, math.ceil(run.duration_ms / tick_ms - 1e-9))
    spikes = np.bincount(run.neurons, minlength=n).astype(np.float64)

    post_core = core_of[syn.post]
    on_chip = post_core >= 0
    per_core = {key: np.zeros(n_cores) for key in PER_CORE_KEYS}
    per_core["synaptic_events"] = np.bincount(
        post_core[on_chip], weights=spikes[syn.pre[on_chip]], minlength=n_cores
    )
    plastic = on_chip & syn.plastic
    per_core["plasticity_updates"] = np.bincount(
        post_core[plastic],
        weights=spikes[syn.pre[plastic]] + spikes[syn.post[plastic]],
        minlength=n_cores,
    )
    placed = core_of >= 0
    per_core["spikes_out"] = np.bincount(core_of[placed], weights=spikes[placed], minlength=n_cores)

    # packets: one per (spiking neuron, destination core)
    host_packets = 0.0
    if on_chip.any():
        pairs = np.unique(syn.pre[on_chip] * max(n_cores, 1) + post_core[on_chip])
        src, dst = pairs // max(n_cores, 1), pairs % max(n_cores, 1)
        s = spikes[src]
        src_core = core_of[src]
        from_host = src_core < 0
        host_packets = float(s[from_host].sum())
        chip_cols = mapping.profile.chip_grid_columns
        chip = placement.chip
        # host-injected spikes enter the router of their destination's chip
        per_core["router_packets"] += np.bincount(dst[from_host], weights=s[from_host],
                                                  minlength=n_cores)  # fmt: skip
        keep = ~from_host
        src, dst, s, sc = src[keep], dst[keep], s[keep], src_core[keep]
        same = sc == dst
        per_core["spikes_intra_core"] = np.bincount(sc[same], weights=s[same], minlength=n_cores)
        other = ~same
        sc_o, dst_o, s_o = sc[other], dst[other], s[other]
        per_core["spikes_inter_core"] = np.bincount(sc_o, weights=s_o, minlength=n_cores)
        dx = np.abs(placement.x[sc_o] - placement.x[dst_o])
        dy = np.abs(placement.y[sc_o] - placement.y[dst_o])
        local = placement.router[sc_o] == placement.router[dst_o]
        per_core["spikes_local"] = np.bincount(sc_o[local], weights=s_o[local], minlength=n_cores)
        per_core["hops_ew"] = np.bincount(sc_o, weights=s_o * dx, minlength=n_cores)
        per_core["hops_ns"] = np.bincount(sc_o, weights=s_o * dy, minlength=n_cores)
        ca, cb = chip[sc_o], chip[dst_o]
        chip_dist = np.abs(ca % chip_cols - cb % chip_cols) + np.abs(
            ca // chip_cols - cb // chip_cols
        )
        crossing = chip_dist > 0
        per_core["spikes_inter_chip"] = np.bincount(sc_o[crossing], weights=s_o[crossing],
                                                    minlength=n_cores)  # fmt: skip
        per_core["chip_hops"] = np.bincount(sc_o, weights=s_o * chip_dist, minlength=n_cores)
        # a spike leaves its core through the router once (multicast), then crosses chips
        senders = np.unique(src)
        sender_core = core_of[senders]
        per_core["router_packets"] += np.bincount(sender_core, weights=spikes[senders],
                                                  minlength=n_cores)  # fmt: skip
        per_core["router_packets"] += per_core["chip_hops"]

    neurons_per_core = mapping.usage.neurons.astype(np.float64)
    updates = neurons_per_core * n_ticks
    active, syn_tick, active_tick = _active_updates(mapping, run, tick_ms, n_ticks, notes)
    if active is None:
        # estimate: inputs spread evenly over ticks, independently per neuron
        incoming = np.bincount(syn.post[on_chip], weights=spikes[syn.pre[on_chip]], minlength=n)
        load = (incoming + spikes) / n_ticks
        p_active = 1.0 - np.exp(-load)
        active = np.bincount(core_of[placed], weights=p_active[placed] * n_ticks,
                             minlength=n_cores)  # fmt: skip
        notes.append("active/idle neuron updates estimated (too many events to count exactly)")
    per_core["neuron_updates_active"] = np.minimum(active, updates)
    per_core["neuron_updates_idle"] = updates - per_core["neuron_updates_active"]
    return ActivityCounts(per_core, n_ticks, tick_ms, run.duration_ms, int(host_packets),
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
    keys = np.unique(keys)
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
