"""The project-file JSON Schema and the node-type reference, generated from the catalog.

Both are derived from the node-type declarations (:mod:`engine.nodes`) and the simulation
settings, so they cannot disagree with what the loader accepts. Regenerate the committed copies
after changing a node type::

    python -m engine.io.schema --write        # resources/schemas/ + docs/file-format.md
    python -m engine.io.schema > resources/schemas/project.schema.json
    python -m engine.io.schema --markdown     # the reference section of docs/file-format.md

Tests compare the committed files with what this module generates.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.io.project_file import (
    FORMAT,
    LINK_END_KEYS,
    LINK_KEYS,
    MAX_ID_LENGTH,
    MAX_LINKS,
    MAX_NODES,
    REQUIRED_NODE_KEYS,
    REQUIRED_TOP_LEVEL_KEYS,
    SCHEMA_VERSION,
)
from engine.model.catalog import (
    CATEGORIES,
    CATEGORY_TITLES,
    PORT_KINDS,
    NodeCatalog,
    NodeType,
    default_catalog,
)
from engine.model.network import MAX_NAME_LENGTH, SETTINGS
from engine.model.params import DISTRIBUTIONS, MAX_LIST_LENGTH, ParamSpec

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "resources" / "schemas" / "project.schema.json"
DOC_PATH = ROOT / "docs" / "file-format.md"
CATALOG_START = "<!-- catalog:start -->"
CATALOG_END = "<!-- catalog:end -->"


# -- JSON Schema ------------------------------------------------------------------------------
def project_schema(catalog: NodeCatalog) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a ``.snnproj`` file of the current schema version.

    The schema checks structure, types, bounds and choices. Rules that span several fields
    (unique ids and names, links between existing and compatible ports, sorted spike times,
    ``v_reset < v_th``...) are only checked by the loader, which is the authority.
    """
    type_ids = [t.type_id for t in catalog]
    all_ids = sorted({i for t in catalog for i in (t.type_id, *t.legacy_ids)})
    defs: dict[str, Any] = {
        "id": {
            "description": "Stable id (new ones are UUID hex strings); unique among nodes, "
            "and among links",
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_ID_LENGTH,
            "pattern": "\\S",
        },
        "point": {
            "type": "array",
            "prefixItems": [{"type": "number"}, {"type": "number"}],
            "items": False,
            "minItems": 2,
        },
        "simulation": {
            "description": "Simulation settings; a missing one takes its default",
            "type": "object",
            "additionalProperties": False,
            "properties": {spec.name: param_schema(spec) for spec in SETTINGS},
        },
        "node": {
            "description": "One node: a neuron population, encoder, projection, plasticity "
            "rule or recorder",
            "type": "object",
            "required": list(REQUIRED_NODE_KEYS),
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": "#/$defs/id"},
                "type": {
                    "description": f"Node type id (current: {', '.join(type_ids)})",
                    "enum": all_ids,
                },
                "type_version": {
                    "description": "Version of the node type the parameters were written for; "
                    "older ones are migrated on load",
                    "type": "integer",
                    "minimum": 1,
                },
                "name": {
                    "description": "Name shown in the editor; unique within the project",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_NAME_LENGTH,
                    "pattern": "\\S",
                },
                "params": {
                    "description": "Parameter values, in each parameter's unit; a missing "
                    "one takes its default",
                    "type": "object",
                },
            },
            "allOf": [_node_rule(t) for t in catalog],
        },
        "link_end": {
            "type": "object",
            "required": list(LINK_END_KEYS),
            "additionalProperties": False,
            "properties": {
                "node": {"$ref": "#/$defs/id"},
                "port": {"type": "string", "minLength": 1},
            },
        },
        "link": {
            "description": "A wire from an output port to a compatible input port",
            "type": "object",
            "required": list(LINK_KEYS),
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": "#/$defs/id"},
                "source": {"description": "An output port", "$ref": "#/$defs/link_end"},
                "target": {"description": "An input port", "$ref": "#/$defs/link_end"},
            },
        },
        "view": {
            "description": "View state (never affects a simulation); other keys are kept as "
            "they are",
            "type": "object",
            "properties": {
                "positions": {
                    "description": "Scene position [x, y] of each node, by node id",
                    "type": "object",
                    "additionalProperties": {"$ref": "#/$defs/point"},
                },
                "zoom": {"type": "number", "exclusiveMinimum": 0},
                "center": {
                    "description": "Scene point at the view's centre",
                    "$ref": "#/$defs/point",
                },
                "plots": {"description": "Plots shown, owned by the plot views", "type": "array"},
                "plot_layout": {
                    "description": "Arrangement of the plot docks (Qt saveState, base64)",
                    "type": "string",
                },
                "annotations": {"description": "Canvas notes", "type": "array"},
            },
        },
    }
    for node_type in catalog:
        defs[f"params.{node_type.type_id}"] = _params_schema(node_type)
    return {
        "$schema": DRAFT,
        "title": "SpikeStudio project file (.snnproj)",
        "description": f"Schema version {SCHEMA_VERSION}. Generated from the node-type catalog "
        "by `python -m engine.io.schema`; do not edit by hand. See docs/file-format.md.",
        "type": "object",
        "required": list(REQUIRED_TOP_LEVEL_KEYS),
        "additionalProperties": False,
        "properties": {
            "format": {"const": FORMAT},
            "schema_version": {
                "description": "Older versions are migrated on load; newer ones are refused",
                "const": SCHEMA_VERSION,
            },
            "app_version": {
                "description": "SpikeStudio version that wrote the file",
                "type": "string",
            },
            "name": {"type": "string"},
            "description": {"type": "string"},
            "simulation": {"$ref": "#/$defs/simulation"},
            "nodes": {"type": "array", "maxItems": MAX_NODES, "items": {"$ref": "#/$defs/node"}},
            "links": {"type": "array", "maxItems": MAX_LINKS, "items": {"$ref": "#/$defs/link"}},
            "view": {"$ref": "#/$defs/view"},
        },
        "$defs": defs,
    }


