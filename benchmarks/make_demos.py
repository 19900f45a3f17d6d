"""Write the Brunel (2000) classroom demos ``projects/brunel_ai.snnproj`` and ``brunel_sr.snnproj``.

Brunel's model A (J Comput Neurosci 8:183-208, 2000): N_E excitatory and N_I = N_E / 4
inhibitory LIF neurons with delta synapses (a spike makes the target's potential jump by J,
inhibitory ones by -g J, after a delay D = 1.5 ms); each neuron receives C_E = 0.1 N_E
excitatory and C_I = 0.1 N_I inhibitory synapses, plus C_E synapses from neurons outside the
network that fire as Poisson processes at nu_ext = eta nu_thr, where nu_thr = theta / (J C_E tau)
is the rate that brings the mean input to threshold.

Two points of his phase diagram (Fig. 8):

- asynchronous irregular (AI), g = 5, eta = 2: inhibition dominates; neurons fire irregularly,
  nearly independently of each other, and the population rate fluctuates without a rhythm;
- synchronous regular (SR), g = 3, eta = 2: excitation dominates; neurons fire almost
  periodically near saturation and the whole network oscillates in lock step.

Sized for a classroom laptop: N_E = 2000, N_I = 500, so C_E = 200 and, to keep Brunel's balance
(his Fig. 8 uses C_E = 1000 with J = 0.1 mV), J C_E = 100 mV, i.e. J = 0.5 mV: the network that
``tests/engine/test_networks_against_nest.py`` checks against NEST. Each run takes a few
seconds. Smaller networks need a larger J: at N_E = 800 (J = 1.25 mV) the AI state turns
bursty (CV of ISI 1.9) with slow +-30 % swings of the population rate, a less convincing
picture. The external neurons are one pool of 10 N_E Poisson spike trains at nu_ext; each
neuron draws its C_E external synapses from it (fixed in-degree), so two neurons share about
C_E / pool size = 1 % of their external input.

Usage: ``python benchmarks/make_demos.py [FOLDER]`` (rewrites both files, in ``projects/`` by
default).
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.io.project_file import save_project  # noqa: E402
from engine.model.network import Network  # noqa: E402
from engine.model.project import Project, empty_view  # noqa: E402

OUT = ROOT / "projects"

N_E = 2000
C_E = N_E // 10
N_I = N_E // 4
C_I = N_I // 10
J_MV = 100.0 / C_E  # J C_E = 100 mV, as Brunel's C_E = 1000, J = 0.1 mV
THETA, V_RESET, TAU_M, T_REF, DELAY = 20.0, 10.0, 20.0, 2.0, 1.5
NU_THR_HZ = THETA / (J_MV * C_E * TAU_M) * 1000.0  # 10 Hz
EXT_POOL = 10 * N_E

#: name -> (g, eta, duration in ms, seed, title, what to look for)
DEMOS = {
    "brunel_ai": (
        5.0,
        2.0,
        1000.0,
        1,
        "Brunel (2000): asynchronous irregular state",
        "Inhibition dominates (g = 5): each neuron fires irregularly (CV of its interspike "
        "intervals about 1.2) at about 50 Hz, its potential wandering below threshold, and "
        "different neurons fire nearly independently: no rhythm in the raster, only the "
        "faint flicker of the population rate that a finite network keeps.",
    ),
    "brunel_sr": (
        3.0,
        2.0,
        300.0,
        1,
        "Brunel (2000): synchronous regular state",
        "Excitation dominates (g = 3): neurons fire almost periodically near saturation "
        "(about 330 Hz; the refractory period is 2 ms) and in lock step: the raster shows "
        "vertical stripes, one volley every 3 ms in which nearly every neuron fires within "
        "0.3 ms.",
    ),
}


def _lif(size: int) -> dict:
    return {
        "size": size,
        "tau_m": TAU_M,
        "c_m": 250.0,  # delta synapses: the capacitance plays no part
        "e_l": 0.0,
        "v_th": THETA,
        "v_reset": V_RESET,
        "t_ref": T_REF,
        "v_init": {"distribution": "uniform", "low": 0.0, "high": THETA},
    }


def brunel(
    g: float, eta: float, duration_ms: float, seed: int, key: str = "brunel"
) -> tuple[Network, dict]:
    """Model A as a document, and the canvas position (top-left) of every node.

    Node ids are derived from ``key`` and the node's name, so that rewriting a file draws the
    same synapses again (every random stream is named by the project seed and the node id).
    """
    net = Network()
    net.set_setting("dt_ms", 0.1)
    net.set_setting("duration_ms", duration_ms)
    net.set_setting("seed", seed)
    net.set_setting("max_delay_ms", DELAY)
    pos: dict[str, list[float]] = {}

    def node(type_id: str, name: str, params: dict, xy: tuple[float, float]):
        node_id = uuid.uuid5(uuid.NAMESPACE_URL, f"spikestudio:{key}/{name}").hex
        n = net.add_node(type_id, name, params, node_id=node_id)
        pos[n.id] = [float(xy[0]), float(xy[1])]
        return n

    def delta(pre, post, name: str, xy, **params):
        p = node("projection.delta", name, {"delay_ms": DELAY, **params}, xy)
        net.add_link(pre.id, "out", p.id, "pre")
        net.add_link(p.id, "post", post.id, "synapses")
        return p

    ext = node(
        "encoder.poisson",
        "External (Poisson)",
        {"size": EXT_POOL, "rate_hz": eta * NU_THR_HZ},
        (-520, -20),
    )
    exc = node("population.lif", "Excitatory", _lif(N_E), (0, -200))
    inh = node("population.lif", "Inhibitory", _lif(N_I), (0, 160))
    k_ext = {"rule": "fixed_indegree", "k": C_E, "weight": J_MV}
    delta(ext, exc, "External → E", (-280, -200), **k_ext)
    delta(ext, inh, "External → I", (-280, 160), **k_ext)
    recurrent = {"rule": "fixed_indegree", "autapses": False}
    delta(exc, exc, "E → E", (20, -360), k=C_E, weight=J_MV, **recurrent)
    delta(exc, inh, "E → I", (280, -100), k=C_E, weight=J_MV, **recurrent)
    delta(inh, exc, "I → E", (280, 40), k=C_I, weight=-g * J_MV, **recurrent)
    delta(inh, inh, "I → I", (20, 320), k=C_I, weight=-g * J_MV, **recurrent)
    spikes = node("recorder.spikes", "Spikes", {}, (540, -200))
    net.add_link(exc.id, "out", spikes.id, "source")
    net.add_link(inh.id, "out", spikes.id, "source")
    membrane = node(
        "recorder.state",
        "Membrane (E 0-2)",
        {"variable": "v_m", "neurons": [0, 1, 2], "interval_ms": 0.1},
        (540, 160),
    )
    net.add_link(exc.id, "out", membrane.id, "source")
    return net, pos


def build(name: str) -> Project:
    g, eta, duration, seed, title, look = DEMOS[name]
    net, positions = brunel(g, eta, duration, seed, key=name)
    description = (
        f"Brunel (2000) model A: {N_E} excitatory and {N_I} inhibitory LIF neurons with delta "
        f"synapses (J = {J_MV:g} mV, inhibitory -g J with g = {g:g}, delay {DELAY:g} ms), "
        f"C_E = {C_E} and C_I = {C_I} synapses into every neuron, and {C_E} external Poisson "
        f"inputs at eta nu_thr = {eta:g} x {NU_THR_HZ:g} Hz. {look}"
    )
    view = empty_view()
    view["positions"] = positions
    view["center"] = [80.0, 0.0]
    return Project(net, title, description, view)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    for name in DEMOS:
        path = out / f"{name}.snnproj"
        save_project(build(name), path)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
