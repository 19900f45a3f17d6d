"""SpikeStudio side of a benchmark: load the project file, build, warm up, then run 1 s.

Timed separately: importing the engine (numpy, numba), loading the kernels as the app does at
start (``warm_up_kernels``: from the Numba cache, or compiling them when it is empty), loading
the project, compiling the network to arrays, creating the Simulator and ``advance(0)``
(``run_to_first_step_s`` is these last three: what pressing Run costs in the app), and the
loop (``advance`` in 100 ms chunks, every spike kept). Where the Numba cache lives is set by
``NUMBA_CACHE_DIR`` (``run_all.py`` gives a fresh folder for a cold start).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import hashlib  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from common import parse_args, peak_rss_mb, report  # noqa: E402

#: Biological time per advance() call (ms), as ``spikestudio run`` does.
CHUNK_MS = 100.0


def engine_fingerprint() -> str:
    """A hash of the engine's sources: rounds run on different code are told apart (and a
    changed source makes Numba recompile, so the "warm" first step is not warm)."""
    import engine

    digest = hashlib.sha1()
    root = Path(engine.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def run(args) -> dict:
    t_import = time.perf_counter()
    import numba
    import numpy as np

    from engine import __version__
    from engine.io.project_file import load_project
    from engine.sim.compiler import compile_network
    from engine.sim.simulator import Simulator, warm_up_kernels

    # what the app does at start, on a worker thread: load (or compile) the kernels
    t_kernels = time.perf_counter()
    warm_up_kernels()
    t_load = time.perf_counter()
    project = load_project(args.project)
    network = project.network
    network.set_setting("seed", args.seed)
    network.set_setting("duration_ms", args.duration_ms)
    t_compile = time.perf_counter()
    compiled = compile_network(network.copy(), threads=args.threads)
    t_sim = time.perf_counter()
    simulator = Simulator(compiled)
    simulator.advance(0)
    t_first = time.perf_counter()
    result = {
        "version": __version__,
        "engine_fingerprint": engine_fingerprint(),
        "engine_path": str(Path(sys.modules["engine"].__file__).parent),
        "numba": numba.__version__,
        "numpy": np.__version__,
        "import_s": t_kernels - t_import,
        "kernels_s": t_load - t_kernels,
        "load_s": t_compile - t_load,
        "compile_network_s": t_sim - t_compile,
        "first_step_s": t_first - t_sim,
        "setup_s": t_first - t_import,
        # pressing Run in the app once the kernels are loaded: load, build, first step
        "run_to_first_step_s": t_first - t_load,
        "n_neurons": compiled.n_neurons,
        "threads": simulator.threads,
        "n_synapses": sum(p.n_synapses for p in compiled.projections),
        "interpreter_to_import_s": t_import - T0,
    }
    if args.no_loop:
        result["peak_rss_mb"] = peak_rss_mb()
        return result

    total = simulator.steps_for(args.duration_ms)
    chunk = max(1, simulator.steps_for(CHUNK_MS))
    steps, neurons, counts = [], [], 0
    t_loop = time.perf_counter()
    done = 0
    while done < total:
        n = min(chunk, total - done)
        piece = simulator.advance(n)
        steps.append(piece.spike_steps)
        neurons.append(piece.spike_neurons)
        counts += int(piece.group_counts.sum())
        done += n
    loop_s = time.perf_counter() - t_loop
    recorded = sum(a.size for a in neurons)
    by_group = {
        g.name: int(np.count_nonzero((a >= g.start) & (a < g.start + g.size)))
        for g in compiled.groups
        for a in [np.concatenate(neurons) if neurons else np.zeros(0, np.int64)]
    }
    result.update(
        loop_s=loop_s,
        bio_s=done * simulator.dt_ms / 1000.0,
        n_spikes=counts,
        n_spikes_recorded=recorded,
        spikes_by_group=by_group,
        peak_rss_mb=peak_rss_mb(),
    )
    return result


if __name__ == "__main__":
    sys.exit(report(parse_args(__doc__.splitlines()[0]), run))
