"""Builders of projections (their plasticity rules are built in :mod:`.plasticity`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from engine.errors import ValidationError
from engine.model.network import Node
from engine.sim import kernels as K
from engine.sim.build import (
    BUILDERS,
    BuildContext,
    GroupInfo,
    ProjectionInfo,
    StaticProjection,
    SynapseBlocks,
    builds,
)
from engine.sim.connectivity import PAIR_RULES, connect, draw_values, iter_pairs, iter_values

#: Parameters of the pair rules (:func:`engine.sim.connectivity.iter_pairs`).
_PAIR_OPTIONS = ("p", "k", "autapses", "profile", "sigma", "radius", "periodic")

#: Synaptic channel kind of each projection type (and synapse model).
CHANNEL_KINDS = {
    ("projection.synapses", "current_exp"): K.CH_EXP,
    ("projection.synapses", "current_alpha"): K.CH_ALPHA,
    ("projection.conductance", None): K.CH_COND,
    ("projection.delta", None): K.CH_DELTA,
}


@builds("projection.synapses")
@builds("projection.conductance")
@builds("projection.delta")
def _build_projection(build: BuildContext, node: Node) -> None:
    params = node.params
    kind = CHANNEL_KINDS[node.type_id, params.get("synapse")]
    pre = build.single_source(node, "pre")
    post_link = next(
        lk
        for lk in build.network.links_from(node.id, "post")
        if build.network.node_type(lk.target).category == "population"
    )
    pre_g, post_g = build.group_of[pre.id], build.group_of[post_link.target]

    def stream() -> np.random.Generator:
        """A fresh generator of the projection's stream: its own seed gives the same synapses
        whatever the node's id."""
        if params["seed"] is not None:
            return np.random.default_rng(params["seed"])
        return build.rng(node, "synapses")

    pre_node, post_node = build.network.node(pre_g.node_id), build.network.node(post_g.node_id)
    rule_links = build.network.links_into(node.id, "plasticity")
    layout = {
        "pre_shape": pre_node.params.get("shape"),
        "post_shape": post_node.params.get("shape"),
        "recurrent": pre_g.node_id == post_g.node_id,
    }

    def drawn() -> _DrawnSynapses:
        rng = stream()
        options = {name: params[name] for name in _PAIR_OPTIONS}
        pairs = iter_pairs(params["rule"], pre_g.size, post_g.size, rng, **options, **layout)
        return _DrawnSynapses(pairs, rng, params["weight"], params["delay_ms"], build.dt)

    synapses = None
    try:
        if not rule_links and params["rule"] in PAIR_RULES:
            # drawn when the network is assembled, block by block, straight into the stored
            # arrays (docs/engine.md, "Speed and scale")
            drawn()  # checks the parameters, draws nothing
        else:
            rng = stream()
            synapses = connect(
                params,
                pre_g.size,
                post_g.size,
                rng,
                **layout,
                resolve_path=build.network.resolve_path,
                max_delay_ms=build.network.settings["max_delay_ms"],
                names=(pre_node.name, post_node.name),
            )
    except ValidationError as err:
        raise build.fail(node, err.message, err.field) from None
    channel = build.channel(
        post_g.node_id, kind, params.get("tau_syn", 0.0), params.get("e_rev", 0.0)
    )
    info = ProjectionInfo(node.id, node.name, pre_g.node_id, post_g.node_id, 0, -1)
    if synapses is None:
        _add_static(build, node, info, pre_g, post_g, channel, drawn)
        return
    src, dst = synapses.pre, synapses.post
    # rules that give per-synapse values (conv2d, explicit) draw nothing for them
    weights = (
        synapses.weight
        if synapses.weight is not None
        else draw_values(params["weight"], src.size, rng)
    )
    delays_ms = (
        synapses.delay_ms
        if synapses.delay_ms is not None
        else draw_values(params["delay_ms"], src.size, rng)
    )
    delays = np.maximum(1, np.rint(delays_ms / build.dt)).astype(np.int32)
    info = replace(info, n_synapses=int(src.size))
    if not rule_links:
        # kept until the network is assembled: in the stored dtypes already, so that a large
        # file does not hold int64/float64 copies of all its synapses
        given = _GivenSynapses(
            src.astype(np.int32), dst.astype(np.int32), weights.astype(K.STATIC_WEIGHT_DTYPE),
            delays,
        )  # fmt: skip
        _add_static(build, node, info, pre_g, post_g, channel, lambda: given)
        return
    if params.get("stp", "none") != "none":
        raise build.fail(node, "short-term plasticity and a plasticity rule cannot yet "
                         "govern the same projection", "stp")  # fmt: skip
    if synapses.delay_ms is not None and np.unique(delays).size > 1:
        raise build.fail(
            node,
            "a plastic projection needs one delay value, but the file gives several",
            "path",
        )
    rule = build.network.node(rule_links[0].source)
    rule_params = BUILDERS[rule.type_id](build, rule)
    build.plastic.append(
        {
            "pre": pre_g,
            "post": post_g,
            "channel": channel,
            "src": src,
            "dst": dst,
            "weights": np.clip(weights, rule_params["w_min"], rule_params["w_max"]),
            "delay": int(delays[0]) if delays.size else 1,
            "rule": rule_params,
            "rule_id": rule.id,
        }
    )
    build.projections.append(replace(info, plastic_index=len(build.plastic) - 1))


