"""ParamSpec: the one place where a parameter's type, unit and bounds are checked."""

from __future__ import annotations

import json
import math

import pytest

from engine.errors import ValidationError
from engine.model import params as params_module
from engine.model.params import ParamSpec


def problem(spec: ParamSpec, value) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        spec.validate(value)
    return info.value


TAU = ParamSpec("tau_m", 10.0, "ms", "Membrane time constant", low=0.0, low_inclusive=False)
V = ParamSpec("v_init", -70.0, "mV", "Initial potential", low=-200.0, high=100.0)
V_DIST = ParamSpec(
    "v_init", -70.0, "mV", "Initial potential", low=-200.0, high=100.0, allow_distribution=True
)
SIZE = ParamSpec("size", 10, "", "Number of neurons", kind="int", low=1, high=1000)


# -- bounds -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        (TAU, 0, "must be > 0 ms (got 0)"),
        (TAU, -1.5, "must be > 0 ms (got -1.5)"),
        (ParamSpec("t", 1.0, "ms", "x", low=0.0), -1, "must be >= 0 ms (got -1)"),
        (ParamSpec("p", 0.5, "", "x", high=1.0), 1.5, "must be <= 1 (got 1.5)"),
        (ParamSpec("p", 0.5, "", "x", high=1.0, high_inclusive=False), 1, "must be < 1 (got 1)"),
        (V, 100.5, "must be <= 100 mV (got 100.5)"),
        (V, -250, "must be >= -200 mV (got -250)"),
        (SIZE, 0, "must be >= 1 (got 0)"),
        (SIZE, 10**12, "must be <= 1000 (got 1000000000000)"),
    ],
)
def test_bounds_messages_say_inclusive_or_exclusive(spec, value, message):
    err = problem(spec, value)
    assert err.message == message
    assert err.field == spec.name


@pytest.mark.parametrize(
    ("spec", "value"),
    [(TAU, 1e-300), (V, -200), (V, 100), (SIZE, 1), (SIZE, 1000)],
)
def test_values_on_inclusive_bounds_are_accepted(spec, value):
    assert spec.validate(value) == value


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (V, "in [-200, 100] mV"),
        (ParamSpec("d", 1.0, "ms", "x", low=0.0, low_inclusive=False, high=1e3), "in (0, 1000] ms"),
        (ParamSpec("p", 0.5, "", "x", low=0.0, high=1.0, high_inclusive=False), "in [0, 1)"),
        (TAU, "> 0 ms"),
        (ParamSpec("t", 1.0, "ms", "x", low=0.0), ">= 0 ms"),
        (ParamSpec("x", 1.0, "pA", "x", high=5.0), "<= 5 pA"),
        (ParamSpec("x", 1.0, "pA", "x", high=5.0, high_inclusive=False), "< 5 pA"),
        (ParamSpec("x", 1.0, "pA", "x"), ""),
        (ParamSpec("x", 0.1, "ms", "x", low=1e-5), ">= 1e-05 ms"),
    ],
)
def test_bounds_text(spec, text):
    assert spec.bounds_text() == text


# -- types ------------------------------------------------------------------------------------
def test_float_parameters_store_floats():
    value = V.validate(-60)
    assert value == -60.0 and isinstance(value, float)


def test_int_parameters_accept_whole_floats_and_store_ints():
    value = SIZE.validate(20.0)
    assert value == 20 and isinstance(value, int)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2.5, "must be an integer (got 2.5)"),
        ("3", "must be an integer (got '3')"),
        (True, "must be an integer (got True)"),
        ([3], "must be an integer (got [3])"),
    ],
)
def test_int_parameters_refuse_other_values(value, message):
    assert problem(SIZE, value).message == message


@pytest.mark.parametrize("value", [True, False, "1.0", None, [1.0], {"x": 1}])
def test_float_parameters_refuse_non_numbers_including_booleans(value):
    err = problem(V, value)
    assert err.field == "v_init"
    assert "must be a number" in err.message or "is required" in err.message


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused(value):
    assert problem(V, value).message.startswith("must be a finite number")


def test_bool_parameters_take_only_booleans():
    spec = ParamSpec("autapses", False, "", "x", kind="bool")
    assert spec.validate(True) is True
    for value in (1, 0, "true", None):
        assert problem(spec, value).field == "autapses"
    assert problem(spec, 1).message == "must be true or false (got 1)"


def test_choice_parameters_list_the_choices():
    spec = ParamSpec("rule", "a", "", "x", kind="choice", choices=("a", "b"))
    assert spec.validate("b") == "b"
    assert problem(spec, "c").message == "must be one of 'a', 'b' (got 'c')"
    assert problem(spec, ["a"]).field == "rule"


def test_optional_parameters_take_null_and_others_do_not():
    optional = ParamSpec("stop_ms", None, "ms", "x", low=0.0, optional=True)
    assert optional.validate(None) is None
    assert optional.validate(5) == 5.0
    assert problem(V, None).message == "is required (null is not allowed here)"


def test_spec_declarations_are_checked():
    with pytest.raises(ValueError, match="unknown kind"):
        ParamSpec("x", 1, kind="complex")
    with pytest.raises(ValueError, match="default not among choices"):
        ParamSpec("x", "c", kind="choice", choices=("a", "b"))


def test_describe_is_plain_json():
    spec = ParamSpec(
        "p", 0.1, "", "Probability", low=0.0, high=1.0, relevant_when={"rule": ("fixed",)}
    )
    described = json.loads(json.dumps(spec.describe(), allow_nan=False))
    assert described["name"] == "p" and described["relevant_when"] == {"rule": ["fixed"]}
    assert set(described) >= {"kind", "default", "unit", "low", "high", "doc", "optional"}


