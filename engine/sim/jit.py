"""The one set of Numba flags every kernel uses."""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import numba


def _load_tbb() -> None:
    """Let Numba use its TBB threading layer for the parallel mode: the ``tbb`` wheel puts
    libtbb in ``<prefix>/lib``, off the loader's path, so load it before Numba looks for it.

    Why TBB: with Numba's OpenMP layer, the threads spin at every hand-off; when another
    program (or our own GUI thread) keeps a core busy, a run on 2 threads became 20-100 times
    slower than on one. TBB's threads back off instead, and hand work over as fast as OpenMP's
    on idle cores (docs/engine.md, "Parallel mode"). Without the library Numba falls back to
    OpenMP."""
    library = Path(sys.prefix) / "lib" / "libtbb.so.12"
    if sys.platform.startswith("linux") and library.exists():
        try:
            ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)
        except OSError:
            pass


_load_tbb()

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
