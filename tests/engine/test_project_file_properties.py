"""Property tests: random valid projects round-trip; random breakages are refused by path.

Projects are drawn from the catalog itself: random node types, parameters drawn from each
:class:`ParamSpec` (kind, bounds, choices, distributions, null), legal wires only (as
:meth:`Network.connection_problem` decides), random settings and view state.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import ProjectFileError, UnsupportedVersionError
from engine.io.project_file import (
    SCHEMA_VERSION,
    dumps_project,
    load_project,
    loads_project,
    save_project,
)
from engine.model.catalog import NodeType, default_catalog
from engine.model.network import MAX_NAME_LENGTH, SETTINGS, Network
from engine.model.params import ParamSpec
from engine.model.project import Project

ROOT = Path(__file__).resolve().parents[2]
CATALOG = default_catalog()
TYPES = list(CATALOG)
SCHEMA = json.loads((ROOT / "resources" / "schemas" / "project.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

finite = st.floats(allow_nan=False, allow_infinity=False)
ids = st.one_of(st.uuids().map(lambda u: u.hex), st.text(min_size=1, max_size=12)).filter(str.strip)
names = st.text(min_size=1, max_size=min(24, MAX_NAME_LENGTH)).filter(str.strip)


# -- valid values from a ParamSpec ------------------------------------------------------------
def numbers(spec: ParamSpec, integer: bool) -> st.SearchStrategy:
    if integer:
        low = None if spec.low is None else int(spec.low) + (0 if spec.low_inclusive else 1)
        high = None if spec.high is None else int(spec.high) - (0 if spec.high_inclusive else 1)
        return st.integers(min_value=low, max_value=high)
    return st.floats(
        min_value=spec.low,
        max_value=spec.high,
        exclude_min=spec.low is not None and not spec.low_inclusive,
        exclude_max=spec.high is not None and not spec.high_inclusive,
        allow_nan=False,
        allow_infinity=False,
    )


@st.composite
def uniform(draw, spec: ParamSpec) -> dict[str, Any]:
    low, high = sorted(draw(st.lists(numbers(spec, False), min_size=2, max_size=2)))
    return {"distribution": "uniform", "low": low, "high": high}


@st.composite
def normal(draw, spec: ParamSpec) -> dict[str, Any]:
    value = {
        "distribution": "normal",
        "mean": draw(numbers(spec, False)),
        "std": draw(st.floats(min_value=0, max_value=1e3)),
    }
    clip = sorted(draw(st.lists(numbers(spec, False), min_size=2, max_size=2)))
    for key, bound, edge in (("low", spec.low, clip[0]), ("high", spec.high, clip[1])):
        needed = bound is not None and value["std"] > 0
        if needed or draw(st.booleans()):
            value[key] = edge
    return value


def param_values(spec: ParamSpec) -> st.SearchStrategy:
    times = st.lists(
        st.floats(min_value=0, max_value=1e7, exclude_min=True, allow_nan=False), max_size=6
    ).map(sorted)
    base = {
        "float": lambda: numbers(spec, False),
        "int": lambda: numbers(spec, True),
        "bool": st.booleans,
        "choice": lambda: st.sampled_from(spec.choices),
        "times": lambda: st.one_of(times, st.lists(times, max_size=4)),
        "indices": lambda: st.lists(st.integers(0, 10**6), max_size=6),
        "floats": lambda: st.lists(numbers(spec, False), max_size=6),
        "table": lambda: st.lists(
            st.tuples(st.floats(0, 1e7, allow_nan=False), numbers(spec, False)),
            min_size=1,
            max_size=5,
            unique_by=lambda row: row[0],
        ).map(lambda rows: [list(row) for row in sorted(rows)]),
        "path": lambda: st.text(min_size=1, max_size=30).filter(
            lambda text: text.strip() and "\x00" not in text
        ),
    }[spec.kind]()
    options = [base]
    if spec.allow_distribution:
        options += [uniform(spec), normal(spec)]
    if spec.optional:
        options.append(st.none())
    return st.one_of(options)


@st.composite
def node_params(draw, node_type: NodeType) -> dict[str, Any]:
    """Random valid parameters; those a cross-parameter rule refuses fall back to defaults."""
    params = {spec.name: draw(param_values(spec)) for spec in node_type.params}
    for _ in range(3):
        problems = node_type.param_problems(params)
        if not problems:
            return params
        for problem in problems:
            name = problem.field.split(".")[0].split("[")[0]
            if name in params:
                params[name] = node_type.param(name).default
    return node_type.default_params()


# -- valid projects ---------------------------------------------------------------------------
@st.composite
def projects(draw) -> Project:
    count = draw(st.integers(0, 6))
    node_ids = draw(st.lists(ids, min_size=count, max_size=count, unique=True))
    node_names = draw(st.lists(names, min_size=count, max_size=count, unique=True))
    net = Network(CATALOG)
    for node_id, name in zip(node_ids, node_names, strict=True):
        node_type = draw(st.sampled_from(TYPES))
        net.add_node(node_type.type_id, name, draw(node_params(node_type)), node_id=node_id)
    link_ids = draw(st.lists(ids, min_size=8, max_size=8, unique=True))
    for link_id in link_ids[: draw(st.integers(0, 8))]:
        legal = [
            (src.id, out.name, dst.id, inp.name)
            for src in net.nodes
            for out in net.node_type(src).outputs
            for dst in net.nodes
            for inp in net.node_type(dst).inputs
            if net.connection_problem(src.id, out.name, dst.id, inp.name) is None
        ]
        if not legal:
            break
        net.add_link(*draw(st.sampled_from(legal)), link_id=link_id)
    for spec in SETTINGS:
        net.set_setting(spec.name, draw(numbers(spec, spec.kind == "int")))
    project = Project(net, name=draw(st.text(max_size=20)), description=draw(st.text()))
    point = st.lists(finite, min_size=2, max_size=2)
    placed = draw(st.lists(st.sampled_from(node_ids), unique=True)) if node_ids else []
    project.view["positions"] = {node_id: draw(point) for node_id in placed}
    project.view["zoom"] = draw(st.floats(min_value=0, exclude_min=True, allow_infinity=False))
    project.view["center"] = draw(point)
    project.view["plots"] = draw(
        st.lists(st.fixed_dictionaries({"kind": st.sampled_from(["raster", "trace"])}))
    )
    return project


@EXAMPLES
@given(projects())
def test_valid_projects_round_trip(project):
    text = dumps_project(project)
    VALIDATOR.validate(json.loads(text))
    loaded = loads_project(text)
    assert dumps_project(loaded) == text
    assert loaded.network.nodes == project.network.nodes
    assert loaded.network.links == project.network.links
    assert loaded.network.settings == project.network.settings
    assert (loaded.name, loaded.description) == (project.name, project.description)
    assert loaded.view == json.loads(json.dumps(project.view))


@settings(max_examples=15, deadline=None)
@given(projects())
def test_valid_projects_round_trip_through_files(project):
    with tempfile.TemporaryDirectory() as folder:
        first, second = Path(folder, "a.snnproj"), Path(folder, "b.snnproj")
        save_project(project, first)
        save_project(load_project(first), second)
        assert first.read_bytes() == second.read_bytes()


# -- mutations --------------------------------------------------------------------------------
def _wrong_values(spec: ParamSpec) -> list[Any]:
    """Values of the wrong type for ``spec`` (each refused whatever the bounds)."""
    wrong: dict[str, list[Any]] = {
        "float": ["1.0", True, [], {"mean": 1}],
        "int": ["3", False, 0.5, []],
        "bool": [1, "true", 0.0, []],
        "choice": ["no-such-choice", 1, True, []],
        "times": ["1, 2", 5.0, {"t": 1}, [2.0, 1.0], [-1.0], [[1.0], "x"]],
        "indices": [[-1], ["0"], [1.5], "0", {}],
        "floats": ["1.0", [True], [[1.0]], {}, 3.0],
        "table": [[], [[1.0]], [[2.0, 1.0], [1.0, 1.0]], [["0", 1.0]], 5.0],
        "path": [3, [], {}, "   ", True],
    }
    values = wrong[spec.kind]
    if not spec.optional:
        values = [*values, None]
    return values


def _out_of_bounds(spec: ParamSpec) -> list[Any]:
    values: list[Any] = []
    integer = spec.kind == "int"
    if spec.low is not None:
        below = spec.low if not spec.low_inclusive else spec.low - max(1, abs(spec.low))
        values.append(int(below) if integer else float(below))
    if spec.high is not None:
        above = spec.high if not spec.high_inclusive else spec.high + max(1, abs(spec.high))
        values.append(int(above) if integer else float(above))
    return values


def _params_paths(doc: dict[str, Any]) -> list[tuple[str, list[Any], ParamSpec]]:
    """``(container path, key path, spec)`` of every parameter and setting in ``doc``."""
    found = [("simulation", ["simulation", spec.name], spec) for spec in SETTINGS]
    for i, node in enumerate(doc["nodes"]):
        node_type = CATALOG.get(node["type"])
        for spec in node_type.params:
            found.append((f"nodes[{i}].params", ["nodes", i, "params", spec.name], spec))
    return found


def _put(doc: dict[str, Any], keys: list[Any], value: Any) -> None:
    target: Any = doc
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value


def _mutations(doc: dict[str, Any], draw) -> list[tuple[str, Any]]:
    """Applicable mutations, each a function returning (text, field, the schema must refuse)."""

    def dump() -> str:
        return json.dumps(doc, indent=2, ensure_ascii=False)

    nodes, links = doc["nodes"], doc["links"]
    options = []

    def drop_required():
        candidates = [([key], key) for key in ("format", "schema_version", "nodes", "links")]
        for i, _ in enumerate(nodes):
            candidates += [(["nodes", i, k], f"nodes[{i}].{k}") for k in ("id", "type", "name")]
        for i, _ in enumerate(links):
            candidates += [(["links", i, k], f"links[{i}].{k}") for k in ("id", "source", "target")]
            for end in ("source", "target"):
                candidates += [
                    (["links", i, end, k], f"links[{i}].{end}.{k}") for k in ("node", "port")
                ]
        keys, field = draw(st.sampled_from(candidates))
        target: Any = doc
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]
        return dump(), field, True

    def wrong_type():
        where, keys, spec = draw(st.sampled_from(_params_paths(doc)))
        value = draw(st.sampled_from(_wrong_values(spec)))
        _put(doc, keys, value)
        unsorted = value == [2.0, 1.0]
        return dump(), f"{where}.{spec.name}", not unsorted

    def out_of_bounds():
        bounded = [c for c in _params_paths(doc) if _out_of_bounds(c[2])]
        where, keys, spec = draw(st.sampled_from(bounded))
        _put(doc, keys, draw(st.sampled_from(_out_of_bounds(spec))))
        return dump(), f"{where}.{spec.name}", True

    def non_finite_literal():
        numeric = [c for c in _params_paths(doc) if c[2].kind in ("float", "int")]
        where, keys, spec = draw(st.sampled_from(numeric))
        literal = draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e400"]))
        _put(doc, keys, "@@LITERAL@@")
        return dump().replace('"@@LITERAL@@"', literal), f"{where}.{spec.name}", False

    def duplicate_id():
        kind = draw(st.sampled_from([k for k in ("nodes", "links") if len(doc[k]) >= 2]))
        i, j = sorted(
            draw(st.lists(st.integers(0, len(doc[kind]) - 1), min_size=2, max_size=2, unique=True))
        )
        doc[kind][j]["id"] = doc[kind][i]["id"]
        return dump(), f"{kind}[{j}].id", False

    def dangling_link():
        i = draw(st.integers(0, len(links) - 1))
        end = draw(st.sampled_from(["source", "target"]))
        missing = "missing"
        while any(node["id"] == missing for node in nodes):
            missing += "!"
        links[i][end]["node"] = missing
        return dump(), f"links[{i}].{end}.node", False

    def newer_schema_version():
        doc["schema_version"] = SCHEMA_VERSION + draw(st.integers(1, 10**6))
        return dump(), "schema_version", True

    def unknown_type():
        i = draw(st.integers(0, len(nodes) - 1))
        nodes[i]["type"] = draw(
            st.sampled_from(["population.no_such_model", "encoder.no_such_input", "", "lif"])
        )
        return dump(), f"nodes[{i}].type", True

    def newer_type_version():
        i = draw(st.integers(0, len(nodes) - 1))
        nodes[i]["type_version"] += draw(st.integers(1, 100))
        return dump(), f"nodes[{i}].type_version", True

    options += [drop_required, wrong_type, out_of_bounds, non_finite_literal]
    options.append(newer_schema_version)
    if len(nodes) >= 2 or len(links) >= 2:
        options.append(duplicate_id)
    if links:
        options.append(dangling_link)
    if nodes:
        options += [unknown_type, newer_type_version]
    return options


@EXAMPLES
@given(projects(), st.data())
def test_broken_files_are_refused_naming_the_field(project, data):
    doc = json.loads(dumps_project(project))
    mutation = data.draw(st.sampled_from(_mutations(doc, data.draw)), label="mutation")
    text, field, schema_refuses = mutation()
    with pytest.raises(ProjectFileError) as info:
        loads_project(text, "broken.snnproj")
    problems = info.value.problems
    about = [
        p for p in problems if p.field == field or p.field.startswith((f"{field}.", f"{field}["))
    ]
    assert about, f"{mutation.__name__}: nothing about {field!r} in\n{info.value}"
    assert f"{about[0].field}: {about[0].message}" in str(info.value)
    if mutation.__name__ == "newer_schema_version":
        assert isinstance(info.value, UnsupportedVersionError)
    if schema_refuses:
        assert not VALIDATOR.is_valid(json.loads(text)), mutation.__name__
