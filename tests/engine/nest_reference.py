"""Helpers for ``test_against_nest.py``: the same small networks built in SpikeStudio and in NEST.

NEST (``nest-simulator`` on PyPI) is the reference: its ``iaf_psc_exp`` is the model our
``population.lif`` follows, both integrate it exactly, and both stamp spikes at the end of the
step. Everything here works in whole steps of ``DT``; times are compared as step indices
(``round(t / dt)``) so that the two simulators' different float representations of the same
grid time (NEST counts in integer tics) do not matter.

Conventions that differ, measured with NEST 3.10 at dt = 0.1 ms and written down here once:

``dc_generator`` timing
    Our ``encoder.dc`` drives the membrane in the steps ``[start_ms, stop_ms)``. A NEST
    ``dc_generator`` reaches its target through a connection with a delay ``d`` (at least one
    step) and drives it in ``[start + d, stop + d)``; it cannot act before ``d + dt``
    (see :func:`ours_dc_window`).

STDP pair timing (``stdp_synapse`` vs ``plasticity.stdp_pair``)
    NEST treats the whole synaptic delay ``d`` as dendritic: it pairs the presynaptic
    *emission* time with the postsynaptic spike *delayed by d*, ``dt_NEST = t_post + d - t_pre``.
    We pair the presynaptic *arrival* time with the postsynaptic spike,
    ``dt_ours = t_post - (t_pre + d)``. So ``dt_ours = dt_NEST - 2 d``: the same spike trains
    are seen ``2 d`` apart. NEST also applies facilitation lazily, at the next presynaptic
    spike, so postsynaptic spikes after the last presynaptic one have not changed a NEST weight
    yet; ours are applied at once. In both, spikes that meet at the same time do not interact.
    Parameters map as ``a_plus = lambda Wmax``, ``a_minus = alpha lambda Wmax``, ``w_min = 0``,
    ``mu_plus = mu_minus = 0`` (additive) or 1 (multiplicative) (:func:`nest_stdp_params`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.model.network import Network, Node
from engine.sim.simulator import Chunk, Simulator

DT = 0.1

#: Our LIF parameter names -> NEST ``iaf_psc_exp`` names (units are the same: ms, pF, mV, pA).
LIF_TO_NEST = {
    "tau_m": "tau_m",
    "c_m": "C_m",
    "e_l": "E_L",
    "v_th": "V_th",
    "v_reset": "V_reset",
    "t_ref": "t_ref",
    "i_e": "I_e",
    "v_init": "V_m",
}

#: Defaults of our LIF (which are also NEST's iaf_psc_exp defaults).
LIF_DEFAULTS = {
    "tau_m": 10.0,
    "c_m": 250.0,
    "e_l": -70.0,
    "v_th": -55.0,
    "v_reset": -70.0,
    "t_ref": 2.0,
    "i_e": 0.0,
    "v_init": -70.0,
}


def steps(times_ms: Any, dt: float = DT) -> np.ndarray:
    """Grid times as step stamps (``round(t / dt)``), the exact way to compare spike times."""
    return np.rint(np.asarray(times_ms, dtype=float) / dt).astype(np.int64)


def poisson_trains(
    rng: np.random.Generator, n: int, rate_hz: float, t_stop_ms: float, dt: float = DT
) -> list[np.ndarray]:
    """``n`` explicit spike trains on the grid, at most one spike per step, times in (0, stop]."""
    n_steps = int(round(t_stop_ms / dt))
    hits = rng.random((n, n_steps)) < rate_hz * dt / 1000.0
    return [(np.flatnonzero(row) + 1) * dt for row in hits]


# -- SpikeStudio side ---------------------------------------------------------------------------
def new_network(duration_ms: float, *, seed: int = 1, max_delay_ms: float = 20.0) -> Network:
    net = Network()
    net.set_setting("dt_ms", DT)
    net.set_setting("duration_ms", duration_ms)
    net.set_setting("seed", seed)
    net.set_setting("max_delay_ms", max_delay_ms)
    return net


def _node_id(name: str) -> str:
    """Node ids fixed by name. Every random stream of a node is drawn from (project seed, node
    id, purpose), and ``add_node`` would pick a random uuid: with these, a rebuilt network
    draws the same synapses again and the tests are deterministic."""
    return f"nest-ref:{name}"


def add_lif(net: Network, name: str, size: int, **params: Any) -> Node:
    return net.add_node("population.lif", name, {"size": size, **params}, node_id=_node_id(name))


def add_spike_times(net: Network, name: str, trains: Sequence[Sequence[float]]) -> Node:
    """A spike-times encoder with one channel per train."""
    lists = [[float(t) for t in train] for train in trains]
    params = {"size": len(lists), "spike_times_ms": lists}
    return net.add_node("encoder.spike_times", name, params, node_id=_node_id(name))


def add_dc(net: Network, target: Node, amplitude_pa: float, start_ms: float, stop_ms: float):
    name = f"DC → {target.name}"
    params = {"amplitude_pa": amplitude_pa, "start_ms": start_ms, "stop_ms": stop_ms}
    dc = net.add_node("encoder.dc", name, params, node_id=_node_id(name))
    net.add_link(dc.id, "out", target.id, "current")
    return dc


def connect(net: Network, pre: Node, post: Node, **params: Any) -> Node:
    """A projection (what ``Network.connect_groups`` makes, with a fixed node id); ``params``
    are the projection's (rule, p, weight, delay_ms, tau_syn, ...)."""
    name = f"{pre.name} → {post.name}"
    projection = net.add_node("projection.synapses", name, params, node_id=_node_id(name))
    net.add_link(pre.id, "out", projection.id, "pre")
    net.add_link(projection.id, "post", post.id, "synapses")
    return projection


