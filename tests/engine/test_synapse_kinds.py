"""Alpha, delta and conductance synapses against NEST (iaf_psc_alpha, iaf_psc_delta,
iaf_cond_exp) and against the closed form of the alpha current."""

from __future__ import annotations

import numpy as np
import pytest

from engine.model.network import Network
from engine.sim.simulator import Simulator

try:  # tests/engine as a package, or (pytest's default) as a directory on sys.path
    from .nest_reference import ours_static_synapses, require_nest
except ImportError:
    from nest_reference import ours_static_synapses, require_nest

DT = 0.1
INPUT_TIMES = [5.0, 12.0, 12.5, 30.0, 31.0, 31.5, 32.0, 60.0]
LIF = {"tau_m": 10.0, "c_m": 250.0, "e_l": -70.0, "v_th": -55.0, "v_reset": -70.0,
       "t_ref": 2.0, "v_init": -70.0}  # fmt: skip
NEST_LIF = {"tau_m": 10.0, "C_m": 250.0, "E_L": -70.0, "V_th": -55.0, "V_reset": -70.0,
            "t_ref": 2.0, "V_m": -70.0}  # fmt: skip


def ours(projection_type, params, *, variable="v_m", duration=100.0, times=INPUT_TIMES,
         population="population.lif", population_params=None):  # fmt: skip
    net = Network()
    cell = net.add_node(population, "cell", {"size": 1, **(population_params or LIF)})
    source = net.add_node("encoder.spike_times", "in", {"spike_times_ms": times})
    projection = net.add_node(projection_type, "syn", {"rule": "all_to_all", **params})
    net.add_link(source.id, "out", projection.id, "pre")
    net.add_link(projection.id, "post", cell.id, "synapses")
    rec = net.add_node("recorder.state", "rec", {"variable": variable, "neurons": [0],
                                                  "interval_ms": DT})  # fmt: skip
    net.add_link(cell.id, "out", rec.id, "source")
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(cell.id, "out", spikes.id, "source")
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(duration))
    trace = chunk.traces[rec.id]
    cell_spikes = chunk.spike_times_ms[chunk.spike_neurons == sim.compiled.group("cell").start]
    return trace.times_ms, trace.values[:, 0], cell_spikes


def theirs(nest, model, params, weight, delay, *, duration=100.0, times=INPUT_TIMES):
    nest.ResetKernel()
    nest.resolution = DT
    cell = nest.Create(model, params=params)
    source = nest.Create("spike_generator", params={"spike_times": times})
    nest.Connect(source, cell, syn_spec={"weight": weight, "delay": delay})
    meter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": DT})
    nest.Connect(meter, cell)
    recorder = nest.Create("spike_recorder")
    nest.Connect(cell, recorder)
    nest.Simulate(duration + DT)
    events = meter.events
    return (np.asarray(events["times"]), np.asarray(events["V_m"]),
            np.sort(recorder.events["times"]))  # fmt: skip


def at_times(times, values, wanted):
    index = np.rint(np.asarray(times) / DT).astype(np.int64)
    lookup = dict(zip(index, values, strict=True))
    return np.array([lookup[k] for k in np.rint(wanted / DT).astype(np.int64)])


def test_alpha_current_peaks_at_the_weight_after_tau():
    times, current, _ = ours("projection.synapses", {"synapse": "current_alpha", "weight": 80.0,
                                                     "tau_syn": 3.0, "delay_ms": 1.0},
                             variable="i_syn", times=[10.0], duration=40.0)  # fmt: skip
    s = times - 11.0
    expected = np.where(s > 0, 80.0 * (s / 3.0) * np.exp(1 - s / 3.0), 0.0)
    np.testing.assert_allclose(current, expected, atol=1e-9)
    assert current.max() == pytest.approx(80.0, abs=1e-9)


@pytest.mark.nest
@pytest.mark.parametrize("tau_syn", [0.5, 2.0, 10.0])
def test_alpha_synapse_membrane_matches_nest(tau_syn):
    nest = require_nest()
    t, v, _ = ours("projection.synapses", {"synapse": "current_alpha", "weight": 300.0,
                                           "tau_syn": tau_syn, "delay_ms": 1.0})  # fmt: skip
    params = {**NEST_LIF, "tau_syn_ex": tau_syn, "tau_syn_in": tau_syn}
    nt, nv, _ = theirs(nest, "iaf_psc_alpha", params, 300.0, 1.0)
    np.testing.assert_allclose(v, at_times(nt, nv, t), atol=1e-9)


