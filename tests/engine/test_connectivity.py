"""Connectivity rules: each gives what it promises (exact counts, profiles, hand-computed
convolutions, files read back), reproducibly, and refuses bad input naming the field."""

from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from engine.errors import ValidationError
from engine.model.network import Network
from engine.nodes.projections import CONNECTIVITY_RULES, KERNELS
from engine.sim import connectivity
from engine.sim import kernels as K
from engine.sim.compiler import compile_network
from engine.sim.connectivity import (
    KERNEL_PRESETS,
    RULES,
    connect,
    conv2d_synapses,
    conv_kernel,
    draw_pairs,
    draw_values,
    expected_synapses,
    iter_pairs,
    iter_values,
    kernel_bank,
    load_explicit,
    projection_expected_synapses,
    sample_distinct,
)
from engine.sim.simulator import Simulator

DEFAULTS = Network().catalog.get("projection.synapses").default_params()


def rule_params(**overrides) -> dict:
    return {**DEFAULTS, **overrides}


def assert_sorted_unique(pre: np.ndarray, post: np.ndarray, n_post: int) -> None:
    keys = pre * n_post + post
    assert np.all(np.diff(keys) > 0), "synapses must be sorted by pre then post, without repeats"


def chi_square_ok(counts: np.ndarray) -> bool:
    """Counts of equally likely outcomes pass a chi-square test at about p = 1e-4."""
    expected = counts.sum() / counts.size
    statistic = ((counts - expected) ** 2 / expected).sum()
    df = counts.size - 1
    return statistic < df + 5.5 * math.sqrt(2 * df)


def test_the_declaration_and_the_engine_know_the_same_rules_and_kernels():
    assert CONNECTIVITY_RULES == RULES
    assert KERNELS == (*KERNEL_PRESETS, "file")


# -- fixed in-degree / out-degree ---------------------------------------------------------------
@pytest.mark.parametrize("k", [0, 2, 9, 30, 59, 60])
@pytest.mark.parametrize("rule", ["fixed_indegree", "fixed_outdegree"])
def test_degree_rules_give_exactly_k_distinct_partners(rule, k):
    rng = np.random.default_rng(3)
    n_pre, n_post = (60, 45) if rule == "fixed_indegree" else (45, 60)
    pre, post = draw_pairs(rule, n_pre, n_post, rng, k=k)
    degrees = np.bincount(post if rule == "fixed_indegree" else pre, minlength=45)
    assert np.all(degrees == k)
    assert_sorted_unique(pre, post, n_post)


@pytest.mark.parametrize("k", [3, 20, 49])
@pytest.mark.parametrize("rule", ["fixed_indegree", "fixed_outdegree"])
def test_degree_rules_leave_out_autapses_when_asked(rule, k):
    rng = np.random.default_rng(4)
    pre, post = draw_pairs(rule, 50, 50, rng, k=k, recurrent=True, autapses=False)
    assert not np.any(pre == post)
    assert np.all(np.bincount(post if rule == "fixed_indegree" else pre, minlength=50) == k)
    assert_sorted_unique(pre, post, 50)
    with pytest.raises(ValidationError, match="only 49 are available") as err:
        draw_pairs(rule, 50, 50, rng, k=50, recurrent=True, autapses=False)
    assert err.value.field == "k"
    pre, post = draw_pairs(rule, 50, 50, rng, k=50, recurrent=True, autapses=True)
    assert pre.size == 2500


@pytest.mark.parametrize(
    ("pool", "k", "skip"),
    [
        (9, 3, False),  # k^2 <= pool: rows with a repeated value are drawn again
        (8, 4, False),  # k <= pool / 2: the first k distinct values of a longer draw
        (6, 4, False),  # k > pool / 2: the k smallest of pool random keys
        (10, 2, True),  # the same three, never holding the row's own index
        (7, 3, True),
        (6, 4, True),
    ],
)
def test_distinct_samples_are_uniform_subsets(pool, k, skip):
    """Every k-subset is equally likely (chi-square over all of them), whichever method draws
    it, and a row never holds its own index when told not to."""
    rng = np.random.default_rng(11)
    choices = pool - 1 if skip else pool
    subsets = {s: i for i, s in enumerate(combinations(range(choices), k))}
    n_rows = 300 * len(subsets)
    if skip:
        repeats = n_rows // pool
        rows = np.vstack(
            [sample_distinct(pool, pool, k, rng, skip_own_index=True) for _ in range(repeats)]
        )
        own = np.tile(np.arange(pool), repeats)[:, None]
        assert not np.any(rows == own)
        data = rows - (rows > own)  # renumber the other values 0 .. pool - 2
    else:
        rows = data = sample_distinct(n_rows, pool, k, rng)
    assert np.all(np.diff(rows, axis=1) > 0)
    counts = np.bincount([subsets[tuple(r)] for r in data.tolist()], minlength=len(subsets))
    assert chi_square_ok(counts)


def test_fixed_indegree_spreads_over_pre_neurons_as_a_binomial():
    """Each post neuron picks each pre neuron with probability k / n_pre, independently of
    the others: out-degrees of pre neurons are Binomial(n_post, k / n_pre)."""
    rng = np.random.default_rng(5)
    n_pre, n_post, k = 400, 2000, 20
    pre, _ = draw_pairs("fixed_indegree", n_pre, n_post, rng, k=k)
    out = np.bincount(pre, minlength=n_pre)
    q = k / n_pre
    mean, var = n_post * q, n_post * q * (1 - q)
    assert abs(out.mean() - mean) < 1e-9  # the total is exact
    assert abs(out.var() / var - 1) < 4 * math.sqrt(2 / n_pre)