def _add_static(
    build: BuildContext,
    node: Node,
    info: ProjectionInfo,
    pre_g: GroupInfo,
    post_g: GroupInfo,
    channel: int,
    synapses: Callable[[], SynapseBlocks],
) -> None:
    """Register a static projection; the compiler places its synapses (and counts them)."""
    params = node.params
    stp = None
    if params.get("stp", "none") == "tsodyks_markram":
        stp = {"pre_start": pre_g.start, "pre_size": pre_g.size, "U": params["stp_u"],
               "tau_rec": params["tau_rec"], "tau_fac": params["tau_fac"]}  # fmt: skip
    recorded = max(
        (
            build.network.node(lk.target).params["max_synapses"]
            for lk in build.network.links_from(node.id, "post")
            if build.network.node(lk.target).type_id == "recorder.weights"
        ),
        default=0,
    )
    build.static.append(
        StaticProjection(node.id, len(build.projections), pre_g.start, pre_g.size,
                         post_g.node_id, channel, stp, recorded, synapses)
    )  # fmt: skip
    build.projections.append(info)


class _DrawnSynapses:
    """The synapses of a pair rule, drawn from ``rng`` block by block: the pairs, then the
    weights, then the delays, as :func:`connect` and :func:`draw_values` would draw them at once
    (so a seed gives the network it always gave)."""

    def __init__(self, pairs: Iterator[tuple[np.ndarray, np.ndarray]], rng: np.random.Generator,
                 weight: Any, delay_ms: Any, dt: float) -> None:  # fmt: skip
        self._pairs, self._rng = pairs, rng
        self._weight, self._delay_ms, self._dt = weight, delay_ms, dt
        self._count = 0

    def pairs(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for pre, post in self._pairs:
            self._count += pre.size
            yield pre, post

    def weights(self) -> Iterator[np.ndarray]:
        for values in iter_values(self._weight, self._count, self._rng):
            yield values.astype(K.STATIC_WEIGHT_DTYPE)

    def delays(self) -> Iterator[np.ndarray]:
        for values in iter_values(self._delay_ms, self._count, self._rng):
            yield np.maximum(1, np.rint(values / self._dt)).astype(np.int64)


@dataclass(frozen=True)
class _GivenSynapses:
    """Synapses a rule gives whole (``conv2d``, ``explicit``), in the stored dtypes."""

    pre: np.ndarray
    post: np.ndarray
    weight: np.ndarray
    delay: np.ndarray

    def pairs(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        yield self.pre, self.post

    def weights(self) -> Iterator[np.ndarray]:
        yield self.weight

    def delays(self) -> Iterator[np.ndarray]:
        yield self.delay
