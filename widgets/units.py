"""Reading and writing parameter values as text, with optional units (``0.02 s`` for a ms field).

Values are stored in the parameter's documented unit; a value typed with another prefix of the
same unit is converted (``1 nA`` in a pA field becomes ``1000``). Qt-free.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

PREFIXES = {
    "p": 1e-12,
    "n": 1e-9,
    "u": 1e-6,
    "µ": 1e-6,
    "m": 1e-3,
    "": 1.0,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
}
BASE_UNITS = ("Hz", "s", "V", "A", "F", "S", "Ω", "ohm")
_NUMBER = re.compile(r"^\s*([-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*)?\s*$")
MAX_INDEX_RANGE = 10_000_000


class ParseError(ValueError):
    """Text that is not a valid value; the message says why in user terms."""


def split_unit(unit: str) -> tuple[float, str] | None:
    """``(prefix factor, base unit)`` of ``unit`` (``"ms"`` -> ``(1e-3, "s")``), else ``None``."""
    for base in BASE_UNITS:
        if unit.endswith(base):
            prefix = unit[: -len(base)]
            if prefix in PREFIXES:
                return PREFIXES[prefix], base
    return None


def convert(value: float, given: str, stored: str) -> float:
    """Convert ``value`` from unit ``given`` to unit ``stored``; raises :class:`ParseError`."""
    if given == stored:
        return value
    a, b = split_unit(given), split_unit(stored)
    if a is None or b is None or a[1] != b[1]:
        expected = f" (in {stored})" if stored else ""
        raise ParseError(f"cannot use the unit '{given}' here{expected}")
    # round away the noise of the prefix factors (1 nA -> 1000 pA, not 1000.0000000000001)
    return float(f"{value * a[0] / b[0]:.12g}")


def parse_number(text: str, unit: str = "", integer: bool = False) -> float | int:
    """Parse a number typed by the user, with an optional unit after it.

    Parameters
    ----------
    text
        What was typed, e.g. ``"-65"``, ``"2.5 ms"``, ``"0.02 s"``, ``"1e3"``.
    unit
        The parameter's unit; a typed unit must be this one or a prefixed form of its base unit.
    integer
        Whether the result must be a whole number (returned as ``int``).
    """
    match = _NUMBER.match(text)
    if not match:
        what = "a whole number" if integer else "a number"
        raise ParseError(f"'{text.strip()}' is not {what}")
    value = float(match.group(1))
    suffix = (match.group(2) or "").strip()
    if suffix:
        value = convert(value, suffix, unit)
    if not math.isfinite(value):
        raise ParseError("must be a finite number")
    if integer:
        if not float(value).is_integer():
            raise ParseError(f"must be a whole number (got {format_number(value)})")
        return int(value)
    return value


def format_number(value: Any) -> str:
    """Compact text of a number: ``20`` rather than ``20.0``, no float noise."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.10g}"
    return str(value)


def parse_times(text: str) -> list:
    """Spike times: ``"10, 20, 30"`` (one list for all) or ``"[10, 20], [5]"`` (one per channel)."""
    text = text.strip()
    if not text:
        return []
    nested = text.count("[") > 1
    try:
        if nested:
            body = text if text.startswith("[[") else f"[{text}]"
            value = json.loads(body)
        else:
            value = json.loads(f"[{text.strip('[]')}]")
    except json.JSONDecodeError:
        raise ParseError("write times as '10, 20, 30', or '[10, 20], [5]' per channel") from None
    return value


def format_times(value: Any) -> str:
    """Inverse of :func:`parse_times`."""
    if not value:
        return ""
    if isinstance(value[0], list):
        return ", ".join("[" + ", ".join(format_number(v) for v in row) + "]" for row in value)
    return ", ".join(format_number(v) for v in value)


def parse_indices(text: str) -> list[int]:
    """Neuron indices: ``"0, 3, 10-19"`` (ranges include both ends)."""
    result: list[int] = []
    for token in text.replace(";", ",").split(","):
        token = token.strip().strip("[]").strip()
        if not token:
            continue
        if "-" in token[1:]:
            first, last = token.split("-", 1)
            try:
                a, b = int(first), int(last)
            except ValueError:
                raise ParseError(f"'{token}' is not a range like 10-19") from None
            if b < a:
                raise ParseError(f"the range {token} runs backwards")
            if b - a > MAX_INDEX_RANGE:
                raise ParseError(f"the range {token} is too long")
            result.extend(range(a, b + 1))
        else:
            try:
                result.append(int(token))
            except ValueError:
                raise ParseError(f"'{token}' is not a neuron index") from None
    return result


def format_indices(value: list[int]) -> str:
    """Inverse of :func:`parse_indices`; in lists longer than four, runs of three or more
    become ranges."""
    if len(value) <= 4:
        return ", ".join(str(v) for v in value)
    parts: list[str] = []
    i = 0
    while i < len(value):
        j = i
        while j + 1 < len(value) and value[j + 1] == value[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{value[i]}-{value[j]}")
        else:
            parts.extend(str(v) for v in value[i : j + 1])
        i = j + 1
    return ", ".join(parts)