# -- autapses ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule", "extra"),
    [
        ("all_to_all", {}),
        ("fixed_probability", {"p": 0.5}),
        ("distance", {"p": 1.0, "profile": "box", "radius": 2.0}),
    ],
)
def test_autapses_on_and_off(rule, extra):
    shape = {"pre_shape": [6, 5], "post_shape": [6, 5]} if rule == "distance" else {}
    with_self = draw_pairs(
        rule, 30, 30, np.random.default_rng(1), recurrent=True, autapses=True, **shape, **extra
    )
    without = draw_pairs(
        rule, 30, 30, np.random.default_rng(1), recurrent=True, autapses=False, **shape, **extra
    )
    assert np.sum(with_self[0] == with_self[1]) > 0
    assert not np.any(without[0] == without[1])
    assert without[0].size == with_self[0].size - np.sum(with_self[0] == with_self[1])


# -- distance on a grid ------------------------------------------------------------------------
def grid_positions(rows: int, cols: int, onto: tuple[int, int]) -> np.ndarray:
    """Cell centres of a rows x cols grid scaled onto a grid of shape ``onto``."""
    r, c = np.divmod(np.arange(rows * cols), cols)
    return np.stack([(r + 0.5) * onto[0] / rows - 0.5, (c + 0.5) * onto[1] / cols - 0.5], axis=1)


def pair_distances(pre_pos, post_pos, period=None) -> np.ndarray:
    d = pre_pos[:, None, :] - post_pos[None, :, :]
    if period is not None:
        d = (d + np.array(period) / 2) % np.array(period) - np.array(period) / 2
    return np.sqrt((d**2).sum(axis=2))


def test_gaussian_profile_matches_the_empirical_connection_probability():
    """Binned by distance, the fraction of pairs connected follows p exp(-d^2 / 2 sigma^2)
    within binomial sampling error (periodic, so every neuron sees the same distances)."""
    side, p, sigma = 30, 0.8, 2.5
    pre, post = draw_pairs(
        "distance", side * side, side * side, np.random.default_rng(2), p=p,
        pre_shape=[side, side], post_shape=[side, side], sigma=sigma, periodic=True,
    )  # fmt: skip
    pos = grid_positions(side, side, (side, side))
    d = pair_distances(pos, pos, (side, side))
    connected = np.zeros(d.shape, dtype=bool)
    connected[pre, post] = True
    edges = np.arange(0.0, 4 * sigma, 0.5)
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        in_bin = (d >= low) & (d < high)
        if not in_bin.any():
            continue
        prob = p * np.exp(-(d[in_bin] ** 2) / (2 * sigma**2))
        expected = prob.sum()
        std = math.sqrt((prob * (1 - prob)).sum())
        assert abs(connected[in_bin].sum() - expected) < 4 * std + 1, (low, high)
    far = d > 6 * sigma
    assert not connected[far].any()


def test_box_profile_on_grids_of_different_sizes_is_exact_with_p_one():
    """The pre grid is scaled onto the post grid; with p = 1 the synapses are exactly the
    pairs within the radius, which a brute-force computation gives."""
    radius = 2.5
    pre, post = draw_pairs(
        "distance", 6 * 8, 12 * 16, np.random.default_rng(0), p=1.0,
        pre_shape=[6, 8], post_shape=[12, 16], profile="box", radius=radius,
    )  # fmt: skip
    d = pair_distances(grid_positions(6, 8, (12, 16)), grid_positions(12, 16, (12, 16)))
    want_pre, want_post = np.nonzero(d <= radius)
    np.testing.assert_array_equal(pre, want_pre)
    np.testing.assert_array_equal(post, want_post)


def test_box_profile_keeps_its_probability_inside_the_radius():
    p = 0.3
    pre, post = draw_pairs(
        "distance", 400, 400, np.random.default_rng(8), p=p,
        pre_shape=[20, 20], post_shape=[20, 20], profile="box", radius=3.0,
    )  # fmt: skip
    pos = grid_positions(20, 20, (20, 20))
    inside = pair_distances(pos, pos) <= 3.0
    assert inside[pre, post].all()
    n = inside.sum()
    assert abs(pre.size - p * n) < 4 * math.sqrt(n * p * (1 - p))


def test_periodic_boundaries_wrap_around_the_grid():
    kwargs = {"p": 1.0, "pre_shape": [10, 10], "post_shape": [10, 10], "profile": "box"}
    rng = np.random.default_rng(0)
    pre, post = draw_pairs("distance", 100, 100, rng, radius=1.5, periodic=True, **kwargs)
    corner = set(post[pre == 0].tolist())
    assert corner == {0, 1, 9, 10, 11, 19, 90, 91, 99}
    assert np.all(np.bincount(post, minlength=100) == 9)
    pre, post = draw_pairs("distance", 100, 100, rng, radius=1.5, periodic=False, **kwargs)
    assert set(post[pre == 0].tolist()) == {0, 1, 10, 11}


def test_a_group_without_shape_is_a_line_and_channels_share_positions():
    rng = np.random.default_rng(0)
    pre, post = draw_pairs("distance", 6, 6, rng, p=1.0, profile="box", radius=1.0)
    assert sorted(zip(pre.tolist(), post.tolist(), strict=True)) == sorted(
        (i, j) for i in range(6) for j in range(6) if abs(i - j) <= 1
    )
    # 2 channels of 3 x 3 onto 3 x 3: both channels of a cell reach the same post cells
    pre, post = draw_pairs(
        "distance", 18, 9, rng, p=1.0, pre_shape=[2, 3, 3], post_shape=[3, 3],
        profile="box", radius=0.0,
    )  # fmt: skip
    np.testing.assert_array_equal(post, np.tile(np.arange(9), 2))
    np.testing.assert_array_equal(pre, np.arange(18))


