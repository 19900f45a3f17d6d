"""Parameter specs shared by several node types."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from engine.errors import ValidationError
from engine.model.params import ParamSpec

#: Largest population a file may declare. Larger networks are refused before anything is built.
MAX_GROUP_SIZE = 100_000_000


def size_param(doc: str = "Number of neurons", default: int = 100) -> ParamSpec:
    return ParamSpec("size", default, "", doc, kind="int", low=1, high=MAX_GROUP_SIZE)


def start_param() -> ParamSpec:
    return ParamSpec("start_ms", 0.0, "ms", "Time at which the input switches on", low=0.0)


def stop_param() -> ParamSpec:
    return ParamSpec(
        "stop_ms",
        None,
        "ms",
        "Time at which the input switches off (empty: never)",
        low=0.0,
        optional=True,
    )


def shape_param() -> ParamSpec:
    return ParamSpec(
        "shape",
        None,
        "",
        "Layout as [rows, columns] or [channels, rows, columns], for maps and images "
        "(empty: a line of neurons)",
        kind="indices",
        optional=True,
    )


def shape_problems(params: Mapping[str, Any]) -> list[ValidationError]:
    """The shape, when given, must have 2 or 3 positive sides whose product is the size."""
    shape = params.get("shape")
    if shape is None:
        return []
    if len(shape) not in (2, 3) or min(shape) < 1:
        return [ValidationError("must be [rows, columns] or [channels, rows, columns], each >= 1",
                                "shape")]  # fmt: skip
    if math.prod(shape) != params["size"]:
        return [ValidationError(f"{' x '.join(map(str, shape))} = {math.prod(shape)} neurons, "
                                f"but size is {params['size']}", "shape")]  # fmt: skip
    return []


def all_checks(*checks: Callable[[Mapping[str, Any]], list[ValidationError]]):
    """One ``NodeType.check`` that runs several."""

    def check(params: Mapping[str, Any]) -> list[ValidationError]:
        return [problem for c in checks for problem in c(params)]

    return check
