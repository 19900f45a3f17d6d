"""The node-type catalog: every kind of node a user can draw, declared once.

A :class:`NodeType` holds the stable id, version, title, category, ports and parameter specs of a
node type. The editor builds its items and inspector forms from it, the project loader
validates and migrates with it, the compiler looks up a builder by its id and the hardware
mapper looks up a mapping by its id. Declarations live in :mod:`engine.nodes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ValidationError
from engine.model.params import ParamSpec

#: Categories, in palette order. A plasticity rule and a modulator are visible graph elements.
CATEGORIES = ("encoder", "population", "projection", "plasticity", "modulator", "recorder")

CATEGORY_TITLES = {
    "encoder": "Inputs (encoders)",
    "population": "Neuron populations",
    "projection": "Projections (synapses)",
    "plasticity": "Plasticity rules",
    "modulator": "Modulators",
    "recorder": "Recorders",
}

#: What flows along a wire. An output port of one kind feeds input ports that accept it.
PORT_KINDS = {
    "spikes": "spike trains of a group of neurons",
    "current": "an injected current",
    "synapses": "the synapses of a projection, onto the population they target",
    "rule": "a plasticity rule governing a projection",
    "modulation": "a neuromodulatory (reward) signal",
}


@dataclass(frozen=True)
class Port:
    """A connection point of a node.

    Parameters
    ----------
    name
        Stable name, unique within the node type (``"pre"``, ``"post"``, ``"out"``...).
    kind
        For an output, what it carries; for an input, what it accepts (a key of
        :data:`PORT_KINDS`).
    direction
        ``"in"`` or ``"out"``.
    multi
        Whether several wires may attach (inputs); outputs always fan out.
    required
        Whether the node cannot run without a wire on this port.
    doc
        One line for tooltips.
    """

    name: str
    kind: str
    direction: str
    multi: bool = False
    required: bool = False
    doc: str = ""

    def __post_init__(self) -> None:
        if self.kind not in PORT_KINDS:
            raise ValueError(f"port {self.name!r}: unknown kind {self.kind!r}")
        if self.direction not in ("in", "out"):
            raise ValueError(f"port {self.name!r}: direction must be 'in' or 'out'")

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "direction": self.direction,
            "multi": self.multi,
            "required": self.required,
            "doc": self.doc,
        }


Migration = Callable[[dict[str, Any], int], dict[str, Any]]


def _no_migration(params: dict[str, Any], from_version: int) -> dict[str, Any]:
    return params


@dataclass(frozen=True)
class NodeType:
    """Declaration of one node type.

    Parameters
    ----------
    type_id
        Stable dotted id (``"population.lif"``); never reused for another meaning.
    version
        Bumped when parameters change meaning; ``migrate`` upgrades older parameter sets.
    title
        Name shown in the palette.
    category
        One of :data:`CATEGORIES`.
    ports
        Connection points.
    params
        Parameter specs, in inspector order.
    doc
        Longer description; neuron models give their equations here.
    legacy_ids
        Former ids that files may still use.
    state_vars
        ``{name: unit}`` of the state a state recorder can sample (populations only).
    migrate
        ``migrate(params, from_version) -> params`` for files written with an older version.
    presets
        Named parameter sets a user can apply (``{"regular spiking": {"a": 0.02, ...}}``);
        applying one is an ordinary parameter edit.
    check
        Rules that tie parameters together (``v_reset < v_th``); returns one error per broken
        rule, each naming a parameter.
    """

    type_id: str
    version: int
    title: str
    category: str
    ports: tuple[Port, ...]
    params: tuple[ParamSpec, ...]
    doc: str = ""
    legacy_ids: tuple[str, ...] = ()
    state_vars: Mapping[str, str] = field(default_factory=dict)
    migrate: Migration = _no_migration
    check: Callable[[Mapping[str, Any]], list[ValidationError]] | None = None
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.type_id}: unknown category {self.category!r}")
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.type_id}: duplicate parameter names")
        port_names = [p.name for p in self.ports]
        if len(set(port_names)) != len(port_names):
            raise ValueError(f"{self.type_id}: duplicate port names")
        for spec in self.params:
            spec.validate(spec.default)
        for name, values in self.presets.items():
            problems = self.param_problems({**self.default_params(), **values})
            if problems:
                raise ValueError(f"{self.type_id}: preset {name!r}: {problems[0]}")

    # -- look-ups ------------------------------------------------------------------------
    def param(self, name: str) -> ParamSpec:
        """The spec of parameter ``name``; raises ``KeyError`` if there is none."""
        for spec in self.params:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def port(self, name: str) -> Port:
        """The port called ``name``; raises ``KeyError`` if there is none."""
        for port in self.ports:
            if port.name == name:
                return port
        raise KeyError(name)

    @property
    def inputs(self) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.direction == "in")

    @property
    def outputs(self) -> tuple[Port, ...]:
        return tuple(p for p in self.ports if p.direction == "out")

    @property
    def is_neuron_group(self) -> bool:
        """Whether nodes of this type own neurons that emit spikes (populations, spike encoders)."""
        return any(p.direction == "out" and p.kind == "spikes" for p in self.ports)

    def default_params(self) -> dict[str, Any]:
        """A fresh mapping of every parameter to its default."""
        return {spec.name: _copy(spec.default) for spec in self.params}

    def validate_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Check a full parameter mapping; missing ones take their default.

        Returns the normalised mapping; raises :class:`ValidationError` on the first problem.
        Use :meth:`param_problems` to collect all of them.
        """
        problems = self.param_problems(params)
        if problems:
            raise problems[0]
        return {
            spec.name: spec.validate(params.get(spec.name, spec.default)) for spec in self.params
        }

    def param_problems(self, params: Mapping[str, Any]) -> list[ValidationError]:
        """Every problem of a parameter mapping, each naming its parameter."""
        problems: list[ValidationError] = []
        known = {spec.name for spec in self.params}
        for name in params:
            if name not in known:
                problems.append(ValidationError(f"unknown parameter of {self.type_id}", str(name)))
        for spec in self.params:
            try:
                spec.validate(params.get(spec.name, spec.default))
            except ValidationError as err:
                problems.append(err)
        if not problems and self.check is not None:
            full = {spec.name: params.get(spec.name, spec.default) for spec in self.params}
            problems.extend(self.check(full))
        return problems

    def describe(self) -> dict[str, Any]:
        """Plain mapping used by ``spikestudio catalog --json``."""
        return {
            "id": self.type_id,
            "version": self.version,
            "title": self.title,
            "category": self.category,
            "doc": self.doc,
            "legacy_ids": list(self.legacy_ids),
            "ports": [p.describe() for p in self.ports],
            "params": [p.describe() for p in self.params],
            "state_vars": dict(self.state_vars),
            "presets": {name: dict(values) for name, values in self.presets.items()},
        }


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