@pytest.mark.slow
def test_distance_rule_scales_to_a_large_sheet():
    side = 300
    rng = np.random.default_rng(0)
    pre, post = draw_pairs(
        "distance", side * side, side * side, rng, p=0.5,
        pre_shape=[side, side], post_shape=[side, side], sigma=3.0, periodic=True,
    )  # fmt: skip
    expected = expected_synapses(
        "distance", side * side, side * side, 0.5,
        pre_shape=[side, side], post_shape=[side, side], sigma=3.0, periodic=True,
    )  # fmt: skip
    assert abs(pre.size - expected) < 5 * math.sqrt(expected)
    assert_sorted_unique(pre, post, side * side)


# -- convolution -------------------------------------------------------------------------------
def reference_conv(pre_grid, kernel, stride, padding):
    """Plain loops over output positions and kernel taps: the definition of the rule."""
    c_in, h, w = pre_grid
    c_out, _, kh, kw = kernel.shape
    h_out = (h + 2 * padding - kh) // stride + 1
    w_out = (w + 2 * padding - kw) // stride + 1
    synapses = []
    for o in range(c_out):
        for y in range(h_out):
            for x in range(w_out):
                for i in range(c_in):
                    for ky in range(kh):
                        for kx in range(kw):
                            iy, ix = y * stride - padding + ky, x * stride - padding + kx
                            value = kernel[o, i, ky, kx]
                            if 0 <= iy < h and 0 <= ix < w and value != 0:
                                pre = i * h * w + iy * w + ix
                                post = o * h_out * w_out + y * w_out + x
                                synapses.append((pre, post, value))
    return sorted(synapses)


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), (1, 1), (2, 0), (3, 2)])
def test_conv2d_synapses_equal_the_hand_computed_convolution(stride, padding):
    kernel = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    kernel[0, 0, 1, 1] = 0.0  # a zero tap makes no synapse
    syn = conv2d_synapses((1, 5, 6), kernel, stride, padding, scale=2.0)
    got = list(zip(syn.pre.tolist(), syn.post.tolist(), (syn.weight / 2.0).tolist(), strict=True))
    assert got == reference_conv((1, 5, 6), kernel, stride, padding)


def test_conv2d_by_hand_stride_two_padding_one():
    """A 4 x 4 image, 3 x 3 kernel, stride 2, padding 1: a 2 x 2 output. Output (0, 0) sees
    input rows/cols -1..1, so only taps (1..2, 1..2) land on pixels 0, 1, 4, 5."""
    kernel = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    syn = conv2d_synapses((1, 4, 4), kernel, 2, 1)
    into_0 = {
        pre: w for pre, post, w in zip(syn.pre, syn.post, syn.weight, strict=True) if post == 0
    }
    assert into_0 == {0: 5.0, 1: 6.0, 4: 8.0, 5: 9.0}
    into_3 = {
        pre: w for pre, post, w in zip(syn.pre, syn.post, syn.weight, strict=True) if post == 3
    }
    # output (1, 1) sees input rows/cols 1..3: all nine taps
    assert into_3 == {5 + 4 * r + c: float(1 + 3 * r + c) for r in range(3) for c in range(3)}


def test_conv2d_multichannel_file_kernel_and_depthwise_presets(tmp_path: Path):
    rng = np.random.default_rng(0)
    full = rng.normal(size=(3, 2, 2, 3))
    full[full < -0.5] = 0.0
    np.save(tmp_path / "k.npy", full)
    params = rule_params(rule="conv2d", kernel="file", path=str(tmp_path / "k.npy"), weight=1.0)
    kernel = conv_kernel(params, 2)
    np.testing.assert_array_equal(kernel, full)
    syn = connect(params, 2 * 4 * 5, 3 * 3 * 3, rng, pre_shape=[2, 4, 5], post_shape=[3, 3, 3])
    got = list(zip(syn.pre.tolist(), syn.post.tolist(), syn.weight.tolist(), strict=True))
    assert got == reference_conv((2, 4, 5), full, 1, 0)
    # a preset bank filters each input channel separately: out channel i * M + m
    edges = conv_kernel(rule_params(kernel="edges"), 2)
    assert edges.shape == (4, 2, 3, 3)
    sobel_x, sobel_y = kernel_bank("sobel_x", 3)[0], kernel_bank("sobel_y", 3)[0]
    for o, (i, bank) in enumerate([(0, sobel_x), (0, sobel_y), (1, sobel_x), (1, sobel_y)]):
        np.testing.assert_array_equal(edges[o, i], bank)
        assert not edges[o, 1 - i].any()
    with pytest.raises(ValidationError, match="takes 2 input channels") as err:
        conv_kernel(params, 1)
    assert err.value.field == "path"


