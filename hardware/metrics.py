"""NeuroBench-style metrics of a network and a run, and the usual ANN comparison.

Definitions follow NeuroBench 2.3.0 (Yik et al., Nat. Commun. 16:1545, 2025), with one run
counted as one model execution ("sample"):

- *parameter count*: synaptic weights (neuron parameters are per-type constants here);
- *footprint*: bytes of the weights as simulated (float64) and on the chip (profile weight
  bits), plus neuron state (float64 rows; ``state_bits`` per neuron on the chip);
- *connection sparsity*: ``sum zero weights / sum possible weights`` over projections, where a
  projection's possible weights are ``pre size x post size`` (0 = all-to-all, 1 = empty);
- *activation sparsity*: ``1 - spikes / (neurons x steps)`` over populations;
- *synaptic operations*: ``dense`` = every presynaptic neuron x every possible synapse x steps;
  ``effective_acs`` = spikes x their non-zero synapses (binary activations); ``effective_macs``
  = 0, since every activation is a spike (current inputs are biases, not synapses);
- *membrane updates* and *neuron operations*: neurons x steps (every neuron is updated every
  step; a LIF update counts 4 ops as in NeuroBench's Leaky).

The ANN comparison prices an ANN with the same layer sizes at one dense forward pass per run:
``E_ANN = MACs x 4.6 pJ`` against ``E_SNN = effective ACs x 0.9 pJ`` (Horowitz, ISSCC 2014,
45 nm, fp32: multiply 3.7 pJ + add 0.9 pJ). Arithmetic only: no memory traffic, no neuron
updates, fp32 rather than the int8/int16 of deployed chips.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.sim.compiler import CompiledNetwork
from hardware.synapses import SynapseTable

E_MAC_J = 4.6e-12
E_AC_J = 0.9e-12
HOROWITZ = "Horowitz, Computing's energy problem, ISSCC 2014 (45 nm, 0.9 V, fp32)"
#: Operations per neuron update, NeuroBench's count for a Leaky neuron.
OPS_PER_NEURON_UPDATE = 4


def static_metrics(
    compiled: CompiledNetwork, synapses: SynapseTable, weight_bits: float | None,
    state_bits: float | None,
) -> dict[str, Any]:  # fmt: skip
    """Metrics of the network alone."""
    sizes = {g.node_id: g.size for g in compiled.groups}
    possible = sum(sizes[p.pre] * sizes[p.post] for p in compiled.projections)
    nonzero = int(np.count_nonzero(synapses.weight))
    n_neurons = sum(g.size for g in compiled.groups if g.category == "population")
    footprint_model = synapses.size * 8 + n_neurons * 8 * 4
    footprint_chip = (
        None
        if weight_bits is None or state_bits is None
        else int(np.ceil(synapses.size * weight_bits / 8 + n_neurons * state_bits / 8))
    )
    return {
        "parameter_count": synapses.size,
        "footprint_bytes_float64": footprint_model,
        "footprint_bytes_chip": footprint_chip,
        "connection_sparsity": (1.0 - nonzero / possible) if possible else None,
        "possible_synapses": possible,
        "synapses": synapses.size,
    }


def workload_metrics(
    compiled: CompiledNetwork, synapses: SynapseTable, spikes_per_neuron: np.ndarray, n_steps: int
) -> dict[str, Any]:
    """Metrics of a run (one sample) from spike counts per neuron."""
    pops = [g for g in compiled.groups if g.category == "population"]
    n_pop = sum(g.size for g in pops)
    pop_spikes = sum(float(spikes_per_neuron[g.start : g.start + g.size].sum()) for g in pops)
    nonzero = synapses.weight != 0
    fanout = np.bincount(synapses.pre[nonzero], minlength=synapses.n_neurons)
    effective_acs = float((spikes_per_neuron * fanout).sum())
    sizes = {g.node_id: g.size for g in compiled.groups}
    dense = float(sum(sizes[p.pre] * sizes[p.post] for p in compiled.projections) * n_steps)
    updates = n_pop * n_steps
    return {
        "activation_sparsity": 1.0 - pop_spikes / updates if updates else None,
        "synaptic_operations": {
            "dense": dense,
            "effective_macs": 0.0,
            "effective_acs": effective_acs,
        },
        "membrane_updates": updates,
        "neuron_operations": {
            "dense": updates * OPS_PER_NEURON_UPDATE,
            "effective": updates * OPS_PER_NEURON_UPDATE,
        },
        "steps": n_steps,
    }


def ann_comparison(compiled: CompiledNetwork, effective_acs: float) -> dict[str, Any]:
    """The SNN's effective ACs against an ANN with the same layer sizes (one dense pass)."""
    sizes = {g.node_id: g.size for g in compiled.groups}
    macs = float(sum(sizes[p.pre] * sizes[p.post] for p in compiled.projections))
    e_ann = macs * E_MAC_J
    e_snn = effective_acs * E_AC_J
    return {
        "ann_macs": macs,
        "snn_acs": effective_acs,
        "e_mac_j": E_MAC_J,
        "e_ac_j": E_AC_J,
        "ann_energy_j": e_ann,
        "snn_energy_j": e_snn,
        "snn_over_ann": e_snn / e_ann if e_ann else None,
        "break_even_acs": e_ann / E_AC_J,
        "source": HOROWITZ,
        "assumptions": [
            "an ANN with the same layer sizes, fully connected, one forward pass for the whole run",
            "45 nm fp32 arithmetic only: no memory access, data movement or neuron updates",
            "the SNN does one accumulate per spike and non-zero synapse",
        ],
    }