class NodeCatalog:
    """Registry of node types by id (and legacy id)."""

    def __init__(self) -> None:
        self._types: dict[str, NodeType] = {}
        self._legacy: dict[str, str] = {}

    def register(self, node_type: NodeType) -> NodeType:
        """Add ``node_type``; an id already taken is a programming error."""
        for type_id in (node_type.type_id, *node_type.legacy_ids):
            if type_id in self._types or type_id in self._legacy:
                raise ValueError(f"node type id {type_id!r} is already registered")
        self._types[node_type.type_id] = node_type
        for legacy in node_type.legacy_ids:
            self._legacy[legacy] = node_type.type_id
        return node_type

    def get(self, type_id: str) -> NodeType:
        """The type with this id or legacy id; raises ``KeyError`` with a helpful message."""
        type_id = self._legacy.get(type_id, type_id)
        try:
            return self._types[type_id]
        except KeyError:
            raise KeyError(f"unknown node type {type_id!r}") from None

    def resolve_id(self, type_id: str) -> str | None:
        """Current id for ``type_id`` (following legacy ids), or ``None`` if unknown."""
        type_id = self._legacy.get(type_id, type_id)
        return type_id if type_id in self._types else None

    def __contains__(self, type_id: object) -> bool:
        return isinstance(type_id, str) and self.resolve_id(type_id) is not None

    def __iter__(self) -> Iterator[NodeType]:
        return iter(sorted(self._types.values(), key=_palette_order))

    def __len__(self) -> int:
        return len(self._types)

    def in_category(self, category: str) -> list[NodeType]:
        return [t for t in self if t.category == category]


def _palette_order(node_type: NodeType) -> tuple[int, str]:
    return CATEGORIES.index(node_type.category), node_type.type_id


CATALOG = NodeCatalog()


def default_catalog() -> NodeCatalog:
    """The catalog with every built-in node type registered."""
    import engine.nodes  # noqa: F401  (registers the built-in types on import)

    return CATALOG


def can_connect(source: Port, target: Port) -> str | None:
    """Why an output port cannot feed an input port, or ``None`` if it can."""
    if source.direction != "out":
        return f"'{source.name}' is an input; wires start at an output"
    if target.direction != "in":
        return f"'{target.name}' is an output; wires end at an input"
    if source.kind != target.kind:
        return (
            f"'{source.name}' carries {PORT_KINDS[source.kind]}, but '{target.name}' "
            f"takes {PORT_KINDS[target.kind]}"
        )
    return None