def test_kernel_presets():
    np.testing.assert_array_equal(
        kernel_bank("sobel_x", 3)[0], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    )
    np.testing.assert_array_equal(
        kernel_bank("sobel_y", 3)[0], [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
    )
    np.testing.assert_array_equal(
        kernel_bank("laplacian", 3)[0], [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
    )
    assert kernel_bank("identity", 5)[0].sum() == kernel_bank("identity", 5)[0, 2, 2] == 1
    blur = kernel_bank("gaussian_blur", 5)[0]
    assert blur.sum() == pytest.approx(1.0) and blur[2, 2] == blur.max()
    on, off = kernel_bank("on_off", 7)
    assert on[3, 3] == 1.0 and on.sum() == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_array_equal(off, -on)
    assert (on[0] < 0).all()  # an inhibitory surround
    for name, size in (("sobel_x", 5), ("identity", 4), ("on_center", 1)):
        with pytest.raises(ValidationError) as err:
            kernel_bank(name, size)
        assert err.value.field == "kernel_size"


def conv_network(post_shape, **params):
    net = Network()
    img = net.add_node("population.lif", "image", {"size": 36, "shape": [6, 6]})
    size = math.prod(post_shape)
    out = net.add_node("population.lif", "features", {"size": size, "shape": post_shape})
    projection = net.connect_groups(img.id, out.id, {"rule": "conv2d", **params}, name="conv")
    return net, projection


def test_conv2d_refuses_a_post_shape_that_does_not_match_and_names_the_expected_one():
    net, _ = conv_network([6, 6], kernel="edges", stride=2, padding=1)
    with pytest.raises(ValidationError) as err:
        compile_network(net)
    assert err.value.field.endswith(".params.rule")
    assert "'features' must have shape [2, 3, 3], not [6, 6]" in err.value.message
    net, _ = conv_network([2, 3, 3], kernel="edges", stride=2, padding=1)
    assert compile_network(net).projections[0].n_synapses > 0
    net, projection = conv_network([2, 3, 3], kernel="edges", stride=2, padding=1)
    net.set_param(projection.id, "weight", {"distribution": "uniform", "low": 1.0, "high": 2.0})
    with pytest.raises(ValidationError, match="one number") as err:
        compile_network(net)
    assert err.value.field.endswith(".params.weight")


def test_a_conv_layer_delivers_the_summed_kernel_weights():
    """Spike-time inputs make chosen pixels of a 5 x 5 LIF 'image' fire once, together; at
    the arrival the synaptic current of each output neuron is the kernel-weighted sum of the
    pixels that fired (Laplacian, stride 1: 3 x 3 outputs)."""
    net = Network()
    pattern = np.zeros((5, 5))
    pattern[1:4, 2] = 1.0
    pattern[0, 0] = pattern[4, 4] = 1.0
    times = [[1.0] if on else [] for on in pattern.ravel()]
    stim = net.add_node("encoder.spike_times", "stim", {"size": 25, "spike_times_ms": times})
    image = net.add_node("population.lif", "image", {"size": 25, "shape": [5, 5]})
    features = net.add_node("population.lif", "features", {"size": 9, "shape": [3, 3]})
    net.connect_groups(stim.id, image.id, {"rule": "one_to_one", "weight": 5000.0})
    net.connect_groups(
        image.id, features.id,
        {"rule": "conv2d", "kernel": "laplacian", "weight": 3.0, "tau_syn": 1000.0},
    )  # fmt: skip
    rec = net.add_node("recorder.state", "i", {"variable": "i_syn", "neurons": list(range(9))})
    net.add_link(features.id, "out", rec.id, "source")
    trace = Simulator(net).advance(60).traces[rec.id].values
    arrived = trace[np.flatnonzero(np.abs(trace).sum(axis=1) > 0)[0]]
    laplacian = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    want = [
        3.0 * (pattern[y : y + 3, x : x + 3] * laplacian).sum() for y in range(3) for x in range(3)
    ]
    np.testing.assert_allclose(arrived, want, rtol=1e-12, atol=1e-12)
    assert np.any(arrived != 0)


# -- explicit synapses from files --------------------------------------------------------------
def explicit_network(tmp_path: Path, name: str, layout: str, n_pre=4, n_post=3, **params):
    net = Network()
    net.base_dir = tmp_path
    a = net.add_node("population.lif", "a", {"size": n_pre})
    b = net.add_node("population.lif", "b", {"size": n_post})
    projection = net.connect_groups(
        a.id, b.id, {"rule": "explicit", "layout": layout, "path": name, **params}
    )
    return net, projection


def static_synapses(net: Network):
    """(pre, post, weight, delay_steps) of a network's only static projection."""
    compiled = compile_network(net)
    static = compiled.arrays["static"]
    pre_start = compiled.group(net.nodes[0].id).start
    src = np.repeat(np.arange(static.ptr.size - 1), np.diff(static.ptr))
    return src - pre_start, static.target, static.weight, static.delay


MATRIX = np.array([[0.0, 5.0, 0.0], [-2.5, 0.0, 1.0], [0.0, 0.0, 0.0], [7.0, 8.0, 9.0]])


def test_matrix_and_list_files_give_the_same_synapses(tmp_path: Path):
    pre, post = np.nonzero(MATRIX)
    rows = np.column_stack([pre, post, MATRIX[pre, post]])
    shuffled = rows[np.random.default_rng(0).permutation(len(rows))]
    np.save(tmp_path / "m.npy", MATRIX)
    np.savetxt(tmp_path / "m.csv", MATRIX, delimiter=",")
    np.save(tmp_path / "l.npy", shuffled)
    (tmp_path / "l.csv").write_text(
        "pre,post,weight\n"
        + "\n".join(f"{int(r[0])}, {int(r[1])}, {float(r[2])!r}  # synapse" for r in shuffled)
        + "\n",
        encoding="utf-8",
    )
    results = []
    for name, layout in (("m.npy", "matrix"), ("m.csv", "matrix"), ("l.npy", "list"),
                         ("l.csv", "list")):  # fmt: skip
        net, _ = explicit_network(tmp_path, name, layout, delay_ms=2.0)
        results.append(static_synapses(net))
    for got in results:
        np.testing.assert_array_equal(got[0], pre)
        np.testing.assert_array_equal(got[1], post)
        np.testing.assert_array_equal(got[2], MATRIX[pre, post])
        np.testing.assert_array_equal(got[3], 20)  # 2 ms at dt = 0.1 ms


def test_a_list_may_give_each_synapse_its_delay(tmp_path: Path):
    np.save(tmp_path / "d.npy", np.array([[3, 0, 1.0, 0.5], [0, 2, 2.0, 1.3], [0, 1, 3.0, 4.0]]))
    syn = load_explicit(tmp_path / "d.npy", "list", 4, 3)
    np.testing.assert_array_equal(syn.pre, [0, 0, 3])
    np.testing.assert_array_equal(syn.post, [1, 2, 0])
    np.testing.assert_array_equal(syn.weight, [3.0, 2.0, 1.0])
    np.testing.assert_array_equal(syn.delay_ms, [4.0, 1.3, 0.5])
    net, _ = explicit_network(tmp_path, "d.npy", "list")
    np.testing.assert_array_equal(static_synapses(net)[3], [40, 13, 5])


@pytest.mark.parametrize(
    ("name", "content", "layout", "message"),
    [
        ("missing.npy", None, "list", "no such file"),
        ("syn.txt", "0,1,1.0\n", "list", "must be a .npy or .csv file"),
        ("bad.csv", "0,1,1.0\n2,x,1.0\n", "list", "cannot read 'bad.csv'"),
        ("ragged.csv", "0,1,1.0\n2,1\n", "list", "data row 2 has 2 values"),
        ("cols.npy", np.ones((2, 5)), "list", "3 or 4 columns"),
        ("range.npy", np.array([[0, 1, 1.0], [4, 0, 1.0]]), "list", "row 2: pre index 4"),
        ("post.npy", np.array([[0, 3, 1.0]]), "list", "row 1: post index 3"),
        ("frac.npy", np.array([[0.5, 1, 1.0]]), "list", "pre index 0.5"),
        ("nan.npy", np.array([[0, 1, np.nan]]), "list", "NaN or infinite"),
        ("delay.npy", np.array([[0, 1, 1.0, 50.0]]), "list", "delay 50 ms is not in"),
        ("shape.npy", np.ones((3, 4)), "matrix", "needs 4 x 3 \\(pre x post\\)"),
        ("obj.npy", np.array([{"a": 1}], dtype=object), "list", "cannot read 'obj.npy'"),
        ("text.npy", "not numpy", "list", "cannot read 'text.npy'"),
    ],
)
def test_a_bad_file_is_refused_naming_the_path(tmp_path: Path, name, content, layout, message):
    target = tmp_path / name
    if isinstance(content, str):
        target.write_text(content, encoding="utf-8")
    elif content is not None:
        np.save(target, content, allow_pickle=True)
    net, _ = explicit_network(tmp_path, name, layout)
    with pytest.raises(ValidationError, match=message) as err:
        compile_network(net)
    assert err.value.field == "nodes[2].params.path"


def test_explicit_needs_a_path_and_a_plastic_projection_one_delay(tmp_path: Path):
    net = Network()
    a = net.add_node("population.lif", "a", {"size": 4})
    b = net.add_node("population.lif", "b", {"size": 3})
    projection = net.connect_groups(a.id, b.id, {"rule": "explicit"})
    with pytest.raises(ValidationError, match="needs a .npy or .csv file") as err:
        compile_network(net)
    assert err.value.field == "nodes[2].params.path"
    np.save(tmp_path / "d.npy", np.array([[0, 1, 1.0, 1.0], [1, 1, 1.0, 2.0]]))
    net.set_param(projection.id, "path", str(tmp_path / "d.npy"))
    rule = net.add_node("plasticity.stdp_pair", "stdp")
    net.add_link(rule.id, "out", projection.id, "plasticity")
    with pytest.raises(ValidationError, match="one delay value") as err:
        compile_network(net)
    assert err.value.field == "nodes[2].params.path"


# -- reproducibility and expected counts ---------------------------------------------------------
RANDOM_RULES = [
    {"rule": "fixed_probability", "p": 0.2},
    {"rule": "fixed_indegree", "k": 7},
    {"rule": "fixed_outdegree", "k": 7},
    {"rule": "distance", "p": 0.6, "sigma": 1.5},
    {"rule": "distance", "p": 0.6, "profile": "box", "radius": 2.0, "periodic": True},
]


def shaped_pair(params: dict) -> tuple[Network, str]:
    net = Network()
    a = net.add_node("population.lif", "a", {"size": 60, "shape": [6, 10]})
    b = net.add_node("population.lif", "b", {"size": 48, "shape": [6, 8]})
    return net, net.connect_groups(a.id, b.id, params).id


@pytest.mark.parametrize("params", RANDOM_RULES, ids=lambda p: p["rule"])
@pytest.mark.parametrize("own_seed", [False, True])
def test_same_seed_same_synapses_other_seed_other_synapses(params, own_seed):
    net, projection = shaped_pair(params)
    if own_seed:
        net.set_param(projection, "seed", 12345)
    first = static_synapses(net)
    again = static_synapses(net.copy())
    for x, y in zip(first, again, strict=True):
        np.testing.assert_array_equal(x, y)
    if own_seed:
        net.set_param(projection, "seed", 12346)
    else:
        net.set_setting("seed", 2)
    other = static_synapses(net)
    assert first[0].size != other[0].size or not (
        np.array_equal(first[0], other[0]) and np.array_equal(first[1], other[1])
    )


EXPECTATION_CASES = [
    ("all_to_all", {}, 30, 30, None, None, True),
    ("one_to_one", {}, 30, 30, None, None, True),
    ("fixed_probability", {"p": 0.3}, 50, 50, None, None, True),
    ("fixed_indegree", {"k": 9}, 50, 40, None, None, False),
    ("fixed_outdegree", {"k": 9}, 50, 50, None, None, True),
    ("distance", {"p": 0.9, "sigma": 2.0}, 400, 225, [20, 20], [15, 15], False),
    ("distance", {"p": 0.9, "sigma": 3.0, "periodic": True}, 400, 400, [20, 20], [20, 20], True),
    (
        "distance",
        {"p": 0.7, "profile": "box", "radius": 3.0},
        300,
        100,
        [3, 10, 10],
        [10, 10],
        False,
    ),  # fmt: skip
    ("distance", {"p": 0.5, "profile": "box", "radius": 2.0}, 500, 500, None, None, True),
    (
        "conv2d",
        {"kernel": "on_off", "kernel_size": 5, "padding": 2},
        2 * 64,
        4 * 64,
        [2, 8, 8],
        [4, 8, 8],
        False,
    ),  # fmt: skip
    ("conv2d", {"kernel": "sobel_y", "stride": 2}, 81, 16, [9, 9], [4, 4], False),
]


@pytest.mark.parametrize(
    ("rule", "params", "n_pre", "n_post", "pre_shape", "post_shape", "recurrent"),
    EXPECTATION_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(EXPECTATION_CASES)],
)
def test_expected_synapses_match_the_realized_count(
    rule, params, n_pre, n_post, pre_shape, post_shape, recurrent
):
    full = rule_params(rule=rule, autapses=False, **params)
    shapes = {"pre_shape": pre_shape, "post_shape": post_shape}
    expected = projection_expected_synapses(full, n_pre, n_post, recurrent=recurrent, **shapes)
    syn = connect(full, n_pre, n_post, np.random.default_rng(9), recurrent=recurrent, **shapes)
    if rule in ("fixed_probability", "distance"):
        assert abs(syn.pre.size - expected) < 4 * math.sqrt(expected)
    else:
        assert syn.pre.size == expected
    assert_sorted_unique(syn.pre, syn.post, n_post)


def test_expected_synapses_of_explicit_files(tmp_path: Path):
    np.save(tmp_path / "m.npy", MATRIX)
    np.save(tmp_path / "l.npy", np.ones((17, 3)))
    (tmp_path / "l.csv").write_text("pre,post,weight\n0,0,1\n# note\n1,2,3\n", encoding="utf-8")
    for name, layout, count in (("m.npy", "matrix", 6), ("l.npy", "list", 17),
                                ("l.csv", "list", 2), ("gone.npy", "list", 0)):  # fmt: skip
        params = rule_params(rule="explicit", layout=layout, path=name)
        assert projection_expected_synapses(params, 4, 3, resolve_path=tmp_path.joinpath) == count


def test_a_too_large_degree_is_refused_naming_k():
    net = Network()
    a = net.add_node("population.lif", "a", {"size": 5})
    b = net.add_node("population.lif", "b", {"size": 8})
    net.connect_groups(a.id, b.id, {"rule": "fixed_indegree", "k": 6})
    with pytest.raises(ValidationError, match="6 distinct pre neurons") as err:
        compile_network(net)
    assert err.value.field == "nodes[2].params.k"


def test_the_builder_draws_weights_and_delays_after_the_pairs():
    """The projection's stream gives the pairs first, then the weights, then the delays, as
    in version 1, so projects saved before the new rules rebuild the same network."""
    weight = {"distribution": "uniform", "low": 1.0, "high": 2.0}
    delay = {"distribution": "uniform", "low": 0.5, "high": 3.0}
    net = Network()
    a = net.add_node("population.lif", "a", {"size": 30})
    b = net.add_node("population.lif", "b", {"size": 20})
    net.connect_groups(a.id, b.id, {"p": 0.3, "seed": 7, "weight": weight, "delay_ms": delay})
    pre, post, weights, delays = static_synapses(net)
    rng = np.random.default_rng(7)  # a projection's own seed does not involve its id
    want_pre, want_post = draw_pairs("fixed_probability", 30, 20, rng, p=0.3)
    np.testing.assert_array_equal(pre, want_pre)
    np.testing.assert_array_equal(post, want_post)
    # static weights are stored in float32 (docs/engine.md, "Precision")
    np.testing.assert_array_equal(weights, draw_values(weight, pre.size, rng).astype(np.float32))
    want_delays = np.maximum(1, np.rint(draw_values(delay, pre.size, rng) / 0.1))
    np.testing.assert_array_equal(delays, want_delays)


@pytest.mark.slow
def test_fixed_indegree_scales_to_a_hundred_thousand_neurons():
    n, k = 100_000, 50
    pre, post = draw_pairs(
        "fixed_indegree", n, n, np.random.default_rng(0), k=k, recurrent=True, autapses=False
    )
    assert pre.size == n * k
    assert np.all(np.bincount(post, minlength=n) == k)
    assert not np.any(pre == post)
    assert np.all(np.diff(pre * n + post) > 0)


def test_a_projection_seed_gives_the_same_synapses_whatever_the_node_id():
    def build(projection_id):
        net = Network()
        a = net.add_node("population.lif", "a", {"size": 40})
        b = net.add_node("population.lif", "b", {"size": 30})
        net.add_node("projection.synapses", "ab", {"p": 0.2, "seed": 11}, node_id=projection_id)
        net.add_link(a.id, "out", projection_id, "pre")
        net.add_link(projection_id, "post", b.id, "synapses")
        return static_synapses(net)

    first, second = build("one"), build("another")
    for x, y in zip(first, second, strict=True):
        np.testing.assert_array_equal(x, y)


# -- drawing in blocks ----------------------------------------------------------------------------
# A build draws each projection block by block, twice (to count each row's synapses, then to
# place them): the network must be the one a single draw gives, whatever the block size.
BLOCK_SIZES = [1, 7, 1000, 10**9]


@pytest.mark.parametrize(
    "draw",
    [
        lambda rng, n: rng.geometric(0.01, size=n),  # inversion
        lambda rng, n: rng.geometric(0.5, size=n),  # search
        lambda rng, n: rng.random(n),
        lambda rng, n: rng.integers(0, 1000, size=n, dtype=np.int64),
        lambda rng, n: rng.uniform(-1.0, 2.0, size=n),
        lambda rng, n: rng.normal(1.0, 3.0, size=n),
    ],
    ids=["geometric_small_p", "geometric_large_p", "random", "integers", "uniform", "normal"],
)
def test_numpy_draws_in_consecutive_blocks_reproduce_one_draw(draw):
    """What drawing in blocks rests on: each kind of variate the rules use is drawn one after
    another from the bit stream, so blocks give the same numbers and leave the same state."""
    whole_rng, blocks_rng = np.random.default_rng(8), np.random.default_rng(8)
    whole = draw(whole_rng, 10_000)
    sizes = [1, 7, 993, 4000, 4999]
    blocks = np.concatenate([draw(blocks_rng, size) for size in sizes])
    np.testing.assert_array_equal(blocks, whole)
    np.testing.assert_array_equal(blocks_rng.random(5), whole_rng.random(5))


PAIR_CASES = [
    ("fixed_probability", 300, 200, {"p": 0.1}),
    ("fixed_probability", 300, 300, {"p": 0.05, "recurrent": True, "autapses": False}),
    ("fixed_probability", 50, 40, {"p": 0.6}),
    ("fixed_probability", 50, 40, {"p": 1.0}),
    ("fixed_indegree", 300, 200, {"k": 5}),  # k^2 <= choices: rejection
    ("fixed_indegree", 200, 200, {"k": 150, "recurrent": True, "autapses": False}),  # keys
    ("fixed_indegree", 300, 200, {"k": 40}),  # first k distinct draws
    ("fixed_indegree", 30, 20, {"k": 30}),  # all of them
    ("fixed_outdegree", 200, 300, {"k": 30, "recurrent": True, "autapses": False}),
    ("fixed_outdegree", 300, 300, {"k": 7}),
    ("all_to_all", 40, 40, {"recurrent": True, "autapses": False}),
    ("one_to_one", 64, 64, {}),
    ("distance", 64, 64, {"p": 0.8, "pre_shape": [8, 8], "post_shape": [8, 8], "sigma": 1.5}),
    ("distance", 64, 128, {"p": 0.9, "pre_shape": [8, 8], "post_shape": [2, 8, 8],
                           "profile": "box", "radius": 2.0, "periodic": True}),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "n_pre", "n_post", "options"), PAIR_CASES)
