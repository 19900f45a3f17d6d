"""Triplet STDP, reward-modulated STDP and synaptic scaling against their defining equations
and published behaviour (Pfister & Gerstner 2006; Izhikevich 2007; Turrigiano 1998)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.model.network import Network
from engine.sim.simulator import Simulator

DT = 0.1


def driven_synapse(rule_type, rule_params, pre_times, driver_times, *, w0=50.0, delay=1.0,
                   extra=None):  # fmt: skip
    """One plastic synapse; a strong second input makes the post neuron fire on cue."""
    net = Network()
    pre = net.add_node("encoder.spike_times", "pre", {"spike_times_ms": pre_times})
    driver = net.add_node("encoder.spike_times", "driver", {"spike_times_ms": driver_times})
    post = net.add_node("population.lif", "post", {"size": 1, "t_ref": 1.0})
    plastic = net.connect_groups(pre.id, post.id, {"rule": "all_to_all", "weight": w0,
                                                     "delay_ms": delay})  # fmt: skip
    net.connect_groups(driver.id, post.id, {"rule": "all_to_all", "weight": 20000.0,
                                            "delay_ms": 0.1, "tau_syn": 0.5})  # fmt: skip
    rule = net.add_node(rule_type, "rule", rule_params)
    net.add_link(rule.id, "out", plastic.id, "plasticity")
    if extra:
        extra(net, rule)
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(post.id, "out", spikes.id, "source")
    net.add_link(pre.id, "out", spikes.id, "source")
    return net, plastic.id


def run(net, duration_ms):
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(duration_ms))
    groups = {g.name: g.start for g in sim.compiled.groups}
    post = chunk.spike_times_ms[chunk.spike_neurons == groups["post"]]
    pre = chunk.spike_times_ms[chunk.spike_neurons == groups["pre"]]
    return chunk, pre, post


TRIPLET = {"tau_plus": 16.8, "tau_minus": 33.7, "tau_x": 101.0, "tau_y": 125.0,
           "a_plus": 0.5, "a3_plus": 0.6, "a_minus": 0.7, "a3_minus": 0.2,
           "w_min": 0.0, "w_max": 1000.0}  # fmt: skip


def triplet_replay(pre_arrivals, post_times, p, w0):
    """Pfister & Gerstner (2006), eqs. 2-3, applied in time order; same-time spikes don't
    interact, and each update uses the traces from before the spike."""
    events = sorted([(t, 1) for t in post_times] + [(t, 0) for t in pre_arrivals])
    w = w0

    def trace(times, t, tau):
        return sum(math.exp(-(t - s) / tau) for s in times if s < t - 1e-9)

    for t, is_post in events:
        pres = [s for s, k in events if k == 0]
        posts = [s for s, k in events if k == 1]
        if is_post:
            w += trace(pres, t, p["tau_plus"]) * (p["a_plus"] + p["a3_plus"] *
                                                 trace(posts, t, p["tau_y"]))  # fmt: skip
        else:
            w -= trace(posts, t, p["tau_minus"]) * (p["a_minus"] + p["a3_minus"] *
                                                   trace(pres, t, p["tau_x"]))  # fmt: skip
    return w


def test_triplet_rule_follows_its_equations():
    rng = np.random.default_rng(5)
    pre_times = np.round(np.sort(rng.uniform(5, 300, 30)), 1).tolist()
    driver_times = np.round(np.sort(rng.uniform(5, 300, 20)), 1).tolist()
    net, plastic = driven_synapse("plasticity.stdp_triplet", TRIPLET, pre_times, driver_times,
                                  w0=500.0)  # fmt: skip
    chunk, pre, post = run(net, 350.0)
    expected = triplet_replay(pre + 1.0, post, TRIPLET, 500.0)
    assert chunk.weights[plastic][0] == pytest.approx(expected, abs=1e-9)


def pairing_change(frequency_hz, lag_ms, params):
    """Weight change after 60 pre/post pairings at a given frequency (Sjostrom et al. 2001)."""
    period = 1000.0 / frequency_hz
    pre = [round(20.0 + k * period, 1) for k in range(60)]
    # the post neuron fires about 0.2 ms after the driver's spike arrives
    net, plastic = driven_synapse("plasticity.stdp_triplet", params, pre, [1.0], w0=500.0)
    _, _, post_probe = run(net, 10.0)
    latency = post_probe[0] - 1.0
    driver = [round(t + 1.0 + lag_ms - latency, 1) for t in pre]  # arrival + lag
    net, plastic = driven_synapse("plasticity.stdp_triplet", params, pre, driver, w0=500.0)
    chunk, _, post = run(net, pre[-1] + 200.0)
    assert post.size == 60
    return chunk.weights[plastic][0] - 500.0


@pytest.mark.slow
def test_triplet_rule_reproduces_the_frequency_dependence_of_pairing():
    # Pfister & Gerstner (2006) Fig. 4 / Sjostrom et al. (2001): post-before-pre pairing
    # depresses at low frequency but potentiates at high frequency; pre-before-post
    # potentiation grows with frequency
    params = {**TRIPLET, "a_plus": 5e-8, "a3_plus": 6.2, "a_minus": 7.0, "a3_minus": 0.23}
    low_neg, high_neg = pairing_change(0.1, -10.0, params), pairing_change(50.0, -10.0, params)
    low_pos, high_pos = pairing_change(0.1, 10.0, params), pairing_change(50.0, 10.0, params)
    assert low_neg < 0 < high_neg
    assert 0 <= low_pos < high_pos


def add_reward(times, amount=1.0, tau_d=200.0):
    def extra(net, rule):
        reward = net.add_node("modulator.reward", "reward", {
            "reward_times_ms": times, "amount": amount, "tau_d": tau_d})  # fmt: skip
        net.add_link(reward.id, "out", rule.id, "modulator")

    return extra


REWARD = {"tau_plus": 20.0, "tau_minus": 20.0, "a_plus": 1.0, "a_minus": 1.5, "tau_c": 1000.0,
          "eta": 0.01, "w_min": 0.0, "w_max": 200.0}  # fmt: skip


def test_reward_stdp_needs_the_reward_to_change_weights():
    net, plastic = driven_synapse("plasticity.reward_stdp", REWARD, [50.0], [55.0],
                                  extra=add_reward([5000.0]))  # fmt: skip
    chunk, _, _ = run(net, 1000.0)
    assert chunk.weights[plastic][0] == pytest.approx(50.0), "no reward yet: no change"


def test_reward_stdp_integrates_eligibility_times_dopamine():
    reward_at, tau_d = 300.0, 200.0
    net, plastic = driven_synapse("plasticity.reward_stdp", REWARD, [50.0], [55.0],
                                  extra=add_reward([reward_at], 1.0, tau_d))  # fmt: skip
    chunk, pre, post = run(net, 3000.0)
    lag = post[0] - (pre[0] + 1.0)
    c0 = REWARD["a_plus"] * math.exp(-lag / REWARD["tau_plus"])  # eligibility after pairing
    # dw/dt = eta c d with c = c0 exp(-(t - t_post)/tau_c), d = exp(-(t - t_r)/tau_d), t >= t_r
    rate = 1 / REWARD["tau_c"] + 1 / tau_d
    integral = math.exp(-(reward_at - post[0]) / REWARD["tau_c"]) * (
        1 - math.exp(-rate * (3000.0 - reward_at))) / rate  # fmt: skip
    expected = REWARD["eta"] * c0 * integral
    assert chunk.weights[plastic][0] - 50.0 == pytest.approx(expected, rel=0.01)


def test_reward_sign_decides_the_direction():
    punish = add_reward([300.0], -1.0)
    net, plastic = driven_synapse("plasticity.reward_stdp", REWARD, [50.0], [55.0], extra=punish)
    chunk, _, _ = run(net, 2000.0)
    assert chunk.weights[plastic][0] < 50.0


def test_synaptic_scaling_multiplies_weights_by_the_rate_error():
    net = Network()
    inp = net.add_node("encoder.poisson", "in", {"size": 50, "rate_hz": 20.0})
    post = net.add_node("population.lif", "post", {"size": 4})
    proj = net.connect_groups(inp.id, post.id, {"rule": "all_to_all", "weight": 150.0})
    rule = net.add_node("plasticity.synaptic_scaling", "scaling", {
        "target_hz": 5.0, "eta": 0.2, "interval_ms": 200.0, "w_max": 1000.0})  # fmt: skip
    net.add_link(rule.id, "out", proj.id, "plasticity")
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(post.id, "out", spikes.id, "source")
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(200.0))
    counts = np.bincount(chunk.spike_neurons - sim.compiled.group("post").start, minlength=4)
    rates = counts / 0.2
    assert rates.max() > 5.0, "the drive is above target"
    factor = 1 + 0.2 * np.clip((5.0 - rates) / 5.0, -1, 1)
    _, posts = sim.synapses(proj.id)
    np.testing.assert_allclose(chunk.weights[proj.id], 150.0 * factor[posts], rtol=1e-12)


@pytest.mark.slow
def test_synaptic_scaling_brings_rates_towards_the_target():
    net = Network()
    inp = net.add_node("encoder.poisson", "in", {"size": 100, "rate_hz": 20.0})
    post = net.add_node("population.lif", "post", {"size": 20})
    proj = net.connect_groups(inp.id, post.id, {"rule": "fixed_probability", "p": 0.5,
                                                 "weight": 250.0})  # fmt: skip
    rule = net.add_node("plasticity.synaptic_scaling", "scaling", {
        "target_hz": 8.0, "eta": 0.1, "interval_ms": 500.0, "w_max": 1000.0})  # fmt: skip
    net.add_link(rule.id, "out", proj.id, "plasticity")
    sim = Simulator(net)
    first = sim.advance(sim.steps_for(1000.0)).group_counts[:, 1].sum() / 20 / 1.0
    sim.advance(sim.steps_for(20000.0))
    last = sim.advance(sim.steps_for(2000.0)).group_counts[:, 1].sum() / 20 / 2.0
    assert abs(last - 8.0) < abs(first - 8.0) / 3
