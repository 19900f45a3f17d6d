"""The mapper and design-rule checks on hand-checkable networks."""

from __future__ import annotations

import numpy as np
import pytest

from engine.io.project_file import load_project
from engine.model.network import Network
from engine.sim.compiler import compile_network
from hardware import drc
from hardware.mapping import cut_weight, map_network
from hardware.profiles import ROOT, list_profiles, load_profile
from hardware.report import map_and_report
from hardware.synapses import synapse_table
from tests.hardware.conftest import chain, variant


def mapped(network, profile, **kwargs):
    compiled = compile_network(network.copy())
    return map_network(network, compiled, profile, synapse_table(compiled), **kwargs)


def rules(violations, severity=None):
    return [v.rule for v in violations if severity is None or v.severity == severity]


def test_synapse_table_is_the_same_for_a_network_compiled_for_two_threads():
    """Parallel mode stores static synapses in one partition per thread; the mapper sees the
    same synapses."""
    net, _ = chain([30, 40, 20], rule="fixed_probability")
    one = synapse_table(compile_network(net.copy()))
    two = synapse_table(compile_network(net.copy(), threads=2))
    assert one.size > 100

    def rows(t):
        table = np.column_stack([t.pre, t.post, t.weight, t.delay, t.projection])
        return table[np.lexsort(table.T[::-1])]

    np.testing.assert_array_equal(rows(one), rows(two))


def test_synapse_table_recovers_pre_and_post():
    net, (inp, pop) = chain([3, 4], rule="all_to_all")
    compiled = compile_network(net.copy())
    table = synapse_table(compiled)
    pairs = set(zip(table.pre.tolist(), table.post.tolist(), strict=True))
    assert pairs == {(i, 3 + j) for i in range(3) for j in range(4)}
    assert (table.delay == 1).all() and (table.projection == 0).all()


def test_300_neurons_on_256_neuron_cores_need_2_cores(truenorth):
    net, (_, pop) = chain([1, 300], rule="all_to_all")
    mapping = mapped(net, truenorth)
    assert mapping.cores_used == 2
    assert mapping.chips_used == 1
    assert sorted(mapping.usage.neurons.tolist()) == [44, 256]
    rows = mapping.utilization()
    assert max(r["neurons"]["fraction"] for r in rows) == 1.0
    assert all(r["fan_in"]["used"] == 1 for r in rows)


def test_fan_in_of_300_is_reported_on_truenorth(truenorth):
    net, (_, pop) = chain([300, 10], rule="all_to_all")
    mapping = mapped(net, truenorth)
    found = [v for v in drc.check(mapping) if v.rule == "core.fan_in"]
    assert len(found) == 1
    assert (
        found[0].message == "Core 0 receives 300 distinct input axons; TrueNorth cores accept 256."
    )
    assert found[0].node == pop.id and found[0].severity == "error"
    assert (found[0].value, found[0].limit) == (300, 256)
    assert not drc.fits(drc.check(mapping))


def test_a_network_that_fits_gives_zero_violations(loihi):
    net, _ = chain([100, 200, 50], rule="fixed_probability", weight=5.0)
    net.node_by_name("proj0").params["p"] = 0.1
    net.node_by_name("proj1").params["p"] = 0.1
    mapping = mapped(net, loihi)
    assert drc.check(mapping) == []
    assert mapping.cores_used == 1  # 250 neurons share one 1,024-compartment core


def test_groups_larger_than_the_synaptic_memory_are_split():
    # 20 inputs x 100 neurons x 16 bit = 32,000 bit; with 8,000 bit per core: 4 cores
    profile = variant("loihi", synaptic_memory_bits=8000)
    net, _ = chain([20, 100])
    mapping = mapped(net, profile)
    assert mapping.cores_used == 4
    assert (mapping.usage.synaptic_memory_bits <= 8000).all()
    assert drc.check(mapping) == []


def test_per_type_core_limit_is_respected():
    net, _ = chain([1200, 10], source="encoder.poisson")
    mapping = mapped(net, load_profile("spinnaker"))
    poisson_cores = np.unique(mapping.placement.core_of[:1200])
    assert poisson_cores.size == 5  # at most 256 neurons per core, Poisson cap 500 not reached


