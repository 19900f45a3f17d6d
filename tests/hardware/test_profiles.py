"""Profile files: schema, evidence, node-type support for the whole catalog."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from engine.model.catalog import default_catalog
from hardware.profiles import (
    NOT_ASSESSED,
    PROFILE_DIR,
    SCHEMA_PATH,
    STATUSES,
    Profile,
    ProfileError,
    list_profiles,
    load_profile,
    validate_profile_data,
)

SCHEMA = json.loads(SCHEMA_PATH.read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
PROFILES = list_profiles()
REQUIRED = {"akida", "generic", "loihi", "loihi2", "speck", "spinnaker", "spinnaker2",
            "truenorth", "xylo_audio2"}  # fmt: skip


def raw(name: str) -> dict:
    return json.loads((PROFILE_DIR / f"{name}.json").read_text("utf-8"))


def quantities(node, path=""):
    if isinstance(node, dict):
        if {"value", "unit", "evidence"} <= set(node):
            yield path, node
            return
        for key, value in node.items():
            yield from quantities(value, f"{path}.{key}" if path else key)


def test_every_platform_of_the_issue_has_a_profile():
    assert REQUIRED <= set(PROFILES)


def test_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", PROFILES)
def test_profile_validates_with_jsonschema_and_our_checker(name):
    data = raw(name)
    assert [e.message for e in VALIDATOR.iter_errors(data)] == []
    assert validate_profile_data(data) == []
    assert load_profile(name).profile_id == name


@pytest.mark.parametrize("name", PROFILES)
def test_every_number_has_unit_source_and_evidence_and_unknowns_are_null(name):
    data = raw(name)
    found = list(quantities(data))
    assert found
    for path, qty in found:
        assert qty["evidence"] in "PTSU", path
        assert qty["unit"], path
        if qty["value"] is None:
            continue
        assert qty["source"] is not None or qty["evidence"] == "U", path
    for key, qty in data["energy"]["per_event_j"].items():
        assert qty["value"] != 0, f"{name}: {key} is 0; an unpublished figure must be null"


def test_multi_chip_systems_are_chip_counts():
    loihi2 = load_profile("loihi2")
    systems = {s["name"]: s["chips"] for s in loihi2.data["topology"]["systems"]}
    assert systems["Hala Point"] == 1152
    assert loihi2.max_chips == 1152


@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("node_type", list(default_catalog()), ids=lambda t: t.type_id)
def test_every_catalog_type_maps_or_is_explicitly_unsupported(name, node_type):
    support = load_profile(name).support(node_type.type_id, node_type.default_params())
    assert support.status in STATUSES
    assert support.reason.strip()
    assert support.matched != "default", f"{name} does not assess {node_type.type_id}"


def test_a_new_node_type_is_unsupported_because_not_assessed():
    support = load_profile("loihi").support("population.future_model")
    assert (support.status, support.reason, support.matched) == (
        "unsupported",
        NOT_ASSESSED,
        "default",
    )


def test_parameter_cases_refine_support():
    loihi = load_profile("loihi")
    assert loihi.support("projection.synapses", {"synapse": "current_exp"}).status == "supported"
    assert (
        loihi.support("projection.synapses", {"synapse": "current_alpha"}).status == "approximated"
    )


@pytest.mark.parametrize(
    ("platform", "type_id", "status"),
    [
        ("truenorth", "plasticity.stdp_pair", "unsupported"),
        ("truenorth", "projection.conductance", "unsupported"),
        ("xylo_audio2", "population.hh", "unsupported"),
        ("akida", "population.lif", "unsupported"),
        ("loihi", "plasticity.stdp_pair", "supported"),
        ("spinnaker", "population.izhikevich", "supported"),
    ],
)
def test_known_support_facts(platform, type_id, status):
    assert load_profile(platform).support(type_id).status == status


def _broken(edit):
    data = copy.deepcopy(raw("truenorth"))
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["core"].pop("max_neurons"), "core.max_neurons"),
        (lambda d: d["core"]["max_neurons"].update(value="many"), "core.max_neurons.value"),
        (lambda d: d["core"]["max_fan_in_axons"].update(evidence="sure"),
         "core.max_fan_in_axons.evidence"),
        (lambda d: d["energy"].update(scope="guess"), "energy.scope"),
        (lambda d: d["core"].update(max_magic=1), "core.max_magic"),
        (lambda d: d["support"]["types"]["population.lif"].update(status="maybe"),
         "support.types.population.lif.status"),
        (lambda d: d["topology"]["cores_per_chip"].update(value=0),
         "topology.cores_per_chip.value"),
        (lambda d: d["core"]["max_neurons"].update(source="nowhere"), "core.max_neurons.source"),
    ],
)  # fmt: skip
def test_malformed_profile_is_refused_naming_the_field(edit, field, tmp_path):
    data = _broken(edit)
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert field in [p.field for p in caught.value.problems]
    if field != "core.max_neurons.source":  # cross-reference: beyond JSON Schema
        assert not VALIDATOR.is_valid(data)


def test_users_own_profile_file_loads(tmp_path):
    data = raw("generic")
    data["profile_id"] = "my_chip"
    data["core"]["max_neurons"]["value"] = 512
    path = tmp_path / "my_chip.json"
    path.write_text(json.dumps(data), "utf-8")
    profile = load_profile(path)
    assert profile.limit("max_neurons") == 512


def test_not_json_and_missing_files_are_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", "utf-8")
    with pytest.raises(ProfileError, match="not valid JSON"):
        load_profile(path)
    with pytest.raises(ProfileError, match="no such profile"):
        load_profile("no_such_chip")


def test_profile_constructor_refuses_bad_data():
    with pytest.raises(ProfileError):
        Profile({"schema_version": 1})