def add_stdp(net: Network, projection: Node, **params: Any) -> Node:
    name = f"STDP of {projection.name}"
    rule = net.add_node("plasticity.stdp_pair", name, params, node_id=_node_id(name))
    net.add_link(rule.id, "out", projection.id, "plasticity")
    return rule


def record_spikes(net: Network, *groups: Node) -> Node:
    rec = net.add_node("recorder.spikes", net.unique_name("Spikes"))
    for group in groups:
        net.add_link(group.id, "out", rec.id, "source")
    return rec


def record_state(net: Network, pop: Node, neurons: Sequence[int], variable: str = "v_m") -> Node:
    rec = net.add_node(
        "recorder.state",
        net.unique_name(f"{variable} of {pop.name}"),
        {"variable": variable, "neurons": list(neurons), "interval_ms": DT},
    )
    net.add_link(pop.id, "out", rec.id, "source")
    return rec


def run_ours(net: Network, duration_ms: float) -> tuple[Simulator, Chunk]:
    sim = Simulator(net)
    return sim, sim.advance(sim.steps_for(duration_ms))


def ours_spikes(sim: Simulator, chunk: Chunk, group: Node) -> tuple[np.ndarray, np.ndarray]:
    """(stamp, local neuron index) of a recorded group's spikes, sorted by stamp then neuron.

    The stamp of a spike found in step ``n`` is ``n + 1`` (its time is ``(n + 1) dt``).
    """
    info = sim.compiled.group(group.id)
    keep = (chunk.spike_neurons >= info.start) & (chunk.spike_neurons < info.start + info.size)
    stamps = chunk.spike_steps[keep] + 1
    local = chunk.spike_neurons[keep] - info.start
    order = np.lexsort((local, stamps))
    return stamps[order], local[order]


# -- NEST side ------------------------------------------------------------------------------------
def nest_reset(nest, *, seed: int = 12345) -> None:
    """A fresh NEST kernel at our resolution, one thread, errors only."""
    nest.ResetKernel()
    if hasattr(nest, "VerbosityLevel"):  # NEST >= 3.9
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    nest.resolution = DT
    nest.local_num_threads = 1
    nest.rng_seed = seed


def nest_lif_params(
    lif: Mapping[str, Any] | None = None, *, tau_syn_ex: float, tau_syn_in: float
) -> dict[str, float]:
    """NEST ``iaf_psc_exp`` parameters for our LIF parameters ``lif`` (defaults filled in)."""
    values = dict(LIF_DEFAULTS, **(lif or {}))
    params = {LIF_TO_NEST[k]: float(v) for k, v in values.items() if k in LIF_TO_NEST}
    params["tau_syn_ex"] = float(tau_syn_ex)
    params["tau_syn_in"] = float(tau_syn_in)
    return params


def nest_spike_generators(nest, trains: Sequence[Sequence[float]]):
    gens = nest.Create("spike_generator", len(trains))
    gens.set([{"spike_times": [float(t) for t in train]} for train in trains])
    return gens


def nest_spikes(recorder, nodes) -> tuple[np.ndarray, np.ndarray]:
    """(stamp, local index) of the spikes a NEST spike_recorder took from ``nodes`` (a
    contiguous NodeCollection), sorted by stamp then neuron, as :func:`ours_spikes`."""
    events = recorder.events
    stamps = steps(events["times"])
    local = np.asarray(events["senders"], dtype=np.int64) - nodes[0].global_id
    order = np.lexsort((local, stamps))
    return stamps[order], local[order]


# -- conventions ----------------------------------------------------------------------------------
def ours_dc_window(nest_start_ms: float, nest_stop_ms: float, delay_ms: float) -> tuple:
    """Our ``encoder.dc`` (start, stop) equivalent to a NEST ``dc_generator`` window.

    NEST's current reaches the membrane a connection delay after the generator is active;
    a generator window starting before ``dt`` is cut at ``dt``.
    """
    start = max(nest_start_ms, DT) + delay_ms
    return start, nest_stop_ms + delay_ms


