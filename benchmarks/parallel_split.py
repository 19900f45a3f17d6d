"""Where the parallel mode's time goes: CUBA per step on one thread, on the parallel layout run
by one thread, and on two threads, with and without synaptic delivery.

- "one thread": the serial kernel (one CSR partition).
- "2 partitions, 1 thread": the parallel layout (synapses in two partitions by target share,
  large groups updated in two shares) with Numba limited to one thread: the work of the
  parallel mode without any concurrency.
- "2 partitions, 2 threads": the parallel mode.

"without delivery" empties the synapse rows after the build (the network then fires more: its
inhibition is gone), leaving the neuron update and the per-step bookkeeping. Each figure is the
best of ``--repeats`` chunks of ``--steps`` steps after a 10-step warm-up; results are the same
bit for bit in every configuration, so only time differs.

    NUMBA_NUM_THREADS=2 python benchmarks/parallel_split.py [--n 64000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.io.project_file import load_project  # noqa: E402
from engine.sim.compiler import compile_network  # noqa: E402
from engine.sim.simulator import Simulator  # noqa: E402

CONFIGS = (
    ("one thread", 1, 1),
    ("2 partitions, 1 thread", 2, 1),
    ("2 partitions, 2 threads", 2, 2),
)


def per_step_us(network, partitions: int, threads: int, delivery: bool, steps: int,
                repeats: int) -> float:  # fmt: skip
    simulator = Simulator(compile_network(network.copy(), threads=partitions))
    if not delivery:
        static = simulator._a["static"]
        simulator._a["static"] = static._replace(ptr=np.zeros_like(static.ptr))
    simulator.advance(10)
    simulator.threads = threads  # advance() sets Numba's thread count from this
    numba.set_num_threads(threads)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        simulator.advance(steps)
        best = min(best, time.perf_counter() - start)
    return best / steps * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64000, help="CUBA size (benchmarks/networks)")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if numba.config.NUMBA_NUM_THREADS < 2:
        parser.error("needs NUMBA_NUM_THREADS >= 2")
    network = load_project(ROOT / "benchmarks" / "networks" / f"cuba_{args.n}.snnproj").network
    print(f"CUBA {args.n:,} neurons: µs per step (best of {args.repeats} x {args.steps} steps)")
    for delivery in (True, False):
        label = "with delivery" if delivery else "without delivery"
        for name, partitions, threads in CONFIGS:
            us = per_step_us(network, partitions, threads, delivery, args.steps, args.repeats)
            print(f"  {label:17s} {name:24s} {us:7.1f}")
    print(f"threading layer: {numba.threading_layer()}")


if __name__ == "__main__":
    main()