@pytest.mark.nest
def test_delta_synapse_matches_nest_spike_for_spike():
    nest = require_nest()
    times = [float(x) for x in np.arange(2.0, 200.0, 1.3).round(1)]
    t, v, spikes = ours("projection.delta", {"weight": 2.5, "delay_ms": 1.5}, times=times,
                        duration=200.0)  # fmt: skip
    nt, nv, nspikes = theirs(nest, "iaf_psc_delta", NEST_LIF, 2.5, 1.5, times=times,
                             duration=200.0)  # fmt: skip
    assert spikes.size > 3
    np.testing.assert_allclose(spikes, nspikes[nspikes <= 200.0 + 1e-9], atol=1e-9)
    np.testing.assert_allclose(v, at_times(nt, nv, t), atol=1e-9)


@pytest.mark.nest
@pytest.mark.parametrize("e_rev", [0.0, -80.0])
def test_conductance_synapse_matches_nest(e_rev):
    nest = require_nest()
    times = [float(x) for x in np.arange(2.0, 300.0, 0.7).round(1)]
    ours_params = {"weight": 4.0, "e_rev": e_rev, "tau_syn": 5.0, "delay_ms": 1.0}
    lif = {**LIF, "i_e": 300.0}
    t, v, spikes = ours("projection.conductance", ours_params, times=times, duration=300.0,
                        population_params=lif)  # fmt: skip
    params = {**NEST_LIF, "I_e": 300.0, "g_L": 25.0, "E_ex": e_rev, "E_in": e_rev,
              "tau_syn_ex": 5.0, "tau_syn_in": 5.0}  # fmt: skip
    del params["tau_m"]  # iaf_cond_exp takes g_L: tau_m = C_m / g_L = 10 ms
    nt, nv, nspikes = theirs(nest, "iaf_cond_exp", params, 4.0, 1.0, times=times,
                             duration=300.0)  # fmt: skip
    # NEST integrates adaptively (RKF45); we use RK4 on 0.01 ms sub-steps
    np.testing.assert_allclose(v, at_times(nt, nv, t), atol=1e-4)
    nspikes = nspikes[nspikes <= 300.0 + 1e-9]
    assert spikes.size == nspikes.size
    if e_rev == 0.0:
        assert spikes.size > 5
    np.testing.assert_allclose(spikes, nspikes, atol=DT + 1e-9)


def test_relay_repeats_spikes_at_their_arrival_time():
    net = Network()
    source = net.add_node("encoder.spike_times", "in", {
        "size": 3, "spike_times_ms": [[5.0, 9.0], [5.0], [20.0]]})  # fmt: skip
    relay = net.add_node("population.relay", "relay", {"size": 3})
    net.connect_groups(source.id, relay.id, {"rule": "one_to_one", "weight": 1.0,
                                             "delay_ms": 1.5})  # fmt: skip
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(relay.id, "out", spikes.id, "source")
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(40.0))
    start = sim.compiled.group("relay").start
    got = sorted(zip(chunk.spike_times_ms.round(6), chunk.spike_neurons - start, strict=True))
    assert got == [(6.5, 0), (6.5, 1), (10.5, 0), (21.5, 2)]


@pytest.mark.nest
def test_relay_matches_nest_parrot_neuron():
    nest = require_nest()
    times = [float(t) for t in np.round(np.sort(np.random.default_rng(2).uniform(1, 90, 40)), 1)]
    times = sorted(set(times))
    net = Network()
    source = net.add_node("encoder.spike_times", "in", {"spike_times_ms": times})
    relay = net.add_node("population.relay", "relay", {"size": 1})
    net.connect_groups(source.id, relay.id, {"rule": "all_to_all", "weight": 1.0,
                                             "delay_ms": 2.0})  # fmt: skip
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(relay.id, "out", spikes.id, "source")
    sim = Simulator(net)
    ours_times = sim.advance(sim.steps_for(100.0)).spike_times_ms
    nest.ResetKernel()
    nest.resolution = DT
    gen = nest.Create("spike_generator", params={"spike_times": times})
    parrot = nest.Create("parrot_neuron")
    nest.Connect(gen, parrot, syn_spec={"delay": 2.0})
    recorder = nest.Create("spike_recorder")
    nest.Connect(parrot, recorder)
    nest.Simulate(100.0)
    np.testing.assert_allclose(ours_times, np.sort(recorder.events["times"]), atol=1e-9)