def test_neuron_targets_on_truenorth():
    net, (_, pop) = chain([1, 300], rule="all_to_all")
    found = [
        v for v in drc.check(mapped(net, load_profile("truenorth"))) if v.rule == "neuron.targets"
    ]
    assert found == []  # the input neuron runs on the host
    net2, (_, a, b) = chain([1, 2, 300], rule="all_to_all")
    found = [
        v for v in drc.check(mapped(net2, load_profile("truenorth"))) if v.rule == "neuron.targets"
    ]
    assert len(found) == 1 and found[0].node == a.id and found[0].value == 2
    assert "Insert 2 splitter neurons" in found[0].message


def test_unsupported_model_and_plasticity_are_reported_with_why():
    net, (_, pop) = chain([10, 10])
    net.add_node("population.hh", "hh", {"size": 5})
    mapping = mapped(net, load_profile("xylo_audio2"))
    found = [v for v in drc.check(mapping) if v.rule == "model.unsupported"]
    assert len(found) == 1
    assert "Xylo neurons are integer CuBa-LIF only" in found[0].message


def clustered_network(size=128, p=0.3):
    """Four groups A, B, C, D in that order; A <-> C and B <-> D talk, nothing else."""
    net = Network()
    groups = {name: net.add_node("population.lif", name, {"size": size}) for name in "ABCD"}
    for a, b in (("A", "C"), ("C", "A"), ("B", "D"), ("D", "B")):
        proj = net.add_node("projection.delta", f"{a}{b}",
                            {"rule": "fixed_probability", "p": p, "weight": 1.0})  # fmt: skip
        net.add_link(groups[a].id, "out", proj.id, "pre")
        net.add_link(proj.id, "post", groups[b].id, "synapses")
    return net


def test_refinement_reduces_traffic_of_a_clustered_network():
    profile = variant("generic", max_neurons=256)
    net = clustered_network()
    naive = mapped(net, profile, refine=False)
    refined = mapped(net, profile, refine=True)
    assert naive.cores_used == refined.cores_used == 2
    before = cut_weight(naive.placement.core_of, naive.synapses, None)
    after = cut_weight(refined.placement.core_of, refined.synapses, None)
    assert before == naive.synapses.size  # greedy puts A+B and C+D together: all cross
    assert after < 0.1 * before
    assert drc.check(refined) == []


def test_refinement_with_measured_traffic_weighs_by_spikes():
    profile = variant("generic", max_neurons=256)
    net = clustered_network()
    traffic = np.ones(512)
    refined = mapped(net, profile, traffic=traffic)
    assert (
        cut_weight(refined.placement.core_of, refined.synapses, traffic)
        < 0.1 * refined.synapses.size
    )


def test_layer_profiles_put_each_group_on_its_own_core():
    net, _ = chain([10, 20, 30])
    net.node_by_name("pop0").type_id = "population.if"
    mapping = mapped(net, load_profile("speck"))
    assert mapping.cores_used == 2
    assert [len(g) for g in mapping.usage.groups] == [1, 1]


def test_chip_count_grows_with_the_design():
    profile = variant("truenorth", max_neurons=1)
    net, _ = chain([1, 5000], rule="one_to_one")
    net.node_by_name("input").params["size"] = 5000
    mapping = mapped(net, profile)
    assert mapping.cores_used == 5000 and mapping.chips_used == 2
    found = {v.rule: v for v in drc.check(mapping)}
    assert found["chip.cores"].severity == "info"


@pytest.mark.slow
@pytest.mark.parametrize("name", list_profiles())
def test_every_example_project_maps_on_every_profile(name):
    for path in sorted((ROOT / "projects").glob("*.snnproj")):
        project = load_project(path)
        report, _ = map_and_report(project.network, load_profile(name))
        assert report["cores_used"] >= 1
        assert isinstance(report["fits"], bool)
        for violation in report["violations"]:
            assert set(violation) >= {"rule", "severity", "message", "node"}
