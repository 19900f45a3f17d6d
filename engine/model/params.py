"""Parameter specifications: the one place where a parameter's type, unit and bounds live.

Every node type declares its parameters as :class:`ParamSpec` objects. The inspector builds its
form from them, the project loader validates files with them and the compiler reads values that
they have already normalised. Values are stored in the documented unit of each parameter
(mV, ms, pA, pF, Hz, ...), never converted silently.

A parameter that allows distributions accepts either a number or a mapping::

    {"distribution": "uniform", "low": 1.0, "high": 2.0}
    {"distribution": "normal", "mean": 1.0, "std": 0.1}            # optional "low"/"high" clip
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ValidationError

#: Kinds of parameter value. ``float``/``int``/``bool``/``choice`` hold one value,
#: ``times`` holds spike times (one list shared by all neurons, or one list per neuron),
#: ``indices`` a list of non-negative integers, ``floats`` a list of finite numbers (within
#: the bounds), ``table`` a list of ``[time_ms, value]`` rows with increasing times, and
#: ``path`` a file name, relative to the project file's folder unless absolute.
PARAM_KINDS = ("float", "int", "bool", "choice", "times", "indices", "floats", "table", "path")

#: Distributions a parameter may take when ``allow_distribution`` is set.
DISTRIBUTIONS = {
    "uniform": ("low", "high"),
    "normal": ("mean", "std"),
}

MAX_LIST_LENGTH = 1_000_000


def _is_real_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class ParamSpec:
    """Declaration of one parameter of a node type.

    Parameters
    ----------
    name
        Key in the node's ``params`` mapping (snake_case, stable across versions).
    default
        Value used for new nodes; must itself be valid.
    unit
        Unit the value is stored and shown in (``"mV"``, ``"ms"``, ``"pA"``, ``""`` if none).
    doc
        One line shown as a tooltip and in ``spikestudio catalog``.
    kind
        One of :data:`PARAM_KINDS`.
    low, high
        Bounds, or ``None`` for unbounded; ``low_inclusive``/``high_inclusive`` say whether the
        bound itself is allowed.
    choices
        Allowed values for ``kind="choice"``.
    optional
        Whether ``None`` (JSON ``null``) is allowed, meaning "not set" as explained in ``doc``.
    allow_distribution
        Whether the value may be a uniform/normal distribution (sampled per neuron or synapse).
    live
        Whether the value may change while a simulation runs, without a rebuild.
    relevant_when
        ``{other_param: (values...)}``: the parameter only matters when another one has one of
        these values (the inspector hides it otherwise).
    """

    name: str
    default: Any
    unit: str = ""
    doc: str = ""
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    choices: tuple[str, ...] = ()
    optional: bool = False
    allow_distribution: bool = False
    live: bool = False
    relevant_when: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"parameter {self.name!r}: unknown kind {self.kind!r}")
        if self.kind == "choice" and self.default not in self.choices:
            raise ValueError(f"parameter {self.name!r}: default not among choices")

    # -- describing -----------------------------------------------------------------------
    def bounds_text(self) -> str:
        """Human text of the bounds, e.g. ``"> 0 ms"`` or ``"in [0, 1]"``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.low is not None and self.high is not None:
            left = "[" if self.low_inclusive else "("
            right = "]" if self.high_inclusive else ")"
            return f"in {left}{_fmt(self.low)}, {_fmt(self.high)}{right}{unit}"
        if self.low is not None:
            op = ">=" if self.low_inclusive else ">"
            return f"{op} {_fmt(self.low)}{unit}"
        if self.high is not None:
            op = "<=" if self.high_inclusive else "<"
            return f"{op} {_fmt(self.high)}{unit}"
        return ""

    def describe(self) -> dict[str, Any]:
        """Plain mapping used by ``spikestudio catalog --json`` and the schema generator."""
        return {
            "name": self.name,
            "kind": self.kind,
            "default": self.default,
            "unit": self.unit,
            "low": self.low,
            "high": self.high,
            "low_inclusive": self.low_inclusive,
            "high_inclusive": self.high_inclusive,
            "choices": list(self.choices),
            "optional": self.optional,
            "allow_distribution": self.allow_distribution,
            "live": self.live,
            "relevant_when": {k: list(v) for k, v in self.relevant_when.items()},
            "doc": self.doc,
        }

    # -- validating -----------------------------------------------------------------------
    def validate(self, value: Any) -> Any:
        """Return the normalised value, or raise :class:`ValidationError` with ``field=name``.

        Integers given for float parameters become floats; distributions become plain dicts
        with float entries. Nothing else is converted.
        """
        try:
            return self._validate(value)
        except ValidationError as err:
            raise ValidationError(err.message, _join(self.name, err.field)) from None

    def _validate(self, value: Any) -> Any:
        if value is None:
            if self.optional:
                return None
            raise ValidationError("is required (null is not allowed here)")
        if self.allow_distribution and isinstance(value, Mapping):
            return self._validate_distribution(value)
        if self.kind == "float":
            return self._validate_number(value, integer=False)
        if self.kind == "int":
            return self._validate_number(value, integer=True)
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValidationError(f"must be true or false (got {_show(value)})")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                allowed = ", ".join(repr(c) for c in self.choices)
                raise ValidationError(f"must be one of {allowed} (got {_show(value)})")
            return value
        if self.kind == "times":
            return self._validate_times(value)
        if self.kind == "floats":
            return self._validate_floats(value)
        if self.kind == "table":
            return self._validate_table(value)
        if self.kind == "path":
            return self._validate_path(value)
        return self._validate_indices(value)

    def _validate_number(self, value: Any, *, integer: bool) -> float | int:
        if not _is_real_number(value):
            what = "an integer" if integer else "a number"
            extra = " or a distribution" if self.allow_distribution else ""
            raise ValidationError(f"must be {what}{extra} (got {_show(value)})")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(f"must be a finite number (got {value})")
        if integer:
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValidationError(f"must be an integer (got {value})")
                value = int(value)
        else:
            value = float(value)
        self._check_bounds(value)
        return value

    def _check_bounds(self, value: float) -> None:
        unit = f" {self.unit}" if self.unit else ""
        if self.low is not None:
            bad = value < self.low if self.low_inclusive else value <= self.low
            if bad:
                op = ">=" if self.low_inclusive else ">"
                raise ValidationError(f"must be {op} {_fmt(self.low)}{unit} (got {_fmt(value)})")
        if self.high is not None:
            bad = value > self.high if self.high_inclusive else value >= self.high
            if bad:
                op = "<=" if self.high_inclusive else "<"
                raise ValidationError(f"must be {op} {_fmt(self.high)}{unit} (got {_fmt(value)})")

    def _validate_distribution(self, value: Mapping) -> dict[str, Any]:
        kind = value.get("distribution")
        if not isinstance(kind, str) or kind not in DISTRIBUTIONS:
            allowed = ", ".join(repr(k) for k in DISTRIBUTIONS)
            raise ValidationError(f"must be one of {allowed}", "distribution")
        required = DISTRIBUTIONS[kind]
        allowed_keys = {"distribution", *required, "low", "high"}
        for key in value:
            if key not in allowed_keys:
                raise ValidationError(f"unknown key in a {kind} distribution", str(key))
        result: dict[str, Any] = {"distribution": kind}
        for key in sorted(allowed_keys - {"distribution"}):
            if key not in value:
                if key in required:
                    raise ValidationError("is required", key)
                continue
            number = value[key]
            if not _is_real_number(number) or not math.isfinite(float(number)):
                raise ValidationError(f"must be a finite number (got {_show(number)})", key)
            result[key] = float(number)
        if kind == "normal" and result["std"] < 0:
            raise ValidationError(f"must be >= 0 (got {_fmt(result['std'])})", "std")
        if "low" in result and "high" in result and result["low"] > result["high"]:
            raise ValidationError("low must not exceed high", "high")
        # the support of the distribution must respect the parameter's bounds
        for key in ("low", "high", "mean"):
            if key in result:
                try:
                    self._check_bounds(result[key])
                except ValidationError as err:
                    raise ValidationError(err.message, key) from None
        if (
            kind == "normal"
            and result["std"] > 0
            and (self.low is not None or self.high is not None)
        ):
            for bound_name, bound in (("low", self.low), ("high", self.high)):
                if bound is not None and bound_name not in result:
                    raise ValidationError(
                        f"a normal distribution needs '{bound_name}' to stay within the "
                        f"parameter's bounds ({self.bounds_text()})",
                        bound_name,
                    )
        return result

    def _validate_times(self, value: Any) -> list:
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise ValidationError(f"must be a list of times in ms (got {_show(value)})")
        if len(value) > MAX_LIST_LENGTH:
            raise ValidationError(f"has {len(value)} entries; at most {MAX_LIST_LENGTH}")
        if all(not isinstance(v, Sequence) or isinstance(v, str) for v in value):
            return self._time_list(value, "")
        return [self._time_list(v, f"[{i}]") for i, v in enumerate(value)]

    def _time_list(self, values: Any, where: str) -> list[float]:
        if not isinstance(values, Sequence) or isinstance(values, str):
            raise ValidationError(f"must be a list of times in ms (got {_show(values)})", where)
        result = []
        for i, v in enumerate(values):
            if not _is_real_number(v) or not math.isfinite(float(v)):
                raise ValidationError(
                    f"must be a finite time in ms (got {_show(v)})", f"{where}[{i}]"
                )
            if v <= 0:
                raise ValidationError(f"must be > 0 ms (got {_fmt(v)})", f"{where}[{i}]")
            result.append(float(v))
        if any(b < a for a, b in zip(result, result[1:], strict=False)):
            raise ValidationError("spike times must be sorted in increasing order", where)
        return result

    def _validate_floats(self, value: Any) -> list[float]:
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise ValidationError(f"must be a list of numbers (got {_show(value)})")
        if len(value) > MAX_LIST_LENGTH:
            raise ValidationError(f"has {len(value)} entries; at most {MAX_LIST_LENGTH}")
        result = []
        for i, v in enumerate(value):
            try:
                result.append(self._validate_number(v, integer=False))
            except ValidationError as err:
                raise ValidationError(err.message, f"[{i}]") from None
        return result

    def _validate_table(self, value: Any) -> list[list[float]]:
        if not isinstance(value, Sequence) or isinstance(value, str) or not value:
            raise ValidationError(f"must be a non-empty list of [time_ms, value] rows "
                                  f"(got {_show(value)})")  # fmt: skip
        rows = []
        for i, row in enumerate(value):
            if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != 2:
                raise ValidationError(f"must be [time_ms, value] (got {_show(row)})", f"[{i}]")
            t = row[0]
            if not _is_real_number(t) or not math.isfinite(float(t)) or t < 0:
                raise ValidationError(f"must be a time >= 0 ms (got {_show(t)})", f"[{i}][0]")
            try:
                v = self._validate_number(row[1], integer=False)
            except ValidationError as err:
                raise ValidationError(err.message, f"[{i}][1]") from None
            if rows and t <= rows[-1][0]:
                raise ValidationError("times must increase from row to row", f"[{i}][0]")
            rows.append([float(t), v])
        return rows

    def _validate_path(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"must be a file name (got {_show(value)})")
        if "\x00" in value:
            raise ValidationError("must not contain NUL characters")
        return value

    def _validate_indices(self, value: Any) -> list[int]:
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise ValidationError(f"must be a list of neuron indices (got {_show(value)})")
        result = []
        for i, v in enumerate(value):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValidationError(f"must be an index >= 0 (got {_show(v)})", f"[{i}]")
            result.append(v)
        return result


def _join(name: str, sub: str) -> str:
    if not sub:
        return name
    return f"{name}{sub}" if sub.startswith("[") else f"{name}.{sub}"


def _fmt(value: float) -> str:
    """Compact number text: 20 rather than 20.0, 1e-05 kept as is."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