STP_CASES = {
    "depressing": {"stp_u": 0.5, "tau_rec": 800.0, "tau_fac": 0.0},
    "facilitating": {"stp_u": 0.1, "tau_rec": 100.0, "tau_fac": 1000.0},
}


def stp_trace(case, times, duration):
    params = {"weight": 500.0, "delay_ms": 1.0, "tau_syn": 2.0, "stp": "tsodyks_markram",
              **STP_CASES[case]}  # fmt: skip
    return ours("projection.synapses", params, times=times, duration=duration)


@pytest.mark.parametrize("case", list(STP_CASES))
def test_short_term_plasticity_shapes_a_train_of_psps(case):
    times = [float(t) for t in np.arange(20.0, 420.0, 40.0)]  # 25 Hz
    t, v, _ = stp_trace(case, times, 500.0)
    peaks = [v[(t > s) & (t < s + 40.0)].max() for s in times]
    rise = np.array(peaks) + 70.0  # PSP amplitudes above rest
    if case == "depressing":
        assert rise[-1] < 0.5 * rise[0], "resources run out"
    else:
        assert rise[-1] > 1.3 * rise[0], "utilisation builds up"


@pytest.mark.nest
@pytest.mark.parametrize("case", list(STP_CASES))
def test_short_term_plasticity_matches_nest_tsodyks2(case):
    nest = require_nest()
    times = [float(t) for t in np.arange(20.0, 420.0, 25.0)] + [700.0]
    t, v, _ = stp_trace(case, times, 800.0)
    nest.ResetKernel()
    nest.resolution = DT
    cell = nest.Create("iaf_psc_exp", params={**NEST_LIF, "tau_syn_ex": 2.0})
    source = nest.Create("spike_generator", params={"spike_times": times})
    relay = nest.Create("parrot_neuron")  # tsodyks2_synapse needs a neuron as its source
    nest.Connect(source, relay, syn_spec={"delay": DT})
    p = STP_CASES[case]
    nest.Connect(relay, cell, syn_spec={
        "synapse_model": "tsodyks2_synapse", "weight": 500.0, "delay": 1.0 - DT,
        "U": p["stp_u"], "u": p["stp_u"], "x": 1.0, "tau_rec": p["tau_rec"],
        "tau_fac": p["tau_fac"]})  # fmt: skip
    meter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": DT})
    nest.Connect(meter, cell)
    nest.Simulate(800.0 + DT)
    nt, nv = np.asarray(meter.events["times"]), np.asarray(meter.events["V_m"])
    np.testing.assert_allclose(v, at_times(nt, nv, t), atol=1e-9)


def test_coincident_arrivals_add_up_to_the_sum_of_their_weights():
    """Spikes arriving at one input in the same step are summed in the float32 delay ring
    (docs/engine.md, "Precision"): 40 of them give a current jump equal to the float64 sum of
    their stored weights within 40 float32 roundings, which then decays as exp(-s / tau)."""
    tau, channels = 5.0, 40
    net = Network()
    cell = net.add_node("population.lif", "cell", {"size": 1, **LIF, "v_th": 100.0})
    source = net.add_node("encoder.spike_times", "in", {"size": channels,
                                                        "spike_times_ms": [10.0]})  # fmt: skip
    weight = {"distribution": "uniform", "low": 1.0, "high": 100.0}
    projection = net.add_node("projection.synapses", "syn", {
        "rule": "all_to_all", "synapse": "current_exp", "weight": weight, "tau_syn": tau,
        "delay_ms": 1.0})  # fmt: skip
    net.add_link(source.id, "out", projection.id, "pre")
    net.add_link(projection.id, "post", cell.id, "synapses")
    rec = net.add_node("recorder.state", "rec", {"variable": "i_syn", "neurons": [0],
                                                  "interval_ms": DT})  # fmt: skip
    net.add_link(cell.id, "out", rec.id, "source")
    sim = Simulator(net)
    trace = sim.advance(sim.steps_for(40.0)).traces[rec.id]
    stored = ours_static_synapses(sim)["weight"].astype(np.float64)
    assert stored.size == channels and np.unique(stored).size == channels
    total = stored.sum()
    s = trace.times_ms - 11.0
    expected = np.where(s >= -1e-9, total * np.exp(-s / tau), 0.0)
    np.testing.assert_allclose(trace.values[:, 0], expected, rtol=channels * 2.0**-24, atol=1e-9)


