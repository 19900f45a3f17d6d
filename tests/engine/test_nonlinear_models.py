"""Izhikevich, AdEx and Hodgkin-Huxley against published behaviour and against NEST.

Published references: Izhikevich (2003), IEEE TNN 14:1569, Fig. 2 (firing classes at I = 10);
Hodgkin & Huxley (1952) as analysed by Rinzel & Miller (1980): class II excitability, the f-I
curve jumps from 0 to about 50 Hz; Brette & Gerstner (2005) adaptation in AdEx.
The NEST comparisons need ``nest-simulator`` (installed by ``make test``).
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.model.network import Network
from engine.nodes.populations import IZHIKEVICH_PRESETS
from engine.sim.simulator import Simulator

try:  # tests/engine as a package, or (pytest's default) as a directory on sys.path
    from .nest_reference import require_nest
except ImportError:
    from nest_reference import require_nest

DT = 0.1


def spike_train(type_id: str, duration_ms: float = 1000.0, **params) -> np.ndarray:
    net = Network()
    cell = net.add_node(type_id, "cell", {"size": 1, **params})
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(cell.id, "out", spikes.id, "source")
    sim = Simulator(net)
    return sim.advance(sim.steps_for(duration_ms)).spike_times_ms


def izhikevich_isi(preset: str) -> np.ndarray:
    return np.diff(spike_train("population.izhikevich", 500.0, **IZHIKEVICH_PRESETS[preset],
                               i_e=10.0))  # fmt: skip


def test_regular_spiking_adapts_then_fires_tonically():
    isi = izhikevich_isi("regular spiking")
    assert isi.min() > 10.0, "no bursts"
    assert isi[-1] > 1.5 * isi[0], "spike-frequency adaptation"
    assert np.ptp(isi[-5:]) < 0.5, "then regular"


def test_intrinsically_bursting_starts_with_a_burst_then_fires_tonically():
    isi = izhikevich_isi("intrinsically bursting")
    assert np.all(isi[:2] < 10.0), "initial burst"
    assert np.all(isi[2:] > 20.0), "then single spikes"


def test_chattering_repeats_bursts():
    isi = izhikevich_isi("chattering")
    long_gaps = np.flatnonzero(isi > 30.0)
    assert long_gaps.size >= 5, "bursts separated by pauses"
    bursts = np.split(isi, long_gaps)
    assert all(np.sum(b < 10.0) >= 3 for b in bursts[1:-1]), "each burst has several spikes"


def test_fast_spiking_fires_fast_without_adaptation():
    isi = izhikevich_isi("fast spiking")
    assert 1000.0 / isi[-1] > 100.0
    assert isi[-1] < 2.0 * isi[0]


def test_low_threshold_spiking_adapts_strongly_from_a_high_rate():
    isi = izhikevich_isi("low-threshold spiking")
    assert isi[0] < 5.0
    assert isi[-1] > 3.0 * isi[0]
    assert isi.max() < 30.0, "no burst pauses"


@pytest.mark.slow
def test_hodgkin_huxley_is_class_two():
    # 100 pF stands for 1 uF/cm^2, so 100 pA is 1 uA/cm^2; rates are over the last 500 ms,
    # after the onset transient
    trains = {i: spike_train("population.hh", 1000.0, i_e=i) for i in
              (200.0, 500.0, 620.0, 650.0, 800.0, 1000.0, 2000.0)}  # fmt: skip
    rates = {i: 2 * np.sum(t > 500.0) for i, t in trains.items()}
    assert trains[200.0].size == 0
    assert trains[500.0].size == 1, "a step below the repetitive threshold gives one spike"
    assert rates[620.0] == 0, "near threshold the oscillation is damped (class II)"
    firing = [r for r in rates.values() if r > 0]
    assert min(firing) > 40, "the f-I curve jumps from 0 to a finite rate"
    assert 60 <= rates[1000.0] <= 75, "about 68 Hz at 10 uA/cm^2"
    assert rates[2000.0] > rates[1000.0] > rates[650.0]


@pytest.mark.slow
def test_adex_adapts():
    isi = np.diff(spike_train("population.adex", 1000.0, i_e=1000.0))
    assert isi[-1] > 2.0 * isi[0]
    assert np.ptp(isi[-3:]) < 0.3, "adaptation settles"


def test_adex_refractory_clamps_the_potential():
    net = Network()
    cell = net.add_node("population.adex", "cell", {"size": 1, "i_e": 3000.0, "t_ref": 5.0})
    vm = net.add_node("recorder.state", "vm", {"neurons": [0], "interval_ms": DT})
    net.add_link(cell.id, "out", vm.id, "source")
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(cell.id, "out", spikes.id, "source")
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(50.0))
    first = chunk.spike_times_ms[0]
    trace = chunk.traces[vm.id]
    during = (trace.times_ms >= first - 1e-9) & (trace.times_ms <= first + 5.0 - 1e-9)
    np.testing.assert_array_equal(trace.values[during, 0], -60.0)
    assert np.diff(chunk.spike_times_ms).min() > 5.0


# -- against NEST ----------------------------------------------------------------------------------
@pytest.fixture
def nest():
    module = require_nest()
    module.ResetKernel()
    module.resolution = DT
    yield module
    module.ResetKernel()


def nest_train(nest, model: str, params: dict, duration_ms: float = 1000.0) -> np.ndarray:
    neuron = nest.Create(model, params=params)
    recorder = nest.Create("spike_recorder")
    nest.Connect(neuron, recorder)
    nest.Simulate(duration_ms)
    return np.sort(recorder.events["times"])


def first_ten_agree(ours: np.ndarray, theirs: np.ndarray, tolerance_ms: float) -> None:
    assert ours.size == theirs.size
    assert ours.size > 0
    np.testing.assert_allclose(ours[:10], theirs[:10], atol=tolerance_ms + 1e-9)


@pytest.mark.nest
@pytest.mark.parametrize("preset", list(IZHIKEVICH_PRESETS))
@pytest.mark.parametrize("current", [5.0, 10.0, 15.0])
def test_izhikevich_matches_nest(nest, preset, current):
    p = IZHIKEVICH_PRESETS[preset]
    ours = spike_train("population.izhikevich", **p, i_e=current)
    theirs = nest_train(nest, "izhikevich", {**p, "I_e": current, "V_m": -65.0,
                                             "U_m": p["b"] * -65.0,
                                             "consistent_integration": True})  # fmt: skip
    first_ten_agree(ours, theirs, 0.0)  # the same scheme: the same steps


@pytest.mark.nest
@pytest.mark.slow
@pytest.mark.parametrize("current", [600.0, 800.0, 1500.0])
def test_adex_matches_nest_within_one_step(nest, current):
    # NEST integrates aeif_psc_exp adaptively (RKF45); we use RK4 on 0.01 ms sub-steps
    first_ten_agree(
        spike_train("population.adex", i_e=current),
        nest_train(nest, "aeif_psc_exp", {"I_e": current}),
        DT,
    )


@pytest.mark.nest
@pytest.mark.slow
@pytest.mark.parametrize("current", [500.0, 650.0, 1000.0, 2000.0])
def test_hodgkin_huxley_matches_nest_within_one_step(nest, current):
    first_ten_agree(
        spike_train("population.hh", i_e=current),
        nest_train(nest, "hh_psc_alpha", {"I_e": current}),
        DT,
    )


@pytest.mark.nest
@pytest.mark.parametrize("current", [100.0, 400.0, 1000.0])
def test_perfect_integrator_matches_nest_without_leak(nest, current):
    # NEST has no perfect integrator; iaf_psc_exp with an effectively infinite tau_m is one
    ours = spike_train("population.if", c_m=250.0, v_th=-55.0, v_reset=-70.0, t_ref=2.0,
                       v_init=-70.0, i_e=current)  # fmt: skip
    theirs = nest_train(nest, "iaf_psc_exp", {"tau_m": 1e12, "C_m": 250.0, "E_L": -70.0,
                                              "V_th": -55.0, "V_reset": -70.0, "t_ref": 2.0,
                                              "V_m": -70.0, "I_e": current})  # fmt: skip
    first_ten_agree(ours, theirs, DT)
