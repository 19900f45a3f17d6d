"""Whole networks against NEST: the same model built in both, compared by its statistics.

Unlike ``test_against_nest.py``, nothing random is shared here: each simulator draws its own
connectivity, initial potentials and Poisson inputs, so the comparison is statistical. Each
side is averaged over several seeds (the mean rate of one network depends on its draw of
synapses by a few percent), then

- CUBA (Vogels & Abbott 2005; Brette et al. 2007 benchmark 2, our version in
  ``benchmarks/spec.py``): ``population.lif`` vs ``iaf_psc_exp``, mean rates within 5 % of each
  other and both in the published 5.5-5.9 Hz band.
- Brunel (2000) model A: ``population.lif`` with ``projection.delta`` vs ``iaf_psc_delta``, in
  the asynchronous-irregular (AI: g = 5, eta = 2) and synchronous-regular (SR: g = 3,
  eta = 2) regimes. Mean rates within 5 %; the CV of the interspike intervals and the
  synchrony measure chi (below) must put both simulators in the same regime.

Brunel's Fig. 8 network has N_E = 10,000, C_E = 1000 and J = 0.1 mV. A NEST run of it takes
minutes, so ours is scaled down to N_E = 2000 (C_E = 0.1 N_E = 200) with J C_E kept at
100 mV (J = 0.5 mV). Keeping J = 0.1 mV instead would raise the threshold rate
nu_thr = theta / (J C_E tau) five-fold, and the balance that makes the AI and SR states
disappears: at N_E = 1000, J = 0.1 mV both simulators agree on 85.5 Hz with CV 0.13 at g = 5
and 117 Hz with CV 0.09 at g = 3, neither irregular nor synchronous.

External drive. NEST's ``poisson_generator`` sends each target its own Poisson train of rate
C_E nu_ext (4 kHz here): a Poisson number of spikes per step. Our ``encoder.poisson`` channel
spikes at most once per step (probability rate * dt), so one channel per neuron at 4 kHz
(p = 0.4) would have 40 % too little variance. Each neuron gets EXT_CHANNELS private channels
instead, at C_E nu_ext / EXT_CHANNELS each: a Binomial(10, 0.04) count per step, with NEST's
mean and 4 % less variance, which is 0.2 % of the total input variance in the AI state (the
recurrent input dominates). The channels are made private with the distance rule: the encoder
has shape [EXT_CHANNELS, 1, N], the population [1, N], and a box of radius 0 connects the
channels that sit at the neuron's own position.

Connectivity: ``fixed_indegree`` in both, without autapses or multapses (ours draws distinct
presynaptic neurons; NEST is told to do the same).

Measures, over [warm-up, end) of every run:

- rate: spikes / neurons / time;
- CV: mean over neurons with at least 5 intervals of std(ISI) / mean(ISI) (Poisson: 1);
- chi: Golomb's synchrony measure on spike counts in 1 ms bins,
  chi^2 = Var_t(population-averaged count) / mean_i Var_t(count of neuron i): about 1/sqrt(N)
  for independent neurons, 1 for perfect synchrony.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

try:  # tests/engine as a package, or (pytest's default) as a directory on sys.path
    from . import nest_reference as ref
except ImportError:
    import nest_reference as ref

from engine.model.network import Network
from engine.sim.simulator import Simulator

os.environ.setdefault("PYNEST_QUIET", "1")
nest = ref.require_nest()

DT = ref.DT
ROOT = Path(__file__).resolve().parents[2]


def _benchmark_spec():
    """``benchmarks/spec.py``: the CUBA numbers every benchmark implementation uses."""
    path = ROOT / "benchmarks" / "spec.py"
    module_spec = importlib.util.spec_from_file_location("spikestudio_benchmark_spec", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def nest_kernel():
    """Every test starts from, and leaves, a fresh NEST kernel at dt = 0.1 ms."""
    ref.nest_reset(nest)
    yield
    nest.ResetKernel()


# -- statistics ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stats:
    rate_hz: float
    cv: float
    chi: float


def spike_stats(times_ms, neurons, n: int, t0: float, t1: float, bin_ms: float = 1.0) -> Stats:
    """Rate, mean CV of ISI and synchrony chi of the spikes of ``n`` neurons in steps [t0, t1).

    ``neurons`` are local indices 0..n-1; ``times_ms`` are spike stamps (both simulators stamp
    a spike found in the step ending at t with t), so the window holds stamps in (t0, t1].
    """
    times_ms = np.asarray(times_ms, dtype=float)
    neurons = np.asarray(neurons, dtype=np.int64)
    keep = (times_ms > t0 + 1e-9) & (times_ms < t1 + 1e-9)
    times_ms, neurons = times_ms[keep], neurons[keep]
    rate = times_ms.size / n / ((t1 - t0) / 1000.0)
    order = np.lexsort((times_ms, neurons))
    t, who = times_ms[order], neurons[order]
    same = np.diff(who) == 0
    isi, owner = np.diff(t)[same], who[1:][same]
    count = np.bincount(owner, minlength=n)
    ok = count >= 5
    mean = np.bincount(owner, isi, n)[ok] / count[ok]
    mean_sq = np.bincount(owner, isi**2, n)[ok] / count[ok]
    cv = float(np.mean(np.sqrt(np.maximum(mean_sq - mean**2, 0.0)) / mean)) if ok.any() else 0.0
    n_bins = int(round((t1 - t0) / bin_ms))
    b = np.minimum(((times_ms - t0 - 1e-9) / bin_ms).astype(np.int64), n_bins - 1)
    counts = np.bincount(neurons * n_bins + b, minlength=n * n_bins).reshape(n, n_bins)
    chi = float(np.sqrt(counts.mean(axis=0).var() / counts.var(axis=1).mean()))
    return Stats(rate, cv, chi)


def _mean_stats(runs: list[Stats]) -> Stats:
    return Stats(*np.mean([[s.rate_hz, s.cv, s.chi] for s in runs], axis=0))


def _summary(name: str, runs: list[Stats]) -> str:
    rates = ", ".join(f"{s.rate_hz:.2f}" for s in runs)
    mean = _mean_stats(runs)
    return (
        f"{name}: rate {mean.rate_hz:.3f} Hz (per seed {rates}), CV {mean.cv:.3f}, "
        f"chi {mean.chi:.3f}"
    )


def test_spike_stats_on_known_trains():
    """The measures on trains whose answer is known: independent Poisson neurons (CV 1, chi
    about 1/sqrt(N)) and one shared periodic train (CV 0, chi 1)."""
    rng = np.random.default_rng(7)
    n, duration, rate = 400, 2000.0, 50.0
    trains = ref.poisson_trains(rng, n, rate, duration)
    times = np.concatenate(trains)
    neurons = np.repeat(np.arange(n), [t.size for t in trains])
    poisson = spike_stats(times, neurons, n, 0.0, duration)
    assert poisson.rate_hz == pytest.approx(rate, rel=0.02)
    assert poisson.cv == pytest.approx(1.0, abs=0.03)
    assert poisson.chi == pytest.approx(1 / np.sqrt(n), rel=0.15)
    clock = np.arange(5.0, duration, 10.0)  # every neuron at the same 100 Hz clock
    regular = spike_stats(np.tile(clock, n), np.repeat(np.arange(n), clock.size), n, 0, duration)
    assert regular.rate_hz == pytest.approx(100.0)
    assert regular.cv == pytest.approx(0.0, abs=1e-9)
    assert regular.chi == pytest.approx(1.0)


# -- CUBA -------------------------------------------------------------------------------------
CUBA_N = 4000
CUBA_DURATION = 1000.0
#: seeds: ours is cheap, so it gets more; the seed-to-seed sd of one network's rate is about
#: 0.25 Hz in both simulators (40 seeds each), so the difference of the two means has an sd of
#: about 1.6 % and the 5 % tolerance is 3 sd
CUBA_SEEDS_OURS = range(1, 21)
CUBA_SEEDS_NEST = range(1, 11)


def _cuba_lif(p) -> dict:
    return {k: p[k] for k in ("tau_m", "c_m", "e_l", "v_th", "v_reset", "t_ref")}


def cuba_ours(spec, seed: int) -> float:
    """Mean rate (Hz) of our CUBA at N = 4000 over 1 s."""
    p = spec.CUBA
    net = ref.new_network(CUBA_DURATION, seed=seed, max_delay_ms=1.0)
    v_init = {"distribution": "uniform", "low": p["v_reset"], "high": p["v_th"]}
    n_exc, n_inh = spec.split(CUBA_N, p)
    exc = ref.add_lif(net, "E", n_exc, **_cuba_lif(p), v_init=v_init)
    inh = ref.add_lif(net, "I", n_inh, **_cuba_lif(p), v_init=v_init)
    prob = spec.connection_probability(CUBA_N, p)
    for pre, w_mv, tau in ((exc, p["w_e_mv"], p["tau_e"]), (inh, p["w_i_mv"], p["tau_i"])):
        for post in (exc, inh):
            ref.connect(
                net,
                pre,
                post,
                rule="fixed_probability",
                p=prob,
                weight=spec.mv_to_pa(w_mv, p),
                tau_syn=tau,
                delay_ms=p["delay_ms"],
                autapses=False,
            )
    sim = Simulator(net)
    chunk = sim.advance(sim.steps_for(CUBA_DURATION))
    return chunk.group_counts.sum() / CUBA_N / (CUBA_DURATION / 1000.0)


def cuba_nest(spec, seed: int) -> float:
    """Mean rate (Hz) of CUBA in NEST (``iaf_psc_exp``, pairwise Bernoulli without autapses)."""
    p = spec.CUBA
    ref.nest_reset(nest, seed=seed)
    params = ref.nest_lif_params(_cuba_lif(p), tau_syn_ex=p["tau_e"], tau_syn_in=p["tau_i"])
    group = nest.Create("iaf_psc_exp", CUBA_N, params=params)
    group.V_m = nest.random.uniform(p["v_reset"], p["v_th"])
    n_exc, _ = spec.split(CUBA_N, p)
    conn = {
        "rule": "pairwise_bernoulli",
        "p": spec.connection_probability(CUBA_N, p),
        "allow_autapses": False,
    }
    for pre, w_mv in ((group[:n_exc], p["w_e_mv"]), (group[n_exc:], p["w_i_mv"])):
        nest.Connect(pre, group, conn, {"weight": spec.mv_to_pa(w_mv, p), "delay": p["delay_ms"]})
    recorder = nest.Create("spike_recorder")
    nest.Connect(group, recorder)
    nest.Simulate(CUBA_DURATION)
    return recorder.n_events / CUBA_N / (CUBA_DURATION / 1000.0)


@pytest.mark.nest
@pytest.mark.slow
def test_cuba_rate_matches_nest_and_published_band():
    """CUBA at N = 4000 for 1 s: mean rates of ours (20 seeds) and NEST (10 seeds) within 5 %
    of each other, and both in the 5.5-5.9 Hz every implementation shows (``spec.CUBA_RATE_HZ``,
    from the team's performance anchors).

    These seeds: ours 5.600 +- 0.048 Hz, NEST 5.576 +- 0.065 Hz (+0.4 %). Over 40 seeds each:
    ours 5.591 +- 0.044 Hz, NEST 5.586 +- 0.032 Hz, with an sd of one seed of 0.28 and
    0.20 Hz: both sit near the band's lower edge, so the band is checked on averages only.
    """
    spec = _benchmark_spec()
    ours = np.array([cuba_ours(spec, seed) for seed in CUBA_SEEDS_OURS])
    theirs = np.array([cuba_nest(spec, seed) for seed in CUBA_SEEDS_NEST])
    info = (
        f"ours {ours.mean():.3f} Hz (sem {ours.std(ddof=1) / np.sqrt(ours.size):.3f}), "
        f"NEST {theirs.mean():.3f} Hz (sem {theirs.std(ddof=1) / np.sqrt(theirs.size):.3f})"
    )
    assert ours.mean() == pytest.approx(theirs.mean(), rel=0.05), info
    low, high = spec.CUBA_RATE_HZ
    assert low <= ours.mean() <= high, info
    assert low <= theirs.mean() <= high, info


# -- Brunel (2000) model A ------------------------------------------------------------------
@dataclass(frozen=True)
class Brunel:
    """Brunel (2000) model A, scaled: J C_E = 100 mV as in his Fig. 8 (C_E = 1000, J = 0.1)."""

    g: float
    eta: float
    n_exc: int = 2000
    j_mv: float = 0.5
    delay_ms: float = 1.5
    tau_m: float = 20.0
    theta: float = 20.0
    v_reset: float = 10.0
    t_ref: float = 2.0

    @property
    def n_inh(self) -> int:
        return self.n_exc // 4

    @property
    def c_exc(self) -> int:
        return self.n_exc // 10

    @property
    def c_inh(self) -> int:
        return self.n_inh // 10

    @property
    def nu_ext_hz(self) -> float:
        """Rate of each of the C_E external inputs: eta nu_thr, nu_thr = theta / (J C_E tau)."""
        return self.eta * self.theta / (self.j_mv * self.c_exc * self.tau_m) * 1000.0


AI = Brunel(g=5.0, eta=2.0)
SR = Brunel(g=3.0, eta=2.0)
#: private external channels per neuron (see the module's doc)
EXT_CHANNELS = 10


def _brunel_lif(m: Brunel, n: int) -> dict:
    return {
        "size": n,
        "shape": [1, n],
        "tau_m": m.tau_m,
        "c_m": 250.0,  # delta synapses: the capacitance plays no part
        "e_l": 0.0,
        "v_th": m.theta,
        "v_reset": m.v_reset,
        "t_ref": m.t_ref,
        "v_init": {"distribution": "uniform", "low": 0.0, "high": m.theta},
    }


def _delta(net: Network, pre, post, name: str, **params):
    node = net.add_node("projection.delta", name, params, node_id=f"brunel:{name}")
    net.add_link(pre.id, "out", node.id, "pre")
    net.add_link(node.id, "post", post.id, "synapses")
    return node


def brunel_network(m: Brunel, duration_ms: float, seed: int) -> Network:
    """Model A as a SpikeStudio document.

    The classroom demos ``projects/brunel_ai.snnproj`` and ``brunel_sr.snnproj``
    (``benchmarks/make_demos.py``) are this network, with one shared pool of external Poisson
    neurons instead of private channels.
    """
    net = ref.new_network(duration_ms, seed=seed, max_delay_ms=m.delay_ms)
    exc = net.add_node("population.lif", "E", _brunel_lif(m, m.n_exc), node_id="brunel:E")
    inh = net.add_node("population.lif", "I", _brunel_lif(m, m.n_inh), node_id="brunel:I")
    for pop in (exc, inh):
        n = pop.params["size"]
        ext = net.add_node(
            "encoder.poisson",
            f"Ext {pop.name}",
            {
                "size": EXT_CHANNELS * n,
                "shape": [EXT_CHANNELS, 1, n],
                "rate_hz": m.c_exc * m.nu_ext_hz / EXT_CHANNELS,
            },
            node_id=f"brunel:Ext {pop.name}",
        )
        private = {"rule": "distance", "profile": "box", "radius": 0.0, "p": 1.0}
        _delta(net, ext, pop, f"Ext → {pop.name}", weight=m.j_mv, delay_ms=m.delay_ms, **private)
        for pre, k, w in ((exc, m.c_exc, m.j_mv), (inh, m.c_inh, -m.g * m.j_mv)):
            _delta(
                net,
                pre,
                pop,
                f"{pre.name} → {pop.name}",
                rule="fixed_indegree",
                k=k,
                weight=w,
                delay_ms=m.delay_ms,
                autapses=False,
            )
    ref.record_spikes(net, exc, inh)
    return net


def brunel_ours(m: Brunel, seed: int, warmup_ms: float, measure_ms: float) -> Stats:
    sim = Simulator(brunel_network(m, warmup_ms + measure_ms, seed))
    sim.advance(sim.steps_for(warmup_ms))
    chunk = sim.advance(sim.steps_for(measure_ms))
    start = sim.compiled.group("brunel:E").start  # E then I: one block of n_exc + n_inh
    return spike_stats(
        chunk.spike_times_ms,
        chunk.spike_neurons - start,
        m.n_exc + m.n_inh,
        warmup_ms,
        warmup_ms + measure_ms,
    )


def brunel_nest(m: Brunel, seed: int, warmup_ms: float, measure_ms: float) -> Stats:
    """The same model as NEST's ``brunel_delta_nest.py`` example (at our size)."""
    ref.nest_reset(nest, seed=seed)
    params = {
        "C_m": 250.0,
        "tau_m": m.tau_m,
        "t_ref": m.t_ref,
        "E_L": 0.0,
        "V_reset": m.v_reset,
        "V_th": m.theta,
    }
    exc = nest.Create("iaf_psc_delta", m.n_exc, params=params)
    inh = nest.Create("iaf_psc_delta", m.n_inh, params=params)
    every = exc + inh
    every.V_m = nest.random.uniform(0.0, m.theta)
    noise = nest.Create("poisson_generator", params={"rate": m.c_exc * m.nu_ext_hz})
    nest.Connect(noise, every, syn_spec={"weight": m.j_mv, "delay": m.delay_ms})
    for pre, k, w in ((exc, m.c_exc, m.j_mv), (inh, m.c_inh, -m.g * m.j_mv)):
        conn = {
            "rule": "fixed_indegree",
            "indegree": k,
            "allow_autapses": False,
            "allow_multapses": False,
        }
        nest.Connect(pre, every, conn, {"weight": w, "delay": m.delay_ms})
    recorder = nest.Create("spike_recorder")
    nest.Connect(every, recorder)
    nest.Simulate(warmup_ms + measure_ms)
    events = recorder.events
    return spike_stats(
        events["times"],
        np.asarray(events["senders"]) - exc[0].global_id,
        m.n_exc + m.n_inh,
        warmup_ms,
        warmup_ms + measure_ms,
    )


def _compare_brunel(m: Brunel, seeds: range, warmup_ms: float, measure_ms: float):
    ours = [brunel_ours(m, seed, warmup_ms, measure_ms) for seed in seeds]
    theirs = [brunel_nest(m, seed, warmup_ms, measure_ms) for seed in seeds]
    info = f"{_summary('ours', ours)}; {_summary('NEST', theirs)}"
    return _mean_stats(ours), _mean_stats(theirs), info


@pytest.mark.nest
@pytest.mark.slow
def test_brunel_asynchronous_irregular():
    """g = 5, eta = 2: 8 seeds of 1 s each side (after 100 ms), mean rate within 5 %, and both
    asynchronous (chi well below the SR value, about 0.5) and irregular (CV near 1).

    The rate of one 1-s run varies by about 1.6 Hz (3.4 %) with the seed and the stretch of
    time, in either simulator, so the difference of two 8-seed means has an sd of about 1.7 %:
    the 5 % tolerance is 3 sd. These seeds: ours 47.0 Hz, CV 1.22, chi 0.118; NEST 48.1 Hz,
    CV 1.23, chi 0.118 (-2.2 %). Seeds 1-10 after 200 ms: ours 47.7 Hz, NEST 48.1 Hz.
    """
    ours, theirs, info = _compare_brunel(AI, range(1, 9), 100.0, 1000.0)
    assert ours.rate_hz == pytest.approx(theirs.rate_hz, rel=0.05), info
    for s in (ours, theirs):
        assert 0.8 < s.cv < 1.6, f"irregular firing: {info}"
        assert s.chi < 0.25, f"asynchronous: {info}"
    # the two simulators agree on these numbers too, not only on the regime
    assert ours.cv == pytest.approx(theirs.cv, abs=0.1), info
    assert ours.chi == pytest.approx(theirs.chi, abs=0.03), info


@pytest.mark.nest
@pytest.mark.slow
def test_brunel_synchronous_regular():
    """g = 3, eta = 2: 3 seeds of 200 ms each side (after 100 ms), mean rate within 5 %, both
    regular (CV of ISI below 0.2: neurons fire almost periodically near saturation) and
    synchronous (chi above 0.35: the whole network oscillates in lock step).

    These seeds: ours 331.5 Hz, CV 0.035, chi 0.479; NEST 330.8 Hz, CV 0.037, chi 0.492
    (+0.2 %; the rate varies by < 1 % between seeds).
    """
    ours, theirs, info = _compare_brunel(SR, range(1, 4), 100.0, 200.0)
    assert ours.rate_hz == pytest.approx(theirs.rate_hz, rel=0.05), info
    for s in (ours, theirs):
        assert s.cv < 0.2, f"regular firing: {info}"
        assert s.chi > 0.35, f"synchronous: {info}"
    assert ours.cv == pytest.approx(theirs.cv, abs=0.05), info
    assert ours.chi == pytest.approx(theirs.chi, abs=0.1), info
