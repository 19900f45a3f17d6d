"""Reading and writing ``.snnproj`` project files.

Load = parse -> check the envelope -> migrate -> validate and build. Every problem is reported
with the path of the field it is about (``nodes[2].params.tau_m: must be > 0 ms``) and
collected, so that one :class:`~engine.errors.ProjectFileError` lists all of them; nothing else
escapes the loader. The loader never executes anything from the file (no pickle, eval or
exec). Save is atomic: a temporary file in the same folder, flushed, synced, then renamed.

The layout is described in ``docs/file-format.md`` and ``resources/schemas/project.schema.json``
(generated from the catalog by :mod:`engine.io.schema`).
"""

from __future__ import annotations

import difflib
import json
import math
import numbers
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine import __version__
from engine.errors import ProjectFileError, UnsupportedVersionError, ValidationError
from engine.io.atomic import write_bytes_atomically
from engine.model.catalog import NodeCatalog, NodeType, default_catalog
from engine.model.network import MAX_NAME_LENGTH, SETTINGS, Link, Network, Node
from engine.model.project import Project, empty_view

FORMAT = "spikestudio-project"
SCHEMA_VERSION = 1
SUFFIX = ".snnproj"
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_NODES = 100_000
MAX_LINKS = 1_000_000
MAX_ID_LENGTH = 128
#: Longer integer literals are refused before Python converts them (no parameter comes near).
MAX_INT_DIGITS = 40

#: Top-level keys, in the order they are written.
TOP_LEVEL_KEYS = (
    "format",
    "schema_version",
    "app_version",
    "name",
    "description",
    "simulation",
    "nodes",
    "links",
    "view",
)
REQUIRED_TOP_LEVEL_KEYS = ("format", "schema_version", "nodes", "links")
NODE_KEYS = ("id", "type", "type_version", "name", "params")
REQUIRED_NODE_KEYS = ("id", "type", "name")
LINK_KEYS = ("id", "source", "target")
LINK_END_KEYS = ("node", "port")

#: ``MIGRATIONS[n]`` turns a version-n document (a plain dict) into a version n+1 one.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


class _BadNumber:
    """A number JSON text may hold but a project may not (NaN, Infinity, a huge integer).

    The parser puts one in place of the value so that the loader can name the field.
    """

    def __init__(self, text: str, message: str) -> None:
        self.text = text
        self.message = message

    def __repr__(self) -> str:
        return self.text if len(self.text) <= 20 else f"{self.text[:17]}..."


class _ObjectWithDuplicates(dict):
    """A JSON object in which some key appears more than once (the last value is kept)."""

    duplicates: list[str]


def _parse_constant(text: str) -> _BadNumber:
    return _BadNumber(
        text, f"must be a finite number, not {text} (NaN and Infinity are not allowed)"
    )


def _parse_int(text: str) -> int | _BadNumber:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        return _BadNumber(text, f"is an integer with {digits} digits, far beyond any valid value")
    return int(text)


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = dict(pairs)
    if len(result) == len(pairs):
        return result
    duplicated = _ObjectWithDuplicates(result)
    seen: set[str] = set()
    duplicated.duplicates = []
    for key, _ in pairs:
        if key in seen and key not in duplicated.duplicates:
            duplicated.duplicates.append(key)
        seen.add(key)
    return duplicated


def _child(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else str(key)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# -- writing ----------------------------------------------------------------------------------
def project_to_dict(project: Project) -> dict[str, Any]:
    """The file's content as plain data (what :func:`dumps_project` serialises).

    Keys come in a fixed order so that saving the same project always gives the same bytes:
    the envelope and entry keys in the order of the format, parameters, settings and view keys
    sorted by name (so that reordering a node type's declarations does not change files).
    View positions of nodes that are no longer in the network are left out.

    Raises
    ------
    ProjectFileError
        If the view holds something a project file cannot (NaN, a non-JSON object).
    """
    return _to_dict(project, "<project>")


def _to_dict(project: Project, source: str) -> dict[str, Any]:
    network = project.network
    node_ids = {node.id for node in network.nodes}
    problems: list[ValidationError] = []
    view = _plain(project.view, "view", problems)
    if problems:
        raise ProjectFileError(source, problems)
    if isinstance(view, dict) and isinstance(view.get("positions"), dict):
        view["positions"] = {k: v for k, v in view["positions"].items() if k in node_ids}
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "app_version": __version__,
        "name": project.name,
        "description": project.description,
        "simulation": {name: network.settings[name] for name in sorted(network.settings)},
        "nodes": [_node_to_dict(network, node) for node in network.nodes],
        "links": [
            {
                "id": link.id,
                "source": {"node": link.source, "port": link.source_port},
                "target": {"node": link.target, "port": link.target_port},
            }
            for link in network.links
        ],
        "view": view,
    }


