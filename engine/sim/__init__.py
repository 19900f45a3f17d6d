"""Compiling a network snapshot into flat arrays and running it with Numba kernels."""