def test_pairs_do_not_depend_on_the_block_size(rule, n_pre, n_post, options):
    """Any block size gives the same pairs in the same order as one block, leaves the stream
    where one whole draw leaves it (the weights and delays come next), and gives, in pre-major
    order, what draw_pairs gives; a pre neuron's synapses always come in ascending post order
    (what filling CSR rows needs)."""
    results = []
    for block in BLOCK_SIZES:
        rng = np.random.default_rng(21)
        blocks = list(iter_pairs(rule, n_pre, n_post, rng, block=block, **options))
        assert all(pre.size <= max(block, options.get("k", 0), n_post) for pre, _ in blocks)
        pre = np.concatenate([b[0] for b in blocks])
        post = np.concatenate([b[1] for b in blocks])
        results.append((pre, post, rng.bit_generator.state))
    for pre, post, state in results[1:]:
        np.testing.assert_array_equal(pre, results[0][0])
        np.testing.assert_array_equal(post, results[0][1])
        assert state == results[0][2]
    rng = np.random.default_rng(21)
    want_pre, want_post = draw_pairs(rule, n_pre, n_post, rng, **options)
    assert rng.bit_generator.state == results[0][2]
    order = np.lexsort((post, pre))
    np.testing.assert_array_equal(pre[order], want_pre)
    np.testing.assert_array_equal(post[order], want_post)
    # stable by pre: each pre neuron's posts in the order they came
    by_pre = np.argsort(pre, kind="stable")
    assert_sorted_unique(pre[by_pre], post[by_pre], n_post)


