"""Map a network onto a profile and gather everything into one JSON-ready report.

This is what ``spikestudio map`` writes as ``mapping.json`` (layout in ``docs/hardware.md``)
and what the hardware panel will show.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from engine.model.network import Network
from engine.sim.compiler import compile_network
from hardware import drc
from hardware.counts import count_activity
from hardware.mapping import Mapping, cut_weight, map_network
from hardware.metrics import ann_comparison, static_metrics, workload_metrics
from hardware.picture import draw_core_grid
from hardware.power import TIME_BASES, estimate_energy
from hardware.profiles import Profile
from hardware.quantize import emulate, record_everything, run_spikes
from hardware.synapses import synapse_table

FORMAT = "spikestudio-mapping"
FORMAT_VERSION = 1


def map_and_report(
    network: Network,
    profile: Profile,
    *,
    run: bool = False,
    duration_ms: float | None = None,
    time_base: str = "real_time",
    quantized: bool = False,
    refine: bool = True,
    project_name: str = "",
) -> tuple[dict[str, Any], Mapping]:
    """Place ``network`` on ``profile``, check it, and with ``run`` simulate and price it.

    With ``run`` the placement is refined a second time with the measured spike counts, and
    the counts, energy (for both time bases), NeuroBench metrics and ANN comparison are added.
    ``quantized`` adds the quantized emulation (two more runs).
    """
    compiled = compile_network(network.copy())
    synapses = synapse_table(compiled)
    mapping = map_network(network, compiled, profile, synapses, refine=refine)
    report: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "project": project_name,
        "hardware": profile.profile_id,
        "hardware_name": profile.name,
        "profile_source": profile.source,
    }
    counts = energy_all = None
    extra_violations: list[drc.Violation] = []
    if run:
        duration = float(duration_ms or network.settings["duration_ms"])
        spikes = run_spikes(compile_network(record_everything(network)), duration)
        traffic = np.bincount(spikes.neurons, minlength=compiled.n_neurons).astype(float)
        if refine:
            mapping = refine_by_traffic(mapping, traffic)
        counts = count_activity(mapping, spikes, drc.chip_dt_ms(mapping))
        energy_all = {}
        for base in TIME_BASES:
            energy, found = estimate_energy(mapping, counts, base)
            energy_all[base] = energy
            if base == time_base:
                extra_violations = found
    violations = drc.check(mapping) + extra_violations
    violations.sort(key=lambda v: drc.SEVERITIES.index(v.severity))
    report.update(
        {
            "cores_used": mapping.cores_used,
            "chips_used": mapping.chips_used,
            "cores_per_chip": profile.cores_per_chip,
            "max_chips": profile.max_chips,
            "fits": drc.fits(violations),
            "violations": [v.to_dict() for v in violations],
            "utilization": mapping.utilization(),
            "nodes": _node_support(mapping),
            "placement": _placement(mapping),
            "static_metrics": static_metrics(
                compiled, synapses, profile.limit("weight_bits"), profile.limit("state_bits")
            ),
        }
    )
    if run and counts is not None and energy_all is not None:
        energy = dict(energy_all[time_base])
        energy["counts"] = counts.totals()
        total = energy["total_j"]
        simulated = energy["simulated_time_s"]
        energy["energy_per_simulated_second_j"] = (
            total / simulated if total is not None and simulated else None
        )
        report["energy"] = energy
        report["energy_by_time_base"] = {
            base: {k: e[k] for k in ("wall_time_s", "static_j", "dynamic_j", "total_j",
                                     "average_power_w", "unpriced", "notes")}
            for base, e in energy_all.items()
        }  # fmt: skip
        report["counts"] = counts.to_dict()
        n_steps = int(round(counts.duration_ms / compiled.dt_ms))
        workload = workload_metrics(compiled, synapses, counts.spikes_per_neuron, n_steps)
        report["workload_metrics"] = workload
        report["ann_comparison"] = ann_comparison(
            compiled, workload["synaptic_operations"]["effective_acs"]
        )
    if quantized:
        report["quantized_emulation"] = emulate(network, profile, duration_ms)
    return _plain(report), mapping


def refine_by_traffic(mapping: Mapping, traffic: np.ndarray) -> Mapping:
    """``mapping`` placed again with the synapses weighted by measured spikes per neuron, if
    that cuts more spikes without using more cores; otherwise ``mapping`` itself."""
    by_traffic = map_network(
        mapping.network, mapping.compiled, mapping.profile, mapping.synapses, traffic=traffic
    )
    synapses = mapping.synapses
    if (
        cut_weight(by_traffic.placement.core_of, synapses, traffic)
        < cut_weight(mapping.placement.core_of, synapses, traffic)
        and by_traffic.cores_used <= mapping.cores_used
    ):
        by_traffic.placement.notes.append("placement refined with measured spike traffic")
        return by_traffic
    return mapping


def _node_support(mapping: Mapping) -> list[dict[str, Any]]:
    rows = []
    for node in mapping.network.nodes:
        support = mapping.supports[node.id]
        rows.append({"node": node.id, "name": node.name, "type": node.type_id,
                     "status": support.status, "reason": support.reason,
                     "matched": support.matched})  # fmt: skip
    return rows


def _placement(mapping: Mapping) -> dict[str, Any]:
    placement = mapping.placement
    cores = []
    for c in range(placement.n_cores):
        members = mapping.groups_of[placement.core_of == c]
        counts = np.bincount(members, minlength=len(mapping.compiled.groups))
        cores.append({
            "core": c,
            "chip": int(placement.chip[c]),
            "x": int(placement.x[c]),
            "y": int(placement.y[c]),
            "nodes": [{"node": mapping.compiled.groups[g].node_id,
                       "name": mapping.compiled.groups[g].name, "neurons": int(counts[g])}
                      for g in np.flatnonzero(counts).tolist()],
        })  # fmt: skip
    syn = mapping.synapses
    a, b = placement.core_of[syn.pre], placement.core_of[syn.post]
    both = (a >= 0) & (b >= 0)
    return {
        "method": placement.method,
        "unit": mapping.profile.mapping_unit,
        "notes": placement.notes,
        "inter_core_synapses": int((both & (a != b)).sum()),
        "intra_core_synapses": int((both & (a == b)).sum()),
        "host_input_synapses": int(((a < 0) & (b >= 0)).sum()),
        "cores": cores,
    }


def core_fractions(report: dict[str, Any]) -> list[float | None]:
    """Each core's highest utilization fraction (``None`` when no limit is published)."""
    out = []
    for row in report["utilization"]:
        fractions = [row[k]["fraction"] for k in ("neurons", "synaptic_memory", "fan_in", "fan_out")
                     if row[k]["fraction"] is not None]  # fmt: skip
        out.append(max(fractions) if fractions else None)
    return out


