"""The one set of Numba flags every kernel uses."""

from __future__ import annotations

import os

import numba

# Numba's default OpenMP threading layer loads the system's libgomp, and a second OpenMP runtime
# in the process (NEST's wheel brings its own) then crashes it at NEST's first call. The
# workqueue layer has no such dependency; the parallel mode is only ever launched from one
# thread at a time (the simulation's), which is all that workqueue needs.
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

#: ``njit`` compiles in nopython mode. ``cache``: compiled kernels persist between runs;
#: ``nogil``: a worker thread can run a kernel while the GUI thread stays live.
JIT_FLAGS = {"nogil": True, "cache": True}

njit = numba.njit(**JIT_FLAGS)

#: The same, for the few functions whose ``prange`` loops split work between threads (the
#: parallel mode: ``Simulator(..., threads=N)``).
njit_parallel = numba.njit(parallel=True, **JIT_FLAGS)
