"""Builders of projections and the plasticity rules that govern them."""

from __future__ import annotations

import numpy as np

from engine.model.network import Node
from engine.sim import kernels as K
from engine.sim.build import BUILDERS, BuildContext, ProjectionInfo, builds
from engine.sim.connectivity import draw_pairs, draw_values
from engine.sim.seeding import stream


@builds("projection.synapses")
def _build_projection(build: BuildContext, node: Node) -> None:
    params = node.params
    pre = build.single_source(node, "pre")
    post_link = next(
        lk
        for lk in build.network.links_from(node.id, "post")
        if build.network.node_type(lk.target).category == "population"
    )
    pre_g, post_g = build.group_of[pre.id], build.group_of[post_link.target]
    rng = (
        stream(params["seed"], node.id, "synapses")
        if params["seed"] is not None
        else build.rng(node, "synapses")
    )
    src, dst = draw_pairs(
        params["rule"],
        pre_g.size,
        post_g.size,
        rng,
        p=params["p"],
        autapses=params["autapses"],
        recurrent=pre_g.node_id == post_g.node_id,
    )
    weights = draw_values(params["weight"], src.size, rng)
    delays_ms = draw_values(params["delay_ms"], src.size, rng)
    delays = np.maximum(1, np.rint(delays_ms / build.dt)).astype(np.int32)
    channel = build.channel(post_g.node_id, K.CH_EXP, params["tau_syn"])
    rule_links = build.network.links_into(node.id, "plasticity")
    plastic_index = -1
    if rule_links:
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
        build.static.append((src + pre_g.start, dst, weights, delays, post_g.node_id, channel))
        build.static_weights[node.id] = weights
    build.projections.append(
        ProjectionInfo(
            node.id, node.name, pre_g.node_id, post_g.node_id, int(src.size), plastic_index
        )
    )


@builds("plasticity.stdp_pair")
def _build_stdp_pair(build: BuildContext, node: Node) -> dict[str, float]:
    params = node.params
    return {
        "tau_plus": params["tau_plus"],
        "tau_minus": params["tau_minus"],
        "a_plus": params["a_plus"],
        "a_minus": params["a_minus"],
        "w_min": params["w_min"],
        "w_max": params["w_max"],
        "mode": K.STDP_MULTIPLICATIVE if params["mode"] == "multiplicative" else K.STDP_ADDITIVE,
    }