def test_conductance_lif_fast_path_equals_the_general_rk4_path():
    """Conductance-driven LIF groups without adaptation (COBA) take a vectorized update; it
    must give what the general RK4 update gives, bit for bit: potentials, refractory counts
    and spikes over 300 steps of random conductance, alpha-current and delta input, with
    per-neuron time constants, some neurons refractory and some spiking."""
    from engine.sim import kernels as K
    from engine.sim.compiler import compile_network

    net = Network()
    size = 64
    cell = net.add_node("population.lif", "cell", {
        **LIF, "size": size, "tau_m": {"distribution": "uniform", "low": 8.0, "high": 20.0},
        "i_e": {"distribution": "uniform", "low": 0.0, "high": 200.0},
        "v_init": {"distribution": "uniform", "low": -70.0, "high": -56.0}})  # fmt: skip
    source = net.add_node("encoder.poisson", "in", {"size": 10})
    for kind, params in [
        ("projection.conductance", {"weight": 4.0, "e_rev": 0.0, "tau_syn": 5.0}),
        ("projection.conductance", {"weight": 4.0, "e_rev": -80.0, "tau_syn": 10.0}),
        ("projection.synapses", {"synapse": "current_alpha", "weight": 50.0, "tau_syn": 2.0}),
        ("projection.delta", {"weight": 0.5}),
    ]:
        projection = net.add_node(kind, params={"rule": "all_to_all", **params})
        net.add_link(source.id, "out", projection.id, "pre")
        net.add_link(projection.id, "post", cell.id, "synapses")
    compiled = compile_network(net)
    (g,) = [i for i, group in enumerate(compiled.groups) if group.name == "cell"]
    a = compiled.arrays
    groups, neurons, channels = a["groups"], a["neurons"], a["channels"]
    assert groups.model[g] == K.MODEL_LIF_COND
    assert K._plain_cond_groups(groups, neurons.state, neurons.par)[g]
    start, stop = groups.start[g], groups.start[g] + size
    assert {int(k) for k in channels.kind[channels.grp_ptr[g] : channels.grp_ptr[g + 1]]} == {
        K.CH_COND, K.CH_ALPHA, K.CH_DELTA}  # fmt: skip
    rng = np.random.default_rng(5)
    general = (neurons.state.copy(), neurons.refr.copy())
    fast = (neurons.state.copy(), neurons.refr.copy())
    work = np.empty((K.N_COND_WORK, size))
    flags = np.zeros(size, np.bool_)
    spikes = 0
    for _ in range(300):
        current = rng.uniform(0.0, 30.0, channels.current.shape)
        aux = rng.uniform(0.0, 20.0, channels.aux.shape)
        ring = rng.uniform(0.0, 1.0, (2, channels.current.size)).astype(K.RING_DTYPE)
        results = []
        for (state, refr), fast_path in ((general, False), (fast, True)):
            chan = channels._replace(current=current.copy(), aux=aux.copy())
            row = ring[0].copy()
            fired = np.zeros(size, np.int64)
            args = (g, start, stop, DT, state, refr, neurons.par, neurons.stim, chan, row, fired)
            if fast_path:
                count = K._update_lif_cond(*args, np.int64(0), work, flags)
            else:
                count = K._update_nonlinear(K.MODEL_LIF_COND, *args, np.int64(0))
            results.append(fired[:count])
        np.testing.assert_array_equal(general[0], fast[0])
        np.testing.assert_array_equal(general[1], fast[1])
        np.testing.assert_array_equal(results[0], results[1])
        spikes += results[0].size
    assert spikes > 50 and (general[1] > 0).any()
