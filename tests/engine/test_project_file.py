"""Project files: layout, round trips, every class of invalid file, migrations, atomic saves."""

from __future__ import annotations

import ast
import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.errors import ProjectFileError, UnsupportedVersionError, ValidationError
from engine.io import project_file
from engine.io.project_file import (
    FORMAT,
    SCHEMA_VERSION,
    dumps_project,
    load_project,
    loads_project,
    project_to_dict,
    save_project,
)
from engine.model.catalog import NodeCatalog, NodeType, Port
from engine.model.network import Network
from engine.model.params import ParamSpec
from engine.model.project import Project

ROOT = Path(__file__).resolve().parents[2]

INPUT, EXC, PROJ, SPIKES, DRIVE = "id-input", "id-exc", "id-proj", "id-spikes", "id-drive"


def make_project() -> Project:
    """Poisson -> projection -> LIF -> spike recorder, plus a DC drive into the LIF."""
    net = Network()
    net.add_node("encoder.poisson", "Input", {"size": 20}, node_id=INPUT)
    net.add_node(
        "population.lif",
        "Excitatory",
        {"size": 20, "v_init": {"distribution": "uniform", "low": -70, "high": -60}},
        node_id=EXC,
    )
    net.add_node("projection.synapses", "Input → Excitatory", {"p": 0.5}, node_id=PROJ)
    net.add_node("recorder.spikes", "Spikes", node_id=SPIKES)
    net.add_node("encoder.dc", "Drive", {"amplitude_pa": 300}, node_id=DRIVE)
    net.add_link(INPUT, "out", PROJ, "pre", link_id="link-0")
    net.add_link(PROJ, "post", EXC, "synapses", link_id="link-1")
    net.add_link(EXC, "out", SPIKES, "source", link_id="link-2")
    net.add_link(DRIVE, "out", EXC, "current", link_id="link-3")
    net.set_setting("seed", 7)
    project = Project(net, name="Demo ☃", description="A small network\nover two lines")
    project.view["positions"] = {INPUT: [0.0, 0.0], EXC: [200.5, -3], PROJ: [100, 0]}
    project.view["zoom"] = 1.5
    project.view["plots"] = [{"kind": "raster", "source": SPIKES}]
    return project


def document() -> dict[str, Any]:
    return json.loads(dumps_project(make_project()))


def load_error(content: str | bytes | dict[str, Any]) -> ProjectFileError:
    if isinstance(content, dict):
        content = json.dumps(content, allow_nan=True)
    with pytest.raises(ProjectFileError) as info:
        loads_project(content, "test.snnproj")
    return info.value


def assert_same_network(a: Network, b: Network) -> None:
    assert a.nodes == b.nodes
    assert a.links == b.links
    assert a.settings == b.settings


# -- layout -----------------------------------------------------------------------------------
def test_layout_is_pretty_printed_json_with_the_envelope_first():
    text = dumps_project(make_project())
    assert text.startswith('{\n  "format": "spikestudio-project",\n  "schema_version": 1,\n')
    assert text.endswith("}\n")
    data = json.loads(text)
    assert list(data) == list(project_file.TOP_LEVEL_KEYS)
    assert data["format"] == FORMAT and data["schema_version"] == SCHEMA_VERSION
    assert "Demo ☃" in text  # UTF-8 text, not \u escapes
    node = data["nodes"][1]
    assert list(node) == ["id", "type", "type_version", "name", "params"]
    assert list(node["params"]) == sorted(node["params"])
    assert list(data["simulation"]) == sorted(data["simulation"])


def test_model_and_view_are_kept_apart():
    data = document()
    assert set(data["simulation"]) == {"dt_ms", "duration_ms", "seed", "max_delay_ms"}
    assert "positions" not in json.dumps(data["nodes"])
    assert data["view"]["positions"][EXC] == [200.5, -3]
    assert list(data["view"]) == sorted(data["view"])


def test_project_to_dict_is_a_copy():
    project = make_project()
    data = project_to_dict(project)
    data["nodes"][1]["params"]["v_init"]["low"] = 0.0
    data["view"]["positions"][INPUT][0] = 99.0
    assert project.network.node(EXC).params["v_init"]["low"] == -70.0
    assert project.view["positions"][INPUT][0] == 0.0