def _node_rule(node_type: NodeType) -> dict[str, Any]:
    ids = [node_type.type_id, *node_type.legacy_ids]
    return {
        "if": {"properties": {"type": {"enum": ids}}, "required": ["type"]},
        "then": {
            "properties": {
                "type_version": {"maximum": node_type.version},
                "params": {"$ref": f"#/$defs/params.{node_type.type_id}"},
            }
        },
    }


def _params_schema(node_type: NodeType) -> dict[str, Any]:
    return {
        "title": f"{node_type.title} ({node_type.type_id}, version {node_type.version})",
        "description": node_type.doc,
        "type": "object",
        "additionalProperties": False,
        "properties": {spec.name: param_schema(spec) for spec in node_type.params},
    }


def param_schema(spec: ParamSpec) -> dict[str, Any]:
    """Schema of one parameter value: its kind, bounds, choices, distributions and null."""
    alternatives = [_value_schema(spec)]
    if spec.allow_distribution:
        alternatives.extend(_distribution_schema(spec, kind) for kind in DISTRIBUTIONS)
    if spec.optional:
        alternatives.append({"type": "null"})
    schema: dict[str, Any] = {"description": param_description(spec), "default": spec.default}
    if len(alternatives) == 1:
        schema.update(alternatives[0])
    else:
        schema["anyOf"] = alternatives
    return schema


def param_description(spec: ParamSpec) -> str:
    """One line: doc, unit, bounds, e.g. ``Membrane time constant (unit: ms; > 0 ms)``."""
    details = [f"unit: {spec.unit}" if spec.unit else "no unit"]
    if spec.bounds_text():
        details.append(spec.bounds_text())
    if spec.allow_distribution:
        details.append("or a uniform/normal distribution")
    if spec.optional:
        details.append("null allowed")
    return f"{spec.doc} ({'; '.join(details)})"


def _bounds(spec: ParamSpec) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if spec.low is not None:
        bounds["minimum" if spec.low_inclusive else "exclusiveMinimum"] = spec.low
    if spec.high is not None:
        bounds["maximum" if spec.high_inclusive else "exclusiveMaximum"] = spec.high
    return bounds


