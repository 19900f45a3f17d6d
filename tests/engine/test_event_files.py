"""Event files in the layouts of the common datasets: a tiny sample with known events is written
in each layout (``sample_files.py``), loaded through Network -> Simulator, and the recorded
spikes must be the written events, on the time grid."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from engine.errors import ValidationError
from engine.io import events as event_files
from engine.model.network import Network
from engine.sim.compiler import compile_network
from engine.sim.simulator import Simulator

try:  # tests/engine as a package, or (pytest's default) as a directory on sys.path
    from .sample_files import (
        write_aedat2_dvs128,
        write_aedat31,
        write_csv,
        write_nmnist_bin,
        write_npy_events_structured,
        write_shd_h5,
    )
except ImportError:
    from sample_files import (
        write_aedat2_dvs128,
        write_aedat31,
        write_csv,
        write_nmnist_bin,
        write_npy_events_structured,
        write_shd_h5,
    )

DT = 0.1

# pixel events (x, y, polarity, time in µs); two share a time, none lands half-way between steps
X = [0, 5, 33, 12, 7, 20, 9]
Y = [0, 3, 33, 20, 7, 1, 30]
P = [1, 0, 1, 1, 0, 0, 1]
T_US = [1300, 2500, 2500, 7230, 9100, 15020, 31000]


def event_network(tmp_path: Path, params: dict, duration: float = 40.0) -> Network:
    net = Network()
    net.set_setting("dt_ms", DT)
    net.set_setting("duration_ms", duration)
    net.base_dir = tmp_path
    node = net.add_node("encoder.events", "events", params)
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(node.id, "out", spikes.id, "source")
    return net


def recorded(net: Network) -> list[tuple[int, int]]:
    """(channel, stamp in steps) of every spike of the run, sorted."""
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(net.settings["duration_ms"]))
    return sorted(zip(chunk.spike_neurons.tolist(), (chunk.spike_steps + 1).tolist(), strict=True))


def stamps(times_ms) -> list[int]:
    """Grid rule: the nearest multiple of dt, at least one step."""
    return [max(1, int(round(t / DT))) for t in times_ms]


def pixel_channels(x, y, p, rows, columns) -> list[int]:
    return [pi * rows * columns + yi * columns + xi for xi, yi, pi in zip(x, y, p, strict=True)]


def expected_pixels(rows=34, columns=34, x=X, y=Y, p=P, t_us=T_US):
    channels = pixel_channels(x, y, p, rows, columns)
    return sorted(zip(channels, stamps(np.array(t_us) / 1000.0), strict=True))


# -- each layout, through the whole engine --------------------------------------------------------
def test_nmnist_binary(tmp_path: Path):
    write_nmnist_bin(tmp_path / "00002.bin", X, Y, P, T_US, overflow_before=[4])
    net = event_network(tmp_path, {"path": "00002.bin", "time_origin": "zero"})
    assert recorded(net) == expected_pixels()


def test_nmnist_overflow_markers_add_2_to_the_13_microseconds(tmp_path: Path):
    t_us = [100, 8000, 9000, 20000, 30000]
    write_nmnist_bin(tmp_path / "a.bin", [1] * 5, [2] * 5, [0] * 5, t_us, overflow_before=[2, 3])
    stream = event_files.read_event_file(tmp_path / "a.bin")
    np.testing.assert_allclose(stream.times_ms, np.array(t_us) / 1000.0)
    assert stream.x.tolist() == [1] * 5 and stream.y.tolist() == [2] * 5  # no marker left


def test_aedat31_dvs_gesture(tmp_path: Path):
    packets = [
        {"x": X[:3], "y": Y[:3], "p": P[:3], "t_us": T_US[:3]},
        {"type": 0, "n": 2},  # special events: skipped
        {
            "x": [*X[3:], 50],
            "y": [*Y[3:], 50],
            "p": [*P[3:], 1],
            "t_us": [*T_US[3:], 32000],
            "valid": [1, 1, 1, 1, 0],
        },  # the last event is marked invalid
    ]
    write_aedat31(tmp_path / "user01_fluorescent.aedat", packets)
    params = {
        "path": "user01_fluorescent.aedat",
        "size": 2 * 128 * 128,
        "shape": [2, 128, 128],
        "time_origin": "zero",
    }
    assert recorded(event_network(tmp_path, params)) == expected_pixels(128, 128)


def test_aedat31_timestamp_overflow(tmp_path: Path):
    late = 2**31 + 500
    write_aedat31(
        tmp_path / "o.aedat",
        [
            {"x": [1], "y": [2], "p": [1], "t_us": [700]},
            {"x": [3], "y": [4], "p": [0], "t_us": [late]},
        ],
    )
    stream = event_files.read_event_file(tmp_path / "o.aedat")
    np.testing.assert_allclose(stream.times_ms, [0.7, late / 1000.0])
    assert (stream.x.tolist(), stream.y.tolist(), stream.polarity.tolist()) == (
        [1, 3],
        [2, 4],
        [1, 0],
    )


def test_aedat2_cifar10_dvs(tmp_path: Path):
    write_aedat2_dvs128(tmp_path / "cat_0001.aedat", X, Y, P, T_US, special_before=[2, 5])
    params = {
        "path": "cat_0001.aedat",
        "size": 2 * 128 * 128,
        "shape": [2, 128, 128],
        "time_origin": "zero",
    }
    assert recorded(event_network(tmp_path, params)) == expected_pixels(128, 128)


def test_aedat2_address_bits_and_timestamp_wrap(tmp_path: Path):
    # raw jAER DVS128 records: x_sensor=127, y_sensor=0, ON (bit 0 = 0); then a wrapped time
    body = b"".join(
        int(a).to_bytes(4, "big") + int(t).to_bytes(4, "big")
        for a, t in ((127 << 1, 2**32 - 300), ((5 << 8) | (2 << 1) | 1, 200))
    )
    (tmp_path / "w.aedat").write_bytes(b"#!AER-DAT2.0\r\n# comment\r\n" + body)
    stream = event_files.read_event_file(tmp_path / "w.aedat")
    assert stream.x.tolist() == [0, 125] and stream.y.tolist() == [127, 122]
    assert stream.polarity.tolist() == [1, 0]
    np.testing.assert_allclose(stream.times_ms, [(2**32 - 300) / 1000.0, (2**32 + 200) / 1000.0])


def test_shd_hdf5_sample(tmp_path: Path):
    pytest.importorskip("h5py")
    samples = [([0.0105, 0.02], [3, 699]), ([0.001, 0.0055, 0.0305, 0.0305], [0, 10, 10, 699])]
    write_shd_h5(tmp_path / "shd_test.h5", samples)
    params = {"path": "shd_test.h5", "size": 700, "shape": None, "sample": 1, "time_origin": "zero"}
    # what the file holds: float16 seconds
    times = np.array(samples[1][0], np.float16).astype(np.float64) * 1000.0
    assert recorded(event_network(tmp_path, params)) == sorted(
        zip(samples[1][1], stamps(times), strict=True)
    )


def test_shd_sample_out_of_range(tmp_path: Path):
    pytest.importorskip("h5py")
    write_shd_h5(tmp_path / "s.h5", [([0.01], [1])])
    net = event_network(tmp_path, {"path": "s.h5", "size": 700, "shape": None, "sample": 3})
    with pytest.raises(ValidationError, match="holds 1 samples") as err:
        compile_network(net)
    assert err.value.field == "nodes[0].params.sample"


def test_hdf5_without_h5py_says_what_to_install(tmp_path: Path, monkeypatch):
    (tmp_path / "s.h5").write_bytes(b"\x89HDF\r\n\x1a\n")
    monkeypatch.setitem(sys.modules, "h5py", None)
    net = event_network(tmp_path, {"path": "s.h5", "size": 700, "shape": None})
    with pytest.raises(ValidationError, match="install h5py") as err:
        compile_network(net)
    assert err.value.field == "nodes[0].params.path"


def test_npy_structured_tonic_layout(tmp_path: Path):
    write_npy_events_structured(tmp_path / "ev.npy", X, Y, P, T_US)
    net = event_network(tmp_path, {"path": "ev.npy", "time_origin": "zero"})
    assert recorded(net) == expected_pixels()


def test_npy_plain_channel_events(tmp_path: Path):
    events = np.array([[2.5, 4], [1.31, 0], [30.0, 9], [2.5, 4]])  # (t ms, channel)
    np.save(tmp_path / "ev.npy", events)
    params = {"path": "ev.npy", "size": 10, "shape": None, "time_unit": "ms", "time_origin": "zero"}
    expected = sorted(zip(events[:, 1].astype(int).tolist(), stamps(events[:, 0]), strict=True))
    assert recorded(event_network(tmp_path, params)) == expected  # a repeated event spikes twice


def test_csv_pixel_events(tmp_path: Path):
    rows = [[t / 1000.0, x, y, p] for x, y, p, t in zip(X, Y, P, T_US, strict=True)]
    write_csv(tmp_path / "ev.csv", ["t", "x", "y", "p"], rows)
    net = event_network(tmp_path, {"path": "ev.csv", "time_unit": "ms", "time_origin": "zero"})
    assert recorded(net) == expected_pixels()


def test_csv_channel_events_with_merged_polarity_window_and_offset(tmp_path: Path):
    # file times (s) 0.100 ... 0.150; the origin is the first event (100 ms)
    write_csv(tmp_path / "ev.csv", ["channel", "t"], [[3, 0.1], [1, 0.105], [2, 0.12], [0, 0.15]])
    params = {
        "path": "ev.csv",
        "size": 4,
        "shape": None,
        "time_unit": "s",
        "window_start_ms": 5.0,
        "window_stop_ms": 50.0,
        "offset_ms": 10.0,
    }
    # kept: 5 and 20 ms after the origin; t = since - 5 + 10
    assert recorded(event_network(tmp_path, params)) == [(1, 100), (2, 250)]


def test_merged_polarity_shares_a_channel(tmp_path: Path):
    write_nmnist_bin(tmp_path / "m.bin", X, Y, P, T_US)
    params = {
        "path": "m.bin",
        "polarity": "merge",
        "size": 34 * 34,
        "shape": [34, 34],
        "time_origin": "zero",
    }
    assert recorded(event_network(tmp_path, params)) == expected_pixels(p=[0] * len(X))


def test_events_after_the_run_are_dropped(tmp_path: Path):
    write_nmnist_bin(tmp_path / "d.bin", X, Y, P, T_US)
    net = event_network(tmp_path, {"path": "d.bin", "time_origin": "zero"}, duration=10.0)
    assert recorded(net) == [e for e in expected_pixels() if e[1] <= 100]
    assert len(recorded(net)) == 5


def test_first_event_origin_is_stamped_at_the_first_step(tmp_path: Path):
    write_nmnist_bin(tmp_path / "f.bin", X, Y, P, T_US)
    net = event_network(tmp_path, {"path": "f.bin"})
    shifted = np.array(T_US) - T_US[0]
    assert recorded(net) == expected_pixels(t_us=shifted.tolist())
    assert min(stamp for _, stamp in recorded(net)) == 1  # t = 0: at the end of step 0


# -- what goes wrong, said clearly ----------------------------------------------------------------
def field_and_message(net: Network) -> tuple[str, str]:
    with pytest.raises(ValidationError) as err:
        compile_network(net)
    return err.value.field, err.value.message


def test_truncated_nmnist_file(tmp_path: Path):
    (tmp_path / "t.bin").write_bytes(bytes(12))
    field, message = field_and_message(event_network(tmp_path, {"path": "t.bin"}))
    assert field == "nodes[0].params.path" and "not a whole number of 5-byte" in message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"garbage", "not an AEDAT file"),
        (b"#!AER-DAT1.0\r\n", "version 1.0 is not supported"),
        (b"#!AER-DAT3.1\r\n#Format: RAW\r\n", "no '#!END-HEADER'"),
        (b"#!AER-DAT3.1\r\n#!END-HEADER\r\n" + bytes(10), "truncated AEDAT 3.1 packet header"),
        (b"#!AER-DAT2.0\r\n" + bytes(12), "not a whole number of 8-byte"),
    ],
)
def test_malformed_aedat_files(tmp_path: Path, content, words):
    (tmp_path / "bad.aedat").write_bytes(content)
    params = {"path": "bad.aedat", "size": 2 * 128 * 128, "shape": [2, 128, 128]}
    field, message = field_and_message(event_network(tmp_path, params))
    assert field == "nodes[0].params.path" and words in message


def test_channels_must_fit_the_node(tmp_path: Path):
    write_csv(tmp_path / "c.csv", ["t", "channel"], [[1.0, 3], [2.0, 12]])
    params = {"path": "c.csv", "size": 10, "shape": None, "time_unit": "ms"}
    field, message = field_and_message(event_network(tmp_path, params))
    assert field == "nodes[0].params.size" and "channel 12" in message


def test_pixels_must_fit_the_shape(tmp_path: Path):
    write_nmnist_bin(tmp_path / "p.bin", [40], [1], [1], [100])
    field, message = field_and_message(event_network(tmp_path, {"path": "p.bin"}))
    assert field == "nodes[0].params.shape" and "x = 40" in message
    params = {"path": "p.bin", "size": 100 * 100 * 2, "shape": None}
    field, message = field_and_message(event_network(tmp_path, params))
    assert field == "nodes[0].params.shape" and "[2, rows, columns]" in message


def test_unknown_extension_asks_for_the_format(tmp_path: Path):
    (tmp_path / "events.xyz").write_bytes(bytes(10))
    field, message = field_and_message(event_network(tmp_path, {"path": "events.xyz"}))
    assert field == "nodes[0].params.format" and "choose the format" in message
    # an explicit format overrides the extension
    write_nmnist_bin(tmp_path / "events.dat", X, Y, P, T_US)
    net = event_network(
        tmp_path, {"path": "events.dat", "format": "nmnist_bin", "time_origin": "zero"}
    )
    assert recorded(net) == expected_pixels()


def test_malformed_npy_and_csv_event_files(tmp_path: Path):
    np.save(tmp_path / "a.npy", np.zeros((5, 3)))
    field, message = field_and_message(event_network(tmp_path, {"path": "a.npy"}))
    assert field == "nodes[0].params.path" and "N x 4" in message
    (tmp_path / "o.npy").write_bytes(b"not numpy")
    field, message = field_and_message(event_network(tmp_path, {"path": "o.npy"}))
    assert "not a readable .npy file" in message
    write_csv(tmp_path / "n.csv", None, [[1.0, 2.0]])
    field, message = field_and_message(event_network(tmp_path, {"path": "n.csv"}))
    assert field == "nodes[0].params.path" and "needs a header row" in message
    write_csv(tmp_path / "f.csv", ["t", "x", "y", "p"], [[1.0, 2.5, 1.0, 1.0]])
    field, message = field_and_message(event_network(tmp_path, {"path": "f.csv"}))
    assert "x must be whole numbers" in message


def test_a_folder_is_not_an_event_file(tmp_path: Path):
    (tmp_path / "dir.bin").mkdir()
    field, message = field_and_message(event_network(tmp_path, {"path": "dir.bin"}))
    assert field == "nodes[0].params.path" and "is a folder" in message