@pytest.mark.parametrize(
    "spec",
    [2.5, {"distribution": "uniform", "low": 1.0, "high": 2.0},
     {"distribution": "normal", "mean": 1.0, "std": 2.0, "low": 0.0, "high": 3.0}],
    ids=["constant", "uniform", "normal"],
)  # fmt: skip
def test_values_in_blocks_are_those_of_one_draw(spec):
    want_rng = np.random.default_rng(4)
    want = draw_values(spec, 5000, want_rng)
    for block in BLOCK_SIZES:
        rng = np.random.default_rng(4)
        got = np.concatenate(list(iter_values(spec, 5000, rng, block=block)))
        np.testing.assert_array_equal(got, want)
        assert rng.bit_generator.state == want_rng.bit_generator.state


def blocks_network(tmp_path: Path, stp: bool) -> Network:
    """Static projections of every kind the compiler places: each pair rule with drawn weights
    and delays, a file, a convolution, a weight recorder and, if ``stp``, short-term plasticity
    (which keeps the synapses in one partition)."""
    uniform = lambda low, high: {"distribution": "uniform", "low": low, "high": high}  # noqa: E731
    normal = {"distribution": "normal", "mean": 2.0, "std": 1.0, "low": 0.1, "high": 5.0}
    net = Network()
    net.base_dir = tmp_path
    net.set_setting("max_delay_ms", 10.0)
    a = net.add_node("population.lif", "a", {"size": 120})
    b = net.add_node("population.lif", "b", {"size": 90})
    c = net.add_node("population.lif", "c", {"size": 64, "shape": [8, 8]})
    d = net.add_node("population.lif", "d", {"size": 128, "shape": [2, 8, 8]})
    projections = [
        (a, b, {"p": 0.2, "weight": uniform(1, 3), "delay_ms": uniform(0.5, 5.0)}),
        (a, a, {"p": 0.1, "weight": normal, "delay_ms": normal, "tau_syn": 3.0}),
        (b, a, {"rule": "fixed_indegree", "k": 12, "weight": uniform(-2, -1)}),
        (b, b, {"rule": "fixed_indegree", "k": 60, "delay_ms": uniform(0.1, 2.0)}),
        (a, b, {"rule": "fixed_outdegree", "k": 20, "weight": normal}),
        (b, b, {"rule": "all_to_all", "weight": uniform(0, 1), "autapses": False}),
        (c, c, {"rule": "one_to_one", "weight": uniform(0, 1)}),
        (c, d, {"rule": "distance", "p": 0.7, "profile": "box", "radius": 2.0,
                "periodic": True, "weight": normal}),
        (c, d, {"rule": "conv2d", "kernel": "edges", "padding": 1, "delay_ms": uniform(1, 2)}),
        (b, c, {"p": 0.3, "weight": uniform(1, 2), "stp": "tsodyks_markram" if stp else "none"}),
        (a, c, {"rule": "explicit", "path": "list.npy"}),
    ]  # fmt: skip
    np.save(
        tmp_path / "list.npy", np.array([[5, 3, 1.5, 2.0], [0, 1, -1.0, 0.3], [5, 3, 2.5, 1.0]])
    )
    for seed, (pre, post, params) in enumerate(projections):
        net.connect_groups(pre.id, post.id, {"seed": seed, **params})
    recorder = net.add_node("recorder.weights", "w", {"max_synapses": 25})
    net.add_link(net.node_by_name("a → b").id, "post", recorder.id, "source")
    return net


