"""Builders of projections (their plasticity rules are built in :mod:`.plasticity`)."""

from __future__ import annotations

import numpy as np

from engine.errors import ValidationError
from engine.model.network import Node
from engine.sim import kernels as K
from engine.sim.build import BUILDERS, BuildContext, ProjectionInfo, builds
from engine.sim.connectivity import connect, draw_values

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
    # a projection's own seed gives the same synapses whatever the node's id
    rng = (
        np.random.default_rng(params["seed"])
        if params["seed"] is not None
        else build.rng(node, "synapses")
    )
    pre_node, post_node = build.network.node(pre_g.node_id), build.network.node(post_g.node_id)
    try:
        synapses = connect(
            params,
            pre_g.size,
            post_g.size,
            rng,
            pre_shape=pre_node.params.get("shape"),
            post_shape=post_node.params.get("shape"),
            recurrent=pre_g.node_id == post_g.node_id,
            resolve_path=build.network.resolve_path,
            max_delay_ms=build.network.settings["max_delay_ms"],
            names=(pre_node.name, post_node.name),
        )
    except ValidationError as err:
        raise build.fail(node, err.message, err.field) from None
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
    channel = build.channel(
        post_g.node_id, kind, params.get("tau_syn", 0.0), params.get("e_rev", 0.0)
    )
    rule_links = build.network.links_into(node.id, "plasticity")
    plastic_index = -1
    if rule_links:
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
        plastic_index = len(build.plastic)
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
    else:
        stp = None
        if params.get("stp", "none") == "tsodyks_markram":
            stp = {"pre_start": pre_g.start, "pre_size": pre_g.size, "U": params["stp_u"],
                   "tau_rec": params["tau_rec"], "tau_fac": params["tau_fac"]}  # fmt: skip
        # kept until the network is assembled: in the stored dtypes already, so that a large
        # network does not hold int64/float64 copies of all its synapses (docs/engine.md, "Scale")
        weights = weights.astype(K.STATIC_WEIGHT_DTYPE)
        build.static.append(
            ((src + pre_g.start).astype(np.int32), dst.astype(np.int32), weights, delays,
             post_g.node_id, channel, stp)
        )  # fmt: skip
        build.static_weights[node.id] = weights
    build.projections.append(
        ProjectionInfo(
            node.id, node.name, pre_g.node_id, post_g.node_id, int(src.size), plastic_index
        )
    )
