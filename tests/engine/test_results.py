"""RunRecord: whole-run arrays from chunks, summary.json content, results.npz round trip."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from engine import __version__
from engine.io.results import NPZ_KEYS, RunRecord, load_results, npz_name
from engine.model.network import Network
from engine.sim.compiler import compile_network
from engine.sim.simulator import Simulator

N_STEPS = 1000  # 100 ms at dt = 0.1 ms: quick even with NUMBA_DISABLE_JIT=1


def small_network(seed: int = 3) -> Network:
    """Poisson 40 -> LIF 15 (plastic, recorded, sampled) and an unrecorded LIF 5."""
    net = Network()
    net.set_setting("seed", seed)
    source = net.add_node("encoder.poisson", "Input", {"size": 40, "rate_hz": 60.0})
    exc = net.add_node("population.lif", "Exc", {"size": 15})
    hidden = net.add_node("population.lif", "Hidden", {"size": 5})
    plastic = net.connect_groups(source.id, exc.id, {"weight": 200.0, "p": 0.5})
    net.connect_groups(exc.id, hidden.id, {"weight": 400.0, "rule": "all_to_all"})
    rule = net.add_node("plasticity.stdp_pair", "STDP", {"w_max": 400.0})
    net.add_link(rule.id, "out", plastic.id, "plasticity")
    spikes = net.add_node("recorder.spikes", "Spikes")
    net.add_link(source.id, "out", spikes.id, "source")
    net.add_link(exc.id, "out", spikes.id, "source")
    vm = net.add_node("recorder.state", "Vm a/b", {"neurons": [0, 3], "interval_ms": 0.5})
    net.add_link(exc.id, "out", vm.id, "source")
    weights = net.add_node("recorder.weights", "W", {"interval_ms": 5.0, "max_synapses": 50})
    net.add_link(plastic.id, "post", weights.id, "source")
    return net


def run(network: Network, chunks: list[int]) -> RunRecord:
    simulator = Simulator(compile_network(network.copy()))
    record = RunRecord(simulator, name="test")
    for n in chunks:
        record.append(simulator.advance(n))
    return record


@pytest.fixture(scope="module")
def network() -> Network:
    # one instance for the module: random streams derive from node ids, which are fresh UUIDs
    # in every new network
    return small_network()


@pytest.fixture(scope="module")
def record(network: Network) -> RunRecord:
    return run(network, [N_STEPS])


def assert_same_arrays(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert sorted(a) == sorted(b)
    for key in a:
        assert a[key].dtype == b[key].dtype, key
        assert a[key].shape == b[key].shape, key
        assert np.array_equal(a[key], b[key]), key


def test_chunked_record_equals_one_chunk(network: Network, record: RunRecord) -> None:
    chunked = run(network, [1, 0, 299, 250, 450])
    assert chunked.n_steps == record.n_steps == N_STEPS
    assert_same_arrays(chunked.arrays(), record.arrays())
    assert chunked.summary() == record.summary()


def test_record_sees_activity(record: RunRecord) -> None:
    counts = record.spike_counts()
    assert counts[0] > 0 and counts[1] > 0, "the test network should be active"
    assert counts[2] > 0, "the unrecorded group still has counts"
    assert record.group_counts.shape == (N_STEPS, 3)
    assert record.plastic_weights["Input → Exc"].final.shape == (
        record.plastic_weights["Input → Exc"].initial.shape
    )


def test_spike_arrays_match_group_counts(record: RunRecord) -> None:
    times, neurons = record.spike_times_ms, record.spike_neurons
    assert times.size == neurons.size
    assert np.all(np.diff(times) >= 0)
    assert times.min() > 0 and times.max() <= record.duration_ms + 1e-9
    for i, group in enumerate(record.groups):
        t, local = record.spikes(group.name)
        if group.recorded:
            assert t.size == record.spike_counts()[i]
            assert local.min() >= 0 and local.max() < group.size
        else:
            assert t.size == 0


def test_rates_add_up_to_counts(record: RunRecord) -> None:
    centres, rates = record.rates(10.0)
    assert centres.shape == (10,)
    assert np.allclose(centres, np.arange(5.0, 100.0, 10.0))
    sizes = np.array([g.size for g in record.groups])
    counts = rates * sizes[None, :] * 0.010
    assert np.allclose(counts.sum(axis=0), record.spike_counts())
    # a bin width that does not divide the run: the last bin is shorter, rates still add up
    centres, rates = record.rates(30.0)
    widths = np.array([30.0, 30.0, 30.0, 10.0]) / 1000.0
    assert np.allclose((rates * sizes * widths[:, None]).sum(axis=0), record.spike_counts())


def test_summary(record: RunRecord) -> None:
    summary = record.summary(wall_s=1.5, build_s=0.5, sim_s=0.25)
    assert summary["spikestudio_version"] == __version__
    assert summary["duration_ms"] == pytest.approx(100.0)
    assert summary["dt_ms"] == 0.1
    assert summary["seed"] == 3
    assert (summary["wall_s"], summary["build_s"], summary["sim_s"]) == (1.5, 0.5, 0.25)
    assert summary["n_neurons"] == 60
    assert set(summary["populations"]) == {"Input", "Exc", "Hidden"}
    for i, group in enumerate(record.groups):
        entry = summary["populations"][group.name]
        assert entry["size"] == group.size
        assert entry["spike_count"] == int(record.spike_counts()[i])
        assert entry["mean_rate_hz"] == pytest.approx(entry["spike_count"] / group.size / 0.1)
    plastic = summary["projections"]["Input → Exc"]
    assert plastic["plastic"] is True
    weights = record.plastic_weights["Input → Exc"]
    assert plastic["n_synapses"] == weights.initial.size
    assert plastic["mean_weight_start"] == pytest.approx(200.0)
    assert plastic["mean_weight_end"] == pytest.approx(weights.final.mean())
    static = summary["projections"]["Exc → Hidden"]
    assert static == {
        "n_synapses": 75,
        "plastic": False,
        "mean_weight_start": None,
        "mean_weight_end": None,
    }
    assert summary["n_synapses"] == plastic["n_synapses"] + 75


def test_traces(record: RunRecord) -> None:
    trace = record.state_traces["Vm a/b"]
    assert trace.population == "Exc" and trace.unit == "mV" and trace.variable == "v_m"
    assert trace.values.shape == (200, 2)
    assert np.allclose(trace.times_ms, np.arange(1, 201) * 0.5)
    weights = record.weight_traces["W"]
    assert weights.values.shape == (20, 50)
    assert np.allclose(weights.values[-1], record.plastic_weights["Input → Exc"].final[:50])


def test_synapse_indices(record: RunRecord) -> None:
    weights = record.plastic_weights["Input → Exc"]
    assert weights.pre_group == "Input" and weights.post_group == "Exc"
    assert weights.pre.size == weights.post.size == weights.initial.size
    assert weights.pre.min() >= 0 and weights.pre.max() < 40
    assert weights.post.min() >= 0 and weights.post.max() < 15


def test_npz_round_trip(record: RunRecord, tmp_path) -> None:
    path = tmp_path / "results.npz"
    record.save_npz(path)
    loaded = load_results(path)
    assert_same_arrays(loaded, record.arrays())
    assert list(tmp_path.iterdir()) == [path], "no temporary file left behind"
    with np.load(path, allow_pickle=False) as data:
        assert all(data[key].dtype != object for key in data.files)
    with zipfile.ZipFile(path) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    assert "trace/Vm a%2Fb/values" in loaded
    assert str(loaded["trace/Vm a%2Fb/unit"]) == "mV"
    assert list(loaded["group_names"]) == ["Input", "Exc", "Hidden"]
    assert loaded["rates_hz"].shape == (10, 3)
    assert loaded["weights/Input → Exc/final"].dtype == np.float64
    assert float(loaded["dt_ms"]) == 0.1
    patterns = {key.split("/")[0] for key in NPZ_KEYS}
    assert {key.split("/")[0] for key in loaded} <= patterns


def test_save_replaces_existing_file(record: RunRecord, tmp_path) -> None:
    path = tmp_path / "results.npz"
    path.write_bytes(b"old content")
    record.save_npz(path)
    assert load_results(path)["spike_neurons"].size == record.spike_neurons.size


def test_empty_record(network: Network) -> None:
    record = run(network, [])
    assert record.duration_ms == 0
    assert record.spike_times_ms.size == 0
    assert record.group_counts.shape == (0, 3)
    summary = record.summary()
    assert summary["populations"]["Exc"]["mean_rate_hz"] == 0.0
    weights = record.plastic_weights["Input → Exc"]
    assert np.array_equal(weights.initial, weights.final)
    arrays = record.arrays()
    assert arrays["rates_hz"].shape == (0, 3)
    assert arrays["trace/Vm a%2Fb/values"].shape == (0, 2)


def test_chunks_must_follow_each_other(network: Network) -> None:
    simulator = Simulator(compile_network(network.copy()))
    record = RunRecord(simulator)
    record.append(simulator.advance(10))
    simulator.advance(5)  # not appended
    with pytest.raises(ValueError, match="step 15"):
        record.append(simulator.advance(10))


def test_npz_name_is_reversible() -> None:
    assert npz_name("a/b") == "a%2Fb"
    assert npz_name("50%/x") == "50%25%2Fx"
    assert npz_name("Input → Exc") == "Input → Exc"