def draw_report(report: dict[str, Any], mapping: Mapping, path: str | Path) -> None:
    """The PNG of the core grid for ``report``."""
    profile = mapping.profile
    errors = sum(v["severity"] == "error" for v in report["violations"])
    verdict = "FITS" if report["fits"] else f"DOES NOT FIT ({errors} ERRORS)"
    title = (
        f"{profile.short_name}: {report['cores_used']} CORE{_plural(report['cores_used'])}"
        f" ON {report['chips_used']} CHIP{_plural(report['chips_used'])} - {verdict}"
    )
    subtitle = report.get("project", "")
    energy = report.get("energy")
    if energy and energy.get("total_j") is not None:
        subtitle += f"  ENERGY {energy['total_j']:.3g} J ({energy['time_base'].replace('_', ' ')})"
    draw_core_grid(
        path,
        title=title,
        subtitle=subtitle.strip()[:110],
        utilization=core_fractions(report),
        chip_of=mapping.placement.chip,
        cores_per_chip=profile.cores_per_chip,
        cores_per_router=profile.cores_per_router,
        router_grid=profile.router_grid,
        chip_grid_columns=profile.chip_grid_columns,
    )


def _plural(count: int) -> str:
    return "" if count == 1 else "S"


def _plain(value: Any) -> Any:
    """Numpy scalars and arrays to JSON types; non-finite floats to ``None``."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        value = float(value)
        return value if np.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def dumps(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
