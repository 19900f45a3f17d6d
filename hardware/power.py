"""Energy and power from activity counts and a profile's coefficients (hardware-facts §5.4).

Three energy scopes, as the profile says:

``per_term`` (Loihi, SpiNNaker)
    ``E_dyn = sum over terms of count x energy per event``;
    ``E_static = wall time x (P_chip x chips used + P_active_core x cores used)``.
``all_in`` (TrueNorth)
    ``E = synaptic events x energy per event``; the figure already includes static power and
    routing, so nothing is added and static/dynamic are not separated (both ``None``).
``system_level`` (Loihi 2, SpiNNaker 2, Xylo, Speck, Akida)
    idle power x wall time, plus whatever per-event figures the vendor published.

A coefficient that is ``null`` in the profile is never taken as 0: the term is listed as
*unpriced* and the totals exclude it (and say so). Time bases:

``real_time``
    the chip is throttled to its tick (or to the simulation's dt when it has none), so the wall
    time equals the simulated time;
``as_fast_as_possible``
    each tick lasts as long as its busiest core needs, ``max_c T_c(t) + T_barrier`` with
    ``T_c = syn t_synop + active t_active + idle t_idle + plastic t_update`` (a lower bound,
    cf. Timcheck et al. 2026); unknown latencies leave the wall time, and so static energy,
    unpriced. Chips with a fixed global tick only run in real time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hardware.counts import ActivityCounts
from hardware.drc import Violation
from hardware.mapping import Mapping

TIME_BASES = ("real_time", "as_fast_as_possible")

#: Per-event energy key -> the count keys it prices.
TERM_COUNTS = {
    "synop": ("synaptic_events",),
    "synaptic_update": ("plasticity_updates",),
    "neuron_update_active": ("neuron_updates_active",),
    "neuron_update_idle": ("neuron_updates_idle",),
    "neuron_update": ("neuron_updates_active", "neuron_updates_idle"),
    "spike_out": ("spikes_out",),
    "spike_local": ("spikes_local",),
    "hop": ("hops_ew", "hops_ns"),
    "hop_ew": ("hops_ew",),
    "hop_ns": ("hops_ns",),
    "chip_link_packet": ("chip_hops",),
    "router_packet": ("router_packets",),
    "synaptic_event_all_in": ("synaptic_events",),
    "barrier": (),  # one per tick, not per core
    "cycle": (),  # needs a cycle model (Xylo); never counted here
}


def estimate_energy(
    mapping: Mapping, counts: ActivityCounts, time_base: str = "real_time"
) -> tuple[dict[str, Any], list[Violation]]:
    """Energy of the counted run on the mapped chip(s).

    Returns
    -------
    energy
        ``static_j``, ``dynamic_j``, ``total_j`` (``None`` when nothing of that kind is
        priced), ``per_term``, ``per_core``, ``unpriced``, ``time_base``, ``wall_time_s``,
        ``average_power_w``, ``scope`` and notes.
    violations
        ``energy.unpriced`` and ``energy.extrapolation`` notices.
    """
    if time_base not in TIME_BASES:
        raise ValueError(f"time base must be one of {', '.join(TIME_BASES)}")
    profile = mapping.profile
    energy = profile.data["energy"]
    scope = energy["scope"]
    per_event = energy["per_event_j"]
    n_cores = mapping.cores_used
    notes: list[str] = []
    wall_s, wall_note = wall_time(mapping, counts, time_base)
    if wall_note:
        notes.append(wall_note)

    per_term: dict[str, dict[str, Any]] = {}
    unpriced: list[str] = []
    core_dynamic = np.zeros(n_cores)
    dynamic_priced = False
    has_specific = {"neuron_update_active", "neuron_update_idle"} & set(per_event)
    for key, qty in per_event.items():
        if key == "neuron_update" and has_specific:
            continue
        count_keys = TERM_COUNTS[key]
        if key == "barrier":
            count: float | None = float(counts.n_ticks)
            per_core_count = None
        elif count_keys:
            per_core_count = sum(counts.per_core[k] for k in count_keys)
            count = float(per_core_count.sum())
        else:
            count, per_core_count = None, None
        coef = qty["value"]
        entry = {
            "count": count,
            "counts": list(count_keys) if count_keys else ("ticks" if key == "barrier" else None),
            "coefficient_j": coef,
            "energy_j": None if coef is None or count is None else count * coef,
            "evidence": qty["evidence"],
            "source": qty["source"],
            "kind": "dynamic" if scope != "all_in" else "all_in",
        }
        if "note" in qty:
            entry["note"] = qty["note"]
        per_term[key] = entry
        if coef is None:
            if count is None or count > 0:
                unpriced.append(key)
            continue
        if count is None:
            continue
        dynamic_priced = True
        if per_core_count is not None:
            core_dynamic += per_core_count * coef

    # static terms
    core_static = np.zeros(n_cores)
    static_total = 0.0
    static_priced = False
    chips = mapping.chips_used
    for key, qty in energy["static_w"].items():
        if key == "per_core_upper_bound":
            continue  # informative: a share of per_chip, never added to it
        watts = qty["value"]
        units = {"per_chip": chips, "per_active_core": n_cores, "per_board": 1}[key]
        entry = {
            "count": units,
            "counts": {
                "per_chip": "chips used",
                "per_active_core": "cores used",
                "per_board": "boards",
            }[key],  # fmt: skip
            "power_w": watts,
            "wall_time_s": wall_s,
            "energy_j": None if watts is None or wall_s is None else watts * units * wall_s,
            "evidence": qty["evidence"],
            "source": qty["source"],
            "kind": "static",
        }
        if "note" in qty:
            entry["note"] = qty["note"]
        per_term[f"static_{key}"] = entry
        if watts is None or wall_s is None:
            unpriced.append(f"static_{key}")
            continue
        static_priced = True
        static_total += watts * units * wall_s
        if n_cores:
            share = (
                watts * wall_s / profile.cores_per_chip
                if key == "per_chip"
                else watts * wall_s / n_cores
                if key == "per_board"
                else watts * wall_s
            )
            core_static += share

    if scope == "all_in":
        total = float(core_dynamic.sum()) if dynamic_priced else None
        static_j = dynamic_j = None
        notes.append("all-in figure: static power and routing are included and not separated")
    else:
        static_j = static_total if static_priced else None
        dynamic_j = float(sum(e["energy_j"] for e in per_term.values()
                              if e["kind"] == "dynamic" and e["energy_j"] is not None)) \
            if dynamic_priced else None  # fmt: skip
        total = (
            None
            if static_j is None and dynamic_j is None
            else (static_j or 0.0) + (dynamic_j or 0.0)
        )
    if (
        not any(k in per_event for k in ("synop", "synaptic_event_all_in", "cycle"))
        and scope != "per_term"
    ):
        unpriced.append("dynamic")
    per_core = [
        {
            "core": c,
            "dynamic_j": float(core_dynamic[c]) if dynamic_priced else None,
            "static_j": float(core_static[c]) if static_priced else None,
        }
        for c in range(n_cores)
    ]
    result = {
        "scope": scope,
        "time_base": time_base,
        "wall_time_s": wall_s,
        "simulated_time_s": counts.duration_ms / 1e3,
        "static_j": static_j,
        "dynamic_j": dynamic_j,
        "total_j": total,
        "average_power_w": None if total is None or not wall_s else total / wall_s,
        "per_term": per_term,
        "per_core": per_core,
        "unpriced": unpriced,
        "note": energy.get("note", ""),
        "notes": notes,
        "basis": "modeled from the profile's coefficients (algorithm-track style), not measured",
    }
    violations = []
    if unpriced:
        violations.append(Violation("energy.unpriced", "info",
                                    f"Energy terms not published for {profile.short_name}: "
                                    f"{', '.join(unpriced)}. Total shown excludes them.")
                          )  # fmt: skip
    violations += _extrapolation(mapping, counts)
    return result, violations


def wall_time(mapping: Mapping, counts: ActivityCounts, time_base: str) -> tuple[float | None, str]:
    """Wall-clock time of the run on the chip, and a note when it is not the simulated time."""
    real = counts.n_ticks * counts.tick_ms / 1e3
    profile = mapping.profile
    mode = profile.data["timing"]["mode"]
    if time_base == "real_time":
        return real, ""
    if mode == "global_tick" and profile.fixed_dt_ms is not None:
        return (
            real,
            f"{profile.short_name} runs at its fixed tick: 'as fast as possible' equals real time",
        )
    latency = profile.data["timing"].get("latency_s", {})

    def lat(key: str) -> float | None:
        qty = latency.get(key)
        return None if qty is None else qty["value"]

    needed = {
        "synop": counts.total("synaptic_events"),
        "neuron_update_active": counts.total("neuron_updates_active"),
        "neuron_update_idle": counts.total("neuron_updates_idle"),
        "synaptic_update": counts.total("plasticity_updates"),
    }
    missing = [k for k, c in needed.items() if c > 0 and lat(k) is None]
    if missing:
        return None, (
            f"time per step not published for {profile.short_name} ({', '.join(missing)}): the "
            "'as fast as possible' wall time, and so its static energy, is unpriced"
        )
    t = {k: lat(k) or 0.0 for k in needed}
    barrier = lat("barrier") or 0.0
    ticks = counts.n_ticks
    plastic_per_tick = counts.per_core["plasticity_updates"] / ticks
    if counts.syn_per_tick is not None and counts.active_per_tick is not None:
        neurons = mapping.usage.neurons[None, :]
        per_core = (
            counts.syn_per_tick * t["synop"]
            + counts.active_per_tick * t["neuron_update_active"]
            + (neurons - counts.active_per_tick) * t["neuron_update_idle"]
            + plastic_per_tick[None, :] * t["synaptic_update"]
        )
        busy = per_core.max(axis=1) if per_core.size else np.zeros(ticks)
        return float(busy.sum() + barrier * ticks), ""
    per_core = (
        counts.per_core["synaptic_events"] * t["synop"]
        + counts.per_core["neuron_updates_active"] * t["neuron_update_active"]
        + counts.per_core["neuron_updates_idle"] * t["neuron_update_idle"]
        + counts.per_core["plasticity_updates"] * t["synaptic_update"]
    )
    return float(per_core.max(initial=0.0) + barrier * ticks), "busiest core over the whole run"


def _extrapolation(mapping: Mapping, counts: ActivityCounts) -> list[Violation]:
    point = mapping.profile.data["energy"].get("operating_point")
    if not point or "mean_rate_hz" not in point:
        return []
    neurons = float(mapping.usage.neurons.sum())
    if neurons == 0 or counts.duration_ms <= 0:
        return []
    rate = counts.total("spikes_out") / neurons / (counts.duration_ms / 1e3)
    syn_per_neuron = float(mapping.usage.synapses.sum()) / neurons
    ref_rate, ref_syn = point["mean_rate_hz"], point.get("active_synapses_per_neuron")
    outside = not (0.5 * ref_rate <= rate <= 2 * ref_rate)
    if ref_syn:
        outside = outside or not (0.5 * ref_syn <= syn_per_neuron <= 2 * ref_syn)
    if not outside:
        return []
    return [Violation("energy.extrapolation", "warning",
                      f"Activity (rate {rate:.1f} Hz, {syn_per_neuron:.0f} synapses/neuron) is "
                      f"outside the profile's reference operating point ({ref_rate:g} Hz, "
                      f"{ref_syn:g} synapses/neuron); energy is extrapolated.",
                      value=rate, limit=ref_rate)]  # fmt: skip
