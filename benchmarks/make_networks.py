"""Write the benchmark networks as ordinary project files (benchmarks/networks/*.snnproj).

Anyone can run them with ``spikestudio run benchmarks/networks/cuba_4000.snnproj`` and compare.
The models and their parameters are defined once in :mod:`spec` (shared with the Brian2 and
NEST runners). CUBA (Vogels & Abbott 2005; Brette et al. 2007, benchmark 2) in SpikeStudio's
units: Brian2's CUBA adds w mV to a synaptic variable that enters
dv/dt = (ge + gi - (v - El)) / tau_m; our LIF has C dv/dt = -(C / tau_m)(v - El) + I, so the same
drive is I = ge * C / tau_m and a weight of w mV becomes w * C / tau_m pA.

Usage: ``python benchmarks/make_networks.py [NAME_N ...]`` (``cuba_4000``, ``stdp_4000``...);
without arguments, every benchmark at its default sizes. COBA is written only when the
catalog has conductance synapses (``projection.conductance``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import spec  # noqa: E402

from engine.io.project_file import save_project  # noqa: E402
from engine.model.catalog import default_catalog  # noqa: E402
from engine.model.network import Network  # noqa: E402
from engine.model.project import Project  # noqa: E402

OUT = Path(__file__).parent / "networks"


class NotSupportedError(Exception):
    """The engine cannot express this benchmark yet (the message says what is missing)."""


def conductance_supported() -> bool:
    """True when the catalog has conductance-based projections with ``e_rev``."""
    catalog = default_catalog()
    if "projection.conductance" not in catalog:
        return False
    return any(p.name == "e_rev" for p in catalog.get("projection.conductance").params)


def _network(params: dict, max_delay_ms: float) -> Network:
    net = Network()
    net.set_setting("dt_ms", spec.DT_MS)
    net.set_setting("duration_ms", spec.DURATION_MS)
    net.set_setting("max_delay_ms", max_delay_ms)
    return net


def _populations(net: Network, n: int, params: dict, i_e: float = 0.0):
    lif = {
        "tau_m": params["tau_m"],
        "c_m": params["c_m"],
        "e_l": params["e_l"],
        "v_th": params["v_th"],
        "v_reset": params["v_reset"],
        "t_ref": params["t_ref"],
        "i_e": i_e,
        "v_init": {
            "distribution": "uniform",
            "low": params["v_reset"],
            "high": params["v_th"],
        },
    }
    n_exc, n_inh = spec.split(n, params)
    exc = net.add_node("population.lif", "Excitatory", {"size": n_exc, **lif})
    inh = net.add_node("population.lif", "Inhibitory", {"size": n_inh, **lif})
    return exc, inh


def _record_all(net: Network, *groups) -> None:
    spikes = net.add_node("recorder.spikes", "Spikes")
    for group in groups:
        net.add_link(group.id, "out", spikes.id, "source")


def cuba(
    n: int, *, delay=None, stdp: bool = False, synapses_per_neuron: float | None = None
) -> Network:
    """CUBA with ``n`` neurons; optionally a delay distribution or pair STDP on E -> E, or
    another mean in-degree than the model's 80 (the scale benchmark's 100 M synapses)."""
    p = spec.CUBA
    if synapses_per_neuron is not None:
        p = {**p, "synapses_per_neuron": synapses_per_neuron}
    max_delay = spec.DELAYS["high_ms"] if delay is not None else p["delay_ms"]
    net = _network(p, max(max_delay, 1.0))
    exc, inh = _populations(net, n, p)
    prob = spec.connection_probability(n, p)
    for pre, w_mv, tau in ((exc, p["w_e_mv"], p["tau_e"]), (inh, p["w_i_mv"], p["tau_i"])):
        for post in (exc, inh):
            projection = net.connect_groups(
                pre.id,
                post.id,
                {
                    "rule": "fixed_probability",
                    "p": prob,
                    "weight": spec.mv_to_pa(w_mv, p),
                    "tau_syn": tau,
                    "delay_ms": p["delay_ms"] if delay is None else delay,
                    "autapses": pre.id != post.id,
                },
            )
            if stdp and pre is exc and post is exc:
                s = spec.STDP
                rule = net.add_node(
                    "plasticity.stdp_pair",
                    "STDP",
                    {
                        "tau_plus": s["tau_plus"],
                        "tau_minus": s["tau_minus"],
                        "a_plus": s["a_plus_pa"],
                        "a_minus": s["a_minus_pa"],
                        "w_min": s["w_min_pa"],
                        "w_max": s["w_max_pa"],
                        "mode": "additive",
                    },
                )
                net.add_link(rule.id, "out", projection.id, "plasticity")
    _record_all(net, exc, inh)
    return net


def coba(n: int) -> Network:
    """COBA (Brette et al. 2007 benchmark 1) with ``n`` neurons."""
    if not conductance_supported():
        raise NotSupportedError("the catalog has no projection.conductance with e_rev yet")
    p = spec.COBA
    net = _network(p, 1.0)
    exc, inh = _populations(net, n, p, i_e=p["i_e"])
    prob = spec.connection_probability(n, p)
    for pre, g, tau, e_rev in (
        (exc, p["g_e"], p["tau_e"], p["e_e"]),
        (inh, p["g_i"], p["tau_i"], p["e_i"]),
    ):
        for post in (exc, inh):
            projection = net.add_node(
                "projection.conductance",
                f"{pre.name} → {post.name}",
                {
                    "rule": "fixed_probability",
                    "p": prob,
                    "weight": g,
                    "e_rev": e_rev,
                    "tau_syn": tau,
                    "delay_ms": p["delay_ms"],
                    "autapses": pre.id != post.id,
                },
            )
            net.add_link(pre.id, "out", projection.id, "pre")
            net.add_link(projection.id, "post", post.id, "synapses")
    _record_all(net, exc, inh)
    return net


def build(name: str, n: int) -> Project:
    """The project of benchmark ``name`` (a key of :data:`spec.BENCHMARKS`) at size ``n``."""
    if name == "cuba":
        net = cuba(n)
        title = f"CUBA, {n} neurons"
        doc = (
            "Vogels & Abbott (2005) current-based benchmark network "
            "(Brette et al. 2007, benchmark 2)."
        )
    elif name == "stdp":
        net = cuba(n, stdp=True)
        title = f"CUBA with pair STDP on E → E, {n} neurons"
        doc = "CUBA; the excitatory-excitatory projection is plastic (additive pair STDP)."
    elif name == "delays":
        d = spec.DELAYS
        net = cuba(n, delay={"distribution": "uniform", "low": d["low_ms"], "high": d["high_ms"]})
        title = f"CUBA with delays {d['low_ms']:g}-{d['high_ms']:g} ms, {n} neurons"
        doc = "CUBA; every synapse has its own delay, drawn uniformly."
    elif name == "coba":
        net = coba(n)
        title = f"COBA, {n} neurons"
        doc = "Brette et al. (2007) benchmark 1: conductance-based exponential synapses."
    else:
        raise KeyError(f"unknown benchmark {name!r}; known: {', '.join(spec.BENCHMARKS)}")
    return Project(net, title, doc)


def path_for(name: str, n: int) -> Path:
    return OUT / f"{spec.project_stem(name, n)}.snnproj"


def write(name: str, n: int) -> Path:
    """Write benchmark ``name`` at size ``n``; raises :class:`NotSupportedError`."""
    OUT.mkdir(exist_ok=True)
    path = path_for(name, n)
    save_project(build(name, n), path)
    return path


def main(argv: list[str]) -> int:
    targets = []
    for arg in argv:
        name, _, size = arg.rpartition("_")
        targets.append((name, int(size)))
    if not targets:
        targets = [(name, n) for name, (_, sizes, _) in spec.BENCHMARKS.items() for n in sizes]
    for name, n in targets:
        try:
            print(write(name, n))
        except NotSupportedError as err:
            print(f"skipped {spec.project_stem(name, n)}: {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