def reference_static(net: Network, threads: int) -> tuple[np.ndarray, ...]:
    """(ptr, target, weight, delay, stp_slot) the plain way: every projection drawn at once
    (connect, then draw_values), then sorted stably into rows by (partition, pre)."""
    compiled = compile_network(net, threads=threads)  # for the layout: groups and channels
    n = compiled.n_neurons
    channels = compiled.arrays["channels"]
    parts = 1 if compiled.arrays["stp"].u.size else threads
    rows, tgt, wgt, dly, slots = [], [], [], [], []
    keys_seen = {}
    stp_slots = 0
    for node in net.nodes:
        if net.node_type(node).category != "projection":
            continue
        pre_id = net.links_into(node.id, "pre")[0].source
        post_id = net.links_from(node.id, "post")[0].target
        pre, post = compiled.group(pre_id), compiled.group(post_id)
        rng = np.random.default_rng(node.params["seed"])
        synapses = connect(node.params, pre.size, post.size, rng,
                           pre_shape=net.node(pre_id).params.get("shape"),
                           post_shape=net.node(post_id).params.get("shape"),
                           recurrent=pre_id == post_id,
                           resolve_path=net.resolve_path)  # fmt: skip
        count = synapses.pre.size
        w = synapses.weight if synapses.weight is not None else draw_values(
            node.params["weight"], count, rng)  # fmt: skip
        d = synapses.delay_ms if synapses.delay_ms is not None else draw_values(
            node.params["delay_ms"], count, rng)  # fmt: skip
        keys = keys_seen.setdefault(post_id, [])
        key = node.params["tau_syn"]
        if key not in keys:
            keys.append(key)
        group = [g.node_id for g in compiled.groups].index(post_id)
        block = channels.grp_ptr[group] + keys.index(key)
        # partition p: synapses onto share p of the target group, as its thread updates it
        part = ((synapses.post + 1) * parts - 1) // post.size
        rows.append(part * n + pre.start + synapses.pre)
        tgt.append(channels.block_start[block] + synapses.post)
        wgt.append(w.astype(np.float32))
        dly.append(np.maximum(1, np.rint(d / net.settings["dt_ms"])).astype(np.uint16))
        if node.params["stp"] == "none":
            slots.append(np.full(count, -1))
        else:
            slots.append(stp_slots + synapses.pre)
            stp_slots += pre.size
    rows, tgt = np.concatenate(rows), np.concatenate(tgt)
    order = np.argsort(rows, kind="stable")
    ptr = np.zeros(parts * n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=parts * n), out=ptr[1:])
    slot = np.concatenate(slots)[order] if stp_slots else np.zeros(0, np.int64)
    return ptr, tgt[order], np.concatenate(wgt)[order], np.concatenate(dly)[order], slot