def _value_schema(spec: ParamSpec) -> dict[str, Any]:
    if spec.kind == "float":
        return {"type": "number", **_bounds(spec)}
    if spec.kind == "int":
        return {"type": "integer", **_bounds(spec)}
    if spec.kind == "bool":
        return {"type": "boolean"}
    if spec.kind == "choice":
        return {"enum": list(spec.choices)}
    if spec.kind == "times":
        times = {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0}}
        return {
            "anyOf": [
                {**times, "maxItems": MAX_LIST_LENGTH},
                {"type": "array", "maxItems": MAX_LIST_LENGTH, "items": times},
            ],
        }
    if spec.kind == "floats":
        number = {"type": "number", **_bounds(spec)}
        return {"type": "array", "maxItems": MAX_LIST_LENGTH, "items": number}
    if spec.kind == "table":
        row = {
            "type": "array",
            "prefixItems": [{"type": "number", "minimum": 0}, {"type": "number", **_bounds(spec)}],
            "minItems": 2,
            "maxItems": 2,
        }
        return {"type": "array", "minItems": 1, "items": row}
    if spec.kind == "path":
        return {"type": "string", "minLength": 1}
    return {"type": "array", "items": {"type": "integer", "minimum": 0}}


def _distribution_schema(spec: ParamSpec, kind: str) -> dict[str, Any]:
    number = {"type": "number", **_bounds(spec)}
    required = ["distribution", *DISTRIBUTIONS[kind]]
    properties: dict[str, Any] = {"distribution": {"const": kind}}
    for key in (*DISTRIBUTIONS[kind], "low", "high"):
        properties[key] = {"type": "number", "minimum": 0} if key == "std" else number
    schema: dict[str, Any] = {
        "title": f"{kind} distribution",
        "type": "object",
        "required": required,
        "additionalProperties": False,
        "properties": properties,
    }
    needed = [key for key, bound in (("low", spec.low), ("high", spec.high)) if bound is not None]
    if kind == "normal" and needed:
        # a normal draw must be clipped to stay within the bounds, unless std is 0
        schema["anyOf"] = [{"required": needed}, {"properties": {"std": {"maximum": 0}}}]
    return schema


def schema_json(catalog: NodeCatalog) -> str:
    """The schema as the text committed in ``resources/schemas/project.schema.json``."""
    return json.dumps(project_schema(catalog), indent=2, ensure_ascii=False) + "\n"


# -- Markdown reference -----------------------------------------------------------------------
def catalog_markdown(catalog: NodeCatalog) -> str:
    """The generated reference section of ``docs/file-format.md``.

    Lists the simulation settings, then every node type by category: id, title, version,
    legacy ids, description, ports, every parameter with default, unit, allowed values and
    doc, state variables and presets.
    """
    lines = ["### Simulation settings", ""]
    lines += _param_table(SETTINGS)
    for category in CATEGORIES:
        types = [t for t in catalog if t.category == category]
        if not types:
            continue
        lines += [f"### {CATEGORY_TITLES[category]}", ""]
        for node_type in types:
            lines += _type_section(node_type)
    return "\n".join(lines).rstrip("\n") + "\n"


