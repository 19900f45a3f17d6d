"""NEST side of a benchmark: the same model with NEST's built-in neurons, one thread.

CUBA: ``iaf_psc_exp`` (exact integration, as SpikeStudio's LIF), weights in pA
(:func:`spec.mv_to_pa`); COBA: ``iaf_cond_exp``; STDP: ``stdp_synapse`` with mu = 0 (additive),
``lambda = A+ / Wmax`` and ``alpha = A- / A+``. Connectivity: ``pairwise_bernoulli`` without
autapses, as the other implementations. Setup = import + kernel set-up + creating and
connecting; loop = ``nest.Simulate``. Every spike goes to one ``spike_recorder``.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import os  # noqa: E402
import sys  # noqa: E402

from common import parse_args, peak_rss_mb, report, spec  # noqa: E402


def build_model(nest, name: str, n: int, seed: int):
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.ResetKernel()
    nest.resolution = spec.DT_MS
    nest.local_num_threads = 1
    nest.rng_seed = seed
    nest.print_time = False
    if name == "coba":
        p = spec.COBA
        model = "iaf_cond_exp"
        params = {
            "C_m": p["c_m"],
            "g_L": p["g_l"],
            "E_L": p["e_l"],
            "V_th": p["v_th"],
            "V_reset": p["v_reset"],
            "t_ref": p["t_ref"],
            "I_e": p["i_e"],
            "E_ex": p["e_e"],
            "E_in": p["e_i"],
            "tau_syn_ex": p["tau_e"],
            "tau_syn_in": p["tau_i"],
        }
        w_exc, w_inh = p["g_e"], -p["g_i"]  # NEST: the sign of the weight picks the channel
    else:
        p = spec.CUBA
        model = "iaf_psc_exp"
        params = {
            "C_m": p["c_m"],
            "tau_m": p["tau_m"],
            "E_L": p["e_l"],
            "V_th": p["v_th"],
            "V_reset": p["v_reset"],
            "t_ref": p["t_ref"],
            "I_e": 0.0,
            "tau_syn_ex": p["tau_e"],
            "tau_syn_in": p["tau_i"],
        }
        w_exc, w_inh = spec.mv_to_pa(p["w_e_mv"], p), spec.mv_to_pa(p["w_i_mv"], p)
    n_exc, _ = spec.split(n, p)
    prob = spec.connection_probability(n, p)
    if name == "stdp":
        params["tau_minus"] = spec.STDP["tau_minus"]
    group = nest.Create(model, n, params=params)
    group.V_m = nest.random.uniform(p["v_reset"], p["v_th"])
    exc, inh = group[:n_exc], group[n_exc:]
    if name == "delays":
        d = spec.DELAYS
        delay = nest.random.uniform(d["low_ms"], d["high_ms"])
    else:
        delay = p["delay_ms"]
    conn = {"rule": "pairwise_bernoulli", "p": prob, "allow_autapses": False}
    if name == "stdp":
        st = spec.STDP
        nest.CopyModel(
            "stdp_synapse",
            "bench_stdp",
            {
                "tau_plus": st["tau_plus"],
                "lambda": st["a_plus_pa"] / st["w_max_pa"],
                "alpha": st["a_minus_pa"] / st["a_plus_pa"],
                "mu_plus": 0.0,
                "mu_minus": 0.0,
                "Wmax": st["w_max_pa"],
            },
        )
        nest.Connect(
            exc, exc, conn, {"synapse_model": "bench_stdp", "weight": w_exc, "delay": delay}
        )
        nest.Connect(exc, inh, conn, {"weight": w_exc, "delay": delay})
    else:
        nest.Connect(exc, group, conn, {"weight": w_exc, "delay": delay})
    nest.Connect(inh, group, conn, {"weight": w_inh, "delay": delay})
    recorder = nest.Create("spike_recorder")
    nest.Connect(group, recorder)
    return group, recorder


def run(args) -> dict:
    if args.no_loop:
        raise NotImplementedError("NEST has no separate first step")
    os.environ.setdefault("PYNEST_QUIET", "1")
    t_import = time.perf_counter()
    import nest

    t_build = time.perf_counter()
    group, recorder = build_model(nest, args.model, args.n, args.seed)
    n_synapses = int(nest.num_connections) - len(group)
    t_loop = time.perf_counter()
    nest.Simulate(args.duration_ms)
    t_done = time.perf_counter()
    return {
        "version": nest.__version__,
        "import_s": t_build - t_import,
        "build_s": t_loop - t_build,
        "setup_s": t_loop - t_import,
        "loop_s": t_done - t_loop,
        "bio_s": args.duration_ms / 1000.0,
        "n_neurons": args.n,
        "n_synapses": n_synapses,
        "n_spikes": int(recorder.n_events),
        "peak_rss_mb": peak_rss_mb(),
        "interpreter_to_import_s": t_import - T0,
    }


if __name__ == "__main__":
    sys.exit(report(parse_args(__doc__.splitlines()[0]), run))
