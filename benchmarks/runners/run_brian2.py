"""Brian2 cpp_standalone side of a benchmark: the same model written in Brian2.

Setup = import + building the model objects + code generation and compilation
(``device.build(run=False)``) + what the binary does before the network runs (creating the
synapses). Loop = the network run time the binary itself reports (``device._last_run_time``).
Peak RSS is the binary's (measured by ``rusage_exec.py``), as the Python process only drives it.
One OpenMP thread (Brian2's default).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from common import parse_args, peak_rss_mb, report, spec  # noqa: E402


def build_model(b, name: str, n: int):
    """Create the network of benchmark ``name``; returns (network, monitor, synapse objects)."""
    ms, mV = b.ms, b.mV
    if name == "coba":
        p = spec.COBA
        eqs = """
        dv/dt = (ge * (Ee - v) + gi * (Ei - v) - (v - El) + I) / taum : volt (unless refractory)
        dge/dt = -ge / taue : 1
        dgi/dt = -gi / taui : 1
        """
        ns = {
            "Ee": p["e_e"] * mV,
            "Ei": p["e_i"] * mV,
            "I": p["i_e"] / p["g_l"] * mV,  # pA / nS = mV
            "we": p["g_e"] / p["g_l"],  # in units of g_L
            "wi": p["g_i"] / p["g_l"],
        }
        method = "exponential_euler"
    else:
        p = spec.CUBA
        eqs = """
        dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
        dge/dt = -ge / taue : volt
        dgi/dt = -gi / taui : volt
        """
        ns = {"we": p["w_e_mv"] * mV, "wi": p["w_i_mv"] * mV}
        method = "exact"
    ns.update(
        taum=p["tau_m"] * ms,
        taue=p["tau_e"] * ms,
        taui=p["tau_i"] * ms,
        Vt=p["v_th"] * mV,
        Vr=p["v_reset"] * mV,
        El=p["e_l"] * mV,
    )
    n_exc, _ = spec.split(n, p)
    prob = spec.connection_probability(n, p)
    group = b.NeuronGroup(
        n,
        eqs,
        threshold="v > Vt",
        reset="v = Vr",
        refractory=p["t_ref"] * ms,
        method=method,
        namespace=ns,
    )
    group.v = "Vr + rand() * (Vt - Vr)"
    exc, inh = group[:n_exc], group[n_exc:]

    def synapses(pre, post, on_pre, offset_pre, offset_post, **kwargs):
        delays = name == "delays"
        if not delays:
            kwargs["delay"] = p["delay_ms"] * ms
        s = b.Synapses(pre, post, on_pre=on_pre, namespace=ns, **kwargs)
        # sample() draws in O(synapses); the condition leaves out autapses (i -> i)
        s.connect(
            j=f"k for k in sample(N_post, p={prob!r}) if k + {offset_post} != i + {offset_pre}"
        )
        if delays:
            d = spec.DELAYS
            s.delay = f"({d['low_ms']!r} + rand() * {d['high_ms'] - d['low_ms']!r}) * ms"
        return s

    if name == "stdp":
        st = spec.STDP
        to_mv = p["tau_m"] / p["c_m"]  # pA -> mV, the inverse of spec.mv_to_pa
        ns.update(
            taupre=st["tau_plus"] * ms,
            taupost=st["tau_minus"] * ms,
            Apre=st["a_plus_pa"] * to_mv * mV,
            Apost=-st["a_minus_pa"] * to_mv * mV,
            wmin=st["w_min_pa"] * to_mv * mV,
            wmax=st["w_max_pa"] * to_mv * mV,
        )
        plastic = synapses(
            exc,
            exc,
            # depression first: the arriving spike is delivered with the depressed weight
            on_pre="apre += Apre\nw = clip(w + apost, wmin, wmax)\nge_post += w",
            offset_pre=0,
            offset_post=0,
            model="""
            w : volt
            dapre/dt = -apre / taupre : volt (event-driven)
            dapost/dt = -apost / taupost : volt (event-driven)
            """,
            on_post="apost += Apost\nw = clip(w + apre, wmin, wmax)",
        )
        plastic.w = "we"
        static = [
            plastic,
            synapses(exc, inh, "ge_post += we", 0, n_exc),
            synapses(inh, group, "gi_post += wi", n_exc, 0),
        ]
    else:
        static = [
            synapses(exc, group, "ge_post += we", 0, 0),
            synapses(inh, group, "gi_post += wi", n_exc, 0),
        ]
    monitor = b.SpikeMonitor(group)
    return b.Network(group, monitor, *static), monitor, static


def run(args) -> dict:
    if args.no_loop:
        raise NotImplementedError("cpp_standalone has no separate first step")
    t_import = time.perf_counter()
    import brian2 as b

    t_model = time.perf_counter()
    b.prefs.logging.file_log = False
    b.prefs.devices.cpp_standalone.openmp_threads = 0
    b.set_device("cpp_standalone", build_on_run=False)
    b.defaultclock.dt = spec.DT_MS * b.ms
    b.seed(args.seed)
    network, monitor, synapses = build_model(b, args.model, args.n)
    network.run(args.duration_ms * b.ms)
    with tempfile.TemporaryDirectory(prefix="bench-brian2-") as tmp:
        rss_file = Path(tmp) / "rusage.txt"
        wrapper = Path(__file__).with_name("rusage_exec.py")
        b.prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, str(wrapper), "./main"]
        os.environ["BENCH_RUSAGE_OUT"] = str(rss_file)
        project = Path(tmp) / "project"
        t_build = time.perf_counter()
        b.device.build(directory=str(project), compile=True, run=False, with_output=False)
        t_run = time.perf_counter()
        b.device.run(directory=str(project), with_output=False)
        t_done = time.perf_counter()
        loop_s = float(b.device._last_run_time)
        binary_s = t_done - t_run
        n_spikes = int(monitor.num_spikes)
        n_synapses = int(sum(len(s) for s in synapses))
        binary_rss = float(rss_file.read_text().strip()) if rss_file.exists() else None
    return {
        "version": b.__version__,
        "import_s": t_model - t_import,
        "model_s": t_build - t_model,
        "codegen_compile_s": t_run - t_build,
        "binary_before_loop_s": max(0.0, binary_s - loop_s),
        "setup_s": (t_run - t_import) + max(0.0, binary_s - loop_s),
        "loop_s": loop_s,
        "bio_s": args.duration_ms / 1000.0,
        "n_neurons": args.n,
        "n_synapses": n_synapses,
        "n_spikes": n_spikes,
        "peak_rss_mb": binary_rss,
        "python_peak_rss_mb": peak_rss_mb(),
        "interpreter_to_import_s": t_import - T0,
    }


if __name__ == "__main__":
    sys.exit(report(parse_args(__doc__.splitlines()[0]), run))