def _type_section(node_type: NodeType) -> list[str]:
    lines = [f"#### `{node_type.type_id}`: {node_type.title}", ""]
    facts = [f"Version {node_type.version}", f"category `{node_type.category}`"]
    if node_type.legacy_ids:
        facts.append("legacy ids " + ", ".join(f"`{i}`" for i in node_type.legacy_ids))
    lines += ["; ".join(facts) + ".", ""]
    doc = node_type.doc.strip("\n")
    if "\n" in doc:
        lines += ["```text", doc, "```", ""]
    elif doc:
        lines += [doc, ""]
    lines += [
        "| Port | Direction | Carries | Wires | Description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for port in node_type.ports:
        if port.direction == "out":
            direction, wires = "output", "any number"
        else:
            direction = "input"
            wires = "several" if port.multi else "at most one"
            if port.required:
                wires += ", required"
        lines.append(
            f"| `{port.name}` | {direction} | {_cell(PORT_KINDS[port.kind])} | {wires} "
            f"| {_cell(port.doc)} |"
        )
    lines.append("")
    if node_type.params:
        lines += _param_table(node_type.params)
    else:
        lines += ["No parameters.", ""]
    if node_type.state_vars:
        variables = ", ".join(f"`{name}` ({unit})" for name, unit in node_type.state_vars.items())
        lines += [f"State variables (for `recorder.state`): {variables}.", ""]
    if node_type.presets:
        lines += ["Presets (applying one sets these parameters):", ""]
        for name, values in node_type.presets.items():
            settings = ", ".join(f"`{k}` = {json.dumps(v)}" for k, v in values.items())
            lines.append(f"- {name}: {settings}")
        lines.append("")
    return lines


def _param_table(specs: Sequence[ParamSpec]) -> list[str]:
    lines = [
        "| Parameter | Default | Unit | Allowed values | Description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for spec in specs:
        default = json.dumps(spec.default, ensure_ascii=False)
        lines.append(
            f"| `{spec.name}` | `{_cell(default)}` | {_cell(spec.unit) or '-'} "
            f"| {_cell(_allowed(spec))} | {_cell(_param_doc(spec))} |"
        )
    lines.append("")
    return lines


def _allowed(spec: ParamSpec) -> str:
    bounds = spec.bounds_text()
    if spec.kind == "float":
        text = f"number {bounds}" if bounds else "any number"
    elif spec.kind == "int":
        text = f"integer {bounds}" if bounds else "any integer"
    elif spec.kind == "bool":
        text = "true or false"
    elif spec.kind == "choice":
        text = "one of " + ", ".join(f'"{c}"' for c in spec.choices)
    elif spec.kind == "times":
        text = "sorted times > 0 ms: one list, or one list per channel"
    elif spec.kind == "floats":
        text = f"list of numbers {bounds}" if bounds else "list of numbers"
    elif spec.kind == "table":
        text = "rows [time_ms, value] with increasing times" + (
            f", values {bounds}" if bounds else ""
        )
    elif spec.kind == "path":
        text = "file name (relative to the project file's folder, or absolute)"
    else:
        text = "list of neuron indices >= 0"
    if spec.allow_distribution:
        text += ", or a uniform/normal distribution"
    if spec.optional:
        text += ", or null"
    return text


def _param_doc(spec: ParamSpec) -> str:
    text = spec.doc
    if spec.relevant_when:
        conditions = " and ".join(
            f"{name} is " + " or ".join(f'"{v}"' for v in values)
            for name, values in spec.relevant_when.items()
        )
        text += f". Used only when {conditions}"
    if spec.live:
        text += ". Can change during a run"
    return text


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# -- command line -----------------------------------------------------------------------------
def replace_catalog_section(document: str, section: str) -> str:
    """``document`` with the text between the catalog markers replaced by ``section``."""
    start = document.index(CATALOG_START) + len(CATALOG_START)
    end = document.index(CATALOG_END, start)
    return f"{document[:start]}\n\n{section}\n{document[end:]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engine.io.schema",
        description="Print the project-file JSON Schema generated from the node-type catalog.",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--markdown", action="store_true", help="print the node-type reference (Markdown)"
    )
    group.add_argument(
        "--write",
        action="store_true",
        help="rewrite resources/schemas/project.schema.json and the reference section of "
        "docs/file-format.md",
    )
    args = parser.parse_args(argv)
    catalog = default_catalog()
    if args.write:
        SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_PATH.write_text(schema_json(catalog), encoding="utf-8")
        document = DOC_PATH.read_text(encoding="utf-8")
        DOC_PATH.write_text(
            replace_catalog_section(document, catalog_markdown(catalog)), encoding="utf-8"
        )
    elif args.markdown:
        sys.stdout.write(catalog_markdown(catalog))
    else:
        sys.stdout.write(schema_json(catalog))
    return 0


if __name__ == "__main__":
    sys.exit(main())
