"""Perfect IF and adaptive LIF against closed-form solutions of their equations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.model.network import Network
from engine.sim.simulator import Simulator

DT = 0.1


def single_neuron(type_id: str, variables=("v_m",), **params):
    net = Network()
    cell = net.add_node(type_id, "cell", {"size": 1, **params})
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(cell.id, "out", spikes.id, "source")
    recorders = {}
    for variable in variables:
        rec = net.add_node(
            "recorder.state",
            f"rec {variable}",
            {"variable": variable, "neurons": [0], "interval_ms": DT},
        )
        net.add_link(cell.id, "out", rec.id, "source")
        recorders[variable] = rec.id
    return net, recorders


@pytest.mark.parametrize("current", [50.0, 200.0, 1000.0])
def test_perfect_integrator_period(current):
    # C dV/dt = I: from reset to threshold takes C (V_th - V_reset) / I
    net, _ = single_neuron(
        "population.if", c_m=250.0, v_th=-55.0, v_reset=-70.0, t_ref=2.0, v_init=-70.0, i_e=current
    )
    sim = Simulator(net)
    times = sim.advance(sim.steps_for(1000.0)).spike_times_ms
    period = 2.0 + 250.0 * 15.0 / current
    isi = np.diff(times)
    assert isi.size > 3
    assert np.all((isi >= period - 1e-9) & (isi <= period + DT + 1e-9))


def test_perfect_integrator_ramps_linearly_and_never_leaks():
    net, rec = single_neuron(
        "population.if", c_m=100.0, v_th=0.0, v_reset=-70.0, v_init=-70.0, i_e=10.0
    )
    sim = Simulator(net)
    trace = sim.advance(sim.steps_for(50.0)).traces[rec["v_m"]]
    np.testing.assert_allclose(trace.values[:, 0], -70.0 + 10.0 / 100.0 * trace.times_ms, atol=1e-9)


def test_perfect_integrator_psp_is_a_step_of_charge():
    # a synaptic current w exp(-t/tau) deposits the charge w tau: V ends w tau / C higher
    net = Network()
    cell = net.add_node("population.if", "cell", {"size": 1, "v_init": -70.0, "c_m": 200.0})
    source = net.add_node("encoder.spike_times", "in", {"spike_times_ms": [5.0]})
    net.connect_groups(source.id, cell.id, {"rule": "all_to_all", "weight": 100.0, "tau_syn": 3.0})
    rec = net.add_node("recorder.state", "vm", {"neurons": [0], "interval_ms": DT})
    net.add_link(cell.id, "out", rec.id, "source")
    sim = Simulator(net)
    trace = sim.advance(sim.steps_for(100.0)).traces[rec.id]
    t = np.maximum(trace.times_ms - 6.0, 0.0)
    expected = -70.0 + 100.0 * 3.0 / 200.0 * (1 - np.exp(-t / 3.0))
    np.testing.assert_allclose(trace.values[:, 0], expected, atol=1e-9)


def adaptive_isi(i_pa, w0, p):
    """Time from reset to threshold with adaptation current w0 at the end of t_ref (ms)."""
    tau_m, tau_w, c_m = p["tau_m"], p["tau_w"], p["c_m"]

    def v(s):
        decay = math.exp(-s / tau_m)
        drive = tau_m / c_m * i_pa * (1 - decay)
        adapt = w0 / c_m * tau_m * tau_w / (tau_w - tau_m) * (math.exp(-s / tau_w) - decay)
        return p["e_l"] + (p["v_reset"] - p["e_l"]) * decay + drive - adapt - p["v_th"]

    low, high = 0.0, 1.0
    while v(high) < 0:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if v(mid) < 0 else (low, mid)
    return high


def test_adaptive_lif_interspike_intervals_follow_the_adaptation_current():
    p = {
        "tau_m": 10.0,
        "c_m": 250.0,
        "e_l": -70.0,
        "v_th": -55.0,
        "v_reset": -70.0,
        "t_ref": 2.0,
        "tau_w": 150.0,
        "b": 40.0,
    }
    net, rec = single_neuron(
        "population.adaptive_lif", variables=("v_m", "w"), **p, v_init=-70.0, i_e=600.0
    )
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(1000.0))
    times = chunk.spike_times_ms
    isi = np.diff(times)
    assert isi[-1] > 1.5 * isi[0], "intervals lengthen as w builds up"
    # replay w from the recorded spike times and check every interval against the closed form
    w_trace = chunk.traces[rec["w"]]
    for k in range(8):
        w_after_spike = w_trace.values[np.isclose(w_trace.times_ms, times[k]), 0][0]
        w0 = w_after_spike * math.exp(-p["t_ref"] / p["tau_w"])
        expected = p["t_ref"] + adaptive_isi(600.0, w0, p)
        assert expected - 1e-9 <= isi[k] <= expected + DT + 1e-9


def test_adaptation_current_decays_exponentially_between_spikes():
    net, rec = single_neuron(
        "population.adaptive_lif", variables=("w",), tau_w=80.0, b=30.0, v_init=-50.0
    )  # starts above threshold: one spike, then silence
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(300.0))
    assert chunk.spike_neurons.size == 1
    trace = chunk.traces[rec["w"]]
    t = trace.times_ms - chunk.spike_times_ms[0]
    expected = np.where(t >= 0, 30.0 * np.exp(-np.maximum(t, 0) / 80.0), 0.0)
    np.testing.assert_allclose(trace.values[:, 0], expected, atol=1e-9)


def srm0_period(i_pa, p):
    """Steady period of SRM0 under constant current: the unreset membrane sits at E_L + R I and
    the summed after-potentials at a spike are -eta_0 / (1 - exp(-T / tau_eta))."""
    drive = p["tau_m"] / p["c_m"] * i_pa
    margin = drive - (p["v_th"] - p["e_l"])  # > 0: how far above threshold the input holds u

    def eta_sum(period):  # summed after-potential just before the next spike
        q = math.exp(-period / p["tau_eta"])
        return p["eta_0"] * q / (1 - q)

    low, high = 1e-6, 1e4
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if eta_sum(mid) > margin else (low, mid)
    return high


def test_srm0_fires_when_input_outweighs_the_after_potentials():
    p = {
        "tau_m": 10.0,
        "c_m": 250.0,
        "e_l": -70.0,
        "v_th": -55.0,
        "eta_0": 10.0,
        "tau_eta": 20.0,
        "t_ref": 0.0,
    }
    net, rec = single_neuron(
        "population.srm0", variables=("v_m", "theta"), **p, v_init=-70.0, i_e=450.0
    )
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(2000.0))
    isi = np.diff(chunk.spike_times_ms)
    expected = srm0_period(450.0, p)
    # the steady state is reached once V has settled (5 tau_m) and eta has built up
    late = isi[len(isi) // 2 :]
    assert np.all(np.abs(late - expected) <= DT + 1e-9), (late[:5], expected)
    # the membrane itself is never reset: it settles at E_L + R I
    v = chunk.traces[rec["v_m"]].values[:, 0]
    assert v[-1] == pytest.approx(-70.0 + 10.0 / 250.0 * 450.0, abs=1e-6)
    theta = chunk.traces[rec["theta"]].values[:, 0]  # -eta
    assert theta.max() > p["eta_0"]


def test_adaptive_threshold_rises_with_each_spike_and_relaxes():
    net, rec = single_neuron("population.adaptive_lif", variables=("theta",), b=0.0,
                             theta_plus=2.0, tau_theta=50.0, i_e=800.0, t_ref=2.0)  # fmt: skip
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(300.0))
    times = chunk.spike_times_ms
    theta = chunk.traces[rec["theta"]]
    # theta is the sum over earlier spikes of 2 mV * exp(-(t - t_k) / 50 ms)
    expected = np.array([sum(2.0 * np.exp(-(t - s) / 50.0) for s in times if s <= t + 1e-9)
                         for t in theta.times_ms])  # fmt: skip
    np.testing.assert_allclose(theta.values[:, 0], expected, atol=1e-9)
    isi = np.diff(times)
    assert isi[-1] > 1.3 * isi[0], "a rising threshold slows the neuron down"
