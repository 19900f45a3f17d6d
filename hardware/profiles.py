"""Hardware profiles: one JSON file per platform in ``resources/hardware/``.

A profile holds a platform's topology, per-core limits, the node types it can run (with the
reason when it cannot), its time semantics and its energy terms. Every number is a *quantity*
``{"value", "unit", "source", "evidence"}``; ``value: null`` means "not published" and is
reported as unpriced or unchecked, never replaced by 0. Evidence grades: ``P`` primary source,
``T`` verbatim quote via a third-party transcription, ``S`` secondary source, ``U`` unconfirmed.

Files are checked against ``resources/schemas/hardware-profile.schema.json`` by a small
validator of the JSON-Schema subset the schema uses (``hardware`` depends on numpy and
networkx only); a malformed file raises :class:`ProfileError` naming the field.
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import SpikeStudioError, ValidationError

ROOT = Path(__file__).resolve().parent.parent
PROFILE_DIR = ROOT / "resources" / "hardware"
SCHEMA_PATH = ROOT / "resources" / "schemas" / "hardware-profile.schema.json"
MAX_PROFILE_BYTES = 4 * 1024 * 1024

#: What a support status means for the mapper.
STATUSES = {
    "supported": "runs on the cores",
    "approximated": "runs on the cores with a different behaviour (a warning)",
    "host": "runs on the host or is read out by it; uses no core",
    "unsupported": "cannot run on this platform (an error)",
}
#: The status of a node type a profile does not mention.
NOT_ASSESSED = "not assessed for this platform"


class ProfileError(SpikeStudioError):
    """A hardware profile that cannot be used; lists every problem, each naming its field.

    Parameters
    ----------
    source
        The file (or ``"<profile>"``) concerned.
    problems
        One :class:`~engine.errors.ValidationError` per problem.
    """

    def __init__(self, source: str, problems: list[ValidationError]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)\n{lines}")


@dataclass(frozen=True)
class Support:
    """How a node type maps onto a platform.

    Attributes
    ----------
    status
        A key of :data:`STATUSES`.
    reason
        Why, in one sentence (shown next to the node).
    max_per_core
        A tighter neuron limit per core for this type (SpiNNaker Poisson sources), or ``None``.
    matched
        The profile key that decided (``"population.lif"``, ``"encoder.*"`` or ``"default"``).
    """

    status: str
    reason: str
    max_per_core: int | None = None
    matched: str = "default"

    @property
    def on_cores(self) -> bool:
        """Whether nodes of this type occupy cores (supported, approximated or unsupported)."""
        return self.status != "host"


class Profile:
    """A validated hardware profile.

    Parameters
    ----------
    data
        The parsed JSON document; validated here.
    source
        Where it came from, for messages.
    """

    def __init__(self, data: Mapping[str, Any], source: str = "<profile>") -> None:
        problems = validate_profile_data(data)
        if problems:
            raise ProfileError(source, problems)
        self.data: dict[str, Any] = json.loads(json.dumps(data))
        self.source = source

    # -- identity ------------------------------------------------------------------------
    @property
    def profile_id(self) -> str:
        return self.data["profile_id"]

    @property
    def name(self) -> str:
        """The platform's display name (used in messages: "TrueNorth cores accept 256")."""
        return self.data["display_name"]

    @property
    def short_name(self) -> str:
        """The display name without vendor and parenthesised details ("TrueNorth")."""
        name = re.sub(r"\s*\(.*?\)", "", self.name)
        vendor = self.data.get("vendor", "")
        if vendor and name.startswith(vendor + " "):
            name = name[len(vendor) + 1 :]
        return name

    # -- numbers ---------------------------------------------------------------------------
    def quantity(self, path: str) -> dict[str, Any] | None:
        """The quantity at a dotted path (``"core.max_neurons"``), or ``None`` if absent."""
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node if isinstance(node, Mapping) and "value" in node else None

    def value(self, path: str) -> float | None:
        """The value at a dotted path; ``None`` when absent or not published."""
        qty = self.quantity(path)
        return None if qty is None else qty["value"]

    def limit(self, name: str) -> float | None:
        """A per-core limit (``"max_neurons"``), ``None`` when the platform publishes none."""
        return self.value(f"core.{name}")

    @property
    def cores_per_chip(self) -> int:
        return int(self.value("topology.cores_per_chip"))

    @property
    def cores_per_router(self) -> int:
        return int(self.value("topology.cores_per_router"))

    @property
    def router_grid(self) -> tuple[int, int]:
        grid = self.data["topology"]["router_grid"]
        return int(grid["columns"]), int(grid["rows"])

    @property
    def chip_grid_columns(self) -> int:
        return int(self.data["topology"].get("chip_grid_columns", 1))

    @property
    def max_chips(self) -> int | None:
        value = self.value("topology.max_chips")
        return None if value is None else int(value)

    @property
    def mapping_unit(self) -> str:
        return self.data["mapping"]["unit"]

    @property
    def fixed_dt_ms(self) -> float | None:
        """The chip's fixed tick in ms, or ``None`` when the step is free."""
        value = self.value("timing.fixed_dt_s")
        return None if value is None else value * 1e3

    @property
    def energy_scope(self) -> str:
        return self.data["energy"]["scope"]

    # -- node types ------------------------------------------------------------------------
    def support(self, type_id: str, params: Mapping[str, Any] | None = None) -> Support:
        """How ``type_id`` (with these parameters) maps onto this platform.

        An exact entry wins over a ``category.*`` pattern, which wins over the profile's
        default; a profile without an entry for a type says it is unsupported because it was
        not assessed, so a new node type never passes silently.
        """
        types = self.data["support"]["types"]
        matched = None
        if type_id in types:
            matched = type_id
        else:
            patterns = [k for k in types if "*" in k and fnmatch.fnmatchcase(type_id, k)]
            if patterns:
                matched = max(patterns, key=len)
        if matched is None:
            entry = self.data["support"]["default"]
            return Support(entry["status"], entry["reason"], None, "default")
        entry = types[matched]
        status, reason = entry["status"], entry["reason"]
        for case in entry.get("cases", []):
            if params is not None and all(params.get(k) == v for k, v in case["when"].items()):
                status, reason = case["status"], case["reason"]
                break
        return Support(status, reason, entry.get("max_per_core"), matched)

    def evidence_of(self, path: str) -> str | None:
        qty = self.quantity(path)
        return None if qty is None else qty["evidence"]

    def describe(self) -> dict[str, Any]:
        """A short summary for listings."""
        return {
            "id": self.profile_id,
            "name": self.name,
            "cores_per_chip": self.cores_per_chip,
            "max_neurons_per_core": self.limit("max_neurons"),
            "energy_scope": self.energy_scope,
            "source": self.source,
        }


