"""Drawing synapses, weights and delays from a projection's rule, reproducibly."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.errors import ValidationError


def expected_synapses(rule: str, n_pre: int, n_post: int, p: float) -> float:
    """Expected number of synapses a rule draws (for memory estimates before building)."""
    if rule == "all_to_all":
        return float(n_pre) * n_post
    if rule == "one_to_one":
        return float(min(n_pre, n_post))
    if rule == "fixed_probability":
        return float(n_pre) * n_post * p
    raise ValidationError(f"unknown connectivity rule {rule!r}", "rule")


def draw_pairs(
    rule: str,
    n_pre: int,
    n_post: int,
    rng: np.random.Generator,
    *,
    p: float = 0.0,
    autapses: bool = True,
    recurrent: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Pre and post indices of the synapses, sorted by pre then post.

    ``fixed_probability`` includes each of the ``n_pre * n_post`` possible synapses
    independently with probability ``p``, drawing the gaps between included ones from a
    geometric distribution, so the cost is proportional to the synapses drawn rather than to
    ``n_pre * n_post``. ``autapses=False`` drops i -> i synapses of a recurrent projection.
    """
    if rule == "one_to_one":
        pre = np.arange(n_pre, dtype=np.int64)
        post = pre.copy()
    elif rule == "all_to_all":
        pre = np.repeat(np.arange(n_pre, dtype=np.int64), n_post)
        post = np.tile(np.arange(n_post, dtype=np.int64), n_pre)
    elif rule == "fixed_probability":
        flat = _bernoulli_positions(n_pre * n_post, p, rng)
        pre, post = np.divmod(flat, n_post)
    else:
        raise ValidationError(f"unknown connectivity rule {rule!r}", "rule")
    if recurrent and not autapses and rule != "one_to_one":
        keep = pre != post
        pre, post = pre[keep], post[keep]
    return pre, post


def _bernoulli_positions(total: int, p: float, rng: np.random.Generator) -> np.ndarray:
    if p <= 0.0 or total == 0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(total, dtype=np.int64)
    pieces = []
    position = -1
    batch = int(total * p * 1.05) + 64
    while True:
        gaps = rng.geometric(p, size=batch)
        positions = position + np.cumsum(gaps, dtype=np.int64)
        if positions[-1] >= total:
            pieces.append(positions[positions < total])
            break
        pieces.append(positions)
        position = int(positions[-1])
        batch = max(64, int((total - position) * p * 1.05) + 64)
    return np.concatenate(pieces)


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
