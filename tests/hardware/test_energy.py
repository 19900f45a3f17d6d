"""Counts and energy against hand calculations from the profiles' coefficients."""

from __future__ import annotations

import numpy as np
import pytest

from engine.sim.compiler import compile_network
from hardware.counts import PER_CORE_KEYS, ActivityCounts, count_activity
from hardware.mapping import map_network
from hardware.metrics import ann_comparison, static_metrics, workload_metrics
from hardware.power import estimate_energy
from hardware.profiles import load_profile
from hardware.quantize import emulate, quantize_weights, record_everything, run_spikes
from hardware.synapses import synapse_table
from tests.hardware.conftest import chain

PJ = 1e-12


def setup(network, profile_name, duration_ms=100.0):
    profile = load_profile(profile_name)
    compiled = compile_network(network.copy())
    mapping = map_network(network, compiled, profile, synapse_table(compiled))
    run = run_spikes(compile_network(record_everything(network)), duration_ms)
    tick = profile.fixed_dt_ms or compiled.dt_ms
    return mapping, run, count_activity(mapping, run, tick)


def spike_source_net(times=(10.0, 20.0, 30.0, 40.0, 50.0), size=300):
    net, (src, pop) = chain([1, size], source="encoder.spike_times", weight=0.1)
    src.params["spike_times_ms"] = list(times)
    return net


def test_counts_of_a_hand_checkable_run():
    mapping, run, counts = setup(spike_source_net(), "truenorth")
    assert mapping.cores_used == 2
    totals = counts.totals()
    assert totals["synaptic_events"] == 5 * 300
    assert totals["host_packets"] == 5 * 2  # one packet per destination core and spike
    assert totals["spikes_out"] == 0
    assert counts.n_ticks == 100
    assert totals["neuron_updates_active"] == 5 * 300
    assert totals["neuron_updates_idle"] == 300 * 100 - 5 * 300


def test_traffic_between_cores_counts_hops_and_chips():
    # a relay population on core 0 sends every spike to core 1 (one hop east on TrueNorth)
    net, (src, relay, pop) = chain([256, 256, 10], source="encoder.spike_times", weight=100.0)
    net.node_by_name("proj0").params["rule"] = "one_to_one"
    src.params["spike_times_ms"] = [10.0]
    relay.type_id = "population.relay"
    relay.params = {"size": 256}
    mapping, run, counts = setup(net, "truenorth")
    relay_spikes = counts.per_core["spikes_out"][0]
    assert relay_spikes == 256
    assert counts.total("spikes_inter_core") == relay_spikes
    assert counts.total("hops_ew") == relay_spikes and counts.total("hops_ns") == 0
    assert counts.total("spikes_inter_chip") == 0


def worked_example_counts(n_cores=1):
    per_core = {key: np.zeros(n_cores) for key in PER_CORE_KEYS}
    per_core["synaptic_events"][0] = 10_000
    per_core["neuron_updates_active"][0] = 100
    per_core["neuron_updates_idle"][0] = 924
    per_core["spikes_local"][0] = 100
    per_core["hops_ew"][0] = 200
    return ActivityCounts(per_core, 1, 1.0, 1.0, 0, np.zeros(1024),
                          np.array([[10_000.0]]), np.array([[100.0]]))  # fmt: skip


def test_loihi_worked_example_of_hardware_facts():
    net, _ = chain([1, 1024])
    profile = load_profile("loihi")
    compiled = compile_network(net.copy())
    mapping = map_network(net, compiled, profile, synapse_table(compiled))
    assert mapping.cores_used == 1
    counts = worked_example_counts()
    energy, violations = estimate_energy(mapping, counts, "real_time")
    dynamic = (10_000 * 23.6 + 100 * 81 + 924 * 52 + 100 * 1.7 + 200 * 3.0) * PJ
    assert energy["dynamic_j"] == pytest.approx(dynamic)
    assert energy["dynamic_j"] == pytest.approx(0.293e-6, rel=2e-3)  # "0.293 uJ/step"
    assert energy["static_j"] == pytest.approx(0.104 * 1e-3)  # 104 uJ per 1 ms step
    assert energy["total_j"] == pytest.approx(dynamic + 0.104e-3)
    assert energy["per_term"]["synop"]["energy_j"] == pytest.approx(236e-9)
    assert energy["per_core"][0]["static_j"] == pytest.approx(0.104e-3 / 128)  # chip share
    assert energy["unpriced"] == ["barrier"]  # a null term is listed, never taken as 0
    assert [v.rule for v in violations] == ["energy.unpriced"]

    fast, _ = estimate_energy(mapping, counts, "as_fast_as_possible")
    wall = (10_000 * 3.5 + 100 * 8.4 + 924 * 5.3 + 465) * 1e-9
    assert fast["wall_time_s"] == pytest.approx(wall)
    assert fast["static_j"] == pytest.approx(0.104 * wall)
    assert fast["dynamic_j"] == pytest.approx(dynamic)