@pytest.mark.parametrize(("threads", "stp"), [(1, True), (1, False), (3, False)])
def test_the_build_places_the_synapses_of_one_draw_whatever_the_block_size(
    tmp_path: Path, monkeypatch, threads, stp
):
    """A small block makes every projection go through many blocks: the compiled synapses,
    their counts and the recorded weights are those of the default block, and those of every
    projection drawn at once (with its weights and delays) and sorted into rows."""
    net = blocks_network(tmp_path, stp)
    compiled = {}
    for block in (3, 64, connectivity.SYNAPSE_BLOCK):
        monkeypatch.setattr(connectivity, "SYNAPSE_BLOCK", block)
        compiled[block] = compile_network(net, threads=threads)
    want = reference_static(net, threads)
    for result in compiled.values():
        static = result.arrays["static"]
        got = (static.ptr, static.target, static.weight, static.delay, static.stp_slot)
        for x, y in zip(got, want, strict=True):
            np.testing.assert_array_equal(x, y)
        dtypes = (static.target.dtype, static.weight.dtype, static.delay.dtype)
        assert dtypes == (K.STATIC_TARGET_DTYPE, K.STATIC_WEIGHT_DTYPE, K.STATIC_DELAY_DTYPE)
        counts = [p.n_synapses for p in result.projections]
        assert counts == [p.n_synapses for p in compiled[3].projections]
        assert sum(counts) == static.target.size
        (trace,) = result.weight_traces
        assert trace.width == 25
        first = compiled[3].weight_traces[0].static_weights
        np.testing.assert_array_equal(trace.static_weights, first)
    # the recorder shows the first weights of a -> b, as drawn
    rng = np.random.default_rng(0)
    pre, _ = draw_pairs("fixed_probability", 120, 90, rng, p=0.2)
    weights = draw_values({"distribution": "uniform", "low": 1, "high": 3}, pre.size, rng)
    np.testing.assert_array_equal(first, weights[:25].astype(np.float32))