# -- distributions ----------------------------------------------------------------------------
def test_uniform_and_normal_distributions_are_normalised():
    assert V_DIST.validate({"distribution": "uniform", "low": -70, "high": -60}) == {
        "distribution": "uniform",
        "high": -60.0,
        "low": -70.0,
    }
    value = V_DIST.validate(
        {"distribution": "normal", "mean": -65, "std": 2, "low": -80, "high": -50}
    )
    assert all(isinstance(v, float) for k, v in value.items() if k != "distribution")


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        ({"distribution": "gamma", "k": 2}, "v_init.distribution", "must be one of 'uniform'"),
        ({"low": 1, "high": 2}, "v_init.distribution", "must be one of"),
        ({"distribution": "uniform", "low": -70}, "v_init.high", "is required"),
        ({"distribution": "normal", "std": 1}, "v_init.mean", "is required"),
        ({"distribution": "uniform", "low": -70, "high": -60, "k": 1}, "v_init.k", "unknown key"),
        ({"distribution": "normal", "mean": -70, "sd": 1}, "v_init.sd", "unknown key"),
        ({"distribution": "uniform", "low": "a", "high": 1}, "v_init.low", "finite number"),
        ({"distribution": "uniform", "low": True, "high": 1}, "v_init.low", "finite number"),
        ({"distribution": "uniform", "low": math.nan, "high": 1}, "v_init.low", "finite"),
        ({"distribution": "uniform", "low": -60, "high": -70}, "v_init.high", "must not exceed"),
        ({"distribution": "uniform", "low": -300, "high": -70}, "v_init.low", ">= -200 mV"),
        ({"distribution": "normal", "mean": 500, "std": 0}, "v_init.mean", "<= 100 mV"),
        ({"distribution": "normal", "mean": -70, "std": -1}, "v_init.std", "must be >= 0"),
    ],
)
def test_bad_distributions_name_the_key(value, field, message):
    err = problem(V_DIST, value)
    assert err.field == field
    assert message in err.message


def test_a_bounded_normal_needs_clipping_bounds():
    err = problem(V_DIST, {"distribution": "normal", "mean": -70, "std": 1, "high": -50})
    assert err.field == "v_init.low"
    assert "needs 'low'" in err.message and "in [-200, 100] mV" in err.message
    err = problem(V_DIST, {"distribution": "normal", "mean": -70, "std": 1, "low": -80})
    assert err.field == "v_init.high"


def test_a_normal_with_zero_spread_needs_no_clipping():
    assert V_DIST.validate({"distribution": "normal", "mean": -70, "std": 0})["std"] == 0.0


def test_a_one_sided_bound_needs_only_that_side():
    delay = ParamSpec(
        "delay_ms", 1.0, "ms", "x", low=0.0, low_inclusive=False, allow_distribution=True
    )
    assert delay.validate({"distribution": "normal", "mean": 2, "std": 1, "low": 0.5})
    assert problem(delay, {"distribution": "normal", "mean": 2, "std": 1}).field == "delay_ms.low"


def test_distributions_only_where_allowed():
    assert (
        "must be a number" in problem(V, {"distribution": "uniform", "low": 0, "high": 1}).message
    )


def test_an_unhashable_distribution_name_is_a_validation_error():
    assert problem(V_DIST, {"distribution": ["uniform"]}).field == "v_init.distribution"


# -- spike times and indices ------------------------------------------------------------------
TIMES = ParamSpec("spike_times_ms", [10.0], "ms", "Spike times", kind="times")
INDICES = ParamSpec("neurons", [0], "", "Neurons", kind="indices")


def test_times_take_one_list_or_one_list_per_channel():
    assert TIMES.validate([1, 2.5, 3]) == [1.0, 2.5, 3.0]
    assert TIMES.validate([[1.0, 2.0], [], [0.5]]) == [[1.0, 2.0], [], [0.5]]
    assert TIMES.validate([]) == []


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        ([3.0, 2.0], "spike_times_ms", "sorted in increasing order"),
        ([[1.0], [3.0, 2.0]], "spike_times_ms[1]", "sorted in increasing order"),
        ([1.0, 0.0], "spike_times_ms[1]", "must be > 0 ms (got 0)"),
        ([-1.0], "spike_times_ms[0]", "must be > 0 ms"),
        ([1.0, math.nan], "spike_times_ms[1]", "finite time"),
        ([1.0, "2"], "spike_times_ms[1]", "finite time"),
        ([1.0, True], "spike_times_ms[1]", "finite time"),
        ([[1.0], [2.0, -1.0]], "spike_times_ms[1][1]", "must be > 0 ms"),
        ([[1.0], 2.0], "spike_times_ms[1]", "must be a list of times"),
        ("1, 2", "spike_times_ms", "must be a list of times"),
        (5.0, "spike_times_ms", "must be a list of times"),
    ],
)
def test_bad_times_name_the_entry(value, field, message):
    err = problem(TIMES, value)
    assert err.field == field
    assert message in err.message


def test_times_lists_have_a_length_limit(monkeypatch):
    monkeypatch.setattr(params_module, "MAX_LIST_LENGTH", 3)
    assert "at most 3" in problem(TIMES, [1.0, 2.0, 3.0, 4.0]).message


def test_indices():
    assert INDICES.validate([0, 5, 2]) == [0, 5, 2]
    assert INDICES.validate([]) == []
    for value, field in (([-1], "neurons[0]"), ([0, 1.0], "neurons[1]"), ([True], "neurons[0]")):
        err = problem(INDICES, value)
        assert err.field == field and "must be an index >= 0" in err.message
    assert problem(INDICES, "0").field == "neurons"
    assert problem(INDICES, 3).field == "neurons"