def test_view_key_order_does_not_change_the_bytes():
    a, b = make_project(), make_project()
    b.view = dict(reversed(list(b.view.items())))
    b.view["positions"] = dict(reversed(list(b.view["positions"].items())))
    assert dumps_project(a) == dumps_project(b)


def test_positions_of_removed_nodes_are_not_saved():
    project = make_project()
    project.network.remove_node(INPUT)
    assert INPUT not in project_to_dict(project)["view"]["positions"]


def test_positions_of_unknown_nodes_are_dropped_on_load():
    data = document()
    data["view"]["positions"]["gone"] = [1.0, 2.0]
    project = loads_project(json.dumps(data))
    assert "gone" not in project.view["positions"]
    assert project.view["positions"][EXC] == [200.5, -3]


def test_view_keys_owned_by_the_views_are_kept():
    data = document()
    data["view"]["splitter"] = {"sizes": [300, 700]}
    project = loads_project(json.dumps(data))
    assert project.view["splitter"] == {"sizes": [300, 700]}
    assert json.loads(dumps_project(project))["view"]["splitter"] == {"sizes": [300, 700]}


def test_unsavable_view_values_are_refused_with_their_path():
    project = make_project()
    project.view["positions"][EXC] = [float("nan"), 0.0]
    project.view["thing"] = object()
    with pytest.raises(ProjectFileError) as info:
        dumps_project(project)
    fields = {p.field for p in info.value.problems}
    assert fields == {f"view.positions.{EXC}[0]", "view.thing"}


# -- round trips ------------------------------------------------------------------------------
def test_save_load_save_is_byte_identical(tmp_path):
    project = make_project()
    first, second = tmp_path / "a.snnproj", tmp_path / "b.snnproj"
    save_project(project, first)
    loaded = load_project(first)
    save_project(loaded, second)
    assert first.read_bytes() == second.read_bytes()
    assert_same_network(loaded.network, project.network)
    assert (loaded.name, loaded.description) == (project.name, project.description)
    assert loaded.view == json.loads(json.dumps(project.view))


def test_loaded_values_are_normalised():
    project = loads_project(dumps_project(make_project()))
    params = project.network.node(DRIVE).params
    assert params["amplitude_pa"] == 300.0 and isinstance(params["amplitude_pa"], float)
    assert project.network.settings["seed"] == 7


def test_minimal_file_takes_defaults():
    project = loads_project(
        '{"format": "spikestudio-project", "schema_version": 1, "nodes": [], "links": []}'
    )
    assert project.network.nodes == [] and project.name == "Untitled"
    assert project.network.settings == Network().settings
    assert project.view["zoom"] == 1.0


def test_missing_params_take_their_defaults():
    data = {
        "format": FORMAT,
        "schema_version": 1,
        "nodes": [{"id": "a", "type": "population.lif", "name": "P", "params": {"size": 3}}],
        "links": [],
    }
    node = loads_project(json.dumps(data)).network.node("a")
    assert node.params["size"] == 3 and node.params["tau_m"] == 10.0


def test_byte_order_mark_is_tolerated():
    text = dumps_project(make_project())
    project = loads_project(("\ufeff" + text).encode("utf-8"))
    assert dumps_project(project) == text


# -- invalid files ----------------------------------------------------------------------------
Mutation = Callable[[dict[str, Any]], Any]


def _locate(data: dict[str, Any], path: str) -> tuple[Any, Any]:
    """Container and key of the field at ``path`` (in the loader's notation, ``a.b[2].c``)."""
    keys: list[Any] = [
        int(k[1:-1]) if k.startswith("[") else k for k in path.replace("[", ".[").split(".") if k
    ]
    container: Any = data
    for key in keys[:-1]:
        container = container[key]
    return container, keys[-1]


