"""Reading and writing ``.snnproj`` project files.

Load = parse -> check the envelope -> migrate -> validate -> build. Every problem is reported
with the path of the field it is about (``nodes[2].params.tau_m: must be > 0 ms``); the loader
never executes anything from the file (no pickle, eval or exec). Save is atomic.

The layout is described in ``docs/file-format.md`` and ``resources/schemas/project.schema.json``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine import __version__
from engine.errors import ProjectFileError, UnsupportedVersionError, ValidationError
from engine.model.catalog import NodeCatalog, default_catalog
from engine.model.network import SETTINGS, Link, Network, Node
from engine.model.project import Project, empty_view

FORMAT = "spikestudio-project"
SCHEMA_VERSION = 1
SUFFIX = ".snnproj"
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_NODES = 100_000

TOP_LEVEL_KEYS = {
    "format",
    "schema_version",
    "app_version",
    "name",
    "description",
    "simulation",
    "nodes",
    "links",
    "view",
}

#: ``MIGRATIONS[n]`` turns a version-n document (a plain dict) into a version n+1 one.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class _NonFinite:
    """Stands for NaN/Infinity found in a file, so validation can name the field it sits in."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class _DuplicateKeyError(ValueError):
    pass


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


# -- writing ----------------------------------------------------------------------------------
def project_to_dict(project: Project) -> dict[str, Any]:
    """The file's content as plain data (what :func:`dumps_project` serialises)."""
    network = project.network
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "app_version": __version__,
        "name": project.name,
        "description": project.description,
        "simulation": dict(network.settings),
        "nodes": [
            {
                "id": node.id,
                "type": node.type_id,
                "type_version": network.node_type(node).version,
                "name": node.name,
                "params": node.params,
            }
            for node in network.nodes
        ],
        "links": [
            {
                "id": link.id,
                "source": {"node": link.source, "port": link.source_port},
                "target": {"node": link.target, "port": link.target_port},
            }
            for link in network.links
        ],
        "view": project.view,
    }


def dumps_project(project: Project) -> str:
    """Pretty-printed JSON with stable key order, ending in a newline."""
    text = json.dumps(
        project_to_dict(project), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False
    )
    return text + "\n"


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write ``project`` to ``path`` atomically.

    The text goes to a temporary file in the same folder, which is flushed, synced and then
    renamed over ``path``: a crash at any moment leaves either the old file or the new one.
    """
    path = Path(path)
    text = dumps_project(project)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp_name, path.stat().st_mode & 0o777)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# -- reading ----------------------------------------------------------------------------------
def load_project(path: str | os.PathLike[str], catalog: NodeCatalog | None = None) -> Project:
    """Read a project file; raises :class:`ProjectFileError` listing every problem."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise ProjectFileError(source, [ValidationError(f"cannot read the file ({err.strerror})")])
    if size > MAX_FILE_BYTES:
        raise ProjectFileError(
            source,
            [
                ValidationError(
                    f"is {size / 1e6:.0f} MB; project files are at most "
                    f"{MAX_FILE_BYTES // 2**20} MiB (store connectivity as rules)"
                )
            ],
        )
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ProjectFileError(source, [ValidationError(f"cannot read the file ({err.strerror})")])
    return loads_project(data, source, catalog)


def loads_project(
    data: str | bytes, source: str = "<project>", catalog: NodeCatalog | None = None
) -> Project:
    """Parse, migrate, validate and build a project from file content."""
    catalog = catalog or default_catalog()
    document = _parse(data, source)
    document = _migrate(document, source)
    problems = list(_validate(document, catalog))
    if problems:
        raise ProjectFileError(source, problems)
    return _build(document, catalog, source)


