"""Walk the catalog: every node type is declared completely and works in every layer that
derives from its declaration (the parameter form, project files, the engine's builders)."""

from __future__ import annotations

import json
import re

import pytest

from engine.io.project_file import dumps_project, loads_project
from engine.model.catalog import CATEGORIES, PORT_KINDS, NodeType, default_catalog
from engine.model.network import Network
from engine.model.project import Project
from engine.sim.compiler import BUILDERS

CATALOG = default_catalog()
TYPES = list(CATALOG)
SPECS = [(t, spec) for t in TYPES for spec in t.params]
by_type = pytest.mark.parametrize("node_type", TYPES, ids=lambda t: t.type_id)
by_param = pytest.mark.parametrize(
    ("node_type", "spec"), SPECS, ids=[f"{t.type_id}.{s.name}" for t, s in SPECS]
)


def test_the_catalog_is_not_empty_and_ids_are_unique():
    ids = [t.type_id for t in TYPES]
    assert len(ids) == len(set(ids)) == len(CATALOG) > 0
    assert {t.category for t in TYPES} >= {"encoder", "population", "projection", "recorder"}


@by_type
def test_declaration_is_complete(node_type: NodeType):
    assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+", node_type.type_id)
    assert isinstance(node_type.version, int) and node_type.version >= 1
    assert node_type.title.strip() and node_type.doc.strip()
    assert node_type.category in CATEGORIES
    assert node_type.ports, "a node that cannot be wired is useless"
    for port in node_type.ports:
        assert port.kind in PORT_KINDS and port.doc.strip(), port.name
    for legacy in node_type.legacy_ids:
        assert CATALOG.get(legacy) is node_type
    assert CATALOG.get(node_type.type_id) is node_type and node_type.type_id in CATALOG


@by_type
def test_defaults_validate(node_type: NodeType):
    defaults = node_type.default_params()
    assert node_type.param_problems(defaults) == []
    assert node_type.validate_params(defaults) == defaults
    assert node_type.validate_params({}) == defaults


@by_type
def test_describe_is_json(node_type: NodeType):
    described = json.loads(json.dumps(node_type.describe(), allow_nan=False))
    assert described["id"] == node_type.type_id
    assert [p["name"] for p in described["params"]] == [s.name for s in node_type.params]
    assert [p["name"] for p in described["ports"]] == [p.name for p in node_type.ports]


@by_type
def test_a_node_of_each_type_survives_a_round_trip(node_type: NodeType):
    net = Network(CATALOG)
    node = net.add_node(node_type.type_id, node_id="the-node")
    text = dumps_project(Project(net))
    loaded = loads_project(text).network.node("the-node")
    assert loaded == node
    saved = json.loads(text)["nodes"][0]
    assert (saved["type"], saved["type_version"]) == (node_type.type_id, node_type.version)


@by_type
def test_the_engine_has_a_builder(node_type: NodeType):
    assert node_type.type_id in BUILDERS, f"no builder registered for {node_type.type_id}"
    assert callable(BUILDERS[node_type.type_id])


@pytest.mark.parametrize(
    "node_type", [t for t in TYPES if t.category == "population"], ids=lambda t: t.type_id
)
def test_populations_expose_state_variables(node_type: NodeType):
    # every population with a membrane lets a state recorder sample it; relays have none
    if node_type.type_id == "population.relay":
        assert not node_type.state_vars
        return
    assert "v_m" in node_type.state_vars
    assert all(isinstance(unit, str) for unit in node_type.state_vars.values())


@by_param
def test_every_param_has_a_unit_and_a_one_line_doc(node_type, spec):
    assert isinstance(spec.unit, str)
    assert spec.doc.strip() and "\n" not in spec.doc
    assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.name)


@by_param
def test_bounds_are_sensible(node_type, spec):
    text = spec.bounds_text()
    if spec.kind not in ("float", "int"):
        assert (spec.low, spec.high) == (None, None)
        assert text == ""
        return
    if spec.low is not None and spec.high is not None:
        assert spec.low < spec.high
        assert re.fullmatch(r"in [\[(]\S+, \S+[\])]( \S+)?", text)
    elif spec.low is not None or spec.high is not None:
        assert re.fullmatch(r"(>|>=|<|<=) \S+( \S+)?", text)
    else:
        assert text == ""
    if text and spec.unit:
        assert text.endswith(f" {spec.unit}")
    if spec.default is not None and not isinstance(spec.default, dict):
        spec.validate(spec.default)  # the default lies within the bounds


@by_param
def test_relevance_conditions_refer_to_real_values(node_type, spec):
    for other, values in spec.relevant_when.items():
        other_spec = node_type.param(other)
        for value in values:
            other_spec.validate(value)


@by_param
def test_choices_are_strings(node_type, spec):
    if spec.kind == "choice":
        assert spec.choices and all(isinstance(c, str) for c in spec.choices)
        assert spec.default in spec.choices
