"""Recording a run to a ``.spkrec`` file chunk by chunk, and reading it back: the same spikes,
traces and weights as the simulator produced, and a file cut short by a failed write still
loads up to its last complete chunk."""

from __future__ import annotations

import errno

import numpy as np
import pytest

from engine.io import recording
from engine.io.recording import RecordingError, RecordingWriter, iter_chunks, load_recording
from engine.sim.compiler import compile_network
from engine.sim.simulator import Simulator
from tests.engine.test_results import N_STEPS, small_network


def record(path, chunks: list[int], network=None) -> Simulator:
    simulator = Simulator(compile_network(network or small_network()))
    writer = RecordingWriter(path, simulator, "small")
    for n in chunks:
        writer.append(simulator.advance(n))
    writer.close("complete")
    return simulator


def test_a_recording_holds_exactly_what_the_simulator_produced(tmp_path) -> None:
    path = tmp_path / "run.spkrec"
    network = small_network()  # once: connectivity draws depend on the node ids
    simulator = record(path, [137, 400, 1, N_STEPS - 538], network)
    whole = Simulator(compile_network(network)).advance(N_STEPS)  # one chunk
    loaded = load_recording(path)
    assert loaded.status == "complete" and loaded.n_steps == N_STEPS
    assert loaded.spike_steps.size > 0
    assert np.array_equal(loaded.spike_steps, whole.spike_steps)
    assert np.array_equal(loaded.spike_neurons, whole.spike_neurons)
    assert np.array_equal(loaded.group_counts, whole.group_counts)
    assert np.array_equal(loaded.spike_times_ms, whole.spike_times_ms)
    vm = loaded.traces["Vm a/b"]
    reference = next(iter(whole.traces.values()))
    assert vm.variable == "v_m" and list(vm.neurons) == [0, 3]
    assert np.array_equal(vm.times_ms, reference.times_ms)
    assert np.array_equal(vm.values, reference.values)
    assert np.array_equal(
        loaded.weight_traces["W"].values, next(iter(whole.weight_traces.values())).values
    )
    (weights,) = loaded.weights.values()
    (projection_id,) = whole.weights
    assert np.array_equal(weights.final, whole.weights[projection_id])
    assert np.array_equal(weights.final, simulator.plastic_weights(projection_id))
    assert not np.array_equal(weights.initial, weights.final)  # STDP changed them
    assert loaded.group_names == ["Input", "Exc", "Hidden"]
    assert sum(int(c["n_steps"]) for c in iter_chunks(path)) == N_STEPS


class FullDisk:
    """A file that accepts ``budget`` bytes, then fails as a full disk does."""

    def __init__(self, handle, budget: int) -> None:
        self.handle = handle
        self.budget = budget

    def write(self, data: bytes) -> int:
        if len(data) > self.budget:
            self.handle.write(data[: self.budget])  # a partial frame, as a real disk leaves
            self.budget = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.budget -= len(data)
        return self.handle.write(data)

    def __getattr__(self, name: str):
        return getattr(self.handle, name)


def test_a_full_disk_stops_the_recording_cleanly(tmp_path, monkeypatch) -> None:
    path = tmp_path / "full.spkrec"
    real_open = open
    monkeypatch.setattr(
        recording, "open", lambda p, mode: FullDisk(real_open(p, mode), 40_000), raising=False
    )
    simulator = Simulator(compile_network(small_network()))
    writer = RecordingWriter(path, simulator)
    written = []
    with pytest.raises(RecordingError) as failure:
        for _ in range(100):
            chunk = simulator.advance(50)
            writer.append(chunk)
            written.append(chunk)
    assert "No space left on device" in str(failure.value)
    assert str(path) in str(failure.value)
    assert f"t = {len(written) * 5.0:.1f} ms" in str(failure.value)
    assert writer.closed
    assert 0 < len(written) < 100
    monkeypatch.undo()
    loaded = load_recording(path)  # the partial frame was cut off: every whole chunk loads
    assert loaded.status == "truncated" and loaded.n_steps == 50 * len(written)
    assert np.array_equal(loaded.spike_steps, np.concatenate([c.spike_steps for c in written]))


def test_a_file_cut_anywhere_loads_its_complete_chunks(tmp_path) -> None:
    path = tmp_path / "run.spkrec"
    record(path, [100] * 10)
    data = path.read_bytes()
    full = load_recording(path)
    for cut in (len(data) - 3, len(data) // 2, len(data) // 5):
        path.write_bytes(data[:cut])
        part = load_recording(path)
        assert part.status == "truncated"
        # cut inside the end frame: every chunk is there; otherwise some are missing
        assert (part.n_steps == full.n_steps) == (cut == len(data) - 3)
        assert part.n_steps % 100 == 0
        n = part.spike_steps.size
        assert np.array_equal(part.spike_steps, full.spike_steps[:n])
        assert np.all(full.spike_steps[n:] >= part.n_steps)


def test_a_damaged_frame_ends_the_recording_there(tmp_path) -> None:
    path = tmp_path / "run.spkrec"
    record(path, [100] * 10)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert load_recording(path).n_steps < N_STEPS


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a SpikeStudio recording"),
        (b'{"format": "spikestudio-project"}', "not a SpikeStudio recording"),
        (recording.MAGIC, "ends before its header"),
    ],
)
def test_files_that_are_not_recordings_are_refused_by_name(tmp_path, content, message) -> None:
    path = tmp_path / "other.spkrec"
    path.write_bytes(content)
    with pytest.raises(RecordingError, match=message):
        load_recording(path)


def test_a_newer_recording_version_is_refused(tmp_path, monkeypatch) -> None:
    path = tmp_path / "new.spkrec"
    monkeypatch.setattr(recording, "VERSION", recording.VERSION + 1)
    record(path, [10])
    monkeypatch.undo()
    with pytest.raises(RecordingError, match="newer than this SpikeStudio"):
        load_recording(path)


def test_an_unwritable_path_is_a_recording_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    simulator = Simulator(compile_network(small_network()))
    with pytest.raises(RecordingError, match="cannot write the recording"):
        RecordingWriter(blocker / "run.spkrec", simulator)
