"""LIF dynamics against closed-form results (exact integration means tight tolerances)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.errors import ValidationError
from engine.model.network import Network
from engine.sim.simulator import Simulator

DT = 0.1


def lif_network(**lif_params) -> tuple[Network, str]:
    net = Network()
    net.set_setting("dt_ms", DT)
    lif = net.add_node("population.lif", "cell", {"size": 1, **lif_params})
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(lif.id, "out", spikes.id, "source")
    return net, lif.id


def record_vm(net: Network, population_id: str, interval_ms: float = DT) -> str:
    vm = net.add_node("recorder.state", "vm", {"neurons": [0], "interval_ms": interval_ms})
    net.add_link(population_id, "out", vm.id, "source")
    return vm.id


def analytic_period(i_pa, tau_m, c_m, e_l, v_th, v_reset, t_ref):
    """Time between spikes of a LIF neuron under constant current (ms)."""
    r_i = tau_m / c_m * i_pa  # ms / pF is GΩ, and GΩ * pA is mV
    return t_ref + tau_m * math.log((r_i + e_l - v_reset) / (r_i + e_l - v_th))


@pytest.mark.parametrize("current", [400.0, 600.0, 1000.0, 2500.0])
@pytest.mark.parametrize("source", ["bias", "dc_encoder"])
def test_firing_period_under_constant_current(current, source):
    params = {
        "tau_m": 10.0,
        "c_m": 250.0,
        "e_l": -70.0,
        "v_th": -55.0,
        "v_reset": -70.0,
        "t_ref": 2.0,
        "v_init": -70.0,
    }
    if source == "bias":
        net, lif = lif_network(**params, i_e=current)
    else:
        net, lif = lif_network(**params)
        dc = net.add_node("encoder.dc", "dc", {"amplitude_pa": current})
        net.add_link(dc.id, "out", lif, "current")
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(1000.0))
    times = chunk.spike_times_ms
    expected = analytic_period(
        current, **{k: params[k] for k in ("tau_m", "c_m", "e_l", "v_th", "v_reset", "t_ref")}
    )
    # the first spike has no refractory period before it
    assert expected - params["t_ref"] - 1e-9 <= times[0] <= expected - params["t_ref"] + DT
    isi = np.diff(times)
    # a threshold crossing is seen at the end of the step in which it happens
    assert np.all(isi >= expected - 1e-9)
    assert np.all(isi <= expected + DT + 1e-9)
    # and the rate is the closed-form f = 1 / period, up to the same step quantisation
    assert 1000.0 / (expected + DT) - 1 <= times.size <= 1000.0 / expected + 1


def test_no_spikes_below_rheobase():
    # R I = 10 ms / 250 pF * 370 pA = 14.8 mV < V_th - E_L = 15 mV
    net, _ = lif_network(i_e=370.0)
    sim = Simulator(net)
    assert sim.advance(sim.steps_for(2000.0)).spike_neurons.size == 0


def test_subthreshold_relaxation_is_exponential():
    net, lif = lif_network(tau_m=20.0, e_l=-65.0, v_init=-50.5, v_th=-50.0)
    vm = record_vm(net, lif)
    sim = Simulator(net)
    trace = sim.advance(sim.steps_for(100.0)).traces[vm]
    expected = -65.0 + (-50.5 + 65.0) * np.exp(-trace.times_ms / 20.0)
    np.testing.assert_allclose(trace.values[:, 0], expected, rtol=0, atol=1e-10)


def test_steady_state_under_bias_current():
    # V relaxes to E_L + R I with R = tau_m / C_m
    net, lif = lif_network(tau_m=10.0, c_m=200.0, e_l=-70.0, v_init=-70.0, i_e=200.0)
    vm = record_vm(net, lif)
    sim = Simulator(net)
    trace = sim.advance(sim.steps_for(50.0)).traces[vm]
    expected = -70.0 + 10.0 / 200.0 * 200.0 * (1 - np.exp(-trace.times_ms / 10.0))
    np.testing.assert_allclose(trace.values[:, 0], expected, atol=1e-10)


def psp(t, weight, c_m, tau_m, tau_s):
    """Membrane response (mV) to one exponential synaptic current of amplitude ``weight`` pA."""
    if tau_s == tau_m:
        return weight / c_m * t * np.exp(-t / tau_m)
    return (
        weight / c_m * tau_m * tau_s / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))
    )


@pytest.mark.parametrize("tau_syn", [0.5, 2.0, 5.0, 10.0])
@pytest.mark.parametrize("delay", [0.1, 1.5])
def test_psp_shape_of_one_exponential_synapse(tau_syn, delay):
    net, lif = lif_network(tau_m=10.0, c_m=250.0, e_l=-70.0, v_init=-70.0)
    source = net.add_node("encoder.spike_times", "input", {"spike_times_ms": [10.0]})
    net.connect_groups(
        source.id,
        lif,
        {"rule": "all_to_all", "weight": 300.0, "delay_ms": delay, "tau_syn": tau_syn},
    )
    vm = record_vm(net, lif)
    sim = Simulator(net)
    trace = sim.advance(sim.steps_for(80.0)).traces[vm]
    arrival = 10.0 + delay
    t = trace.times_ms - arrival
    expected = -70.0 + np.where(t > 0, psp(np.maximum(t, 0), 300.0, 250.0, 10.0, tau_syn), 0.0)
    np.testing.assert_allclose(trace.values[:, 0], expected, rtol=0, atol=1e-9)
    peak_time = trace.times_ms[np.argmax(trace.values[:, 0])] - arrival
    if tau_syn != 10.0:
        analytic_peak = math.log(tau_syn / 10.0) * tau_syn * 10.0 / (tau_syn - 10.0)
        assert abs(peak_time - analytic_peak) <= DT / 2 + 1e-9


def test_inhibitory_weight_hyperpolarises():
    net, lif = lif_network(v_init=-70.0)
    source = net.add_node("encoder.spike_times", "input", {"spike_times_ms": [5.0]})
    net.connect_groups(source.id, lif, {"rule": "all_to_all", "weight": -300.0})
    vm = record_vm(net, lif)
    sim = Simulator(net)
    values = sim.advance(sim.steps_for(30.0)).traces[vm].values[:, 0]
    assert values.min() < -70.5
    assert values.max() <= -70.0


def test_refractory_period_holds_the_reset_potential():
    net, lif = lif_network(i_e=5000.0, t_ref=5.0, v_reset=-80.0, e_l=-70.0, v_th=-55.0)
    vm = record_vm(net, lif)
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(30.0))
    first = chunk.spike_times_ms[0]
    trace = chunk.traces[vm]
    held = (trace.times_ms >= first - 1e-9) & (trace.times_ms <= first + 5.0 + 1e-9)
    np.testing.assert_array_equal(trace.values[held, 0], -80.0)
    assert np.diff(chunk.spike_times_ms).min() > 5.0


def test_heterogeneous_thresholds_give_each_neuron_its_own_closed_form_period():
    params = {"tau_m": 10.0, "c_m": 250.0, "e_l": -70.0, "v_reset": -70.0, "t_ref": 2.0}
    net = Network()
    lif = net.add_node("population.lif", "cells", {
        "size": 200, **params, "i_e": 600.0, "v_init": -70.0,
        "v_th": {"distribution": "uniform", "low": -58.0, "high": -52.0}})  # fmt: skip
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(lif.id, "out", spikes.id, "source")
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(500.0))
    thresholds = []
    for i in range(200):
        isi = np.diff(chunk.spike_times_ms[chunk.spike_neurons == i])
        # invert period = t_ref + tau ln((RI + E_L - V_reset) / (RI + E_L - V_th)), per neuron
        r_i = 10.0 / 250.0 * 600.0
        thresholds.append((-70.0 + r_i) - r_i * np.exp(-(isi.min() - 2.0) / 10.0))
        assert np.ptp(isi) <= DT + 1e-9, "each neuron fires regularly"
    thresholds = np.array(thresholds)
    # the inferred thresholds fill the drawn range, within what one step of timing resolves
    assert thresholds.min() > -58.0 - 0.2 and thresholds.max() < -52.0 + 0.2
    assert np.ptp(thresholds) > 5.0
    assert abs(np.mean(thresholds) - (-55.0)) < 0.5


def test_a_reset_that_can_reach_the_threshold_is_refused():
    net = Network()
    with pytest.raises(ValidationError, match="below v_th for every neuron"):
        net.add_node("population.lif", "cells", {
            "v_th": {"distribution": "uniform", "low": -60.0, "high": -50.0},
            "v_reset": -59.0})  # fmt: skip


def test_per_neuron_membrane_constants_are_integrated_numerically_to_within_a_step():
    # a "distribution" that is a single value takes the numerical path; it must agree with
    # the exact one, for a neuron driven by a bias and by exponential synapses
    def run(tau_m):
        net = Network()
        lif = net.add_node("population.lif", "cell", {"size": 1, "tau_m": tau_m, "i_e": 300.0,
                                                       "v_init": -70.0})  # fmt: skip
        source = net.add_node(
            "encoder.spike_times",
            "in",
            {"spike_times_ms": [float(t) for t in np.arange(5.0, 500.0, 7.3).round(1)]},
        )
        net.connect_groups(source.id, lif.id, {"rule": "all_to_all", "weight": 400.0})
        spikes = net.add_node("recorder.spikes", "spikes")
        net.add_link(lif.id, "out", spikes.id, "source")
        sim = Simulator(net)
        return sim.advance(sim.steps_for(500.0)).spike_times_ms

    exact = run(12.0)
    numerical = run({"distribution": "normal", "mean": 12.0, "std": 0.0})
    assert exact.size > 10 and numerical.size == exact.size
    np.testing.assert_allclose(numerical, exact, atol=DT + 1e-9)


def test_heterogeneous_time_constants_spread_the_rates():
    net = Network()
    lif = net.add_node("population.lif", "cells", {
        "size": 100, "i_e": 600.0, "v_init": -70.0,
        "tau_m": {"distribution": "uniform", "low": 8.0, "high": 20.0}})  # fmt: skip
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(lif.id, "out", spikes.id, "source")
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(500.0))
    counts = np.bincount(chunk.spike_neurons, minlength=100)
    # R I = tau_m / C * I grows with tau_m: the slowest neuron's period bounds the counts
    fastest = 1 / (2.0 + 20.0 * np.log(20.0 / 250.0 * 600 / (20.0 / 250.0 * 600 - 15.0)))
    slowest = 1 / (2.0 + 8.0 * np.log(8.0 / 250.0 * 600 / (8.0 / 250.0 * 600 - 15.0)))
    assert counts.min() >= int(500 * slowest) - 1 and counts.max() <= int(500 * fastest) + 1
    assert counts.max() - counts.min() > 5
