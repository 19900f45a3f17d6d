"""Builders of plasticity rules (called by the projections they govern) and modulators.

A rule builder returns the rule's row of the kernel's rule matrix as a dict keyed like
:data:`engine.sim.compiler.RULE_COLUMNS`; live-tunable parameters keep the same names.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.model.network import Node
from engine.sim import kernels as K
from engine.sim.build import BuildContext, builds


def _mode(params: dict[str, Any]) -> int:
    return K.STDP_MULTIPLICATIVE if params.get("mode") == "multiplicative" else K.STDP_ADDITIVE


@builds("plasticity.stdp_pair")
def _build_stdp_pair(build: BuildContext, node: Node) -> dict[str, float]:
    p = node.params
    keys = ("tau_plus", "tau_minus", "a_plus", "a_minus", "w_min", "w_max")
    return {"kind": K.RULE_STDP, "mode": _mode(p), **{key: p[key] for key in keys}}


@builds("plasticity.stdp_triplet")
def _build_stdp_triplet(build: BuildContext, node: Node) -> dict[str, float]:
    p = node.params
    keys = ("tau_plus", "tau_minus", "tau_x", "tau_y", "a_plus", "a_minus", "a3_plus",
            "a3_minus", "w_min", "w_max")  # fmt: skip
    return {"kind": K.RULE_STDP, "mode": _mode(p), **{key: p[key] for key in keys}}


@builds("plasticity.reward_stdp")
def _build_reward_stdp(build: BuildContext, node: Node) -> dict[str, float]:
    p = node.params
    modulator = build.single_source(node, "modulator")
    keys = ("tau_plus", "tau_minus", "a_plus", "a_minus", "tau_c", "eta", "w_min", "w_max")
    return {
        "kind": K.RULE_REWARD_STDP,
        "modulator": build.modulator_index(modulator.id),
        **{key: p[key] for key in keys},
    }


@builds("plasticity.synaptic_scaling")
def _build_synaptic_scaling(build: BuildContext, node: Node) -> dict[str, float]:
    p = node.params
    return {
        "kind": K.RULE_SCALING,
        "target_hz": p["target_hz"],
        "eta": p["eta"],
        "interval": max(1, build.steps(p["interval_ms"])),
        "w_min": p["w_min"],
        "w_max": p["w_max"],
    }


@builds("modulator.reward")
def _build_reward(build: BuildContext, node: Node) -> None:
    p = node.params
    # a reward at t is stamped like a spike: it acts in the step that ends at t
    steps = np.maximum(np.rint(np.asarray(p["reward_times_ms"]) / build.dt) - 1, 0)
    build.modulators.append(
        {
            "node_id": node.id,
            "decay": math.exp(-build.dt / p["tau_d"]),
            "baseline": p["baseline"],
            "steps": steps.astype(np.int64),
            "amounts": np.full(steps.size, p["amount"]),
        }
    )
