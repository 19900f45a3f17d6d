"""Reproducible random streams derived from the project seed.

Every random draw (connectivity of a projection, initial potentials of a population, a Poisson
train) comes from its own stream, named by the project seed, the node's stable id and a purpose,
so editing one node never changes the random numbers another one draws.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_seed(seed: int, node_id: str, purpose: str) -> int:
    """A 63-bit seed for one node and one purpose."""
    digest = hashlib.blake2b(f"{seed}:{node_id}:{purpose}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def stream(seed: int, node_id: str, purpose: str) -> np.random.Generator:
    """A numpy generator for one node and one purpose."""
    return np.random.default_rng(stream_seed(seed, node_id, purpose))
