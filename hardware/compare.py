"""The same design on several profiles, side by side (the hardware panel's comparison).

The network is compiled and simulated once; every profile then maps it, checks it and prices
the same spikes, exactly as ``spikestudio map --run`` does for one profile (placement refined
with the measured traffic, counts binned into the chip's tick, real-time time base). Energy is
given per second of simulated (biological) time, which at the real-time time base is the
average power in watts.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.io.atomic import write_atomically
from engine.model.network import Network
from engine.sim.compiler import compile_network
from hardware import drc
from hardware.counts import count_activity
from hardware.mapping import map_network
from hardware.power import estimate_energy
from hardware.profiles import Profile
from hardware.quantize import record_everything, run_spikes
from hardware.report import refine_by_traffic
from hardware.synapses import synapse_table

#: CSV columns, in order, with their header text.
COLUMNS = {
    "hardware": "hardware",
    "name": "name",
    "cores_used": "cores used",
    "chips_used": "chips",
    "fits": "fits",
    "errors": "errors",
    "warnings": "warnings",
    "infos": "infos",
    "static_j_per_s": "static J per simulated s",
    "dynamic_j_per_s": "dynamic J per simulated s",
    "total_j_per_s": "total J per simulated s",
    "energy_scope": "energy scope",
    "unpriced": "not priced",
}

#: Values an all-in energy figure does not separate (``None``, but not unpriced).
ALL_IN_SPLIT = ("static_j_per_s", "dynamic_j_per_s")


def compare_profiles(
    network: Network,
    profiles: Sequence[Profile],
    *,
    duration_ms: float | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[dict[str, Any]]:
    """One row per profile: cores, chips, verdict, violations by severity and energy.

    Parameters
    ----------
    network
        The design (not modified; it is copied).
    profiles
        The profiles to compare, in row order.
    duration_ms
        Simulated time of the run that is priced (ms); the project's duration by default.
    progress
        Called with ``(done, total, what)`` after the run and after each profile.
    cancelled
        Polled between profiles; when it returns true the rows so far are returned.

    Returns
    -------
    list of dict
        Keys of :data:`COLUMNS`. Energy values are ``None`` when the profile does not price
        them (never 0); ``unpriced`` names the terms left out.
    """
    total_steps = len(profiles) + 1
    compiled = compile_network(network.copy())
    synapses = synapse_table(compiled)
    duration = float(duration_ms or network.settings["duration_ms"])
    spikes = run_spikes(compile_network(record_everything(network)), duration)
    traffic = np.bincount(spikes.neurons, minlength=compiled.n_neurons).astype(float)
    if progress:
        progress(1, total_steps, "simulated")
    rows = []
    for k, profile in enumerate(profiles):
        if cancelled is not None and cancelled():
            break
        mapping = refine_by_traffic(map_network(network, compiled, profile, synapses), traffic)
        counts = count_activity(mapping, spikes, drc.chip_dt_ms(mapping))
        energy, notices = estimate_energy(mapping, counts, "real_time")
        violations = drc.check(mapping) + notices
        seconds = energy["simulated_time_s"]

        def per_second(value: float | None) -> float | None:
            return None if value is None or not seconds else value / seconds  # noqa: B023

        severities = [v.severity for v in violations]
        rows.append(
            {
                "hardware": profile.profile_id,
                "name": profile.name,
                "cores_used": mapping.cores_used,
                "chips_used": mapping.chips_used,
                "fits": drc.fits(violations),
                "errors": severities.count("error"),
                "warnings": severities.count("warning"),
                "infos": severities.count("info"),
                "static_j_per_s": per_second(energy["static_j"]),
                "dynamic_j_per_s": per_second(energy["dynamic_j"]),
                "total_j_per_s": per_second(energy["total_j"]),
                "energy_scope": energy["scope"],
                "unpriced": list(energy["unpriced"]),
            }
        )
        if progress:
            progress(k + 2, total_steps, profile.short_name)
    return rows


def write_csv(rows: Sequence[dict[str, Any]], path: str | Path) -> None:
    """Write comparison rows as CSV (atomically): unpriced values as ``not priced``, the
    static/dynamic split of an all-in figure as ``in total (all-in figure)``, lists joined
    with ``;``."""

    def cell(row: dict[str, Any], key: str) -> str:
        value = row[key]
        if value is None and key in ALL_IN_SPLIT and row["energy_scope"] == "all_in":
            return "in total (all-in figure)"
        if value is None:
            return "not priced"
        if isinstance(value, list):
            return ";".join(value)
        if isinstance(value, float):
            return f"{value:.6g}"
        return str(value)

    def write(handle) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS.values())
        for row in rows:
            writer.writerow(cell(row, key) for key in COLUMNS)

    write_atomically(path, write)
