"""Encoders against their encoding rules: spike times of regular, latency and phase codes, rates
of table/CSV/image Poisson inputs, and the membrane response to step, ramp and CSV currents
(closed forms of the LIF neuron)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from engine.errors import ValidationError
from engine.io import stimuli
from engine.model.network import Network
from engine.sim import kernels as K
from engine.sim.compiler import compile_network
from engine.sim.simulator import Simulator

try:  # tests/engine as a package, or (pytest's default) as a directory on sys.path
    from .sample_files import write_csv, write_png
except ImportError:
    from sample_files import write_csv, write_png

DT = 0.1


# -- helpers --------------------------------------------------------------------------------------
def encoder_network(type_id, params, *, duration=200.0, dt=DT, base_dir=None, seed=1):
    net = Network()
    net.set_setting("dt_ms", dt)
    net.set_setting("duration_ms", duration)
    net.set_setting("seed", seed)
    net.base_dir = base_dir
    node = net.add_node(type_id, "input", params)
    spikes = net.add_node("recorder.spikes", "spikes")
    net.add_link(node.id, "out", spikes.id, "source")
    return net


def run_spikes(type_id, params, **kwargs) -> list[tuple[int, float]]:
    """(channel, time in ms) of every spike the encoder emits during the run, in time order."""
    return spikes_of(encoder_network(type_id, params, **kwargs))


def spikes_of(net: Network) -> list[tuple[int, float]]:
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(net.settings["duration_ms"]))
    order = np.lexsort((chunk.spike_neurons, chunk.spike_steps))
    return [
        (int(n), round(float(t), 9))
        for n, t in zip(chunk.spike_neurons[order], chunk.spike_times_ms[order], strict=True)
    ]


def on_grid(t_ms: float, dt: float = DT) -> float:
    """The stamp the grid rule gives a requested time: the nearest multiple of dt, >= dt."""
    return round(max(1, round(t_ms / dt)) * dt, 9)


def expected(pairs) -> list[tuple[int, float]]:
    return sorted(((c, on_grid(t)) for c, t in pairs), key=lambda item: (item[1], item[0]))


def lif_with_current(type_id, params, *, size=1, duration=100.0, base_dir=None):
    """A passive LIF population (no spiking: V_th far away) driven by one current encoder."""
    net = Network()
    net.set_setting("dt_ms", DT)
    net.set_setting("duration_ms", duration)
    net.base_dir = base_dir
    lif = net.add_node(
        "population.lif",
        "cell",
        {
            "size": size,
            "tau_m": 10.0,
            "c_m": 250.0,
            "e_l": -70.0,
            "v_init": -70.0,
            "v_th": 100.0,
            "v_reset": -70.0,
        },
    )
    source = net.add_node(type_id, "current", params)
    net.add_link(source.id, "out", lif.id, "current")
    vm = net.add_node("recorder.state", "vm", {"neurons": list(range(size)), "interval_ms": DT})
    net.add_link(lif.id, "out", vm.id, "source")
    sim = Simulator(net)
    trace = sim.advance(sim.steps_for(duration)).traces[vm.id]
    return trace.times_ms, trace.values


R_MOHM = 10.0 / 250.0  # tau_m / C_m in GΩ: mV per pA
TAU = 10.0


def step_response(t, t0):
    """Response of the passive membrane to a unit current switched on at t0 (mV per pA)."""
    s = t - t0
    return np.where(s > 0, R_MOHM * (1.0 - np.exp(-np.maximum(s, 0) / TAU)), 0.0)


def ramp_response(t, t0):
    """Response to a current rising at 1 pA/ms from t0 (mV): R (s - tau (1 - exp(-s/tau)))."""
    s = np.maximum(t - t0, 0.0)
    return R_MOHM * (s - TAU * (1.0 - np.exp(-s / TAU)))


# -- regular trains -------------------------------------------------------------------------------
def test_regular_train_follows_start_phase_period_and_stop():
    spikes = run_spikes(
        "encoder.regular",
        {"size": 2, "rate_hz": 40.0, "phase_ms": 3.0, "start_ms": 10.0, "stop_ms": 100.0},
    )
    # t_k = 10 + 3 + 25 k <= 100
    assert spikes == expected((c, 13.0 + 25.0 * k) for k in range(4) for c in range(2))


def test_regular_train_runs_to_the_end_and_starts_at_the_first_step():
    spikes = run_spikes("encoder.regular", {"rate_hz": 50.0}, duration=100.0)
    # t = 0 cannot be stamped: the first spike comes at dt; the last at the run's end
    assert spikes == expected((0, 20.0 * k) for k in range(6))
    assert spikes[0] == (0, DT) and spikes[-1] == (0, 100.0)


def test_regular_train_jitter_is_normal_and_reproducible():
    params = {"size": 200, "rate_hz": 20.0, "phase_ms": 50.0, "jitter_ms": 2.0}
    net = encoder_network("encoder.regular", params, duration=520.0, dt=0.1)
    spikes = spikes_of(net)
    times = np.array([t for _, t in spikes])
    assert times.size == 200 * 10  # nominal 50, 100, ..., 500 ms; 4 sigma stays inside
    deviation = times - np.round(times / 50.0) * 50.0
    assert abs(deviation.mean()) < 4 * 2.0 / math.sqrt(times.size)
    assert deviation.std() == pytest.approx(2.0, rel=0.1)
    assert spikes_of(net) == spikes  # the node's own random stream: same seed, same spikes
    net.set_setting("seed", 2)
    assert spikes_of(net) != spikes


# -- latency and phase codes ----------------------------------------------------------------------
def test_linear_latency_code_with_threshold_and_repeat():
    params = {
        "size": 4,
        "values": [2.0, 4.0, 6.0, 10.0],  # min-max: x = 0, 0.25, 0.5, 1
        "t_max_ms": 40.0,
        "threshold": 0.1,
        "start_ms": 5.0,
        "repeat_ms": 50.0,
    }
    spikes = run_spikes("encoder.latency", params, duration=130.0)
    # t = 5 + 50 k + 40 (1 - x); x = 0 is below the threshold; 135 ms is after the end
    rule = {1: 30.0, 2: 20.0, 3: 0.0}
    pairs = [(c, 5.0 + 50.0 * k + rule[c]) for k in range(3) for c in rule]
    assert spikes == expected((c, t) for c, t in pairs if t <= 130.0)
    assert len(spikes) == 8


def test_log_latency_code():
    params = {
        "size": 4,
        "values": [0.05, 0.2, 0.5, 1.0],
        "normalise": "none",
        "rule": "log",
        "tau_ms": 10.0,
        "threshold": 0.1,
        "t_max_ms": 8.0,
        "start_ms": 20.0,
    }
    spikes = run_spikes("encoder.latency", params, duration=60.0)
    # t = tau ln(x / (x - theta)): 6.93 ms (x = .2), 2.23 ms (x = .5), 1.05 ms (x = 1);
    # x = 0.05 is below the threshold
    pairs = [(c, 20.0 + 10.0 * math.log(x / (x - 0.1))) for c, x in ((1, 0.2), (2, 0.5), (3, 1.0))]
    assert spikes == expected(pairs)
    params["t_max_ms"] = 5.0  # now the latest one (6.93 ms) is dropped
    assert [c for c, _ in run_spikes("encoder.latency", params, duration=60.0)] == [3, 2]


def test_latency_rejects_inconsistent_params():
    net = Network()
    with pytest.raises(ValidationError, match="values"):
        net.add_node("encoder.latency", "a", {"size": 3, "values": [0.1, 0.2]})
    with pytest.raises(ValidationError, match=r"values\[1\]"):
        net.add_node("encoder.latency", "b", {"size": 2, "values": [0.1, 2.0], "normalise": "none"})
    with pytest.raises(ValidationError, match="threshold"):
        net.add_node("encoder.latency", "c", {"rule": "log", "threshold": 0.0})
    with pytest.raises(ValidationError, match="repeat_ms"):
        net.add_node("encoder.latency", "d", {"t_max_ms": 50.0, "repeat_ms": 20.0})


def test_phase_code_spikes_once_per_cycle_at_the_values_phase():
    params = {
        "size": 3,
        "values": [0.0, 0.5, 1.0],
        "normalise": "none",
        "frequency_hz": 20.0,
        "max_phase_deg": 180.0,
        "start_ms": 10.0,
    }
    spikes = run_spikes("encoder.phase", params, duration=200.0)
    # phases 0, 90, 180 degrees of a 50 ms cycle: offsets 0, 12.5, 25 ms
    pairs = [(c, 10.0 + 50.0 * k + 12.5 * c) for k in range(4) for c in range(3)]
    assert spikes == expected(pairs)
    counts = np.bincount([c for c, _ in spikes])
    assert counts.tolist() == [4, 4, 4]


def test_latency_of_an_image_resized_to_the_shape(tmp_path: Path):
    pixels = np.array([[0, 0, 255, 255], [0, 0, 255, 255], [51, 51, 102, 102], [51, 51, 102, 102]])
    write_png(tmp_path / "digit.png", pixels)
    params = {
        "size": 4,
        "shape": [2, 2],
        "path": "digit.png",
        "normalise": "none",
        "t_max_ms": 50.0,
        "threshold": 0.1,
        "start_ms": 10.0,
    }
    spikes = run_spikes("encoder.latency", params, duration=100.0, base_dir=tmp_path)
    # 2 x 2 block means: 0, 1, 0.2, 0.4 -> t = 10 + 50 (1 - x); x = 0 is below the threshold
    assert spikes == expected([(1, 10.0), (2, 50.0), (3, 40.0)])


# -- Poisson with a rate table --------------------------------------------------------------------
def test_poisson_table_rate_in_each_segment():
    size, dt = 50, 0.5
    table = [[0.0, 100.0], [100.0, 300.0], [200.0, 0.0], [250.0, 40.0]]
    net = encoder_network(
        "encoder.poisson_table", {"size": size, "rate_table": table}, duration=400.0, dt=dt, seed=3
    )
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(400.0))
    times = chunk.spike_times_ms
    # the rate of segment [a, b) acts on steps a/dt ... b/dt - 1, stamped (a, b]
    for (a, rate), (b, _) in zip(table, [*table[1:], [400.0, 0.0]], strict=True):
        count = np.count_nonzero((times > a) & (times <= b))
        mean = size * rate * (b - a) / 1000.0
        assert abs(count - mean) <= 4 * math.sqrt(mean) + 1e-9, (a, b, count, mean)


def test_poisson_table_refuses_more_than_one_spike_per_step():
    net = encoder_network(
        "encoder.poisson_table", {"rate_table": [[0.0, 20.0], [10.0, 1500.0]]}, dt=1.0
    )
    with pytest.raises(ValidationError, match="1500 Hz") as err:
        compile_network(net)
    assert err.value.field == "nodes[0].params.rate_table"
    with pytest.raises(ValidationError, match=r"rate_table\[1\]\[1\]"):
        Network().add_node("encoder.poisson_table", "bad", {"rate_table": [[0, 1], [5, -1.0]]})


# -- images ---------------------------------------------------------------------------------------
def poisson_rates(net: Network) -> np.ndarray:
    compiled = compile_network(net)
    group = compiled.group("input")
    block = slice(group.start, group.start + group.size)
    return compiled.arrays["neurons"].par[K.POISSON_PROB, block] * 1000.0 / compiled.dt_ms


def test_image_rates_follow_area_averaged_intensities(tmp_path: Path):
    pixels = np.array(
        [[0, 51, 102, 153], [204, 255, 0, 0], [255, 255, 51, 51], [255, 255, 51, 51]], np.uint8
    )
    write_png(tmp_path / "img.png", pixels)
    params = {"size": 4, "shape": [2, 2], "path": "img.png", "max_rate_hz": 200.0}
    rates = poisson_rates(encoder_network("encoder.image_rate", params, base_dir=tmp_path))
    # means of the 2 x 2 blocks, by hand: (0+51+204+255)/4 = 127.5, (102+153)/4 = 63.75, 255, 51
    np.testing.assert_allclose(rates, 200.0 * np.array([127.5, 63.75, 255.0, 51.0]) / 255.0)


def test_image_area_resize_with_a_non_integer_factor(tmp_path: Path):
    image = np.array([[0.0, 0.3, 0.6], [0.9, 1.0, 0.0], [0.2, 0.4, 0.8]])
    np.save(tmp_path / "img.npy", image)
    params = {"size": 4, "shape": [1, 2, 2], "path": "img.npy", "max_rate_hz": 100.0}
    rates = poisson_rates(encoder_network("encoder.image_rate", params, base_dir=tmp_path))
    # output cell 0 covers input [0, 1.5): weights 2/3, 1/3; cell 1 covers [1.5, 3): 1/3, 2/3
    w = np.array([[2 / 3, 1 / 3, 0.0], [0.0, 1 / 3, 2 / 3]])
    np.testing.assert_allclose(rates, 100.0 * (w @ image @ w.T).ravel(), atol=1e-12)
    params["resize"] = "nearest"
    rates = poisson_rates(encoder_network("encoder.image_rate", params, base_dir=tmp_path))
    # centres 0.75 and 2.25 fall in input pixels 0 and 2
    np.testing.assert_allclose(rates, 100.0 * image[np.ix_([0, 2], [0, 2])].ravel())


def test_image_rate_min_max_and_colour(tmp_path: Path):
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)
    rgb[0, 1] = (0, 255, 0)
    rgb[1, 0] = (0, 0, 255)
    rgb[1, 1] = (255, 255, 255)
    write_png(tmp_path / "rgb.png", rgb)
    params = {"size": 4, "shape": [2, 2], "path": "rgb.png", "max_rate_hz": 100.0}
    rates = poisson_rates(encoder_network("encoder.image_rate", params, base_dir=tmp_path))
    np.testing.assert_allclose(rates, 100.0 * np.array([0.299, 0.587, 0.114, 1.0]), atol=1e-12)
    params["normalise"] = "min_max"
    rates = poisson_rates(encoder_network("encoder.image_rate", params, base_dir=tmp_path))
    grey = np.array([0.299, 0.587, 0.114, 1.0])
    np.testing.assert_allclose(rates, 100.0 * (grey - 0.114) / (1.0 - 0.114), atol=1e-12)


@pytest.mark.slow
def test_image_rate_spike_counts(tmp_path: Path):
    pixels = np.repeat(np.repeat(np.array([[0, 64], [128, 255]], np.uint8), 10, 0), 10, 1)
    write_png(tmp_path / "img.png", pixels)
    params = {
        "size": 400,
        "shape": [20, 20],
        "path": "img.png",
        "max_rate_hz": 100.0,
        "resize": "nearest",
    }
    net = encoder_network("encoder.image_rate", params, duration=1000.0, base_dir=tmp_path)
    sim = Simulator(net)
    counts = np.bincount(sim.advance(sim.steps_for(1000.0)).spike_neurons, minlength=400)
    counts = counts.reshape(20, 20)
    for (r, c), level in {(0, 0): 0, (0, 1): 64, (1, 0): 128, (1, 1): 255}.items():
        total = counts[10 * r : 10 * r + 10, 10 * c : 10 * c + 10].sum()
        mean = 100 * 100.0 * level / 255.0
        assert abs(total - mean) <= 4 * math.sqrt(mean) + 1e-9


# -- PNG decoding ---------------------------------------------------------------------------------
@pytest.mark.parametrize("filters", [(0,), (1,), (2,), (3,), (4,), (0, 1, 2, 3, 4)])
@pytest.mark.parametrize("samples", [1, 2, 3, 4])
def test_png_decoder_undoes_every_filter(tmp_path: Path, filters, samples):
    rng = np.random.default_rng(samples)
    pixels = rng.integers(0, 256, (7, 5, samples), dtype=np.uint8)
    write_png(tmp_path / "x.png", pixels, filters=filters)
    grey = pixels[..., 0] if samples <= 2 else pixels[..., :3] @ np.array(stimuli.LUMA)
    np.testing.assert_allclose(stimuli.read_png(tmp_path / "x.png"), grey / 255.0, atol=1e-12)


@pytest.mark.parametrize("depth", [1, 2, 4, 16])
def test_png_decoder_reads_other_bit_depths(tmp_path: Path, depth):
    rng = np.random.default_rng(depth)
    pixels = rng.integers(0, 2**depth, (5, 11), dtype=np.uint32)
    write_png(tmp_path / "x.png", pixels, bit_depth=depth)
    got = stimuli.read_png(tmp_path / "x.png")
    np.testing.assert_allclose(got, pixels / (2**depth - 1), atol=1e-12)


def test_png_decoder_reads_palette_images(tmp_path: Path):
    palette = np.array([[0, 0, 0], [255, 255, 255], [255, 0, 0]], np.uint8)
    index = np.array([[0, 1, 2], [2, 1, 0]])
    write_png(tmp_path / "p.png", index, palette=palette)
    got = stimuli.read_png(tmp_path / "p.png")
    np.testing.assert_allclose(got, [[0, 1, 0.299], [0.299, 1, 0]], atol=1e-12)


def test_png_decoder_agrees_with_pillow(tmp_path: Path):
    image_module = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    for mode, shape in (("L", (9, 13)), ("RGB", (9, 13, 3)), ("RGBA", (9, 13, 4))):
        pixels = rng.integers(0, 256, shape, dtype=np.uint8)
        image = image_module.fromarray(pixels, mode)
        image.save(tmp_path / f"{mode}.png", optimize=True)
        expected_grey = pixels / 255.0 if mode == "L" else pixels[..., :3] @ stimuli.LUMA / 255.0
        np.testing.assert_allclose(
            stimuli.read_png(tmp_path / f"{mode}.png"), expected_grey, atol=1e-12
        )


def test_unsupported_or_damaged_png_is_a_clear_error(tmp_path: Path):
    write_png(tmp_path / "i.png", np.zeros((4, 4), np.uint8), interlace=1)
    with pytest.raises(ValidationError, match="interlaced") as err:
        stimuli.read_png(tmp_path / "i.png")
    assert err.value.field == "path"
    good = write_png(tmp_path / "g.png", np.zeros((4, 4), np.uint8)).read_bytes()
    (tmp_path / "cut.png").write_bytes(good[:40])
    with pytest.raises(ValidationError, match="truncated"):
        stimuli.read_png(tmp_path / "cut.png")
    (tmp_path / "text.png").write_text("hello")
    with pytest.raises(ValidationError, match="not a PNG"):
        stimuli.read_png(tmp_path / "text.png")


# -- currents -------------------------------------------------------------------------------------
def test_step_current_membrane_follows_the_closed_form():
    table = [[10.0, 300.0], [30.0, -100.0], [50.0, 0.0]]
    t, v = lif_with_current("encoder.step_current", {"current_table": table})
    # superposition of steps: dI = +300 at 10 ms, -400 at 30 ms, +100 at 50 ms
    expected_v = -70.0 + 300.0 * step_response(t, 10.0) - 400.0 * step_response(t, 30.0)
    expected_v += 100.0 * step_response(t, 50.0)
    np.testing.assert_allclose(v[:, 0], expected_v, rtol=0, atol=1e-9)


@pytest.mark.parametrize("after", ["off", "hold"])
def test_ramp_current_membrane_follows_the_closed_form(after):
    a0, a1, t0, t1 = 100.0, 500.0, 10.0, 60.0
    params = {
        "amplitude_start_pa": a0,
        "amplitude_stop_pa": a1,
        "start_ms": t0,
        "stop_ms": t1,
        "after_stop": after,
    }
    t, v = lif_with_current("encoder.ramp_current", params)
    k = (a1 - a0) / (t1 - t0)
    # I = a0 H(t - t0) + k r(t - t0) - k r(t - t1) [- a1 H(t - t1) when it switches off]
    closed = a0 * step_response(t, t0) + k * ramp_response(t, t0) - k * ramp_response(t, t1)
    if after == "off":
        closed -= a1 * step_response(t, t1)
    # the current of each step is the ramp's value at the step's middle: within a step the
    # true current differs by k (s - dt/2), which moves V by k dt^3 / (12 tau C_m) per step;
    # summed over the membrane's memory (tau / dt steps) that is k dt^2 / (12 C_m) = 2.7e-5 mV
    # (sampling at the step's start would be off by R k dt / 2 = 0.016 mV)
    np.testing.assert_allclose(v[:, 0], -70.0 + closed, rtol=0, atol=k * DT**2 / (12 * 250.0))


def test_ramp_must_end_after_it_starts():
    with pytest.raises(ValidationError, match="stop_ms"):
        Network().add_node("encoder.ramp_current", "r", {"start_ms": 50.0, "stop_ms": 50.0})


def test_csv_current_per_neuron_channels(tmp_path: Path):
    rows = [[0.010, 200.0, 0.0], [0.030, 0.0, -150.0]]  # seconds
    write_csv(tmp_path / "drive.csv", ["time_s", "a", "b"], rows)
    params = {"size": 2, "path": "drive.csv", "time_unit": "s", "scale_pa": 2.0}
    t, v = lif_with_current("encoder.csv_current", params, size=2, base_dir=tmp_path)
    first = -70.0 + 400.0 * (step_response(t, 10.0) - step_response(t, 30.0))
    second = -70.0 - 300.0 * step_response(t, 30.0)
    np.testing.assert_allclose(v[:, 0], first, rtol=0, atol=1e-9)
    np.testing.assert_allclose(v[:, 1], second, rtol=0, atol=1e-9)


def test_csv_current_interpolated(tmp_path: Path):
    write_csv(tmp_path / "ramp.csv", None, [[0.0, 0.0], [50.0, 400.0], [80.0, 400.0]])
    params = {"path": "ramp.csv", "interpolate": True}
    t, v = lif_with_current("encoder.csv_current", params, base_dir=tmp_path)
    k = 8.0  # pA/ms up to 50 ms, then held
    closed = -70.0 + k * (ramp_response(t, 0.0) - ramp_response(t, 50.0))
    # the current of a step is the series at the step's start: off by at most k dt
    np.testing.assert_allclose(v[:, 0], closed, rtol=0, atol=R_MOHM * k * DT + 1e-9)


def test_csv_current_channel_count_must_match(tmp_path: Path):
    write_csv(tmp_path / "two.csv", None, [[0.0, 1.0, 2.0]])
    net = Network()
    net.base_dir = tmp_path
    lif = net.add_node("population.lif", "cell", {"size": 3})
    source = net.add_node("encoder.csv_current", "drive", {"size": 3, "path": "two.csv"})
    net.add_link(source.id, "out", lif.id, "current")
    with pytest.raises(ValidationError, match="2 channel columns") as err:
        compile_network(net)
    assert err.value.field == "nodes[1].params.size"


# -- CSV rates ------------------------------------------------------------------------------------
def test_csv_rates_per_channel_and_segment(tmp_path: Path):
    rows = [[0.0, 50.0, 300.0, 0.0], [200.0, 250.0, 0.0, 100.0]]
    write_csv(tmp_path / "rates.csv", ["t", "a", "b", "c"], rows)
    params = {"size": 3, "path": "rates.csv", "scale_hz": 2.0}
    net = encoder_network("encoder.csv_rate", params, duration=400.0, dt=0.5, base_dir=tmp_path)
    spikes = spikes_of(net)
    channels = np.array([c for c, _ in spikes])
    times = np.array([t for _, t in spikes])
    for segment, (a, b) in enumerate(((0.0, 200.0), (200.0, 400.0))):
        inside = (times > a) & (times <= b)
        for c in range(3):
            count = np.count_nonzero(inside & (channels == c))
            mean = 2.0 * rows[segment][c + 1] * (b - a) / 1000.0
            assert abs(count - mean) <= 4 * math.sqrt(mean) + 1e-9, (segment, c, count, mean)
    assert spikes_of(net) == spikes


def test_csv_rate_interpolation_and_chunking(tmp_path: Path):
    write_csv(tmp_path / "rise.csv", None, [[0.0, 0.0], [100.0, 400.0]])
    params = {"size": 1, "path": "rise.csv", "interpolate": True}
    net = encoder_network("encoder.csv_rate", params, duration=100.0, dt=0.5, base_dir=tmp_path)
    whole = Simulator(net).advance(200)
    sim = Simulator(net)
    parts = [sim.advance(n) for n in (1, 50, 149)]
    np.testing.assert_array_equal(whole.spike_steps, np.concatenate([p.spike_steps for p in parts]))
    # the rate rises linearly: the second half holds about 3 times the first half's spikes
    times = whole.spike_times_ms
    first, second = np.count_nonzero(times <= 50.0), np.count_nonzero(times > 50.0)
    assert first + second == pytest.approx(20.0, abs=4 * math.sqrt(20.0))
    assert second > first


def test_csv_errors_name_the_line(tmp_path: Path):
    (tmp_path / "bad.csv").write_text("t,a\n0,1\n5,oops\n")
    net = encoder_network("encoder.csv_rate", {"path": "bad.csv"}, base_dir=tmp_path)
    with pytest.raises(ValidationError, match=r"line 3, column 2: 'oops' is not a number") as err:
        compile_network(net)
    assert err.value.field == "nodes[0].params.path"
    (tmp_path / "back.csv").write_text("0,1\n5,1\n4,1\n")
    net = encoder_network("encoder.csv_rate", {"path": "back.csv"}, base_dir=tmp_path)
    with pytest.raises(ValidationError, match="increase"):
        compile_network(net)


# -- files: missing, not chosen -------------------------------------------------------------------
FILE_ENCODERS = [
    ("encoder.image_rate", {}),
    ("encoder.latency", {}),
    ("encoder.phase", {}),
    ("encoder.csv_rate", {}),
    ("encoder.events", {}),
]


@pytest.mark.parametrize(("type_id", "params"), FILE_ENCODERS, ids=[t for t, _ in FILE_ENCODERS])
def test_a_missing_file_is_a_clear_error(tmp_path: Path, type_id, params):
    net = encoder_network(type_id, {**params, "path": "nowhere/missing.png"}, base_dir=tmp_path)
    with pytest.raises(ValidationError, match="file not found") as err:
        compile_network(net)
    assert err.value.field == "nodes[0].params.path"
    assert str(tmp_path / "nowhere" / "missing.png") in err.value.message
    if type_id in ("encoder.latency", "encoder.phase"):
        return  # without a file they encode their values
    net = encoder_network(type_id, params, base_dir=tmp_path)
    with pytest.raises(ValidationError, match="no file chosen") as err:
        compile_network(net)
    assert err.value.field == "nodes[0].params.path"


def test_a_missing_csv_current_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ValidationError, match="file not found") as err:
        lif_with_current("encoder.csv_current", {"path": "gone.csv"}, base_dir=tmp_path)
    assert err.value.field == "nodes[1].params.path"


def test_a_vector_file_must_match_the_size(tmp_path: Path):
    np.save(tmp_path / "v.npy", np.array([0.1, 0.5, 0.9]))
    spikes = run_spikes("encoder.phase", {"size": 3, "path": "v.npy"}, base_dir=tmp_path)
    assert {c for c, _ in spikes} == {0, 1, 2}
    net = encoder_network("encoder.phase", {"size": 4, "path": "v.npy"}, base_dir=tmp_path)
    with pytest.raises(ValidationError, match="holds 3 values, but size is 4"):
        compile_network(net)
