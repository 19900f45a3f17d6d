"""Small hand-checkable networks for the hardware tests."""

from __future__ import annotations

import copy

import pytest

from engine.model.network import Network
from hardware.profiles import Profile, load_profile


def chain(sizes, *, rule="all_to_all", weight=10.0, source="encoder.poisson", rate_hz=20.0,
          kind="projection.delta", dt_ms=1.0, duration_ms=200.0):  # fmt: skip
    """An input group feeding a chain of LIF populations of the given sizes."""
    net = Network()
    net.set_setting("dt_ms", dt_ms)
    net.set_setting("duration_ms", duration_ms)
    params = {"size": sizes[0]}
    if source == "encoder.poisson":
        params["rate_hz"] = rate_hz
    pre = net.add_node(source, "input", params)
    nodes = [pre]
    for i, size in enumerate(sizes[1:]):
        pop = net.add_node("population.lif", f"pop{i}", {"size": size})
        proj = net.add_node(kind, f"proj{i}", {"rule": rule, "weight": weight, "delay_ms": 1.0})
        net.add_link(pre.id, "out", proj.id, "pre")
        net.add_link(proj.id, "post", pop.id, "synapses")
        nodes.append(pop)
        pre = pop
    return net, nodes


def variant(name: str, **core) -> Profile:
    """A shipped profile with some per-core limits replaced (``max_neurons=256``)."""
    data = copy.deepcopy(load_profile(name).data)
    for key, value in core.items():
        data["core"][key]["value"] = value
    return Profile(data, f"{name} (test variant)")


@pytest.fixture
def truenorth() -> Profile:
    return load_profile("truenorth")


@pytest.fixture
def loihi() -> Profile:
    return load_profile("loihi")