# -- loading ---------------------------------------------------------------------------------
def profile_paths() -> dict[str, Path]:
    """The shipped profiles, by id (file stem)."""
    return {path.stem: path for path in sorted(PROFILE_DIR.glob("*.json"))}


def list_profiles() -> list[str]:
    """Ids of the shipped profiles, sorted."""
    return sorted(profile_paths())


def load_profile(name_or_path: str | os.PathLike[str]) -> Profile:
    """A shipped profile by id (``"truenorth"``) or a user's profile file by path.

    Raises
    ------
    ProfileError
        The file is missing, not JSON, or breaks the schema; every problem names its field.
    """
    text = str(name_or_path)
    shipped = profile_paths()
    path = shipped[text] if text in shipped else Path(text).expanduser()
    if not path.is_file():
        known = ", ".join(shipped)
        raise ProfileError(
            text, [ValidationError(f"no such profile or file; shipped profiles: {known}")]
        )
    try:
        if path.stat().st_size > MAX_PROFILE_BYTES:
            raise ProfileError(str(path), [ValidationError("file is larger than 4 MiB")])
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ProfileError(str(path), [ValidationError(f"cannot read the file: {err}")]) from None
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, ValueError) as err:
        raise ProfileError(str(path), [ValidationError(f"not valid JSON: {err}")]) from None
    return Profile(data, str(path))


def _refuse_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a number JSON allows")


# -- validation --------------------------------------------------------------------------------
_SCHEMA_CACHE: dict[str, Any] = {}


