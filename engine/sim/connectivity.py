"""Drawing synapses, weights and delays from a projection's rule, reproducibly.

Every rule returns its synapses sorted by presynaptic then postsynaptic index (the static CSR
builder and the plastic row/column tables rely on the presynaptic order). All randomness comes
from the generator passed in, which the builder seeds per projection, so the same seed gives the
same synapses.

Blocks. A large projection is never held whole while it is built: :func:`iter_pairs` and
:func:`iter_values` give its synapses, weights and delays in blocks of about
:data:`SYNAPSE_BLOCK`, drawn as they are asked for. numpy's generators draw the variates of one
kind (geometric, uniform, normal, doubles, 64-bit integers) one after another from the bit
stream, without carrying anything from one call to the next, so consecutive blocks reproduce one
big draw: the synapses, and whatever the generator draws next, do not depend on the block size
(``tests/engine/test_connectivity.py`` checks both). Where a rule's draw itself goes in blocks
(rejection sampling per block of rows in :func:`sample_distinct`), those blocks are fixed
(``_BLOCK``) and are part of what a seed draws.

Geometry. A group's ``shape`` is ``[rows, cols]`` or ``[channels, rows, cols]``; a group without
one is a line of neurons, one row of ``size`` columns. Neuron ``i`` sits at
``(channel, row, col) = unravel_index(i, (C, H, W))`` (row-major, channel slowest), so a
neuron's index is ``channel * H * W + row * W + col``.

Distance rule. Positions are measured in cells of the post grid. A pre grid of another size is
scaled onto the post grid so that both maps cover the same area, cell centres aligned:
``x' = (x + 0.5) * W_post / W_pre - 0.5`` (rows alike); channels share their map's positions.
``gaussian``: ``p(d) = p_max exp(-d^2 / (2 sigma^2))``, cut off beyond
:data:`GAUSSIAN_CUTOFF_SIGMAS` sigma along either axis, where it is below 1e-6 of its peak;
``box``: ``p(d) = p_max`` for ``d <= radius``, else 0. With periodic boundaries distances wrap
around the post grid (a torus), per axis.

Convolution rule (``conv2d``). Cross-correlation as in PyTorch's ``conv2d`` (the kernel is not
flipped), zero padding: output neuron ``(o, y, x)`` receives from input ``(i, y*stride - padding
+ ky, x*stride - padding + kx)`` with weight ``scale * K[o, i, ky, kx]``. A kernel entry of 0 makes
no synapse; taps that land in the padding make none either. Output size per axis:
``(H + 2 padding - k) // stride + 1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import ValidationError
from engine.nodes.projections import CONNECTIVITY_RULES, KERNELS

#: Every rule, as the projection types declare them; ``conv2d`` and ``explicit`` also give
#: each synapse its weight, the others only draw (pre, post) pairs.
RULES = CONNECTIVITY_RULES
PAIR_RULES = tuple(rule for rule in RULES if rule not in ("conv2d", "explicit"))
#: Named kernels of the ``conv2d`` rule (see :func:`kernel_bank`); the declaration adds "file".
KERNEL_PRESETS = tuple(kernel for kernel in KERNELS if kernel != "file")
#: Half-width, in sigmas, of the window a Gaussian distance profile is drawn in:
#: exp(-c^2 / 2) = 1e-6 of the peak.
GAUSSIAN_CUTOFF_SIGMAS = math.sqrt(2.0 * math.log(1e6))
#: Random numbers (or candidate synapses) handled per block, to bound temporary memory. The
#: rows of :func:`sample_distinct` are drawn in blocks of this many values, so it is part of
#: what a seed draws: changing it changes the networks of the degree rules.
_BLOCK = 1 << 22
#: Synapses (or weights, or delays) :func:`iter_pairs` and :func:`iter_values` give at a time,
#: by default. Only memory and speed depend on it, never the synapses drawn.
SYNAPSE_BLOCK = 1 << 20

Grid = tuple[int, int, int]


@dataclass(frozen=True)
class Synapses:
    """Synapses of one projection, sorted by ``pre`` then ``post``.

    ``weight`` (pA) and ``delay_ms`` are set when the rule gives them per synapse (``conv2d``
    weights, ``explicit`` weights and optional delays); ``None`` means they come from the
    projection's ``weight`` / ``delay_ms`` parameters.
    """

    pre: np.ndarray
    post: np.ndarray
    weight: np.ndarray | None = None
    delay_ms: np.ndarray | None = None


def grid(shape: Any, size: int) -> Grid:
    """``(channels, rows, cols)`` of a group: from its ``shape``, or one row of ``size``."""
    if shape is None:
        return 1, 1, int(size)
    if len(shape) == 2:
        return 1, int(shape[0]), int(shape[1])
    return int(shape[0]), int(shape[1]), int(shape[2])


# -- expected counts (memory guard) ------------------------------------------------------------
def expected_synapses(
    rule: str,
    n_pre: int,
    n_post: int,
    p: float = 0.0,
    *,
    k: int = 0,
    autapses: bool = True,
    recurrent: bool = False,
    pre_shape: Any = None,
    post_shape: Any = None,
    profile: str = "gaussian",
    sigma: float = 1.0,
    radius: float = 1.0,
    periodic: bool = False,
    kernel: np.ndarray | None = None,
    stride: int = 1,
    padding: int = 0,
    count: int | None = None,
) -> float:
    """Expected number of synapses a rule draws (for memory estimates before building).

    Exact for every rule but ``fixed_probability`` and ``distance``, whose count is random and
    whose mean this is. ``conv2d`` needs the ``kernel`` (as :func:`conv_kernel` returns it;
    without it, a dense 3 x 3 kernel per input channel is assumed) and ``explicit`` the
    ``count`` of synapses in its file (0 when unknown).
    """
    self_pairs = recurrent and not autapses
    if rule == "all_to_all":
        return float(n_pre) * n_post - (n_pre if self_pairs else 0)
    if rule == "one_to_one":
        return float(min(n_pre, n_post))
    if rule == "fixed_probability":
        return (float(n_pre) * n_post - (n_pre if self_pairs else 0)) * p
    if rule == "fixed_indegree":
        return float(n_post) * k
    if rule == "fixed_outdegree":
        return float(n_pre) * k
    if rule == "distance":
        geometry = _DistanceGeometry(
            grid(pre_shape, n_pre), grid(post_shape, n_post), profile, sigma, radius, periodic
        )
        return geometry.expected(p) - (n_pre * p if self_pairs else 0.0)
    if rule == "conv2d":
        c_in, h, w = grid(pre_shape, n_pre)
        if kernel is None:
            return float(n_post) * c_in * 9
        return float(_conv_count(kernel, (h, w), stride, padding))
    if rule == "explicit":
        return float(count or 0)
    raise ValidationError(f"unknown connectivity rule {rule!r}", "rule")


def projection_expected_synapses(
    params: Mapping[str, Any],
    n_pre: int,
    n_post: int,
    *,
    pre_shape: Any = None,
    post_shape: Any = None,
    recurrent: bool = False,
    resolve_path: Callable[[str], Path] = Path,
) -> float:
    """:func:`expected_synapses` of a ``projection.synapses`` node, from its parameters.

    Reads a ``conv2d`` kernel file or an ``explicit`` file's header as needed, but never
    raises for a bad file: the build reports that, naming the field.
    """
    rule = params["rule"]
    options: dict[str, Any] = {}
    if rule == "conv2d":
        try:
            options["kernel"] = conv_kernel(params, grid(pre_shape, n_pre)[0], resolve_path)
        except ValidationError:
            options["kernel"] = None
    elif rule == "explicit":
        options["count"] = _explicit_count(params, n_pre, n_post, resolve_path)
    return expected_synapses(
        rule,
        n_pre,
        n_post,
        params["p"],
        k=params["k"],
        autapses=params["autapses"],
        recurrent=recurrent,
        pre_shape=pre_shape,
        post_shape=post_shape,
        profile=params["profile"],
        sigma=params["sigma"],
        radius=params["radius"],
        periodic=params["periodic"],
        stride=params["stride"],
        padding=params["padding"],
        **options,
    )


# -- one projection ------------------------------------------------------------------------------
def connect(
    params: Mapping[str, Any],
    n_pre: int,
    n_post: int,
    rng: np.random.Generator,
    *,
    pre_shape: Any = None,
    post_shape: Any = None,
    recurrent: bool = False,
    resolve_path: Callable[[str], Path] = Path,
    max_delay_ms: float = math.inf,
    names: tuple[str, str] = ("pre", "post"),
) -> Synapses:
    """The synapses of a ``projection.synapses`` node with parameters ``params``.

    Raises :class:`ValidationError` whose ``field`` is the parameter at fault (``k``, ``path``,
    ``kernel_size``, ...); ``names`` are the pre and post groups' names, for messages.
    """
    rule = params["rule"]
    if rule in PAIR_RULES:
        pre, post = draw_pairs(
            rule,
            n_pre,
            n_post,
            rng,
            p=params["p"],
            autapses=params["autapses"],
            recurrent=recurrent,
            k=params["k"],
            pre_shape=pre_shape,
            post_shape=post_shape,
            profile=params["profile"],
            sigma=params["sigma"],
            radius=params["radius"],
            periodic=params["periodic"],
        )
        return Synapses(pre, post)
    if rule == "conv2d":
        if isinstance(params["weight"], Mapping):
            raise ValidationError(
                "conv2d scales its kernel by one number; a distribution is not allowed here",
                "weight",
            )
        for shape, name in ((pre_shape, names[0]), (post_shape, names[1])):
            if shape is None:
                raise ValidationError(
                    f"conv2d needs 2-D maps, but {name!r} has no shape "
                    "(give it [rows, columns] or [channels, rows, columns])",
                    "rule",
                )
        pre_grid, post_grid = grid(pre_shape, n_pre), grid(post_shape, n_post)
        kernel = conv_kernel(params, pre_grid[0], resolve_path)
        expected = conv_output_grid(pre_grid, kernel.shape, params["stride"], params["padding"])
        if expected != post_grid:
            also = f" or {list(expected[1:])}" if expected[0] == 1 else ""
            raise ValidationError(
                f"{names[1]!r} must have shape {list(expected)}{also}, not {list(post_shape)}: "
                f"a {_fmt_grid(pre_grid)} map through a {_fmt_grid(kernel.shape)} kernel "
                f"(out x in x rows x cols) with stride {params['stride']} and padding "
                f"{params['padding']} gives {_fmt_grid(expected)}",
                "rule",
            )
        return conv2d_synapses(
            pre_grid, kernel, params["stride"], params["padding"], scale=params["weight"]
        )
    if rule == "explicit":
        if params["path"] is None:
            raise ValidationError("the explicit rule needs a .npy or .csv file", "path")
        return load_explicit(
            resolve_path(params["path"]), params["layout"], n_pre, n_post, max_delay_ms
        )
    raise ValidationError(f"unknown connectivity rule {rule!r}", "rule")


# -- rules that draw pairs -----------------------------------------------------------------------
def draw_pairs(
    rule: str,
    n_pre: int,
    n_post: int,
    rng: np.random.Generator,
    **options: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """Pre and post indices of the synapses, sorted by pre then post.

    The rules and their ``options`` are those of :func:`iter_pairs`, which draws the same
    synapses in blocks; this joins the blocks (``fixed_indegree``, whose blocks go by post
    neuron, is then sorted into pre-major order: an O(S log S) numpy sort of S keys, as cheap as
    the compiler's own placing of the synapses).
    """
    blocks = list(iter_pairs(rule, n_pre, n_post, rng, **options))
    if not blocks:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pre = np.concatenate([b[0] for b in blocks])
    post = np.concatenate([b[1] for b in blocks])
    if rule == "fixed_indegree":
        keys = pre * n_post
        keys += post
        del pre, post
        keys.sort()
        pre = keys // n_post
        return pre, keys - pre * n_post
    return pre, post


def iter_pairs(
    rule: str,
    n_pre: int,
    n_post: int,
    rng: np.random.Generator,
    *,
    p: float = 0.0,
    autapses: bool = True,
    recurrent: bool = False,
    k: int = 0,
    pre_shape: Any = None,
    post_shape: Any = None,
    profile: str = "gaussian",
    sigma: float = 1.0,
    radius: float = 1.0,
    periodic: bool = False,
    block: int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The synapses of a rule as blocks of (pre, post) int64 indices, drawn as they are asked for.

    ``fixed_probability`` includes each of the ``n_pre * n_post`` possible synapses
    independently with probability ``p``, drawing the gaps between included ones from a
    geometric distribution, so the cost is proportional to the synapses drawn rather than to
    ``n_pre * n_post``. ``fixed_indegree`` gives every post neuron exactly ``k`` distinct pre
    neurons, ``fixed_outdegree`` every pre neuron exactly ``k`` distinct post neurons (see
    :func:`sample_distinct`). ``distance`` draws each pair with a probability that depends on
    the distance between the two neurons on their grids (see the module docstring).
    ``autapses=False`` drops i -> i synapses of a recurrent projection (``one_to_one`` is
    made of them and keeps them).

    The parameters are checked at once (a ``ValidationError`` naming ``k`` or ``rule``); the
    blocks, of about ``block`` synapses (:data:`SYNAPSE_BLOCK` by default), are drawn from
    ``rng`` as they are asked for, and neither they nor what ``rng`` draws after the last one
    depend on ``block``. Blocks come in pre-major order, post ascending, except those of
    ``fixed_indegree``, which come by post neuron; either way the synapses of any one pre
    neuron come in ascending post order, which is all filling CSR rows needs.
    """
    block = max(1, block or SYNAPSE_BLOCK)
    no_self = recurrent and not autapses
    if rule in ("fixed_indegree", "fixed_outdegree"):
        pool = n_pre if rule == "fixed_indegree" else n_post
        available = pool - 1 if no_self else pool
        if k > available:
            side, owner = ("pre", "post") if rule == "fixed_indegree" else ("post", "pre")
            without = " other" if no_self else ""
            raise ValidationError(
                f"asks for {k} distinct{without} {side} neurons for each {owner} neuron, but "
                f"only {available} are available",
                "k",
            )
        return _degree_blocks(rule, n_pre, n_post, k, rng, no_self, block)
    if rule == "one_to_one":
        return _one_to_one_blocks(n_pre, block)
    if rule == "all_to_all":
        blocks = _all_to_all_blocks(n_pre, n_post, block)
    elif rule == "fixed_probability":
        blocks = (
            np.divmod(flat, n_post) for flat in _bernoulli_blocks(n_pre * n_post, p, rng, block)
        )
    elif rule == "distance":
        geometry = _DistanceGeometry(
            grid(pre_shape, n_pre), grid(post_shape, n_post), profile, sigma, radius, periodic
        )
        blocks = geometry.blocks(p, rng, block)
    else:
        raise ValidationError(f"unknown connectivity rule {rule!r}", "rule")
    return _without_autapses(blocks) if no_self else blocks


def _one_to_one_blocks(n: int, block: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, n, block):
        pre = np.arange(start, min(n, start + block), dtype=np.int64)
        yield pre, pre.copy()


def _all_to_all_blocks(
    n_pre: int, n_post: int, block: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    rows = max(1, block // max(1, n_post))
    for start in range(0, n_pre, rows):
        stop = min(n_pre, start + rows)
        pre = np.repeat(np.arange(start, stop, dtype=np.int64), n_post)
        yield pre, np.tile(np.arange(n_post, dtype=np.int64), stop - start)


def _degree_blocks(
    rule: str, n_pre: int, n_post: int, k: int, rng: np.random.Generator, no_self: bool, block: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    indegree = rule == "fixed_indegree"
    n_rows, pool = (n_post, n_pre) if indegree else (n_pre, n_post)
    rows = max(1, block // max(1, k))
    # fixed_outdegree's rows are sorted, so its pairs come out in pre-major order
    for first, chosen in _distinct_blocks(n_rows, pool, k, rng, no_self, not indegree):
        for start in range(0, chosen.shape[0], rows):
            part = chosen[start : start + rows]
            owner = np.repeat(np.arange(first + start, first + start + part.shape[0]), k)
            yield (part.ravel(), owner) if indegree else (owner, part.ravel())


def _without_autapses(
    blocks: Iterator[tuple[np.ndarray, np.ndarray]],
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for pre, post in blocks:
        keep = pre != post
        yield pre[keep], post[keep]


def _bernoulli_blocks(
    total: int, p: float, rng: np.random.Generator, block: int
) -> Iterator[np.ndarray]:
    """Ascending positions in ``range(total)``, each included with probability ``p``.

    The gaps between included positions are geometric, drawn in batches of about 1.05 times
    the count still expected (as every version has drawn them: seeds keep their networks), each
    batch in pieces of at most ``block``. The pieces of the last batch beyond ``total`` are
    drawn too, and dropped, so the generator ends where one whole batch would leave it.
    """
    if p <= 0.0 or total == 0:
        return
    if p >= 1.0:
        for start in range(0, total, block):
            yield np.arange(start, min(total, start + block), dtype=np.int64)
        return
    position = -1
    batch = int(total * p * 1.05) + 64
    while True:
        passed = False
        for start in range(0, batch, block):
            gaps = rng.geometric(p, size=min(block, batch - start))
            if passed:
                continue
            positions = position + np.cumsum(gaps, dtype=np.int64)
            if positions[-1] >= total:
                passed = True
                yield positions[positions < total]
            else:
                position = int(positions[-1])
                yield positions
        if passed:
            return
        batch = max(64, int((total - position) * p * 1.05) + 64)


def sample_distinct(
    n_rows: int,
    pool: int,
    k: int,
    rng: np.random.Generator,
    *,
    skip_own_index: bool = False,
    sort_rows: bool = True,
) -> np.ndarray:
    """For each of ``n_rows`` rows, ``k`` distinct values out of ``range(pool)``, uniformly.

    Returns an ``(n_rows, k)`` array, each row sorted if ``sort_rows``. With
    ``skip_own_index`` row ``r`` never holds ``r`` (it draws from the other ``pool - 1``
    values).

    The cost is O(n_rows * k log k), not O(n_rows * pool), with no Python loop per row. When
    ``k^2`` is at most the number of choices, each row draws ``k`` values with replacement and
    rows with a repeat are drawn again (rejection: at most about 40 % of the rows the first
    time). Up to half the choices, each row draws values with replacement and keeps the first
    ``k`` distinct ones in draw order (a uniform ``k``-subset; the few rows that come up short
    are drawn again). Beyond that, each row takes the ``k`` smallest of ``pool`` random keys
    (``argpartition``), which costs at most twice the values it keeps. Rows go in blocks of
    about ``_BLOCK`` values, to bound memory; redraws stay within a block.
    """
    choices = pool - 1 if skip_own_index else pool
    if not 0 <= k <= choices:
        raise ValueError(f"cannot draw {k} distinct values out of {choices}")
    out = np.empty((n_rows, k), dtype=np.int64)
    for first, rows in _distinct_blocks(n_rows, pool, k, rng, skip_own_index, sort_rows):
        out[first : first + rows.shape[0]] = rows
    return out


def _distinct_blocks(
    n_rows: int,
    pool: int,
    k: int,
    rng: np.random.Generator,
    skip_own_index: bool,
    sort_rows: bool,
) -> Iterator[tuple[int, np.ndarray]]:
    """:func:`sample_distinct` block by block: (first row, rows)."""
    choices = pool - 1 if skip_own_index else pool
    if k == 0 or n_rows == 0:
        return
    draws = 0
    if k == choices or k * k <= choices:
        block = max(1, _BLOCK // k)
    elif 2 * k > choices:
        block = max(1, _BLOCK // choices)
    else:
        # expected draws to see k distinct values (coupon collector), plus a safety margin
        mean = choices * (math.log(choices) - math.log(choices - k))
        draws = int(mean + 4.0 * math.sqrt(mean) + 8)
        block = max(1, _BLOCK // draws)
    for start in range(0, n_rows, block):
        size = min(block, n_rows - start)
        if k == choices:
            rows = np.broadcast_to(np.arange(k, dtype=np.int64), (size, k)).copy()
        elif 2 * k > choices:
            keys = rng.random((size, choices))
            rows = np.ascontiguousarray(np.argpartition(keys, k - 1, axis=1)[:, :k])
            del keys
        elif k * k <= choices:
            rows = _sorted_without_repeats(size, choices, k, rng)
        else:
            rows = _first_distinct(size, choices, k, draws, rng)
        if sort_rows:
            rows.sort(axis=1)
        if skip_own_index:
            rows += rows >= np.arange(start, start + size, dtype=np.int64)[:, None]
        yield start, rows


def _sorted_without_repeats(
    n_rows: int, choices: int, k: int, rng: np.random.Generator
) -> np.ndarray:
    """Rows of ``k`` values drawn with replacement, sorted; rows with a repeat are drawn again
    (rejection keeps each row a uniform k-subset; at most 1/2 repeated pair expected per row)."""
    rows = rng.integers(0, choices, size=(n_rows, k), dtype=np.int64)
    todo = np.arange(n_rows)
    while todo.size:
        fresh = rows[todo] if todo.size < n_rows else rows
        fresh.sort(axis=1)
        rows[todo] = fresh
        todo = todo[(fresh[:, 1:] == fresh[:, :-1]).any(axis=1)]
        rows[todo] = rng.integers(0, choices, size=(todo.size, k), dtype=np.int64)
    return rows


def _first_distinct(
    n_rows: int, choices: int, k: int, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """The first ``k`` distinct values of iid draws per row; short rows are drawn again."""
    result = np.empty((n_rows, k), dtype=np.int64)
    todo = np.arange(n_rows)
    while todo.size:
        values = rng.integers(0, choices, size=(todo.size, draws), dtype=np.int64)
        keys = (values + np.arange(todo.size, dtype=np.int64)[:, None] * choices).ravel()
        order = np.argsort(keys, kind="stable")  # equal keys keep draw order
        sorted_keys = keys[order]
        first = np.empty(keys.size, dtype=np.bool_)
        first[0] = True
        first[1:] = sorted_keys[1:] != sorted_keys[:-1]
        is_first = np.zeros(keys.size, dtype=np.bool_)
        is_first[order[first]] = True
        is_first = is_first.reshape(todo.size, draws)
        rank = np.cumsum(is_first, axis=1)
        done = rank[:, -1] >= k
        keep = is_first[done] & (rank[done] <= k)
        result[todo[done]] = values[done][keep].reshape(-1, k)
        todo = todo[~done]
        draws *= 2
    return result


class _DistanceGeometry:
    """Candidate post cells of each pre cell along each axis, and their distances.

    Along an axis, pre cell ``x`` (scaled onto the post grid) considers the post cells within
    the profile's reach (all of them when the reach covers the axis); a pre neuron's
    candidates are the product of its row and column candidates, in every post channel.
    """

    def __init__(
        self,
        pre: Grid,
        post: Grid,
        profile: str,
        sigma: float,
        radius: float,
        periodic: bool,
    ) -> None:
        self.pre, self.post = pre, post
        self.profile, self.sigma, self.radius = profile, sigma, radius
        reach = radius if profile == "box" else sigma * GAUSSIAN_CUTOFF_SIGMAS
        self.rows, self.dy = _axis_candidates(pre[1], post[1], reach, periodic)
        self.cols, self.dx = _axis_candidates(pre[2], post[2], reach, periodic)

    def _factor(self, d: np.ndarray) -> np.ndarray:
        """Per-axis Gaussian factor (Gaussian is separable); out-of-grid cells carry NaN."""
        return np.nan_to_num(np.exp(-(d**2) / (2.0 * self.sigma**2)), nan=0.0)

    def probabilities(self, p: float, cells: np.ndarray) -> np.ndarray:
        """``(len(cells), n_rows_cand, n_cols_cand)`` probabilities of pre grid cells."""
        r, c = np.divmod(cells, self.pre[2])
        dy, dx = self.dy[r][:, :, None], self.dx[c][:, None, :]
        if self.profile == "box":
            inside = dy**2 + dx**2 <= self.radius**2  # NaN (outside the grid) compares False
            return np.where(inside, p, 0.0)
        return p * self._factor(dy) * self._factor(dx)

    def expected(self, p: float) -> float:
        c_pre, h_pre, w_pre = self.pre
        if self.profile == "gaussian":
            along_rows = self._factor(self.dy).sum()
            along_cols = self._factor(self.dx).sum()
            return float(p * along_rows * along_cols * c_pre * self.post[0])
        # box: for each (pre row, candidate row) count the (pre col, candidate col) pairs
        # whose squared distance fits in what is left of radius^2
        dx2 = self.dx[~np.isnan(self.dx)] ** 2
        dx2.sort()
        dy2 = self.dy[~np.isnan(self.dy)] ** 2
        inside = np.searchsorted(dx2, self.radius**2 - dy2, side="right").sum()
        return float(p * inside * c_pre * self.post[0])

    def blocks(
        self, p: float, rng: np.random.Generator, block: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The drawn (pre, post) pairs, by blocks of pre neurons of about ``block`` trials."""
        c_pre, h_pre, w_pre = self.pre
        c_post, h_post, w_post = self.post
        cells_pre = h_pre * w_pre
        n_pre = c_pre * cells_pre
        n_rc, n_cc = self.rows.shape[1], self.cols.shape[1]
        trials = c_post * n_rc * n_cc
        neurons_per_block = max(1, block // max(1, trials))
        for start in range(0, n_pre, neurons_per_block):
            neurons = np.arange(start, min(n_pre, start + neurons_per_block), dtype=np.int64)
            cells = neurons % cells_pre
            prob = self.probabilities(p, cells)[:, None, :, :]
            hits = rng.random((neurons.size, c_post, n_rc, n_cc)) < prob
            i, ch, a, b = np.nonzero(hits)
            r, c = np.divmod(cells[i], w_pre)
            yield neurons[i], ch * (h_post * w_post) + self.rows[r, a] * w_post + self.cols[c, b]


def _axis_candidates(
    n_pre: int, n_post: int, reach: float, periodic: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Post cells near each pre cell along one axis, ascending, and their signed distances.

    Cells outside the grid (no periodic boundaries) are marked with index -1, distance NaN.
    Ascending indices make the synapses of one pre neuron come out in ascending post order.
    """
    position = (np.arange(n_pre) + 0.5) * n_post / n_pre - 0.5
    half = math.ceil(reach) + 1
    if 2 * half + 1 >= n_post:
        cells = np.broadcast_to(np.arange(n_post, dtype=np.int64), (n_pre, n_post)).copy()
    else:
        offsets = np.arange(-half, half + 1, dtype=np.int64)
        cells = np.floor(position).astype(np.int64)[:, None] + offsets[None, :]
        if periodic:
            cells %= n_post
        else:
            cells[(cells < 0) | (cells >= n_post)] = -1
        cells.sort(axis=1)
    distance = cells - position[:, None]
    if periodic:
        distance = (distance + n_post / 2.0) % n_post - n_post / 2.0
    distance[cells < 0] = np.nan
    return cells, distance


# -- convolution --------------------------------------------------------------------------------
def _gaussian_2d(size: int, sigma: float) -> np.ndarray:
    x = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-(x**2) / (2.0 * sigma**2))
    kernel = np.outer(g, g)
    return kernel / kernel.sum()


def kernel_bank(name: str, size: int) -> np.ndarray:
    """The ``(M, size, size)`` kernels of a preset (``M`` = 2 for ``edges`` and ``on_off``).

    - ``identity``: 1 at the centre.
    - ``sobel_x`` ``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]`` (intensity rising to the right),
      ``sobel_y`` its transpose (rising downwards), ``laplacian``
      ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]``: 3 x 3 only.
    - ``gaussian_blur``: a Gaussian summing to 1, sigma = 0.3 ((size - 1)/2 - 1) + 0.8 (as
      OpenCV's default for a size).
    - ``on_center``: a difference of Gaussians (centre sigma = size/6, surround sigma = size/3,
      each summing to 1 over the kernel, so the kernel sums to 0), scaled to 1 at the centre;
      ``off_center`` is its negative. Size 3 or more.
    - ``edges``: ``sobel_x`` and ``sobel_y``; ``on_off``: ``on_center`` and ``off_center``.

    Presets are centred, so ``size`` must be odd.
    """
    if size % 2 == 0:
        raise ValidationError(f"kernel presets are centred, so the size must be odd (got {size})",
                              "kernel_size")  # fmt: skip
    fixed = {
        "sobel_x": [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],
        "laplacian": [[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]],
    }
    fixed["sobel_y"] = np.transpose(fixed["sobel_x"]).tolist()
    if name in fixed or name == "edges":
        if size != 3:
            raise ValidationError(f"{name} is a 3 x 3 kernel; set kernel_size to 3",
                                  "kernel_size")  # fmt: skip
        names = ("sobel_x", "sobel_y") if name == "edges" else (name,)
        return np.array([fixed[n] for n in names])
    if name == "identity":
        kernel = np.zeros((1, size, size))
        kernel[0, size // 2, size // 2] = 1.0
        return kernel
    if name == "gaussian_blur":
        return _gaussian_2d(size, 0.3 * ((size - 1) / 2.0 - 1.0) + 0.8)[None]
    if name in ("on_center", "off_center", "on_off"):
        if size < 3:
            raise ValidationError(f"{name} needs a kernel of 3 x 3 or more", "kernel_size")
        on = _gaussian_2d(size, size / 6.0) - _gaussian_2d(size, size / 3.0)
        on /= on[size // 2, size // 2]
        bank = {"on_center": [on], "off_center": [-on], "on_off": [on, -on]}
        return np.array(bank[name])
    raise ValidationError(f"unknown kernel preset {name!r}", "kernel")


def conv_kernel(
    params: Mapping[str, Any], c_in: int, resolve_path: Callable[[str], Path] = Path
) -> np.ndarray:
    """The ``(C_out, C_in, kh, kw)`` kernel of a ``conv2d`` projection, before scaling.

    A preset, or a ``.npy`` file, is a bank of ``M`` kernels (a 2-D file is one kernel, a 3-D
    file ``M`` of them) applied to each input channel separately (depthwise): output channel
    ``i * M + m`` is input channel ``i`` filtered by kernel ``m``, so ``C_out = M * C_in``. A
    4-D file ``(C_out, C_in, kh, kw)`` is a full convolution, summing over input channels.
    """
    if params["kernel"] != "file":
        bank = kernel_bank(params["kernel"], params["kernel_size"])
    else:
        if params["path"] is None:
            raise ValidationError("kernel 'file' needs a .npy file of kernel weights", "path")
        array = _read_array(resolve_path(params["path"]), (".npy",))
        if array.ndim == 4:
            if array.shape[1] != c_in:
                raise ValidationError(
                    f"the kernel takes {array.shape[1]} input channels, but the pre map has "
                    f"{c_in} (shape (out, in, rows, cols) = {array.shape})",
                    "path",
                )
            if min(array.shape) < 1:
                raise ValidationError(f"the kernel is empty (shape {array.shape})", "path")
            return array
        if array.ndim not in (2, 3) or min(array.shape) < 1:
            raise ValidationError(
                f"a kernel file holds a (rows, cols), (M, rows, cols) or (out, in, rows, cols) "
                f"array; this one has shape {array.shape}",
                "path",
            )
        bank = array if array.ndim == 3 else array[None]
    m = bank.shape[0]
    kernel = np.zeros((c_in * m, c_in, *bank.shape[1:]))
    for i in range(c_in):
        kernel[i * m : (i + 1) * m, i] = bank
    return kernel


def conv_output_grid(pre: Grid, kernel_shape: tuple[int, ...], stride: int, padding: int) -> Grid:
    """``(C_out, H_out, W_out)``: ``(H + 2 padding - kh) // stride + 1`` per axis."""
    c_out, _, kh, kw = kernel_shape
    h = (pre[1] + 2 * padding - kh) // stride + 1
    w = (pre[2] + 2 * padding - kw) // stride + 1
    return c_out, max(h, 0), max(w, 0)


def _conv_taps(n_in: int, n_out: int, size: int, stride: int, padding: int) -> np.ndarray:
    """``(size, n_out)`` input index of each kernel tap at each output position (-1: padding)."""
    index = np.arange(n_out)[None, :] * stride - padding + np.arange(size)[:, None]
    index[(index < 0) | (index >= n_in)] = -1
    return index


def _conv_count(kernel: np.ndarray, in_hw: tuple[int, int], stride: int, padding: int) -> int:
    kh, kw = kernel.shape[2:]
    h_out = max(0, (in_hw[0] + 2 * padding - kh) // stride + 1)
    w_out = max(0, (in_hw[1] + 2 * padding - kw) // stride + 1)
    rows = (_conv_taps(in_hw[0], h_out, kh, stride, padding) >= 0).sum(axis=1)
    cols = (_conv_taps(in_hw[1], w_out, kw, stride, padding) >= 0).sum(axis=1)
    _, _, ky, kx = np.nonzero(kernel)
    return int((rows[ky] * cols[kx]).sum())


def conv2d_synapses(
    pre: Grid, kernel: np.ndarray, stride: int, padding: int, *, scale: float = 1.0
) -> Synapses:
    """The synapses of a 2-D convolution of a ``pre`` map (see the module docstring)."""
    c_in, h, w = pre
    c_out, h_out, w_out = conv_output_grid(pre, kernel.shape, stride, padding)
    kh, kw = kernel.shape[2:]
    taps_y = _conv_taps(h, h_out, kh, stride, padding)  # (kh, h_out)
    taps_x = _conv_taps(w, w_out, kw, stride, padding)  # (kw, w_out)
    out_y, out_x = np.divmod(np.arange(h_out * w_out, dtype=np.int64), w_out)
    co, ci, ky, kx = np.nonzero(kernel)
    pres, posts, weights = [], [], []
    per_tap = max(1, h_out * w_out)
    block = max(1, _BLOCK // per_tap)
    for start in range(0, co.size, block):
        tap = slice(start, start + block)
        iy = taps_y[ky[tap]][:, out_y]  # (taps, outputs)
        ix = taps_x[kx[tap]][:, out_x]
        valid = (iy >= 0) & (ix >= 0)
        t, o = np.nonzero(valid)
        pres.append(ci[tap][t] * (h * w) + iy[t, o] * w + ix[t, o])
        posts.append(co[tap][t] * (h_out * w_out) + o)
        weights.append(scale * kernel[co[tap][t], ci[tap][t], ky[tap][t], kx[tap][t]])
    if not pres:
        empty = np.zeros(0, np.int64)
        return Synapses(empty, empty.copy(), np.zeros(0))
    pre_index, post_index = np.concatenate(pres), np.concatenate(posts)
    order = np.lexsort((post_index, pre_index))
    return Synapses(pre_index[order], post_index[order], np.concatenate(weights)[order])


# -- explicit synapses from a file ---------------------------------------------------------------
def _read_array(path: Path, suffixes: tuple[str, ...]) -> np.ndarray:
    """A 2-D-or-more float array from a ``.npy`` (never unpickled) or ``.csv`` file."""
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise ValidationError(f"must be a {' or '.join(suffixes)} file (got {path.name!r})",
                              "path")  # fmt: skip
    if not path.is_file():
        raise ValidationError(f"cannot read {str(path)!r}: no such file", "path")
    try:
        if suffix == ".npy":
            array = np.load(path, allow_pickle=False)
        else:
            array = _read_csv(path)
    except (OSError, ValueError, EOFError, UnicodeDecodeError) as err:
        raise ValidationError(f"cannot read {path.name!r}: {err}", "path") from None
    if array.dtype == np.bool_:
        array = array.astype(np.float64)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValidationError(f"{path.name!r} must hold numbers (it holds {array.dtype})", "path")
    array = np.asarray(array, dtype=np.float64)
    if not np.isfinite(array).all():
        raise ValidationError(f"{path.name!r} holds NaN or infinite values", "path")
    return array


def _csv_lines(path: Path) -> list[str]:
    """The data lines of a CSV file: ``#`` starts a comment, a first line of names is a header."""
    with open(path, encoding="utf-8") as handle:
        lines = [line.split("#", 1)[0].strip() for line in handle]
    lines = [line for line in lines if line]
    if lines and any(ch.isalpha() and ch not in "eE" for ch in lines[0]):
        lines = lines[1:]
    return lines


def _read_csv(path: Path) -> np.ndarray:
    """Comma-separated numbers (see :func:`_csv_lines`)."""
    lines = _csv_lines(path)
    if not lines:
        return np.zeros((0, 0))
    rows = [line.split(",") for line in lines]
    width = len(rows[0])
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise ValueError(f"data row {number} has {len(row)} values, the first has {width}")
    try:
        return np.array(rows, dtype=np.float64)
    except ValueError as err:
        raise ValueError(f"not a table of numbers ({err})") from None


def load_explicit(
    path: Path, layout: str, n_pre: int, n_post: int, max_delay_ms: float = math.inf
) -> Synapses:
    """Synapses listed in a file.

    ``layout="matrix"``: an ``(n_pre, n_post)`` array of weights in pA; each non-zero entry is
    a synapse. ``layout="list"``: one row per synapse, ``pre, post, weight[, delay_ms]`` (0-based
    indices within the two groups, weight in pA, delay in ms). Several rows for the same pair
    make several synapses. Either layout may be a ``.npy`` file or a ``.csv`` file (comma
    separated, ``#`` comments, an optional header line).
    """
    array = _read_array(path, (".npy", ".csv"))
    if layout == "matrix":
        if array.shape != (n_pre, n_post):
            raise ValidationError(
                f"holds a {' x '.join(map(str, array.shape))} array; the matrix layout needs "
                f"{n_pre} x {n_post} (pre x post)",
                "path",
            )
        pre, post = np.nonzero(array)
        return Synapses(pre.astype(np.int64), post.astype(np.int64), array[pre, post])
    if array.size == 0:
        empty = np.zeros(0, np.int64)
        return Synapses(empty, empty.copy(), np.zeros(0))
    if array.ndim != 2 or array.shape[1] not in (3, 4):
        raise ValidationError(
            f"a synapse list has 3 or 4 columns (pre, post, weight[, delay_ms]); this one has "
            f"shape {array.shape}",
            "path",
        )
    for column, what, limit in ((0, "pre", n_pre), (1, "post", n_post)):
        values = array[:, column]
        bad = np.flatnonzero((values != np.floor(values)) | (values < 0) | (values >= limit))
        if bad.size:
            raise ValidationError(
                f"row {bad[0] + 1}: {what} index {values[bad[0]]:g} is not one of the "
                f"{limit} {what} neurons (0 to {limit - 1})",
                "path",
            )
    delay = None
    if array.shape[1] == 4:
        delay = array[:, 3]
        bad = np.flatnonzero((delay <= 0) | (delay > max_delay_ms))
        if bad.size:
            raise ValidationError(
                f"row {bad[0] + 1}: delay {delay[bad[0]]:g} ms is not in (0, {max_delay_ms:g}] ms "
                "(max_delay_ms of the project)",
                "path",
            )
    pre, post = array[:, 0].astype(np.int64), array[:, 1].astype(np.int64)
    order = np.lexsort((post, pre))
    return Synapses(
        pre[order], post[order], array[order, 2], None if delay is None else delay[order]
    )


def _explicit_count(
    params: Mapping[str, Any], n_pre: int, n_post: int, resolve_path: Callable[[str], Path]
) -> int:
    """Synapses in an explicit rule's file, read cheaply (0 if it cannot be read)."""
    if params["path"] is None:
        return 0
    path = resolve_path(params["path"])
    try:
        if path.suffix.lower() == ".npy":
            array = np.load(path, mmap_mode="r", allow_pickle=False)
            if params["layout"] == "list":
                return int(array.shape[0]) if array.ndim == 2 else 0
            rows = max(1, _BLOCK // max(1, array.shape[-1]))
            return sum(
                int(np.count_nonzero(array[i : i + rows])) for i in range(0, len(array), rows)
            )
        if params["layout"] == "matrix":
            return n_pre * n_post
        return len(_csv_lines(path))
    except (OSError, ValueError, EOFError, IndexError, TypeError, UnicodeDecodeError):
        return 0


def draw_values(spec: Any, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` values of a parameter that is a number or a distribution.

    A normal distribution with ``low``/``high`` is clipped to them (documented in the file
    format), so values never leave the parameter's bounds.
    """
    if not isinstance(spec, dict):
        return np.full(count, float(spec))
    kind = spec["distribution"]
    if kind == "uniform":
        values = rng.uniform(spec["low"], spec["high"], size=count)
    else:
        values = rng.normal(spec["mean"], spec["std"], size=count)
        values = np.clip(values, spec.get("low", -np.inf), spec.get("high", np.inf))
    return values


def iter_values(
    spec: Any, count: int, rng: np.random.Generator, block: int | None = None
) -> Iterator[np.ndarray]:
    """:func:`draw_values` in blocks of at most ``block`` (:data:`SYNAPSE_BLOCK` by default):
    the same ``count`` values, drawn from ``rng`` the same way."""
    block = max(1, block or SYNAPSE_BLOCK)
    for start in range(0, count, block):
        yield draw_values(spec, min(block, count - start), rng)


def _fmt_grid(g: tuple[int, ...]) -> str:
    return " x ".join(map(str, g))
