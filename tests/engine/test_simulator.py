"""The simulator's contract: chunk-invariant, reproducible, guarded, tunable while running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.errors import MemoryBudgetError, SimulationError, ValidationError
from engine.io.project_file import load_project
from engine.model.network import Network
from engine.sim.compiler import compile_network, estimate_memory
from engine.sim.simulator import LIVE_PARAMS, Simulator

DEMO = Path(__file__).parents[2] / "projects" / "stdp_demo.snnproj"


def small_plastic_network(seed: int = 1) -> tuple[Network, dict[str, str]]:
    net = Network()
    net.set_setting("seed", seed)
    inp = net.add_node("encoder.poisson", "in", {"size": 60, "rate_hz": 20.0})
    exc = net.add_node(
        "population.lif",
        "exc",
        {"size": 30, "v_init": {"distribution": "uniform", "low": -70.0, "high": -56.0}},
    )
    plastic = net.connect_groups(
        inp.id,
        exc.id,
        {
            "p": 0.5,
            "weight": {
                "distribution": "normal",
                "mean": 150.0,
                "std": 30.0,
                "low": 0.0,
                "high": 300.0,
            },
        },
    )
    recurrent = net.connect_groups(
        exc.id,
        exc.id,
        {
            "p": 0.2,
            "weight": -100.0,
            "tau_syn": 5.0,
            "delay_ms": {"distribution": "uniform", "low": 0.5, "high": 3.0},
        },
    )
    rule = net.add_node(
        "plasticity.stdp_pair", "stdp", {"a_plus": 5.0, "a_minus": 5.5, "w_max": 300.0}
    )
    net.add_link(rule.id, "out", plastic.id, "plasticity")
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(inp.id, "out", spikes.id, "source")
    net.add_link(exc.id, "out", spikes.id, "source")
    vm = net.add_node("recorder.state", "vm", {"neurons": [0, 5], "interval_ms": 0.3})
    net.add_link(exc.id, "out", vm.id, "source")
    weights = net.add_node("recorder.weights", "w", {"interval_ms": 5.0})
    net.add_link(plastic.id, "post", weights.id, "source")
    ids = {
        "in": inp.id,
        "exc": exc.id,
        "plastic": plastic.id,
        "recurrent": recurrent.id,
        "vm": vm.id,
        "w": weights.id,
        "rule": rule.id,
    }
    return net, ids


def run_in_chunks(net, sizes):
    sim = Simulator(net)
    return [sim.advance(n) for n in sizes]


def test_chunking_does_not_change_results():
    net, ids = small_plastic_network()
    (whole,) = run_in_chunks(net, [3000])
    parts = run_in_chunks(net, [1, 7, 250, 1000, 1742])
    np.testing.assert_array_equal(whole.spike_steps, np.concatenate([p.spike_steps for p in parts]))
    np.testing.assert_array_equal(
        whole.spike_neurons, np.concatenate([p.spike_neurons for p in parts])
    )
    np.testing.assert_array_equal(
        whole.group_counts, np.concatenate([p.group_counts for p in parts])
    )
    for key in (ids["vm"],):
        np.testing.assert_array_equal(
            whole.traces[key].values, np.concatenate([p.traces[key].values for p in parts])
        )
        np.testing.assert_array_equal(
            whole.traces[key].times_ms, np.concatenate([p.traces[key].times_ms for p in parts])
        )
    np.testing.assert_array_equal(
        whole.weight_traces[ids["w"]].values,
        np.concatenate([p.weight_traces[ids["w"]].values for p in parts]),
    )
    np.testing.assert_array_equal(whole.weights[ids["plastic"]], parts[-1].weights[ids["plastic"]])
    assert whole.spike_neurons.size > 100


def test_a_group_with_one_bias_current_runs_as_one_with_an_injected_current():
    """A LIF group whose neurons share i_e and take no injected current reads its constant
    input once per step instead of per neuron (engine speed); the same group with a 0 pA
    current injected takes the per-neuron path: spikes and potentials are the same bit for
    bit, before and after a live change of i_e."""

    net = Network()
    net.set_setting("seed", 3)
    drive = net.add_node("encoder.poisson", "drive", {"size": 100, "rate_hz": 40.0})
    v_init = {"distribution": "uniform", "low": -70.0, "high": -52.0}
    exc = net.add_node("population.lif", "E", {"size": 300, "v_init": v_init, "i_e": 250.0})
    net.connect_groups(drive.id, exc.id, {"p": 0.1, "weight": 60.0, "tau_syn": 5.0})
    net.connect_groups(exc.id, exc.id, {"p": 0.05, "weight": -50.0, "tau_syn": 10.0})
    other = net.add_node("population.lif", "other", {"size": 1})
    zero = net.add_node("encoder.dc", "zero", {"amplitude_pa": 0.0})
    link = net.add_link(zero.id, "out", other.id, "current")
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(exc.id, "out", spikes.id, "source")
    vm = net.add_node("recorder.state", "vm", {"neurons": [0, 7], "interval_ms": 0.1})
    net.add_link(exc.id, "out", vm.id, "source")
    injected = net.copy()  # the same network but for one link: 0 pA into E
    injected.remove_link(link.id)
    injected.add_link(zero.id, "out", exc.id, "current")

    def run(network):
        sim = Simulator(network)
        first = sim.advance(2000)
        sim.set_live_param(exc.id, "population.lif", "i_e", 380.0)
        return first, sim.advance(2000)

    for plain, fed in zip(run(net), run(injected), strict=True):
        np.testing.assert_array_equal(plain.spike_neurons, fed.spike_neurons)
        np.testing.assert_array_equal(plain.spike_steps, fed.spike_steps)
        (values,) = [t.values for t in plain.traces.values()]
        (fed_values,) = [t.values for t in fed.traces.values()]
        np.testing.assert_array_equal(values, fed_values)
        assert plain.spike_neurons.size > 200


def parallel_test_network() -> tuple[Network, dict[str, str]]:
    """E/I groups large enough to be split between threads, heterogeneous delays, a small
    group that is not split, and a plastic projection beside the static ones."""
    net = Network()
    drive = net.add_node("encoder.poisson", "drive", {"size": 200, "rate_hz": 50.0})
    v_init = {"distribution": "uniform", "low": -70.0, "high": -50.5}
    exc = net.add_node("population.lif", "E", {"size": 2400, "v_init": v_init, "i_e": 300.0})
    inh = net.add_node("population.lif", "I", {"size": 600, "v_init": v_init, "i_e": 300.0})
    small = net.add_node("population.lif", "small", {"size": 30, "v_init": v_init})
    delay = {"distribution": "uniform", "low": 0.1, "high": 2.0}
    for pre, post, w in [(exc, exc, 40.0), (exc, inh, 40.0), (inh, exc, -160.0),
                         (inh, inh, -160.0), (exc, small, 60.0)]:  # fmt: skip
        low, high = sorted((0.5 * w, 1.5 * w))
        weight = {"distribution": "normal", "mean": w, "std": abs(w) / 5, "low": low, "high": high}
        net.connect_groups(pre.id, post.id, {"p": 0.02, "weight": weight, "delay_ms": delay})
    plastic = net.connect_groups(drive.id, exc.id, {"p": 0.05, "weight": 200.0})
    rule = net.add_node("plasticity.stdp_pair", "stdp")
    net.add_link(rule.id, "out", plastic.id, "plasticity")
    rec = net.add_node("recorder.spikes", "spikes")
    for group in (drive, exc, inh, small):
        net.add_link(group.id, "out", rec.id, "source")
    return net, {"E": exc.id, "plastic": plastic.id}


def test_parallel_mode_gives_the_same_spikes_as_one_thread():
    """Two threads (shares of the large groups, synapses partitioned by target) give every
    spike, every potential and every plastic weight of one thread, bit for bit, in any
    chunking."""
    net, ids = parallel_test_network()
    one = Simulator(net)
    two = Simulator(net, threads=2)
    assert (one.threads, two.threads) == (1, 2)
    whole = one.advance(300)
    parts = [two.advance(k) for k in (1, 7, 92, 200)]
    np.testing.assert_array_equal(whole.spike_steps, np.concatenate([p.spike_steps for p in parts]))
    np.testing.assert_array_equal(
        whole.spike_neurons, np.concatenate([p.spike_neurons for p in parts])
    )
    np.testing.assert_array_equal(one.state(ids["E"]), two.state(ids["E"]))
    np.testing.assert_array_equal(
        one.plastic_weights(ids["plastic"]), two.plastic_weights(ids["plastic"])
    )
    counts = whole.group_counts.sum(axis=0)
    assert counts.min() > 20  # every group fires: the test sees all the paths


def test_each_thread_delivers_only_to_the_neurons_it_updates():
    """In parallel mode a thread sends the last step's spikes and then updates its share of
    each group without waiting for the other: partition p of the synapses must target only
    neurons of share p (a synapse into another share would be a data race)."""
    net, _ = parallel_test_network()
    compiled = compile_network(net.copy(), threads=3)
    static, channels = compiled.arrays["static"], compiled.arrays["channels"]
    n = compiled.n_neurons
    block = np.searchsorted(channels.block_start, static.target, side="right") - 1
    group = np.searchsorted(channels.grp_ptr, block, side="right") - 1
    local = static.target - channels.block_start[block]
    size = np.array([g.size for g in compiled.groups])[group]
    partition = np.repeat(np.arange(3 * n) // n, np.diff(static.ptr))
    assert np.bincount(partition, minlength=3).min() > 1000
    np.testing.assert_array_equal(size * partition // 3 <= local, True)
    np.testing.assert_array_equal(local < size * (partition + 1) // 3, True)


def test_the_parallel_mode_runs_on_tbb_threads():
    """Outside the tests (which pin the workqueue layer for NEST's sake) the parallel mode
    uses Numba's TBB layer: with OpenMP's spinning threads a run on 2 threads was 20-100x
    slower than on one whenever another program kept a core busy (docs/engine.md)."""
    script = (
        "import numpy as np, numba\n"
        "from engine.sim.simulator import Simulator\n"
        "from engine.model.network import Network\n"
        "net = Network()\n"
        "net.add_node('population.lif', params={'size': 4000})\n"
        "Simulator(net, threads=2).advance(2)\n"
        "print(numba.threading_layer())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=300, cwd=Path(__file__).parents[2])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "tbb"


def test_short_term_plasticity_runs_on_one_thread():
    net = Network()
    a = net.add_node("population.lif", "a", {"size": 10})
    net.connect_groups(a.id, a.id, {"stp": "tsodyks_markram"})
    assert Simulator(net, threads=2).threads == 1


def test_same_seed_reproduces_and_other_seed_differs():
    net, _ = small_plastic_network(seed=5)
    a = run_in_chunks(net, [2000])[0]
    b = run_in_chunks(net, [2000])[0]
    np.testing.assert_array_equal(a.spike_neurons, b.spike_neurons)
    other = net.copy()
    other.set_setting("seed", 6)
    c = run_in_chunks(other, [2000])[0]
    assert not np.array_equal(a.spike_neurons, c.spike_neurons)


def test_a_small_spike_buffer_grows_without_changing_results():
    net, _ = small_plastic_network()
    reference = run_in_chunks(net, [2000])[0]
    sim = Simulator(net)
    sim._spike_capacity = 100  # force many early returns and regrowth
    chunk = sim.advance(2000)
    np.testing.assert_array_equal(chunk.spike_neurons, reference.spike_neurons)


@pytest.mark.slow
def test_poisson_rate_matches_request():
    net = Network()
    net.set_setting("seed", 11)
    inp = net.add_node("encoder.poisson", "in", {"size": 1000, "rate_hz": 25.0})
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(inp.id, "out", spikes.id, "source")
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(2000.0))
    expected = 1000 * 25.0 * 2.0
    assert abs(chunk.spike_neurons.size - expected) < 4 * np.sqrt(expected)
    counts = np.bincount(chunk.spike_neurons, minlength=1000)
    # Poisson counts: the Fano factor is 1 (minus the tiny dt-binning correction)
    assert counts.var() / counts.mean() == pytest.approx(1.0, abs=0.15)


def test_poisson_window_is_respected():
    net = Network()
    inp = net.add_node(
        "encoder.poisson", "in", {"size": 200, "rate_hz": 100.0, "start_ms": 50.0, "stop_ms": 80.0}
    )
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(inp.id, "out", spikes.id, "source")
    times = Simulator(net).advance(1500).spike_times_ms
    assert times.min() > 50.0 and times.max() <= 80.0 + 1e-9


def test_connectivity_counts():
    net = Network()
    a = net.add_node("population.lif", "a", {"size": 400})
    b = net.add_node("population.lif", "b", {"size": 300})
    full = net.connect_groups(a.id, b.id, {"rule": "all_to_all"})
    sparse = net.connect_groups(a.id, b.id, {"rule": "fixed_probability", "p": 0.05})
    recurrent = net.connect_groups(a.id, a.id, {"rule": "fixed_probability", "p": 1.0})
    c = net.add_node("population.lif", "c", {"size": 400})
    one = net.connect_groups(a.id, c.id, {"rule": "one_to_one"})
    counts = {p.node_id: p.n_synapses for p in compile_network(net).projections}
    assert counts[full.id] == 400 * 300
    expected = 0.05 * 400 * 300
    assert abs(counts[sparse.id] - expected) < 4 * np.sqrt(expected)
    assert counts[recurrent.id] == 400 * 399  # no autapses by default
    assert counts[one.id] == 400


def test_one_to_one_needs_equal_sizes():
    net = Network()
    a = net.add_node("population.lif", "a", {"size": 10})
    b = net.add_node("population.lif", "b", {"size": 11})
    net.connect_groups(a.id, b.id, {"rule": "one_to_one"})
    with pytest.raises(ValidationError, match="one_to_one needs equal sizes"):
        compile_network(net)


def test_a_delay_beyond_the_stored_range_is_refused_with_the_setting_named():
    """Delays are stored as uint16 steps: 70 ms at dt = 0.001 ms (70,000 steps) is refused."""
    net = Network()
    net.set_setting("dt_ms", 0.001)
    net.set_setting("max_delay_ms", 100.0)
    a = net.add_node("population.lif", "a", {"size": 2})
    net.connect_groups(a.id, a.id, {"rule": "all_to_all", "delay_ms": 70.0})
    with pytest.raises(ValidationError, match="70000 steps.*65535") as err:
        compile_network(net)
    assert err.value.field == "simulation.max_delay_ms"
    net.set_setting("dt_ms", 0.01)  # 7,000 steps fit
    assert compile_network(net).arrays["static"].delay.max() == 7000


def test_non_finite_state_stops_with_the_population_named():
    net = Network()
    net.add_node("population.lif", "runaway", {"size": 3, "c_m": 1e-310, "i_e": 1e6})
    sim = Simulator(net)
    with pytest.raises(SimulationError, match="'runaway'.*NaN or infinite"):
        sim.advance(100)
    with pytest.raises(SimulationError):
        sim.advance(1)


def test_memory_guard_refuses_with_an_estimate():
    net = Network()
    a = net.add_node("population.lif", "a", {"size": 1_000_000})
    b = net.add_node("population.lif", "b", {"size": 1_000_000})
    net.connect_groups(a.id, b.id, {"rule": "all_to_all"}, name="huge")
    with pytest.raises(MemoryBudgetError, match=r"needs about .* GiB.*'huge'.*1e\+12 synapses"):
        compile_network(net)
    small = Network()
    small.add_node("population.lif", "a", {"size": 1000})
    with pytest.raises(MemoryBudgetError, match="only 0.0 GiB is available"):
        compile_network(small, memory_limit=1000)


def test_memory_guard_budgets_static_synapses_near_their_stored_size():
    """A static synapse is stored in 10 bytes and drawn block by block straight into place, so
    a million neurons with 100 million synapses are budgeted between the stored 1 GB and
    1.5 GB (benchmarks/large_network.py measures the real peak), and refused with less."""
    net = Network()
    a = net.add_node("population.lif", "a", {"size": 1_000_000})
    net.connect_groups(a.id, a.id, {"rule": "fixed_indegree", "k": 100}, name="recurrent")
    needed, per_projection = estimate_memory(net)
    assert per_projection == [("recurrent", 100_000_000)]
    assert 100_000_000 * 10 < needed < 1.5 * 2**30
    with pytest.raises(MemoryBudgetError, match=rf"needs about {needed / 2**30:.1f} GiB"):
        compile_network(net, memory_limit=needed - 1)
    with_threads, _ = estimate_memory(net, threads=2)
    assert with_threads > needed  # rows of a second partition


@pytest.mark.slow
def test_live_rate_change_takes_effect_without_losing_state():
    net = Network()
    inp = net.add_node("encoder.poisson", "in", {"size": 500, "rate_hz": 5.0})
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(inp.id, "out", spikes.id, "source")
    sim = Simulator(net)
    before = sim.advance(5000).spike_neurons.size
    sim.set_live_param(inp.id, "encoder.poisson", "rate_hz", 50.0)
    after = sim.advance(5000).spike_neurons.size
    assert sim.time_ms == pytest.approx(1000.0)
    assert after > 5 * before
    with pytest.raises(ValidationError, match="cannot change while running"):
        sim.set_live_param(inp.id, "encoder.poisson", "size", 3)


def test_live_bias_current_change():
    net = Network()
    lif = net.add_node("population.lif", "cell", {"size": 1})
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(lif.id, "out", spikes.id, "source")
    sim = Simulator(net)
    assert sim.advance(2000).spike_neurons.size == 0
    sim.set_live_param(lif.id, "population.lif", "i_e", 800.0)
    assert sim.advance(2000).spike_neurons.size > 5


def test_a_live_change_stays_in_its_own_run():
    """Simulators of one compiled network share its parameters until a live change (memory
    at a million neurons); the change must not reach the compiled network or another run."""
    net = Network()
    lif = net.add_node("population.lif", "cell", {"size": 1})
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(lif.id, "out", spikes.id, "source")
    compiled = compile_network(net)
    changed, other = Simulator(compiled), Simulator(compiled)
    changed.set_live_param(lif.id, "population.lif", "i_e", 800.0)
    assert changed.advance(2000).spike_neurons.size > 5
    assert other.advance(2000).spike_neurons.size == 0
    assert Simulator(compiled).advance(2000).spike_neurons.size == 0


@pytest.mark.slow
def test_demo_project_weights_change():
    project = load_project(DEMO)
    sim = Simulator(project.network)
    chunk = sim.advance(sim.steps_for(project.network.settings["duration_ms"]))
    plastic = next(p for p in sim.compiled.projections if p.plastic_index >= 0)
    recorder = next(iter(chunk.weight_traces.values()))
    initial, final = recorder.values[0], chunk.weights[plastic.node_id]
    assert np.abs(final - initial).mean() > 5.0, "weights change visibly (pA)"
    assert final.std() > initial.std() * 1.1, "STDP spreads the weight distribution"
    rates = chunk.group_counts.sum(0) / [g.size for g in sim.compiled.groups] / 2.0
    assert all(rate > 0.5 for rate in rates), rates


def _network_with(type_id: str):
    """A small network holding a node of ``type_id``, wired so that it takes part."""
    from engine.model.catalog import default_catalog

    net = Network()
    category = default_catalog().get(type_id).category
    if category == "population":
        node = net.add_node(type_id, "x", {"size": 3})
        return net, node
    lif = net.add_node("population.lif", "lif", {"size": 3})
    if category == "encoder":
        node = net.add_node(type_id, "x", {"size": 3})
        if type_id == "encoder.dc":
            net.add_link(node.id, "out", lif.id, "current")
        else:
            net.connect_groups(node.id, lif.id)
        return net, node
    source = net.add_node("encoder.poisson", "in", {"size": 3})
    projection = net.connect_groups(source.id, lif.id)
    node = net.add_node(type_id, "x")
    net.add_link(node.id, "out", projection.id, "plasticity")
    if type_id == "plasticity.reward_stdp":
        reward = net.add_node("modulator.reward", "reward")
        net.add_link(reward.id, "out", node.id, "modulator")
    return net, node


@pytest.mark.parametrize(
    ("type_id", "name"), [(t, n) for t, names in LIVE_PARAMS.items() for n in names]
)
def test_every_live_parameter_changes_a_running_simulation(type_id, name):
    from engine.model.catalog import default_catalog

    net, node = _network_with(type_id)
    sim = Simulator(net)
    sim.advance(10)
    spec = default_catalog().get(type_id).param(name)
    value = min(spec.default + 1.0, spec.high) if spec.high is not None else spec.default + 1.0
    sim.set_live_param(node.id, type_id, name, value)
    sim.advance(10)
    assert sim.time_ms == pytest.approx(2.0)
