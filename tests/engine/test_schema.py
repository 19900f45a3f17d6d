"""The generated JSON Schema and node-type reference: committed copies match, and they agree
with the loader."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from engine.errors import ProjectFileError, ValidationError
from engine.io import schema as schema_module
from engine.io.project_file import dumps_project, load_project, loads_project
from engine.io.schema import (
    CATALOG_END,
    CATALOG_START,
    catalog_markdown,
    main,
    param_schema,
    project_schema,
    replace_catalog_section,
    schema_json,
)
from engine.model.catalog import default_catalog
from engine.model.network import SETTINGS
from engine.model.params import ParamSpec

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "resources" / "schemas" / "project.schema.json"
DOC_FILE = ROOT / "docs" / "file-format.md"
REGENERATE = "run `python -m engine.io.schema --write` and commit the result"
CATALOG = default_catalog()
PROJECT_FILES = sorted(
    [*ROOT.glob("projects/*.snnproj"), *ROOT.glob("benchmarks/networks/*.snnproj")]
)
ALL_SPECS = [(t.type_id, spec) for t in CATALOG for spec in t.params] + [
    ("simulation", spec) for spec in SETTINGS
]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text("utf-8")))


def _doc_example() -> str:
    text = DOC_FILE.read_text("utf-8")
    return re.search(r"```json\n(\{\n.*?\n\}\n)```", text, re.S).group(1)


# -- the committed copies cannot drift --------------------------------------------------------
def test_committed_schema_is_the_generated_one():
    assert SCHEMA_FILE.read_text("utf-8") == schema_json(CATALOG), REGENERATE


def test_committed_reference_is_the_generated_one():
    text = DOC_FILE.read_text("utf-8")
    assert text.count(CATALOG_START) == 1 and text.count(CATALOG_END) == 1
    between = text.split(CATALOG_START)[1].split(CATALOG_END)[0]
    assert between.strip("\n") == catalog_markdown(CATALOG).strip("\n"), REGENERATE


def test_schema_is_valid_draft_2020_12():
    schema = project_schema(CATALOG)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


# -- completeness -----------------------------------------------------------------------------
@pytest.mark.parametrize("node_type", list(CATALOG), ids=lambda t: t.type_id)
def test_every_type_and_parameter_is_described(node_type):
    schema = project_schema(CATALOG)
    assert node_type.type_id in schema["$defs"]["node"]["properties"]["type"]["enum"]
    params = schema["$defs"][f"params.{node_type.type_id}"]
    assert list(params["properties"]) == [spec.name for spec in node_type.params]
    heading = f"#### `{node_type.type_id}`: {node_type.title}\n"
    markdown = catalog_markdown(CATALOG)
    assert heading in markdown
    section = re.split(r"\n#{3,4} ", markdown.split(heading)[1])[0]
    for spec in node_type.params:
        described = params["properties"][spec.name]
        assert described["description"].startswith(spec.doc)
        if spec.unit:
            assert f"unit: {spec.unit}" in described["description"]
        row = next(line for line in section.splitlines() if line.startswith(f"| `{spec.name}` "))
        assert f"| {spec.unit or '-'} |" in row


def test_simulation_settings_are_described():
    schema = project_schema(CATALOG)
    assert list(schema["$defs"]["simulation"]["properties"]) == [s.name for s in SETTINGS]
    assert "### Simulation settings" in catalog_markdown(CATALOG)


# -- the schema agrees with the loader --------------------------------------------------------
def _candidates(spec: ParamSpec) -> list[Any]:
    values: list[Any] = [spec.default, None, True, "text", [], {}]
    for bound in (spec.low, spec.high):
        if bound is not None:
            values += [bound, bound - 1e-3, bound + 1e-3, bound - 1, bound + 1]
    if spec.kind == "int":
        values += [2, 2.5, -1]
    if spec.kind == "choice":
        values += list(spec.choices) + ["other"]
    if spec.kind == "times":
        values += [[1.0, 2.0], [[1.0], []], [0.0], [-1.0], [[1.0], "x"]]
    if spec.kind == "indices":
        values += [[0, 3], [-1], ["0"]]
    if spec.allow_distribution:
        middle = spec.default
        values += [
            {"distribution": "uniform", "low": middle, "high": middle},
            {"distribution": "uniform", "low": middle},
            {"distribution": "normal", "mean": middle, "std": 0.0},
            {"distribution": "normal", "mean": middle, "std": 1.0, "x": 1},
            {"distribution": "gamma", "k": 1.0},
        ]
        if spec.low is not None and spec.high is not None:
            values += [
                {"distribution": "normal", "mean": middle, "std": 1.0},
                {
                    "distribution": "normal",
                    "mean": middle,
                    "std": 1.0,
                    "low": spec.low,
                    "high": spec.high,
                },
                {"distribution": "uniform", "low": spec.low - 1, "high": middle},
            ]
    return values


def _loader_accepts(spec: ParamSpec, value: Any) -> bool:
    try:
        spec.validate(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("owner", "spec"), ALL_SPECS, ids=[f"{owner}.{spec.name}" for owner, spec in ALL_SPECS]
)
def test_parameter_schema_agrees_with_the_param_spec(owner, spec):
    """Where the schema can judge a value at all, it judges it as the loader does."""
    validator = jsonschema.Draft202012Validator(param_schema(spec))
    for value in _candidates(spec):
        assert validator.is_valid(value) == _loader_accepts(spec, value), (owner, value)


def test_schema_cannot_see_unsorted_spike_times():
    """A documented limit: ordering is checked by the loader only."""
    spec = CATALOG.get("encoder.spike_times").param("spike_times_ms")
    assert jsonschema.Draft202012Validator(param_schema(spec)).is_valid([2.0, 1.0])
    assert not _loader_accepts(spec, [2.0, 1.0])


def _minimal(**node: Any) -> dict[str, Any]:
    entry = {"id": "a", "type": "population.lif", "name": "A", **node}
    return {"format": "spikestudio-project", "schema_version": 1, "nodes": [entry], "links": []}


@pytest.mark.parametrize(
    "document",
    [
        _minimal(params={"tau_m": 0}),
        _minimal(params={"tau": 10.0}),
        _minimal(type="population.no_such_model"),
        _minimal(type_version=2),
        _minimal(name=""),
        _minimal(colour="red"),
        {**_minimal(), "schema_version": 2},
        {**_minimal(), "format": "other"},
        {**_minimal(), "simulation": {"dt_ms": 0}},
        {**_minimal(), "view": {"zoom": 0}},
        {**_minimal(), "links": [{"id": "l", "source": {"node": "a"}, "target": {}}]},
    ],
    ids=[
        "bound",
        "unknown-param",
        "unknown-type",
        "newer-type-version",
        "empty-name",
        "extra-key",
        "newer-schema",
        "format",
        "setting",
        "zoom",
        "link-ends",
    ],
)
def test_schema_refuses_what_the_loader_refuses(validator, document):
    assert not validator.is_valid(document)
    with pytest.raises(ProjectFileError):
        loads_project(json.dumps(document))


# -- files in the repository ------------------------------------------------------------------
@pytest.mark.parametrize("path", PROJECT_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_project_files_in_the_repository_are_valid(validator, path):
    validator.validate(json.loads(path.read_text("utf-8")))
    load_project(path)


def test_documented_example_is_valid_and_in_the_written_layout(validator):
    example = _doc_example()
    validator.validate(json.loads(example))
    written = json.loads(dumps_project(loads_project(example)))
    original = json.loads(example)
    assert list(written) == list(original)
    for mine, theirs in zip(written["nodes"], original["nodes"], strict=True):
        assert list(mine) == list(theirs)
        # node types may gain parameters after the example was written; those take defaults
        assert list(theirs["params"]) == sorted(theirs["params"])
        assert set(theirs["params"]) <= set(mine["params"])


# -- command line -----------------------------------------------------------------------------
def test_main_prints_the_schema_and_the_reference(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out == schema_json(CATALOG)
    assert main(["--markdown"]) == 0
    assert capsys.readouterr().out == catalog_markdown(CATALOG)


def test_main_write_regenerates_both_files(tmp_path, monkeypatch):
    schema_file = tmp_path / "schemas" / "project.schema.json"
    doc_file = tmp_path / "file-format.md"
    doc_file.write_text(f"# Title\n\n{CATALOG_START}\nstale\n{CATALOG_END}\n\nAfter.\n", "utf-8")
    monkeypatch.setattr(schema_module, "SCHEMA_PATH", schema_file)
    monkeypatch.setattr(schema_module, "DOC_PATH", doc_file)
    assert main(["--write"]) == 0
    assert schema_file.read_text("utf-8") == schema_json(CATALOG)
    text = doc_file.read_text("utf-8")
    assert "stale" not in text and text.startswith("# Title\n") and text.endswith("After.\n")
    assert replace_catalog_section(text, catalog_markdown(CATALOG)) == text