def _set(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        container, key = _locate(data, path)
        container[key] = value

    return mutate


def _drop(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        container, key = _locate(data, path)
        del container[key]

    return mutate


def _append_link(source: tuple[str, str], target: tuple[str, str]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["links"].append(
            {
                "id": "extra",
                "source": {"node": source[0], "port": source[1]},
                "target": {"node": target[0], "port": target[1]},
            }
        )

    return mutate


def _literal(path: str, literal: str) -> Callable[[dict[str, Any]], str]:
    """Mutation writing a raw JSON literal (NaN, 1e400...) at ``path``; returns the text."""

    def mutate(data: dict[str, Any]) -> str:
        _set(path, "@@LITERAL@@")(data)
        return json.dumps(data, indent=1).replace('"@@LITERAL@@"', literal)

    return mutate


# (case id, mutation, field, fragment of the message)
INVALID = [
    ("format-missing", _drop("format"), "format", "is required"),
    ("format-wrong", _set("format", "other-app"), "format", "not a SpikeStudio project"),
    ("version-missing", _drop("schema_version"), "schema_version", "is required"),
    ("version-text", _set("schema_version", "1"), "schema_version", "positive integer"),
    ("version-bool", _set("schema_version", True), "schema_version", "positive integer"),
    ("version-zero", _set("schema_version", 0), "schema_version", "positive integer"),
    ("unknown-top-key", _set("colour", "red"), "colour", "unknown top-level key"),
    ("nodes-missing", _drop("nodes"), "nodes", "is required"),
    ("links-missing", _drop("links"), "links", "is required"),
    ("nodes-not-list", _set("nodes", {}), "nodes", "must be a list of nodes"),
    ("name-not-text", _set("name", 3), "name", "must be a string"),
    ("node-not-object", _set("nodes[3]", "Spikes"), "nodes[3]", "must be an object"),
    ("node-id-missing", _drop("nodes[3].id"), "nodes[3].id", "is required"),
    ("node-type-missing", _drop("nodes[3].type"), "nodes[3].type", "is required"),
    ("node-name-missing", _drop("nodes[3].name"), "nodes[3].name", "is required"),
    ("node-unknown-key", _set("nodes[3].colour", 1), "nodes[3].colour", "unknown key"),
    ("node-id-empty", _set("nodes[3].id", ""), "nodes[3].id", "non-empty string"),
    ("node-id-number", _set("nodes[3].id", 5), "nodes[3].id", "non-empty string"),
    ("node-id-huge", _set("nodes[3].id", "x" * 1000), "nodes[3].id", "ids have at most"),
    ("duplicate-node-id", _set("nodes[3].id", EXC), "nodes[3].id", "duplicate node id"),
    ("duplicate-link-id", _set("links[2].id", "link-0"), "links[2].id", "duplicate link id"),
    ("duplicate-name", _set("nodes[3].name", "Input"), "nodes[3].name", "names must be unique"),
    ("blank-name", _set("nodes[3].name", "  "), "nodes[3].name", "non-empty string"),
    ("long-name", _set("nodes[3].name", "n" * 81), "nodes[3].name", "at most 80"),
    ("unknown-type", _set("nodes[1].type", "population.no_such_model"), "nodes[1].type", "knows: "),
    ("misspelt-type", _set("nodes[1].type", "population.lfi"), "nodes[1].type", "did you mean"),
    ("type-not-text", _set("nodes[1].type", ["lif"]), "nodes[1].type", "node type id"),
    ("type-version-text", _set("nodes[1].type_version", "1"), "nodes[1].type_version", "positive"),
    ("type-version-newer", _set("nodes[1].type_version", 9), "nodes[1].type_version", "newer"),
    ("params-not-object", _set("nodes[1].params", [1]), "nodes[1].params", "must be an object"),
    ("unknown-param", _set("nodes[1].params.tau", 1.0), "nodes[1].params.tau", "unknown param"),
    ("param-wrong-type", _set("nodes[1].params.tau_m", "10"), "nodes[1].params.tau_m", "number"),
    ("param-bool", _set("nodes[1].params.tau_m", True), "nodes[1].params.tau_m", "number"),
    ("param-null", _set("nodes[1].params.tau_m", None), "nodes[1].params.tau_m", "required"),
    ("int-param-fraction", _set("nodes[1].params.size", 2.5), "nodes[1].params.size", "integer"),
    ("bool-param-number", _set("nodes[2].params.autapses", 1), "nodes[2].params.autapses", "true"),
    ("bad-choice", _set("nodes[2].params.rule", "random"), "nodes[2].params.rule", "one of"),
    ("out-of-bounds", _set("nodes[1].params.tau_m", -5), "nodes[1].params.tau_m", "must be > 0 ms"),
    ("on-exclusive-bound", _set("nodes[1].params.tau_m", 0), "nodes[1].params.tau_m", "> 0 ms"),
    ("absurd-size", _set("nodes[1].params.size", 10**12), "nodes[1].params.size", "<= 100000000"),
    ("cross-param-rule", _set("nodes[1].params.v_reset", -50), "nodes[1].params.v_reset", "v_th"),
    (
        "bad-distribution",
        _set("nodes[1].params.v_init", {"distribution": "gamma", "k": 1}),
        "nodes[1].params.v_init.distribution",
        "must be one of",
    ),
    (
        "distribution-extra-key",
        _set(
            "nodes[1].params.v_init", {"distribution": "uniform", "low": -70, "high": -60, "x": 1}
        ),
        "nodes[1].params.v_init.x",
        "unknown key",
    ),
    (
        "distribution-odd-value",
        _set("nodes[1].params.v_init", {"distribution": "uniform", "low": {}, "high": -60}),
        "nodes[1].params.v_init.low",
        "must be a finite number",
    ),
    ("nan", _literal("nodes[1].params.v_th", "NaN"), "nodes[1].params.v_th", "not NaN"),
    ("infinity", _literal("nodes[1].params.v_th", "Infinity"), "nodes[1].params.v_th", "finite"),
    ("minus-inf", _literal("simulation.dt_ms", "-Infinity"), "simulation.dt_ms", "finite"),
    ("overflow", _literal("nodes[1].params.v_th", "1e400"), "nodes[1].params.v_th", "overflows"),
    ("huge-int", _literal("nodes[1].params.size", "9" * 5000), "nodes[1].params.size", "digits"),
    ("nan-in-view", _literal("view.zoom", "NaN"), "view.zoom", "not NaN"),
    ("link-not-object", _set("links[0]", [INPUT, PROJ]), "links[0]", "must be an object"),
    ("link-id-missing", _drop("links[0].id"), "links[0].id", "is required"),
    ("link-target-missing", _drop("links[0].target"), "links[0].target", "is required"),
    ("link-end-missing-port", _drop("links[0].source.port"), "links[0].source.port", "required"),
    ("link-end-not-object", _set("links[0].source", INPUT), "links[0].source", '{"node"'),
    ("link-end-extra-key", _set("links[0].source.w", 1), "links[0].source.w", "unknown key"),
    ("link-node-not-text", _set("links[0].source.node", 1), "links[0].source.node", "node id"),
    ("dangling-source", _set("links[0].source.node", "nope"), "links[0].source.node", "dangling"),
    ("dangling-target", _set("links[1].target.node", "nope"), "links[1].target.node", "dangling"),
    ("no-such-port", _set("links[1].target.port", "in"), "links[1].target.port", "has no port"),
    (
        "source-is-input",
        _set("links[0].source", {"node": PROJ, "port": "pre"}),
        "links[0].source.port",
        "an input",
    ),
    (
        "spikes-into-current",
        _set("links[0].target", {"node": EXC, "port": "current"}),
        "links[0].target.port",
        "takes an injected current",
    ),
    (
        "current-into-synapses",
        _set("links[3].target.port", "synapses"),
        "links[3].target.port",
        "carries an injected current",
    ),
    (
        "self-wire",
        _set("links[2].target", {"node": EXC, "port": "current"}),
        "links[2].target.node",
        "itself",
    ),
    (
        "same-wire-twice",
        _append_link((EXC, "out"), (SPIKES, "source")),
        "links[4].target.port",
        "already wired",
    ),
    (
        "second-wire-into-one",
        _append_link((EXC, "out"), (PROJ, "pre")),
        "links[4].target.port",
        "only one wire",
    ),
    ("simulation-not-object", _set("simulation", 0.1), "simulation", "must be an object"),
    ("unknown-setting", _set("simulation.dt", 0.1), "simulation.dt", "unknown simulation setting"),
    ("bad-setting", _set("simulation.dt_ms", 0), "simulation.dt_ms", ">= 0.001 ms"),
    ("seed-float", _set("simulation.seed", 1.5), "simulation.seed", "integer"),
    ("view-not-object", _set("view", []), "view", "must be an object"),
    ("bad-position", _set(f"view.positions.{EXC}", [1]), f"view.positions.{EXC}", "[x, y]"),
    ("bad-zoom", _set("view.zoom", 0), "view.zoom", "> 0"),
    ("bad-center", _set("view.center", "middle"), "view.center", "[x, y]"),
    ("plots-not-list", _set("view.plots", {}), "view.plots", "must be a list"),
]


@pytest.mark.parametrize(
    ("mutation", "field", "fragment"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_file_is_refused_naming_the_field(mutation, field, fragment):
    data = document()
    result = mutation(data)
    err = load_error(result if isinstance(result, str) else data)
    matching = [p for p in err.problems if p.field == field]
    assert matching, f"no problem about {field!r} in:\n{err}"
    assert fragment in matching[0].message
    assert f"{field}: " in str(err)
    assert str(err).startswith("test.snnproj: ")


def test_every_invalid_case_has_a_distinct_message():
    messages = set()
    for _, mutation, field, _ in INVALID:
        data = document()
        result = mutation(data)
        err = load_error(result if isinstance(result, str) else data)
        messages.add(next(str(p) for p in err.problems if p.field == field))
    assert len(messages) == len(INVALID)


def test_newer_schema_version_is_its_own_error():
    data = document()
    data["schema_version"] = SCHEMA_VERSION + 1
    err = load_error(data)
    assert isinstance(err, UnsupportedVersionError)
    assert "newer SpikeStudio" in err.problems[0].message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\xff\xfe{}", "is not UTF-8"),
        ("", "is not valid JSON"),
        ('{"format": "spikestudio-project",', "is not valid JSON"),
        ("[1, 2]", "top level, not a list"),
        ('"hello"', "top level, not a string"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
    ids=["not-utf8", "empty", "truncated", "list", "string", "deep"],
)
def test_files_that_are_not_projects(content, fragment):
    err = load_error(content)
    assert len(err.problems) == 1
    assert err.problems[0].field == ""
    assert fragment in err.problems[0].message


def test_repeated_key_names_its_path():
    text = dumps_project(make_project()).replace(
        '"tau_m": 10.0,', '"tau_m": 10.0,\n        "tau_m": 12.0,'
    )
    err = load_error(text)
    assert [p.field for p in err.problems] == ["nodes[1].params.tau_m"]
    assert "more than once" in err.problems[0].message


def test_every_problem_is_reported_at_once():
    data = document()
    data["nodes"][1]["params"]["tau_m"] = -1
    data["nodes"][0]["params"]["rate_hz"] = "fast"
    data["links"][2]["target"]["node"] = "nope"
    data["simulation"]["dt_ms"] = 100
    fields = [p.field for p in load_error(data).problems]
    assert fields == [
        "simulation.dt_ms",
        "nodes[0].params.rate_hz",
        "nodes[1].params.tau_m",
        "links[2].target.node",
    ]


def test_an_invalid_node_does_not_make_its_links_dangle():
    data = document()
    data["nodes"][1]["params"]["tau_m"] = -1
    assert [p.field for p in load_error(data).problems] == ["nodes[1].params.tau_m"]


def test_too_many_nodes(monkeypatch):
    monkeypatch.setattr(project_file, "MAX_NODES", 3)
    err = load_error(document())
    assert err.problems[0].field == "nodes"
    assert "at most 3 nodes" in err.problems[0].message


def test_too_large_file(tmp_path, monkeypatch):
    path = tmp_path / "big.snnproj"
    path.write_text(dumps_project(make_project()), encoding="utf-8")
    monkeypatch.setattr(project_file, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ProjectFileError, match="project files are at most"):
        load_project(path)


@pytest.mark.parametrize("name", ["missing.snnproj", "."], ids=["missing", "folder"])
def test_unreadable_path(tmp_path, name):
    with pytest.raises(ProjectFileError, match="cannot read the file"):
        load_project(tmp_path / name if name != "." else tmp_path)


def test_a_crashing_node_check_is_reported_not_raised():
    def broken(params):
        raise RuntimeError("bug in a check")

    catalog = NodeCatalog()
    catalog.register(
        NodeType("test.broken", 1, "Broken", "population", (), (ParamSpec("x", 1.0),), check=broken)
    )
    data = {
        "format": FORMAT,
        "schema_version": 1,
        "nodes": [{"id": "a", "type": "test.broken", "name": "A"}],
        "links": [],
    }
    with pytest.raises(ProjectFileError) as info:
        loads_project(json.dumps(data), catalog=catalog)
    assert info.value.problems[0].field == "nodes[0].params"
    assert "bug in a check" in info.value.problems[0].message


def test_loader_never_evaluates_file_content():
    """No pickle/eval/exec/marshal anywhere in the file code (checked on the source)."""
    forbidden = {"eval", "exec", "compile", "pickle", "marshal", "shelve", "__import__"}
    for module in ("project_file.py", "schema.py"):
        tree = ast.parse((ROOT / "engine" / "io" / module).read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {
            a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.Import | ast.ImportFrom)
            for a in n.names
        }
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not names & forbidden, module


# -- migrations -------------------------------------------------------------------------------
def _migration_catalog() -> NodeCatalog:
    """A type renamed from ``test.old`` whose parameter ``gain`` became ``gain_pa`` in v2."""

    def migrate(params: dict[str, Any], from_version: int) -> dict[str, Any]:
        if from_version < 2 and "gain" in params:
            if params["gain"] == "explode":
                raise ValueError("cannot read gain 'explode'")
            params["gain_pa"] = params.pop("gain")
        return params

    catalog = NodeCatalog()
    catalog.register(
        NodeType(
            "test.new",
            2,
            "New",
            "encoder",
            (Port("out", "spikes", "out"),),
            (ParamSpec("gain_pa", 1.0, "pA", "Gain", low=0.0),),
            legacy_ids=("test.old",),
            migrate=migrate,
        )
    )
    return catalog


def _old_node_file(params: dict[str, Any], type_version: int = 1) -> str:
    node = {"id": "a", "type": "test.old", "type_version": type_version, "name": "A"}
    node["params"] = params
    return json.dumps({"format": FORMAT, "schema_version": 1, "nodes": [node], "links": []})


def test_node_type_migration_and_legacy_id():
    catalog = _migration_catalog()
    project = loads_project(_old_node_file({"gain": 3}), catalog=catalog)
    node = project.network.node("a")
    assert (node.type_id, node.params) == ("test.new", {"gain_pa": 3.0})
    saved = json.loads(dumps_project(project))["nodes"][0]
    assert (saved["type"], saved["type_version"]) == ("test.new", 2)


def test_node_migration_result_is_validated():
    err = pytest.raises(
        ProjectFileError, loads_project, _old_node_file({"gain": -1}), catalog=_migration_catalog()
    ).value
    assert [p.field for p in err.problems] == ["nodes[0].params.gain_pa"]


def test_failing_node_migration_is_an_error():
    err = pytest.raises(
        ProjectFileError,
        loads_project,
        _old_node_file({"gain": "explode"}),
        catalog=_migration_catalog(),
    ).value
    assert err.problems[0].field == "nodes[0].params"
    assert "could not upgrade test.new parameters from version 1 to 2" in err.problems[0].message


def test_newer_node_type_version_is_refused():
    err = pytest.raises(
        ProjectFileError, loads_project, _old_node_file({}, 3), catalog=_migration_catalog()
    ).value
    assert err.problems[0].field == "nodes[0].type_version"


def test_schema_migration_chain(monkeypatch):
    def v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
        doc["nodes"] = doc.pop("elements")
        return doc

    monkeypatch.setattr(project_file, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(project_file.MIGRATIONS, 1, v1_to_v2)
    old = document()
    old["schema_version"] = 1
    old["elements"] = old.pop("nodes")
    project = loads_project(json.dumps(old))
    assert_same_network(project.network, make_project().network)
    assert json.loads(dumps_project(project))["schema_version"] == 2


def test_failing_schema_migration_is_an_error(monkeypatch):
    monkeypatch.setattr(project_file, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(project_file.MIGRATIONS, 1, lambda doc: doc["elements"])
    old = document()
    old["schema_version"] = 1
    err = load_error(old)
    assert err.problems[0].field == "schema_version"
    assert "could not upgrade the file from version 1 to 2" in err.problems[0].message


# -- atomic save ------------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path) -> Path:
    path = tmp_path / "net.snnproj"
    save_project(make_project(), path)
    return path


def _changed_project() -> Project:
    project = make_project()
    project.network.set_param(EXC, "tau_m", 20.0)
    return project


def _assert_untouched(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_save_leaves_no_temporary_file(saved):
    save_project(_changed_project(), saved)
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name]
    assert load_project(saved).network.node(EXC).params["tau_m"] == 20.0


def test_failed_rename_keeps_the_old_file(saved, monkeypatch):
    before = saved.read_bytes()

    def crash(*args):
        raise OSError(errno.EIO, "simulated crash before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        save_project(_changed_project(), saved)
    _assert_untouched(saved, before)


def test_failure_half_way_through_the_write_keeps_the_old_file(saved, monkeypatch):
    before = saved.read_bytes()
    real_write = os.write
    calls = []

    def half_then_disk_full(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_disk_full)
    with pytest.raises(OSError, match="No space left"):
        save_project(_changed_project(), saved)
    assert len(calls) == 2  # the short write was continued, then failed
    _assert_untouched(saved, before)


def test_failed_sync_keeps_the_old_file(saved, monkeypatch):
    before = saved.read_bytes()

    def fail(fd):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError):
        save_project(_changed_project(), saved)
    _assert_untouched(saved, before)


def test_unsavable_project_writes_nothing(saved):
    before = saved.read_bytes()
    project = _changed_project()
    project.view["zoom"] = float("inf")
    with pytest.raises(ProjectFileError) as info:
        save_project(project, saved)
    assert info.value.problems[0].field == "view.zoom"
    _assert_untouched(saved, before)


def test_save_keeps_permissions_and_uses_the_umask_for_new_files(tmp_path):
    path = tmp_path / "p.snnproj"
    old_umask = os.umask(0o022)
    try:
        save_project(make_project(), path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    path.chmod(0o640)
    save_project(_changed_project(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_save_through_a_symlink_replaces_its_target(tmp_path):
    target = tmp_path / "real.snnproj"
    link = tmp_path / "link.snnproj"
    save_project(make_project(), target)
    link.symlink_to(target)
    save_project(_changed_project(), link)
    assert link.is_symlink()
    assert load_project(target).network.node(EXC).params["tau_m"] == 20.0


_SAVE_LOOP = """
import sys
from engine.io.project_file import save_project
from engine.model.network import Network
from engine.model.project import Project

projects = []
for k in (1, 2):
    net = Network()
    times = [0.5 * i + k for i in range(1, 60_000)]
    net.add_node("encoder.spike_times", "Input", {"spike_times_ms": times}, node_id="n")
    projects.append(Project(net, name=f"version {k}"))
save_project(projects[0], sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    i += 1
    save_project(projects[i % 2], sys.argv[1])
"""


def test_a_killed_save_loop_always_leaves_a_valid_file(tmp_path):
    path = tmp_path / "big.snnproj"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", _SAVE_LOOP, str(path)], stdout=subprocess.PIPE, env=env
    )
    try:
        assert child.stdout.readline() == b"ready\n"
        names = set()
        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:  # readers never see a half-written file
            names.add(load_project(path).name)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    names.add(load_project(path).name)
    assert names <= {"version 1", "version 2"}
    leftovers = {p.name for p in tmp_path.iterdir()} - {path.name}
    assert all(n.startswith(".big.snnproj.") and n.endswith(".tmp") for n in leftovers)


def test_validation_error_paths_compose():
    err = ValidationError("must be > 0 ms", "tau_m").within("nodes[2].params")
    assert str(err) == "nodes[2].params.tau_m: must be > 0 ms"


def test_relative_file_parameters_resolve_against_the_project_folder(tmp_path):
    folder = tmp_path / "lesson"
    folder.mkdir()
    project = Project()
    save_project(project, folder / "a.snnproj")
    loaded = load_project(folder / "a.snnproj")
    assert loaded.network.resolve_path("data/img.png") == folder.resolve() / "data/img.png"
    assert loaded.network.resolve_path("/abs/img.png") == Path("/abs/img.png")