def _parse(data: str | bytes, source: str) -> dict[str, Any]:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ProjectFileError(
                source, [ValidationError(f"is not UTF-8 text (byte {err.start})")]
            ) from None
    if data.startswith("\ufeff"):
        data = data[1:]
    try:
        document = json.loads(
            data, object_pairs_hook=_object_without_duplicates, parse_constant=_NonFinite
        )
    except _DuplicateKeyError as err:
        raise ProjectFileError(source, [ValidationError(str(err))]) from None
    except json.JSONDecodeError as err:
        raise ProjectFileError(
            source,
            [
                ValidationError(
                    f"is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
                )
            ],
        ) from None
    except RecursionError:
        raise ProjectFileError(source, [ValidationError("is nested too deeply")]) from None
    if not isinstance(document, dict):
        raise ProjectFileError(
            source, [ValidationError("must hold a JSON object at the top level")]
        )
    if document.get("format") != FORMAT:
        raise ProjectFileError(
            source,
            [ValidationError(f"must be {FORMAT!r}; this is not a SpikeStudio project", "format")],
        )
    version = document.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectFileError(
            source, [ValidationError("must be a positive integer", "schema_version")]
        )
    if version > SCHEMA_VERSION:
        raise UnsupportedVersionError(
            source,
            [
                ValidationError(
                    f"is {version}, but this SpikeStudio ({__version__}) reads files up to "
                    f"version {SCHEMA_VERSION}; open it with a newer SpikeStudio",
                    "schema_version",
                )
            ],
        )
    return document


def _migrate(document: dict[str, Any], source: str) -> dict[str, Any]:
    version = document["schema_version"]
    while version < SCHEMA_VERSION:
        try:
            document = MIGRATIONS[version](document)
        except Exception as err:  # a migration bug must not surface as a traceback
            raise ProjectFileError(
                source,
                [
                    ValidationError(
                        f"could not upgrade from version {version}: {err}", "schema_version"
                    )
                ],
            ) from None
        version += 1
        document["schema_version"] = version
    return document


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _validate(document: dict[str, Any], catalog: NodeCatalog):
    for key in document:
        if key not in TOP_LEVEL_KEYS:
            yield ValidationError("unknown top-level key", str(key))
    for key in ("name", "description", "app_version"):
        if key in document and not isinstance(document[key], str):
            yield ValidationError("must be a string", key)
    yield from _validate_simulation(document.get("simulation", {}))
    nodes = document.get("nodes", [])
    links = document.get("links", [])
    if not isinstance(nodes, list):
        yield ValidationError("must be a list of nodes", "nodes")
        return
    if not isinstance(links, list):
        yield ValidationError("must be a list of links", "links")
        return
    if len(nodes) > MAX_NODES:
        yield ValidationError(f"has {len(nodes)} nodes; at most {MAX_NODES}", "nodes")
        return
    node_types: dict[str, Any] = {}
    names: dict[str, int] = {}
    for i, entry in enumerate(nodes):
        where = f"nodes[{i}]"
        if not isinstance(entry, dict):
            yield ValidationError("must be an object", where)
            continue
        for key in entry:
            if key not in ("id", "type", "type_version", "name", "params"):
                yield ValidationError("unknown key", f"{where}.{key}")
        node_id = entry.get("id")
        if not isinstance(node_id, str) or not node_id:
            yield ValidationError("must be a non-empty string", f"{where}.id")
            continue
        if node_id in node_types:
            yield ValidationError(f"duplicate node id {node_id!r}", f"{where}.id")
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            yield ValidationError("must be a non-empty string", f"{where}.name")
        elif name in names:
            yield ValidationError(
                f"{name!r} is also the name of nodes[{names[name]}]; names must be unique",
                f"{where}.name",
            )
        else:
            names[name] = i
        type_id = entry.get("type")
        resolved = catalog.resolve_id(type_id) if isinstance(type_id, str) else None
        if resolved is None:
            yield ValidationError(
                f"unknown node type {type_id!r} (see 'spikestudio catalog' for the known ones)",
                f"{where}.type",
            )
            node_types[node_id] = None
            continue
        node_type = catalog.get(resolved)
        node_types[node_id] = node_type
        version = entry.get("type_version", node_type.version)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            yield ValidationError("must be a positive integer", f"{where}.type_version")
            continue
        if version > node_type.version:
            yield ValidationError(
                f"is {version}, but this SpikeStudio knows {resolved} up to version "
                f"{node_type.version}; open the file with a newer SpikeStudio",
                f"{where}.type_version",
            )
            continue
        params = entry.get("params", {})
        if not isinstance(params, dict):
            yield ValidationError("must be an object", f"{where}.params")
            continue
        if version < node_type.version:
            params = node_type.migrate(dict(params), version)
            entry["params"] = params
            entry["type_version"] = node_type.version
        for err in node_type.param_problems(params):
            yield err.within(f"{where}.params")
    link_ids: set[str] = set()
    for i, entry in enumerate(links):
        yield from _validate_link(entry, f"links[{i}]", node_types, link_ids)
    yield from _validate_view(document.get("view", {}))


