"""Build CUBA with a million neurons, run it for 1 s, and report time and peak memory of each.

The scale target of docs/benchmarks.md ("One million neurons"): the network is made in memory
with :func:`make_networks.cuba` (no project file is written), so any size and in-degree can be
measured::

    python benchmarks/large_network.py                       # 1,000,000 neurons, 80 M synapses
    python benchmarks/large_network.py --synapses-per-neuron 100   # 100 M synapses

Prints one JSON object: the build's time and peak resident set size (the high-water mark of
``compile_network``, Python, numpy and the loaded kernels included), what the process held
before it, and the memory guard's estimate of what the build adds; then the run's time
(``Simulator`` creation and ``advance`` in 100 ms chunks) and its own peak (the high-water mark
is reset before it, through ``/proc/self/clear_refs``, so ``/usr/bin/time -v`` reports the
run's peak, not the build's). Sizes are in MB of 2^20 bytes, as ``ru_maxrss`` / 1024.
Each projection gets a seed of its own (derived from ``--seed``), so every run draws the same
synapses; ``--hash`` adds a SHA-256 of the compiled static synapses, to check that two versions
of the engine draw the same network. The kernels are loaded (or compiled) before anything is timed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_networks  # noqa: E402
import spec  # noqa: E402

#: Biological time per advance() call (ms), as ``spikestudio run`` does.
CHUNK_MS = 100.0


def rss_mb(field: str = "VmHWM") -> float:
    """The high-water mark of this process's resident set (or, ``"VmRSS"``, the resident set
    now), in MB."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak_rss() -> None:
    """Start a new high-water mark (Linux 4.0 and later)."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
        handle.write("5")


def static_digest(compiled) -> str:
    """SHA-256 of the compiled static synapses (row pointers, targets, weights, delays)."""
    static = compiled.arrays["static"]
    digest = hashlib.sha256()
    for array in (static.ptr, static.target, static.weight, static.delay, static.stp_slot):
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, default=1_000_000)
    parser.add_argument(
        "--synapses-per-neuron",
        type=float,
        default=spec.CUBA["synapses_per_neuron"],
        help="mean in-degree (CUBA's is 80)",
    )
    parser.add_argument("--duration-ms", type=float, default=1000.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-run", action="store_true", help="build only")
    parser.add_argument("--hash", action="store_true", help="report a hash of the synapses")
    args = parser.parse_args(argv)

    from engine.sim.compiler import compile_network, estimate_memory
    from engine.sim.simulator import Simulator, warm_up_kernels

    warm_up_kernels()
    network = make_networks.cuba(args.neurons, synapses_per_neuron=args.synapses_per_neuron)
    network.set_setting("seed", args.seed)
    # node ids are random UUIDs, and a projection's stream is named by its id: seeds of their
    # own make every run draw the same synapses
    projections = [n for n in network.nodes if n.type_id == "projection.synapses"]
    for index, node in enumerate(projections):
        network.set_param(node.id, "seed", 1000 * args.seed + index)
    network.set_setting("duration_ms", args.duration_ms)
    estimate, _ = estimate_memory(network, args.threads)
    before = rss_mb("VmRSS")
    start = time.perf_counter()
    compiled = compile_network(network, threads=args.threads)
    result = {
        "neurons": compiled.n_neurons,
        "synapses": sum(p.n_synapses for p in compiled.projections),
        "threads": args.threads,
        "build_s": round(time.perf_counter() - start, 2),
        "rss_before_build_mb": round(before),
        "build_peak_rss_mb": round(rss_mb()),
        "build_estimate_mb": round(estimate / 2**20),
    }
    if args.hash:
        result["static_sha256"] = static_digest(compiled)
    if not args.no_run:
        reset_peak_rss()
        start = time.perf_counter()
        simulator = Simulator(compiled, threads=args.threads)
        chunk = max(1, round(CHUNK_MS / compiled.dt_ms))
        steps = round(args.duration_ms / compiled.dt_ms)
        spikes = 0
        while simulator.step < steps:
            spikes += simulator.advance(min(chunk, steps - simulator.step)).spike_steps.size
        result["run_s"] = round(time.perf_counter() - start, 2)
        result["run_peak_rss_mb"] = round(rss_mb())
        result["rate_hz"] = round(spikes / compiled.n_neurons / (args.duration_ms / 1000.0), 2)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