def _node_to_dict(network: Network, node: Node) -> dict[str, Any]:
    node_type = network.node_type(node)
    return {
        "id": node.id,
        "type": node.type_id,
        "type_version": node_type.version,
        "name": node.name,
        "params": {name: _copy(node.params[name]) for name in sorted(node.params)},
    }


def _copy(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _plain(value: Any, where: str, problems: list[ValidationError]) -> Any:
    """A JSON-ready copy of view data with keys sorted; reports what JSON cannot hold."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            problems.append(ValidationError(f"must be a finite number (got {number})", where))
        return number
    if isinstance(value, list | tuple):
        return [_plain(v, _child(where, i), problems) for i, v in enumerate(value)]
    if isinstance(value, dict):
        result = {}
        for key in sorted(value, key=str):
            if not isinstance(key, str):
                problems.append(ValidationError("keys must be strings", _child(where, str(key))))
                continue
            result[key] = _plain(value[key], _child(where, key), problems)
        return result
    problems.append(
        ValidationError(f"cannot be saved in a project file (a {type(value).__name__})", where)
    )
    return None


def dumps_project(project: Project) -> str:
    """Pretty-printed JSON with stable key order, ending in a newline."""
    return _dumps(project, "<project>")


def _dumps(project: Project, source: str) -> str:
    text = json.dumps(_to_dict(project, source), indent=2, ensure_ascii=False, allow_nan=False)
    return text + "\n"


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write ``project`` to ``path`` atomically.

    The text goes to a temporary file in the same folder, which is written in full, synced
    to disk and then renamed over ``path``: a crash at any moment leaves either the old file
    or the new one, never a mix. A symbolic link is followed (its target is replaced).

    Raises
    ------
    ProjectFileError
        If the project holds something a file cannot (checked before anything is written).
    OSError
        If the folder cannot be written; the old file is then left as it was.
    """
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    data = _dumps(project, str(path)).encode("utf-8")
    write_bytes_atomically(path, data)
    if project.network.base_dir is None:  # relative file parameters now follow the file
        project.network.base_dir = path.resolve().parent


# -- reading ----------------------------------------------------------------------------------
def load_project(path: str | os.PathLike[str], catalog: NodeCatalog | None = None) -> Project:
    """Read a project file; raises :class:`ProjectFileError` listing every problem."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ProjectFileError(source, [_too_big(size)])
        data = path.read_bytes()
    except OSError as err:
        reason = err.strerror or str(err)
        raise ProjectFileError(
            source, [ValidationError(f"cannot read the file ({reason})")]
        ) from None
    project = loads_project(data, source, catalog)
    project.network.base_dir = path.resolve().parent
    return project


def _too_big(size: int) -> ValidationError:
    return ValidationError(
        f"is {size / 2**20:.0f} MiB; project files are at most {MAX_FILE_BYTES // 2**20} MiB "
        "(connectivity is stored as rules, so a real project is far smaller)"
    )


def loads_project(
    data: str | bytes, source: str = "<project>", catalog: NodeCatalog | None = None
) -> Project:
    """Parse, check, migrate, validate and build a project from file content.

    Raises
    ------
    UnsupportedVersionError
        If the file was written by a newer SpikeStudio (a :class:`ProjectFileError`).
    ProjectFileError
        For anything else wrong with the file, one :class:`ValidationError` per problem.
    """
    catalog = catalog or default_catalog()
    if len(data) > MAX_FILE_BYTES:
        raise ProjectFileError(source, [_too_big(len(data))])
    document = _parse(data, source)
    _check_envelope(document, source)
    problems = _bad_values(document)
    if problems:
        raise ProjectFileError(source, problems)
    document = _migrate(document, source)
    try:
        return _Reader(catalog, source).read(document)
    except ProjectFileError:
        raise
    except RecursionError:
        raise ProjectFileError(source, [ValidationError("is nested too deeply")]) from None
    except Exception as err:  # a bug in a node type's checks must not become a traceback
        raise ProjectFileError(
            source,
            [
                ValidationError(
                    f"could not be read because of an internal error "
                    f"({type(err).__name__}: {err}); please report it"
                )
            ],
        ) from err


def _parse(data: str | bytes, source: str) -> dict[str, Any]:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ProjectFileError(
                source, [ValidationError(f"is not UTF-8 text (bad byte at offset {err.start})")]
            ) from None
    if data.startswith("\ufeff"):
        data = data[1:]
    try:
        document = json.loads(
            data,
            object_pairs_hook=_object_pairs,
            parse_constant=_parse_constant,
            parse_int=_parse_int,
        )
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
    except ValueError as err:
        raise ProjectFileError(source, [ValidationError(f"is not valid JSON: {err}")]) from None
    if not isinstance(document, dict):
        raise ProjectFileError(
            source,
            [
                ValidationError(
                    f"must hold a JSON object at the top level, not {_json_kind(document)}"
                )
            ],
        )
    return document


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return "a number"


def _check_envelope(document: dict[str, Any], source: str) -> None:
    """The format marker and the schema version, checked before anything else is read."""
    if "format" not in document:
        raise ProjectFileError(
            source,
            [
                ValidationError(
                    f'is required ("format": "{FORMAT}"); this is not a SpikeStudio project',
                    "format",
                )
            ],
        )
    if document["format"] != FORMAT:
        raise ProjectFileError(
            source,
            [
                ValidationError(
                    f"is {_show(document['format'])}, not {FORMAT!r}; "
                    "this is not a SpikeStudio project",
                    "format",
                )
            ],
        )
    if "schema_version" not in document:
        raise ProjectFileError(
            source,
            [
                ValidationError(
                    f"is required (an integer; this SpikeStudio writes {SCHEMA_VERSION})",
                    "schema_version",
                )
            ],
        )
    version = document["schema_version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectFileError(
            source,
            [
                ValidationError(
                    f"must be a positive integer (got {_show(version)})", "schema_version"
                )
            ],
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


def _bad_values(document: Any) -> list[ValidationError]:
    """NaN/Infinity/overflowing numbers and repeated keys, wherever they are, in file order."""
    problems: list[ValidationError] = []
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            for key in getattr(value, "duplicates", ()):
                problems.append(
                    ValidationError(
                        "appears more than once in the same object; give it once",
                        _child(where, key),
                    )
                )
            stack.extend((item, _child(where, key)) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((value[i], _child(where, i)) for i in reversed(range(len(value))))
        elif isinstance(value, _BadNumber):
            problems.append(ValidationError(value.message, where))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(
                ValidationError("is too large to be a number (it overflows to infinity)", where)
            )
    return problems


def _migrate(document: dict[str, Any], source: str) -> dict[str, Any]:
    version = document["schema_version"]
    while version < SCHEMA_VERSION:
        try:
            upgraded = MIGRATIONS[version](document)
            if not isinstance(upgraded, dict):
                raise TypeError(f"the migration returned {type(upgraded).__name__}, not a dict")
        except Exception as err:  # a file the migration cannot handle must not be a traceback
            raise ProjectFileError(
                source,
                [
                    ValidationError(
                        f"could not upgrade the file from version {version} to {version + 1} "
                        f"({type(err).__name__}: {err})",
                        "schema_version",
                    )
                ],
            ) from err
        document = upgraded
        version += 1
        document["schema_version"] = version
    return document


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_point(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)


def _id_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"must be a non-empty string (got {_show(value)})"
    if len(value) > MAX_ID_LENGTH:
        return f"is {len(value)} characters long; ids have at most {MAX_ID_LENGTH}"
    return None


class _Reader:
    """Validates a migrated document and builds the project, collecting every problem."""

    def __init__(self, catalog: NodeCatalog, source: str) -> None:
        self.catalog = catalog
        self.source = source
        self.problems: list[ValidationError] = []
        self.network = Network(catalog)
        self.node_index: dict[str, int] = {}
        self.name_index: dict[str, int] = {}
        self.link_index: dict[str, int] = {}

    def problem(self, field: str, message: str) -> None:
        self.problems.append(ValidationError(message, field))

    def read(self, document: dict[str, Any]) -> Project:
        self._top_level(document)
        settings = self._simulation(document.get("simulation", {}))
        for i, entry in enumerate(self._list(document, "nodes", MAX_NODES)):
            self._node(i, entry)
        for i, entry in enumerate(self._list(document, "links", MAX_LINKS)):
            self._link(i, entry)
        view = self._view(document.get("view", {}))
        if self.problems:
            raise ProjectFileError(self.source, self.problems)
        self.network.settings.update(settings)
        return Project(
            network=self.network,
            name=document.get("name", "Untitled"),
            description=document.get("description", ""),
            view=view,
        )

    # -- top level, settings ---------------------------------------------------------------
    def _top_level(self, document: dict[str, Any]) -> None:
        for key in document:
            if key not in TOP_LEVEL_KEYS:
                self.problem(
                    key, f"unknown top-level key (a project has: {', '.join(TOP_LEVEL_KEYS)})"
                )
        for key in REQUIRED_TOP_LEVEL_KEYS:  # format and schema_version are there already
            if key not in document:
                self.problem(key, "is required (a list, possibly empty)")
        for key in ("app_version", "name", "description"):
            if key in document and not isinstance(document[key], str):
                self.problem(key, f"must be a string (got {_show(document[key])})")

    def _list(self, document: dict[str, Any], key: str, limit: int) -> list[Any]:
        value = document.get(key, [])
        if not isinstance(value, list):
            self.problem(key, f"must be a list of {key} (got {_json_kind(value)})")
            return []
        if len(value) > limit:
            self.problem(key, f"has {len(value)} entries; a project holds at most {limit} {key}")
            return []
        return value

    def _simulation(self, settings: Any) -> dict[str, Any]:
        result = {spec.name: spec.default for spec in SETTINGS}
        if not isinstance(settings, dict):
            self.problem("simulation", f"must be an object (got {_json_kind(settings)})")
            return result
        known = ", ".join(spec.name for spec in SETTINGS)
        for key in settings:
            if key not in result:
                self.problem(f"simulation.{key}", f"unknown simulation setting (known: {known})")
        for spec in SETTINGS:
            try:
                result[spec.name] = spec.validate(settings.get(spec.name, spec.default))
            except ValidationError as err:
                self.problems.append(err.within("simulation"))
        return result

    # -- nodes -----------------------------------------------------------------------------
    def _node(self, i: int, entry: Any) -> None:
        where = f"nodes[{i}]"
        if not isinstance(entry, dict):
            self.problem(where, f"must be an object (a node entry), not {_json_kind(entry)}")
            return
        before = len(self.problems)
        for key in entry:
            if key not in NODE_KEYS:
                self.problem(
                    f"{where}.{key}",
                    f"unknown key in a node entry (allowed: {', '.join(NODE_KEYS)})",
                )
        for key in REQUIRED_NODE_KEYS:
            if key not in entry:
                self.problem(f"{where}.{key}", "is required")
        node_id = entry.get("id")
        if "id" in entry:
            message = _id_problem(node_id)
            if message is None and node_id in self.node_index:
                message = (
                    f"duplicate node id {node_id!r} (nodes[{self.node_index[node_id]}] has it "
                    "too); ids must be unique"
                )
            if message:
                self.problem(f"{where}.id", message)
            else:
                self.node_index[node_id] = i
        name = entry.get("name")
        if "name" in entry:
            self._check_name(where, name, i)
        node_type = self._node_type(where, entry)
        params = self._params(where, entry, node_type) if node_type is not None else None
        if len(self.problems) > before or node_type is None or params is None:
            return
        try:
            self.network.insert_node(Node(node_id, node_type.type_id, name, params))
        except ValidationError as err:
            self.problems.append(err.within(where))

    def _check_name(self, where: str, name: Any, i: int) -> None:
        if not isinstance(name, str) or not name.strip():
            self.problem(f"{where}.name", f"must be a non-empty string (got {_show(name)})")
        elif len(name) > MAX_NAME_LENGTH:
            self.problem(
                f"{where}.name",
                f"is {len(name)} characters long; names have at most {MAX_NAME_LENGTH}",
            )
        elif name in self.name_index:
            self.problem(
                f"{where}.name",
                f"{name!r} is also the name of nodes[{self.name_index[name]}]; "
                "node names must be unique",
            )
        else:
            self.name_index[name] = i

    def _node_type(self, where: str, entry: dict[str, Any]) -> NodeType | None:
        if "type" not in entry:
            return None
        type_id = entry["type"]
        if not isinstance(type_id, str):
            self.problem(
                f"{where}.type",
                f"must be a node type id such as 'population.lif' (got {_show(type_id)})",
            )
            return None
        resolved = self.catalog.resolve_id(type_id)
        if resolved is None:
            self.problem(f"{where}.type", _unknown_type(type_id, self.catalog))
            return None
        node_type = self.catalog.get(resolved)
        version = entry.get("type_version", node_type.version)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.problem(
                f"{where}.type_version", f"must be a positive integer (got {_show(version)})"
            )
            return None
        if version > node_type.version:
            self.problem(
                f"{where}.type_version",
                f"is {version}, but this SpikeStudio knows {resolved} only up to version "
                f"{node_type.version}; open the file with a newer SpikeStudio",
            )
            return None
        return node_type

    def _params(
        self, where: str, entry: dict[str, Any], node_type: NodeType
    ) -> dict[str, Any] | None:
        params = entry.get("params", {})
        if not isinstance(params, dict):
            self.problem(
                f"{where}.params",
                f"must be an object mapping parameter names to values (got {_json_kind(params)})",
            )
            return None
        version = entry.get("type_version", node_type.version)
        if version < node_type.version:
            try:
                params = node_type.migrate(dict(params), version)
                if not isinstance(params, dict):
                    raise TypeError(f"returned {type(params).__name__}, not a dict")
            except Exception as err:  # a file the migration cannot handle: report, don't crash
                self.problem(
                    f"{where}.params",
                    f"could not upgrade {node_type.type_id} parameters from version {version} "
                    f"to {node_type.version} ({type(err).__name__}: {err})",
                )
                return None
        problems = _param_problems(node_type, params)
        self.problems.extend(err.within(f"{where}.params") for err in problems)
        return None if problems else params

    # -- links -----------------------------------------------------------------------------
    def _link(self, i: int, entry: Any) -> None:
        where = f"links[{i}]"
        if not isinstance(entry, dict):
            self.problem(where, f"must be an object (a link entry), not {_json_kind(entry)}")
            return
        before = len(self.problems)
        for key in entry:
            if key not in LINK_KEYS:
                self.problem(
                    f"{where}.{key}",
                    f"unknown key in a link entry (allowed: {', '.join(LINK_KEYS)})",
                )
        for key in LINK_KEYS:
            if key not in entry:
                self.problem(f"{where}.{key}", "is required")
        link_id = entry.get("id")
        if "id" in entry:
            message = _id_problem(link_id)
            if message is None and link_id in self.link_index:
                message = (
                    f"duplicate link id {link_id!r} (links[{self.link_index[link_id]}] has it "
                    "too); ids must be unique"
                )
            if message:
                self.problem(f"{where}.id", message)
            else:
                self.link_index[link_id] = i
        source = (
            self._end(f"{where}.source", entry.get("source"), "out") if "source" in entry else None
        )
        target = (
            self._end(f"{where}.target", entry.get("target"), "in") if "target" in entry else None
        )
        if len(self.problems) > before or source is None or target is None:
            return
        reason = self.network.connection_problem(*source, *target)
        if reason:
            field = "target.node" if source[0] == target[0] else "target.port"
            self.problem(f"{where}.{field}", reason)
            return
        self.network.insert_link(Link(link_id, *source, *target))

    def _end(self, where: str, ref: Any, direction: str) -> tuple[str, str] | None:
        """``(node id, port)`` of one end of a link, or ``None`` if it cannot be wired."""
        if not isinstance(ref, dict):
            self.problem(
                where, f'must be an object {{"node": ID, "port": NAME}} (got {_show(ref)})'
            )
            return None
        before = len(self.problems)
        for key in ref:
            if key not in LINK_END_KEYS:
                self.problem(f"{where}.{key}", "unknown key in a link end (allowed: node, port)")
        for key in LINK_END_KEYS:
            if key not in ref:
                self.problem(f"{where}.{key}", "is required")
        node_id, port_name = ref.get("node"), ref.get("port")
        if "node" in ref and not isinstance(node_id, str):
            self.problem(f"{where}.node", f"must be a node id, a string (got {_show(node_id)})")
        if "port" in ref and not isinstance(port_name, str):
            self.problem(f"{where}.port", f"must be a port name, a string (got {_show(port_name)})")
        if len(self.problems) > before:
            return None
        if node_id not in self.node_index:
            self.problem(f"{where}.node", f"no node has the id {node_id!r} (a dangling link)")
            return None
        try:
            node_type = self.network.node_type(node_id)
        except KeyError:
            return None  # the node itself is invalid, and reported as such
        try:
            port = node_type.port(port_name)
        except KeyError:
            ports = ", ".join(p.name for p in node_type.ports) or "none"
            self.problem(
                f"{where}.port",
                f"{node_type.type_id} has no port {port_name!r} (its ports: {ports})",
            )
            return None
        if port.direction != direction:
            end = "source" if direction == "out" else "target"
            wanted = "an output" if direction == "out" else "an input"
            actual = "an input" if direction == "out" else "an output"
            self.problem(
                f"{where}.port",
                f"'{port_name}' is {actual} of {node_type.type_id}; a link's {end} must be "
                f"{wanted}",
            )
            return None
        return node_id, port_name

    # -- view ------------------------------------------------------------------------------
    def _view(self, view: Any) -> dict[str, Any]:
        result = empty_view()
        if not isinstance(view, dict):
            self.problem("view", f"must be an object (got {_json_kind(view)})")
            return result
        result.update(view)
        positions = view.get("positions", {})
        if not isinstance(positions, dict):
            self.problem("view.positions", "must be an object mapping node ids to [x, y]")
        else:
            for node_id, point in positions.items():
                if not _is_point(point):
                    self.problem(
                        f"view.positions.{node_id}",
                        f"must be [x, y], two numbers (got {_show(point)})",
                    )
            # positions of nodes that are gone are harmless leftovers: drop them
            result["positions"] = {k: v for k, v in positions.items() if k in self.node_index}
        zoom = view.get("zoom", 1.0)
        if not _is_number(zoom) or zoom <= 0:
            self.problem("view.zoom", f"must be a number > 0 (got {_show(zoom)})")
        if "center" in view and not _is_point(view["center"]):
            self.problem(
                "view.center", f"must be [x, y], two numbers (got {_show(view['center'])})"
            )
        for key in ("plots", "annotations"):
            if key in view and not isinstance(view[key], list):
                self.problem(f"view.{key}", f"must be a list (got {_json_kind(view[key])})")
        return result


def _param_problems(node_type: NodeType, params: dict[str, Any]) -> list[ValidationError]:
    try:
        return node_type.param_problems(params)
    except Exception as crash:  # a spec or check that chokes on an odd value: find which one
        problems = []
        for spec in node_type.params:
            if spec.name not in params:
                continue
            try:
                spec.validate(params[spec.name])
            except ValidationError as err:
                problems.append(err)
            except Exception:
                problems.append(
                    ValidationError(
                        f"has a value of the wrong shape (got {_show(params[spec.name])})",
                        spec.name,
                    )
                )
        return problems or [
            ValidationError(f"could not be checked ({type(crash).__name__}: {crash})")
        ]


def _unknown_type(type_id: str, catalog: NodeCatalog) -> str:
    known = [t.type_id for t in catalog]
    close = difflib.get_close_matches(type_id, known, n=1, cutoff=0.85)
    if close:
        return f"unknown node type {type_id!r}; did you mean {close[0]!r}?"
    return f"unknown node type {type_id!r}; this SpikeStudio knows: {', '.join(known)}"