def _validate_simulation(settings: Any):
    if not isinstance(settings, dict):
        yield ValidationError("must be an object", "simulation")
        return
    known = {spec.name for spec in SETTINGS}
    for key in settings:
        if key not in known:
            yield ValidationError("unknown simulation setting", f"simulation.{key}")
    for spec in SETTINGS:
        try:
            spec.validate(settings.get(spec.name, spec.default))
        except ValidationError as err:
            yield err.within("simulation")


def _validate_link(entry: Any, where: str, node_types: dict[str, Any], link_ids: set[str]):
    if not isinstance(entry, dict):
        yield ValidationError("must be an object", where)
        return
    link_id = entry.get("id")
    if not isinstance(link_id, str) or not link_id:
        yield ValidationError("must be a non-empty string", f"{where}.id")
    elif link_id in link_ids:
        yield ValidationError(f"duplicate link id {link_id!r}", f"{where}.id")
    else:
        link_ids.add(link_id)
    for end, direction in (("source", "out"), ("target", "in")):
        ref = entry.get(end)
        if (
            not isinstance(ref, dict)
            or not isinstance(ref.get("node"), str)
            or not isinstance(ref.get("port"), str)
        ):
            yield ValidationError('must be {"node": ID, "port": NAME}', f"{where}.{end}")
            continue
        if ref["node"] not in node_types:
            yield ValidationError(
                f"no node with id {ref['node']!r} (a dangling wire)", f"{where}.{end}.node"
            )
            continue
        node_type = node_types[ref["node"]]
        if node_type is None:
            continue
        try:
            port = node_type.port(ref["port"])
        except KeyError:
            yield ValidationError(
                f"{node_type.type_id} has no port {ref['port']!r}", f"{where}.{end}.port"
            )
            continue
        if port.direction != direction:
            yield ValidationError(
                f"'{port.name}' is an {'input' if direction == 'out' else 'output'}; a link's "
                f"{end} must be an {'output' if direction == 'out' else 'input'}",
                f"{where}.{end}.port",
            )
    for key in entry:
        if key not in ("id", "source", "target"):
            yield ValidationError("unknown key", f"{where}.{key}")


def _validate_view(view: Any):
    if not isinstance(view, dict):
        yield ValidationError("must be an object", "view")
        return
    positions = view.get("positions", {})
    if not isinstance(positions, dict):
        yield ValidationError("must map node ids to [x, y]", "view.positions")
    else:
        for node_id, pos in positions.items():
            if not (isinstance(pos, list) and len(pos) == 2 and all(_is_number(v) for v in pos)):
                yield ValidationError(
                    "must be [x, y] with finite numbers", f"view.positions.{node_id}"
                )
    zoom = view.get("zoom", 1.0)
    if not _is_number(zoom) or zoom <= 0:
        yield ValidationError(f"must be a number > 0 (got {zoom!r})", "view.zoom")
    yield from _non_finite_anywhere(view, "view")


def _non_finite_anywhere(value: Any, where: str):
    if isinstance(value, _NonFinite):
        yield ValidationError(f"must be a finite number (got {value})", where)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite_anywhere(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _non_finite_anywhere(item, f"{where}[{i}]")


def _build(document: dict[str, Any], catalog: NodeCatalog, source: str) -> Project:
    network = Network(catalog)
    for spec in SETTINGS:
        network.settings[spec.name] = spec.validate(
            document.get("simulation", {}).get(spec.name, spec.default)
        )
    problems: list[ValidationError] = []
    for i, entry in enumerate(document.get("nodes", [])):
        node = Node(
            entry["id"],
            catalog.resolve_id(entry["type"]),
            entry["name"],
            dict(entry.get("params", {})),
        )
        try:
            network.insert_node(node)
        except ValidationError as err:
            problems.append(err.within(f"nodes[{i}]"))
    for i, entry in enumerate(document.get("links", [])):
        link = Link(
            entry["id"],
            entry["source"]["node"],
            entry["source"]["port"],
            entry["target"]["node"],
            entry["target"]["port"],
        )
        try:
            network.insert_link(link)
        except ValidationError as err:
            problems.append(ValidationError(err.message, f"links[{i}]"))
    if problems:
        raise ProjectFileError(source, problems)
    view = empty_view()
    view.update(document.get("view", {}))
    return Project(
        network=network,
        name=document.get("name", "Untitled"),
        description=document.get("description", ""),
        view=view,
    )
