"""Write the benchmark networks as ordinary project files (benchmarks/networks/*.snnproj).

CUBA (Vogels & Abbott 2005; Brette et al. 2007, benchmark 2), in SpikeStudio's units.
Brian2's CUBA adds w mV to a synaptic variable that enters dv/dt = (ge + gi - (v - El)) / tau_m;
our LIF has C dv/dt = -(C / tau_m)(v - El) + I, so the same drive is I = ge * C / tau_m and a
weight of w mV becomes w * C / tau_m pA. Usage: ``python benchmarks/make_networks.py [N ...]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from engine.io.project_file import save_project
from engine.model.network import Network
from engine.model.project import Project

TAU_M, C_M = 20.0, 200.0
W_EXC_MV, W_INH_MV = 60 * 0.27 / 10, -20 * 4.5 / 10
OUT = Path(__file__).parent / "networks"


def cuba(n: int) -> Project:
    """CUBA with ``n`` neurons, 80 % excitatory, about 80 synapses per neuron."""
    net = Network()
    net.set_setting("dt_ms", 0.1)
    net.set_setting("duration_ms", 1000.0)
    net.set_setting("max_delay_ms", 1.0)
    lif = {
        "tau_m": TAU_M,
        "c_m": C_M,
        "e_l": -49.0,
        "v_th": -50.0,
        "v_reset": -60.0,
        "t_ref": 5.0,
        "v_init": {"distribution": "uniform", "low": -60.0, "high": -50.0},
    }
    n_exc = int(n * 0.8)
    exc = net.add_node("population.lif", "Excitatory", {"size": n_exc, **lif})
    inh = net.add_node("population.lif", "Inhibitory", {"size": n - n_exc, **lif})
    p = 80.0 / n
    for pre, w_mv, tau in ((exc, W_EXC_MV, 5.0), (inh, W_INH_MV, 10.0)):
        for post in (exc, inh):
            net.connect_groups(
                pre.id,
                post.id,
                {
                    "rule": "fixed_probability",
                    "p": p,
                    "weight": w_mv * C_M / TAU_M,
                    "tau_syn": tau,
                    "delay_ms": 0.1,
                    "autapses": pre.id != post.id,
                },
            )
    spikes = net.add_node("recorder.spikes", "Spikes")
    net.add_link(exc.id, "out", spikes.id, "source")
    net.add_link(inh.id, "out", spikes.id, "source")
    project = Project(
        net,
        f"CUBA, {n} neurons",
        "Vogels & Abbott (2005) current-based benchmark network (Brette et al. 2007, benchmark 2).",
    )
    return project


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [4000, 10000]
    OUT.mkdir(exist_ok=True)
    for n in sizes:
        path = OUT / f"cuba_{n}.snnproj"
        save_project(cuba(n), path)
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