def nest_stdp_params(
    a_plus: float, a_minus: float, w_max: float, mode: str = "additive"
) -> dict[str, float]:
    """NEST ``stdp_synapse`` parameters for our pair rule with ``w_min = 0``.

    NEST: ``w += lambda Wmax (1 - w/Wmax)^mu_plus K+``, ``w -= alpha lambda Wmax (w/Wmax)^mu_minus
    K-``, clipped to [0, Wmax]. ``mu = 0`` is our additive rule; ``mu = 1`` is our
    multiplicative one, ``f+ = (w_max - w) / w_max`` and ``f- = w / w_max``.
    """
    mu = {"additive": 0.0, "multiplicative": 1.0}[mode]
    return {
        "lambda": a_plus / w_max,
        "alpha": a_minus / a_plus,
        "Wmax": w_max,
        "mu_plus": mu,
        "mu_minus": mu,
    }


def pair_stdp_change(
    pre_ms: Sequence[float],
    post_ms: Sequence[float],
    *,
    a_plus: float,
    a_minus: float,
    tau_plus: float,
    tau_minus: float,
    facilitate_until_ms: float = np.inf,
) -> float:
    """Total weight change of additive all-to-all pair STDP when no bound is reached.

    ``pre_ms`` and ``post_ms`` are the spike times *as the rule sees them* (for us: arrival of
    the presynaptic spike and the postsynaptic spike; for NEST: presynaptic emission and
    postsynaptic spike plus the delay). Pairs at equal times do not interact. Post spikes after
    ``facilitate_until_ms`` do not potentiate (NEST's lazy facilitation).
    """
    pre = steps(pre_ms)[:, None]
    post = steps(post_ms)[None, :]
    lag = (post - pre) * DT  # > 0: pre before post
    total = 0.0
    potentiating = lag > 0
    if np.isfinite(facilitate_until_ms):
        potentiating &= post <= steps(facilitate_until_ms)
    total += a_plus * np.exp(-lag[potentiating] / tau_plus).sum()
    total -= a_minus * np.exp(lag[lag < 0] / tau_minus).sum()
    return float(total)


def ours_static_synapses(sim: Simulator) -> np.ndarray:
    """Every static synapse of a built network, decoded from the compiled arrays.

    There is no public accessor for static projections yet (``Simulator.synapses`` covers
    plastic ones), so this reads ``compiled.arrays``: ``static`` holds, sorted by global
    presynaptic index, each synapse's input index (a per-population, per-tau_syn block of
    ``channels``), weight and delay in steps. Returns a structured array with fields
    ``pre_group``, ``pre`` (local index), ``post_group``, ``post``, ``tau_syn``, ``weight`` and
    ``delay_steps``.
    """
    compiled = sim.compiled
    static, channels = compiled.arrays["static"], compiled.arrays["channels"]
    groups = compiled.groups
    n = static.target.size
    src = np.repeat(np.arange(static.ptr.size - 1), np.diff(static.ptr))
    starts = np.array([g.start for g in groups])
    pre_group = np.searchsorted(starts, src, side="right") - 1
    # each channel block belongs to the group whose channel range (grp_ptr) holds it
    block_group = np.repeat(np.arange(len(groups)), np.diff(channels.grp_ptr))
    block = np.searchsorted(channels.block_start, static.target, side="right") - 1
    post_group = block_group[block]
    out = np.zeros(
        n,
        dtype=[
            ("pre_group", "U80"),
            ("pre", np.int64),
            ("post_group", "U80"),
            ("post", np.int64),
            ("tau_syn", float),
            ("weight", float),
            ("delay_steps", np.int64),
        ],
    )
    names = np.array([g.name for g in groups])
    out["pre_group"] = names[pre_group]
    out["pre"] = src - starts[pre_group]
    out["post_group"] = names[post_group]
    out["post"] = static.target - channels.block_start[block]
    out["tau_syn"] = -compiled.dt_ms / np.log(channels.decay[block])
    out["weight"] = static.weight
    out["delay_steps"] = static.delay
    return out


def require_nest():
    """Import NEST, or stop the test module with a clear message.

    ``make test`` installs NEST (the ``reference`` extra), so a missing NEST is a set-up
    problem and fails loudly; set ``SPIKESTUDIO_WITHOUT_NEST=1`` (or deselect ``-m "not nest"``)
    to skip these comparisons on purpose.
    """
    import pytest

    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        import nest
    except ImportError:
        message = (
            "nest-simulator is not installed; run 'make test' (it installs the 'reference' "
            "extra) or pip install -e '.[reference]'; to skip on purpose set "
            "SPIKESTUDIO_WITHOUT_NEST=1 or deselect with -m 'not nest'"
        )
        if os.environ.get("SPIKESTUDIO_WITHOUT_NEST") == "1":
            pytest.skip(message, allow_module_level=True)
        pytest.fail(message, pytrace=False)
    return nest
