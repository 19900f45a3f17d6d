"""The one set of Numba flags every kernel uses."""

from __future__ import annotations

import numba

#: ``njit`` compiles in nopython mode. ``cache``: compiled kernels persist between runs;
#: ``nogil``: a worker thread can run a kernel while the GUI thread stays live.
JIT_FLAGS = {"nogil": True, "cache": True}

njit = numba.njit(**JIT_FLAGS)

#: The same, for the few functions whose ``prange`` loops split work between threads (the
#: parallel mode: ``Simulator(..., threads=N)``).
njit_parallel = numba.njit(parallel=True, **JIT_FLAGS)

#: For small helpers of the innermost loops: inlined where they are called (Numba IR), so that
#: the loop around them still vectorizes.
njit_inline = numba.njit(inline="always", **JIT_FLAGS)
