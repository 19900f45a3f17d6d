"""Quantized emulation: run the network as the chip would, and compare with floating point.

Weights are rounded to the profile's weight bits with one scale per projection (the largest
magnitude maps to the largest integer, as Rockpool's ``global_quantize`` and nengo-loihi's
discretisation do), and the step is forced to the chip's tick when the chip has a fixed one.
Both networks run on :class:`engine.sim.simulator.Simulator`; the report gives each
population's rate error and how many spikes the two runs share within one chip tick.

Not emulated (stated in every report): the bit width of neuron state, fixed-point decays and
integer arithmetic inside the neuron update, and the precision of plastic weight updates.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.model.network import Network
from engine.sim.compiler import CompiledNetwork, compile_network
from engine.sim.simulator import Simulator

NOT_EMULATED = (
    "neuron state bit width and integer neuron arithmetic are not emulated (float64 state)",
    "plastic weight updates run in floating point; only the initial weights are quantized",
)


def quantize_weights(
    weights: np.ndarray, projection: np.ndarray, bits: int, signed: bool = True
) -> tuple[np.ndarray, dict[int, float]]:
    """Round ``weights`` to ``bits``-bit integers times one scale per projection.

    Parameters
    ----------
    weights
        Float weights (any unit).
    projection
        Projection index of every weight; each projection gets its own scale.
    bits
        Weight bits of the chip, sign bit included when ``signed``.
    signed
        Signed integers (``2**(bits-1) - 1`` levels each side); otherwise the magnitude gets
        all ``bits`` and the sign is kept (chips that encode it in the synapse type).

    Returns
    -------
    quantized, scales
        Weights on the integer grid (same unit), and the step of each projection's grid.
    """
    out = np.array(weights, dtype=np.float64, copy=True)
    top = 2 ** (bits - 1) - 1 if signed else 2**bits - 1
    top = max(top, 1)
    scales: dict[int, float] = {}
    for k in np.unique(projection).tolist():
        mask = projection == k
        largest = float(np.abs(out[mask]).max()) if mask.any() else 0.0
        if largest == 0.0:
            scales[int(k)] = 0.0
            continue
        step = largest / top
        scales[int(k)] = step
        out[mask] = np.clip(np.rint(out[mask] / step), -top, top) * step
    return out, scales


def quantize_compiled(compiled: CompiledNetwork, bits: int, signed: bool = True) -> CompiledNetwork:
    """A copy of ``compiled`` whose static and plastic weights are quantized per projection."""
    clone = copy.copy(compiled)
    clone.arrays = copy.deepcopy(compiled.arrays)
    static = clone.arrays["static"]
    if static.weight.size:
        # group static weights by (pre group, target channel block): one scale per projection
        # as far as the compiled arrays can tell projections apart
        from hardware.synapses import synapse_table

        table = synapse_table(compiled)
        n_static = static.weight.size
        q, _ = quantize_weights(table.weight[:n_static], table.projection[:n_static], bits, signed)
        static.weight[:] = q
    plastic = clone.arrays["plastic"]
    if plastic.weight.size:
        row = np.asarray(plastic.syn_row)
        p_index = np.searchsorted(plastic.row_off, row, side="right") - 1
        q, _ = quantize_weights(plastic.weight, p_index, bits, signed)
        plastic.weight[:] = q
    return clone


@dataclass
class RunSpikes:
    """Spikes of every neuron group of one run, as times in ms."""

    dt_ms: float
    times_ms: np.ndarray
    neurons: np.ndarray
    duration_ms: float


def record_everything(network: Network) -> Network:
    """A copy of ``network`` with one spike recorder wired to every neuron group."""
    clone = network.copy()
    groups = [n for n in clone.nodes if clone.node_type(n).is_neuron_group]
    if groups:
        recorder = clone.add_node("recorder.spikes", clone.unique_name("hardware spikes"))
        for node in groups:
            clone.add_link(node.id, "out", recorder.id, "source")
    return clone


def run_spikes(compiled: CompiledNetwork, duration_ms: float) -> RunSpikes:
    """Run ``compiled`` for ``duration_ms`` and collect every recorded spike."""
    sim = Simulator(compiled)
    n_steps = sim.steps_for(duration_ms)
    steps, neurons = [], []
    counts = []
    done = 0
    chunk = max(1, sim.steps_for(1000.0))
    while done < n_steps:
        n = min(chunk, n_steps - done)
        result = sim.advance(n)
        steps.append(result.spike_steps)
        neurons.append(result.spike_neurons)
        counts.append(result.group_counts)
        done += n
    cat = np.concatenate
    step_all = cat(steps) if steps else np.zeros(0, np.int64)
    return RunSpikes(
        compiled.dt_ms,
        (step_all + 1) * compiled.dt_ms,
        cat(neurons) if neurons else np.zeros(0, np.int64),
        n_steps * compiled.dt_ms,
    )


def compare_runs(
    reference: RunSpikes, other: RunSpikes, compiled: CompiledNetwork, tolerance_ms: float
) -> dict[str, Any]:
    """Rate error per population and spike-train agreement of ``other`` against ``reference``.

    Agreement is the fraction of reference spikes that ``other`` has in the same neuron within
    ``tolerance_ms`` (each spike matched at most once), and the same the other way round; their
    harmonic mean is the F1 score.
    """
    duration_s = reference.duration_ms / 1e3
    per_group = []
    matched_ref = matched_other = 0
    for info in compiled.groups:
        if info.category != "population":
            continue
        lo, hi = info.start, info.start + info.size
        a = (reference.neurons >= lo) & (reference.neurons < hi)
        b = (other.neurons >= lo) & (other.neurons < hi)
        rate_a = a.sum() / info.size / duration_s if duration_s else 0.0
        rate_b = b.sum() / info.size / duration_s if duration_s else 0.0
        m = _match(reference.times_ms[a], reference.neurons[a], other.times_ms[b],
                   other.neurons[b], tolerance_ms)  # fmt: skip
        matched_ref += m
        matched_other += m
        per_group.append({
            "node": info.node_id,
            "name": info.name,
            "rate_float_hz": float(rate_a),
            "rate_quantized_hz": float(rate_b),
            "rate_error": float((rate_b - rate_a) / rate_a) if rate_a > 0 else None,
            "spikes_float": int(a.sum()),
            "spikes_quantized": int(b.sum()),
            "matched_spikes": int(m),
            "agreement": float(m / a.sum()) if a.sum() else None,
        })  # fmt: skip
    pops = [g for g in compiled.groups if g.category == "population"]
    lo_hi = [(g.start, g.start + g.size) for g in pops]
    n_ref = sum(
        int(((reference.neurons >= lo) & (reference.neurons < hi)).sum()) for lo, hi in lo_hi
    )
    n_other = sum(int(((other.neurons >= lo) & (other.neurons < hi)).sum()) for lo, hi in lo_hi)
    recall = matched_ref / n_ref if n_ref else None
    precision = matched_other / n_other if n_other else None
    f1 = (
        2 * recall * precision / (recall + precision)
        if recall is not None and precision is not None and recall + precision > 0
        else None
    )
    return {
        "tolerance_ms": tolerance_ms,
        "populations": per_group,
        "agreement_float_in_quantized": recall,
        "agreement_quantized_in_float": precision,
        "f1": f1,
    }


def _match(t_a, n_a, t_b, n_b, tol: float) -> int:
    """Spikes of train A matched to a distinct spike of train B of the same neuron within tol."""
    matched = 0
    order_a = np.lexsort((t_a, n_a))
    order_b = np.lexsort((t_b, n_b))
    t_a, n_a, t_b, n_b = t_a[order_a], n_a[order_a], t_b[order_b], n_b[order_b]
    j = 0
    for i in range(t_a.size):
        while j < t_b.size and (
            n_b[j] < n_a[i] or (n_b[j] == n_a[i] and t_b[j] < t_a[i] - tol - 1e-9)
        ):
            j += 1
        if j < t_b.size and n_b[j] == n_a[i] and abs(t_b[j] - t_a[i]) <= tol + 1e-9:
            matched += 1
            j += 1
    return matched


def emulate(network: Network, profile, duration_ms: float | None = None) -> dict[str, Any]:
    """Run ``network`` in floating point and as the chip would; report how spikes differ.

    Two quantized runs separate the two effects: weights only (same dt, same random inputs)
    and weights plus the chip's fixed tick (Poisson inputs are then drawn on a different grid,
    so spike-train agreement also reflects different input realisations).
    """
    recorded = record_everything(network)
    duration = float(duration_ms or recorded.settings["duration_ms"])
    bits = profile.limit("weight_bits")
    signed = bool(profile.data["core"].get("weight_signed", True))
    compiled = compile_network(recorded.copy())
    reference = run_spikes(compiled, duration)
    result: dict[str, Any] = {
        "weight_bits": bits,
        "signed": signed,
        "duration_ms": duration,
        "dt_ms": compiled.dt_ms,
        "not_emulated": list(NOT_EMULATED),
    }
    if bits is None:
        result["note"] = "the profile publishes no weight precision; weights kept in float"
        bits_used = None
    else:
        bits_used = int(bits)
    tick = profile.fixed_dt_ms
    q_compiled = quantize_compiled(compiled, bits_used, signed) if bits_used else compiled
    same_dt = run_spikes(q_compiled, duration)
    result["weights_only"] = compare_runs(reference, same_dt, compiled, compiled.dt_ms)
    if tick is not None and abs(tick - compiled.dt_ms) > 1e-12:
        at_tick = recorded.copy()
        at_tick.set_setting("dt_ms", tick)
        t_compiled = compile_network(at_tick)
        if bits_used:
            t_compiled = quantize_compiled(t_compiled, bits_used, signed)
        chip = run_spikes(t_compiled, duration)
        result["chip_dt_ms"] = tick
        result["weights_and_tick"] = compare_runs(reference, chip, compiled, tick)
    return result
