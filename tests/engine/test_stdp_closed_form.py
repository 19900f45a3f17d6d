"""Pair-based STDP against its defining formula (Song, Miller & Abbott 2000).

The test drives one synapse with a chosen presynaptic train and a postsynaptic neuron that a
strong second input makes fire at known moments, reads the spike times the engine produced,
and sums the pair formula over all pre/post pairs itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.model.network import Network
from engine.sim.simulator import Simulator

DT = 0.1
TAU_PLUS, TAU_MINUS = 16.8, 33.7  # Bi & Poo (1998) fits, as used by Song et al. (2000)


def stdp_network(
    pre_times,
    driver_times,
    *,
    delay=1.0,
    mode="additive",
    w0=50.0,
    a_plus=1.0,
    a_minus=1.2,
    w_min=0.0,
    w_max=100.0,
):
    net = Network()
    net.set_setting("dt_ms", DT)
    pre = net.add_node("encoder.spike_times", "pre", {"spike_times_ms": pre_times})
    driver = net.add_node("encoder.spike_times", "driver", {"spike_times_ms": driver_times})
    post = net.add_node("population.lif", "post", {"size": 1, "t_ref": 1.0})
    plastic = net.connect_groups(
        pre.id, post.id, {"rule": "all_to_all", "weight": w0, "delay_ms": delay}
    )
    net.connect_groups(
        driver.id,
        post.id,
        {"rule": "all_to_all", "weight": 20000.0, "delay_ms": 0.1, "tau_syn": 0.5},
    )
    rule = net.add_node(
        "plasticity.stdp_pair",
        "stdp",
        {
            "tau_plus": TAU_PLUS,
            "tau_minus": TAU_MINUS,
            "a_plus": a_plus,
            "a_minus": a_minus,
            "w_min": w_min,
            "w_max": w_max,
            "mode": mode,
        },
    )
    net.add_link(rule.id, "out", plastic.id, "plasticity")
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(post.id, "out", spikes.id, "source")
    net.add_link(pre.id, "out", spikes.id, "source")
    return net, plastic.id


def run(net, duration_ms):
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(duration_ms))
    groups = {g.name: g for g in sim.compiled.groups}
    post = chunk.spike_times_ms[chunk.spike_neurons == groups["post"].start]
    pre = chunk.spike_times_ms[chunk.spike_neurons == groups["pre"].start]
    return sim, chunk, pre, post


def pair_sum(pre_arrivals, post_times, a_plus, a_minus):
    """Total additive change over all pairs; pairs at the same time do not interact."""
    total = 0.0
    for t_pre in pre_arrivals:
        for t_post in post_times:
            lag = t_post - t_pre
            if lag > 1e-9:
                total += a_plus * np.exp(-lag / TAU_PLUS)
            elif lag < -1e-9:
                total -= a_minus * np.exp(lag / TAU_MINUS)
    return total


@pytest.mark.parametrize("lag", [-30.0, -10.0, -2.0, 2.0, 10.0, 30.0])
def test_single_pair_follows_the_stdp_window(lag):
    driver = 50.0
    net, plastic = stdp_network([50.0 - lag], [driver], delay=1.0)
    sim, chunk, pre, post = run(net, 120.0)
    assert post.size == 1, "the driver makes the post neuron fire once"
    arrivals = pre + 1.0
    change = chunk.weights[plastic][0] - 50.0
    expected = pair_sum(arrivals, post, 1.0, 1.2)
    assert change == pytest.approx(expected, abs=1e-12)
    assert np.sign(change) == np.sign(post[0] - arrivals[0])


@pytest.mark.parametrize("delay", [0.1, 1.0, 5.0])
def test_many_pairs_sum_with_delays(delay):
    rng = np.random.default_rng(3)
    pre_times = np.round(np.sort(rng.uniform(5, 400, 40)), 1).tolist()
    driver_times = np.round(np.sort(rng.uniform(5, 400, 25)), 1).tolist()
    net, plastic = stdp_network(
        pre_times, driver_times, delay=delay, w0=50.0, a_plus=0.5, a_minus=0.55
    )
    sim, chunk, pre, post = run(net, 450.0)
    assert post.size >= 20
    expected = pair_sum(pre + delay, post, 0.5, 0.55)
    assert chunk.weights[plastic][0] - 50.0 == pytest.approx(expected, abs=1e-9)


def test_additive_weights_stay_within_bounds():
    pre_times = [float(t) for t in range(10, 400, 10)]
    driver_times = [t + 3.0 for t in pre_times]
    net, plastic = stdp_network(pre_times, driver_times, w0=95.0, a_plus=2.0, w_max=100.0)
    _, chunk, _, _ = run(net, 450.0)
    assert chunk.weights[plastic][0] == pytest.approx(100.0)


def test_multiplicative_rule_uses_soft_bounds():
    pre_times = [float(t) for t in range(10, 300, 20)]
    driver_times = [t + 5.0 for t in pre_times]
    w_min, w_max, a_plus, a_minus = 0.0, 100.0, 5.0, 6.0
    net, plastic = stdp_network(
        pre_times,
        driver_times,
        mode="multiplicative",
        w0=40.0,
        a_plus=a_plus,
        a_minus=a_minus,
        w_min=w_min,
        w_max=w_max,
    )
    _, chunk, pre, post = run(net, 350.0)
    # replay the published update in time order: potentiation scaled by (w_max - w),
    # depression by (w - w_min), each at the spike that completes the pair
    events = sorted([(t, "post") for t in post] + [(t + 1.0, "pre") for t in pre])
    w = 40.0
    for t, kind in events:
        if kind == "post":
            trace = sum(
                np.exp(-(t - s) / TAU_PLUS) for s, k in events if k == "pre" and s < t - 1e-9
            )
            w += a_plus * trace * (w_max - w) / (w_max - w_min)
        else:
            trace = sum(
                np.exp(-(t - s) / TAU_MINUS) for s, k in events if k == "post" and s < t - 1e-9
            )
            w -= a_minus * trace * (w - w_min) / (w_max - w_min)
    assert chunk.weights[plastic][0] == pytest.approx(w, abs=1e-9)
    assert w_min < w < w_max