def test_truenorth_is_all_in():
    mapping, run, counts = setup(spike_source_net(), "truenorth")
    energy, violations = estimate_energy(mapping, counts)
    assert energy["total_j"] == pytest.approx(1500 * 26 * PJ)
    assert energy["static_j"] is None and energy["dynamic_j"] is None
    assert "energy.extrapolation" in [v.rule for v in violations]  # 0 Hz, 1 synapse per neuron


def test_spinnaker_uses_the_tools_own_model():
    mapping, run, counts = setup(spike_source_net(), "spinnaker")
    energy, _ = estimate_energy(mapping, counts)
    seconds = counts.n_ticks * 1e-3
    assert energy["static_j"] == pytest.approx(
        (0.35 * mapping.chips_used + 0.034 * mapping.cores_used) * seconds
    )
    # host-injected packets enter the router of each destination core's chip
    assert counts.total("router_packets") == 5 * mapping.cores_used
    assert energy["dynamic_j"] == pytest.approx(counts.total("router_packets") * 1e-9)
    assert energy["unpriced"] == []


def test_unpublished_figures_leave_totals_unpriced():
    mapping, run, counts = setup(spike_source_net(), "loihi2")
    energy, violations = estimate_energy(mapping, counts)
    assert energy["total_j"] is None and energy["static_j"] is None
    assert {"synop", "static_per_chip"} <= set(energy["unpriced"])
    assert "energy.unpriced" in [v.rule for v in violations]


def test_neurobench_metrics_and_ann_comparison():
    net = spike_source_net(size=10)
    compiled = compile_network(net.copy())
    table = synapse_table(compiled)
    static = static_metrics(compiled, table, 8, 16)
    assert static["connection_sparsity"] == 0.0  # all-to-all
    assert static["parameter_count"] == 10
    spikes = np.zeros(compiled.n_neurons)
    spikes[0] = 5
    work = workload_metrics(compiled, table, spikes, n_steps=100)
    assert work["synaptic_operations"]["effective_acs"] == 50
    assert work["synaptic_operations"]["dense"] == 10 * 100
    assert work["activation_sparsity"] == 1.0
    ann = ann_comparison(compiled, 50)
    assert ann["ann_energy_j"] == pytest.approx(10 * 4.6 * PJ)
    assert ann["snn_energy_j"] == pytest.approx(50 * 0.9 * PJ)


def test_weight_quantization_per_projection():
    w = np.array([1.0, 0.5, -0.26, 100.0, 3.0])
    proj = np.array([0, 0, 0, 1, 1])
    q, scales = quantize_weights(w, proj, bits=3, signed=True)  # levels -3..3
    assert scales == {0: pytest.approx(1 / 3), 1: pytest.approx(100 / 3)}
    assert q.tolist() == pytest.approx([1.0, 2 / 3, -1 / 3, 100.0, 0.0])


def test_quantized_emulation_reports_rates_and_agreement():
    net, _ = chain([50, 20], rule="all_to_all", weight=3.0, dt_ms=0.1, kind="projection.delta")
    result = emulate(net, load_profile("truenorth"), duration_ms=300.0)
    same = result["weights_only"]
    assert same["populations"][0]["rate_float_hz"] > 0
    assert same["f1"] is not None and same["f1"] > 0.5
    assert result["chip_dt_ms"] == 1.0 and "weights_and_tick" in result
    assert result["not_emulated"]
