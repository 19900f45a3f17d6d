"""Parameter specs shared by several node types."""

from __future__ import annotations

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
