"""Reading typed values, with units, lists and ranges."""

from __future__ import annotations

import pytest

from widgets.units import (
    ParseError,
    format_indices,
    format_number,
    format_times,
    parse_indices,
    parse_number,
    parse_times,
)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("-65", "mV", -65.0),
        ("2.5 ms", "ms", 2.5),
        ("0.02 s", "ms", 20.0),
        ("1 nA", "pA", 1000.0),
        ("1e3", "Hz", 1000.0),
        (".5", "", 0.5),
        ("0.1 kHz", "Hz", 100.0),
    ],
)
def test_numbers_with_units_are_converted_to_the_stored_unit(text, unit, expected) -> None:
    assert parse_number(text, unit) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "unit", "integer", "message"),
    [
        ("abc", "ms", False, "not a number"),
        ("2 kg", "ms", False, "cannot use the unit"),
        ("2 mV", "ms", False, "cannot use the unit"),
        ("1.5", "", True, "whole number"),
    ],
)
def test_bad_numbers_say_why(text, unit, integer, message) -> None:
    with pytest.raises(ParseError, match=message):
        parse_number(text, unit, integer)


def test_numbers_format_compactly() -> None:
    assert format_number(20.0) == "20"
    assert format_number(0.1) == "0.1"
    assert format_number(None) == ""
    assert format_number(7) == "7"


def test_spike_times_shared_or_per_channel() -> None:
    assert parse_times("10, 20, 30") == [10, 20, 30]
    assert parse_times("[10, 20]") == [10, 20]
    assert parse_times("[10, 20], [5]") == [[10, 20], [5]]
    assert parse_times("") == []
    assert format_times([[10.0, 20.0], [5.0]]) == "[10, 20], [5]"
    assert parse_times(format_times([[1.5], [2.0, 3.0]])) == [[1.5], [2.0, 3.0]]
    with pytest.raises(ParseError):
        parse_times("10, , x")


def test_indices_with_ranges_round_trip() -> None:
    assert parse_indices("0, 3, 10-13") == [0, 3, 10, 11, 12, 13]
    assert format_indices([0, 1, 2, 3, 7, 9, 10]) == "0-3, 7, 9, 10"
    assert format_indices([10, 10]) == "10, 10"
    values = [0, 1, 2, 5, 6, 7, 8, 20]
    assert parse_indices(format_indices(values)) == values
    with pytest.raises(ParseError):
        parse_indices("5-2")
    with pytest.raises(ParseError):
        parse_indices("a")