def profile_schema() -> dict[str, Any]:
    """The JSON Schema of profiles (``resources/schemas/hardware-profile.schema.json``)."""
    if "schema" not in _SCHEMA_CACHE:
        _SCHEMA_CACHE["schema"] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return _SCHEMA_CACHE["schema"]


def validate_profile_data(data: Any) -> list[ValidationError]:
    """Every schema problem of a profile document, plus the checks a schema cannot express."""
    schema = profile_schema()
    problems = _SchemaChecker(schema).check(data, schema, "")
    if problems or not isinstance(data, Mapping):
        return problems
    columns, rows = (
        data["topology"]["router_grid"]["columns"],
        data["topology"]["router_grid"]["rows"],
    )
    per_router = data["topology"]["cores_per_router"]["value"]
    cores = data["topology"]["cores_per_chip"]["value"]
    if columns * rows * per_router < cores:
        problems.append(
            ValidationError(
                f"{columns} x {rows} routers x {per_router} cores hold fewer than the "
                f"{cores} cores per chip",
                "topology.router_grid",
            )
        )
    sources = set(data["sources"])
    for path, qty in _quantities(data, ""):
        if qty["source"] is not None and qty["source"] not in sources:
            problems.append(ValidationError(f"unknown source {qty['source']!r}", f"{path}.source"))
    return problems


def _quantities(node: Any, path: str):
    if isinstance(node, Mapping):
        if {"value", "unit", "evidence"} <= set(node):
            yield path, node
            return
        for key, value in node.items():
            yield from _quantities(value, f"{path}.{key}" if path else key)


_TYPES = {
    "object": lambda v: isinstance(v, Mapping),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: (
        isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer()
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v),
}


class _SchemaChecker:
    """The JSON-Schema (2020-12) keywords the profile schema uses, with field paths."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def check(self, value: Any, schema: Mapping[str, Any], path: str) -> list[ValidationError]:
        problems: list[ValidationError] = []
        if "$ref" in schema:
            problems += self.check(value, self._resolve(schema["$ref"]), path)
        for sub in schema.get("allOf", []):
            problems += self.check(value, sub, path)
        if "const" in schema and value != schema["const"]:
            problems.append(ValidationError(f"must be {json.dumps(schema['const'])}", path))
        if "enum" in schema and value not in schema["enum"]:
            allowed = ", ".join(json.dumps(v) for v in schema["enum"])
            problems.append(ValidationError(f"must be one of {allowed}", path))
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_TYPES[t](value) for t in types):
                problems.append(ValidationError(f"must be {' or '.join(types)}", path))
                return problems
        if isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                problems.append(ValidationError(f"must be >= {schema['minimum']}", path))
            if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
                problems.append(ValidationError(f"must be > {schema['exclusiveMinimum']}", path))
        if isinstance(value, str):
            if len(value) < schema.get("minLength", 0):
                problems.append(ValidationError("must not be empty", path))
            if "pattern" in schema and not re.search(schema["pattern"], value):
                problems.append(ValidationError(f"must match {schema['pattern']}", path))
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                problems += self.check(item, schema["items"], f"{path}[{i}]")
        if isinstance(value, Mapping):
            problems += self._check_object(value, schema, path)
        return problems

    def _check_object(
        self, value: Mapping[str, Any], schema: Mapping[str, Any], path: str
    ) -> list[ValidationError]:
        problems: list[ValidationError] = []
        join = (lambda key: f"{path}.{key}") if path else (lambda key: str(key))
        for key in schema.get("required", []):
            if key not in value:
                problems.append(ValidationError("is required", join(key)))
        if len(value) < schema.get("minProperties", 0):
            problems.append(ValidationError("must not be empty", path))
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if "propertyNames" in schema:
                for problem in self.check(key, schema["propertyNames"], join(key)):
                    problems.append(ValidationError(f"is not an allowed key: {problem.message}",
                                                    problem.field))  # fmt: skip
            if key in properties:
                problems += self.check(item, properties[key], join(key))
            elif extra is False:
                problems.append(ValidationError("is not a known field", join(key)))
            elif isinstance(extra, Mapping):
                problems += self.check(item, extra, join(key))
        return problems

    def _resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported: {ref}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node
