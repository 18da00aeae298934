"""The property vocabulary: one schema, served by the API and enforced by the write path."""

from __future__ import annotations

import pytest

from conftest import World
from dfd import vocabulary

DESIGN_PROPERTIES = {
    "encrypted", "authenticated", "public_network", "data_classification", "stores_credentials", "is_log", "privilege_level",
    "privileged", "runs_as_root", "host_path", "host_pid", "host_network", "runtime_socket_mounted", "automount_sa_token",
    "image_signed", "image_registry", "secrets_in_env", "network_policy", "exposes_k8s_api", "metadata_reachable",
}


def test_it_has_every_property_the_design_names() -> None:
    assert set(vocabulary.PROPERTIES) >= DESIGN_PROPERTIES


def test_every_property_applies_somewhere_and_enums_have_values() -> None:
    for spec in vocabulary.PROPERTIES.values():
        assert spec.applies_to and set(spec.applies_to) <= set(vocabulary.TARGETS), spec.name
        assert set(spec.required_for) <= set(spec.applies_to), spec.name
        assert (spec.type == "enum") == bool(spec.values), spec.name
        assert vocabulary.UNKNOWN not in spec.values


def test_unknown_is_distinct_from_false_and_from_unset() -> None:
    assert vocabulary.validate_properties("process", {"privileged": "unknown"}) == {}
    assert vocabulary.resolved("process", {"privileged": False})["privileged"] is False
    assert vocabulary.resolved("process", {})["privileged"] == "unknown"


@pytest.mark.django_db
def test_the_api_serves_it(world: World) -> None:
    doc = world.client("viewer").get("/api/v1/vocabulary/").json()
    assert doc["version"] == vocabulary.VOCABULARY_VERSION and doc["unknown"] == "unknown"
    flow = {p["name"]: p for p in doc["targets"]["flow"]}
    assert flow["encrypted"]["values"] == [True, False, "unknown"] and flow["encrypted"]["required"] is True
    assert "In transit" in flow["encrypted"]["description"] or "in transit" in flow["encrypted"]["description"]
    process = {p["name"]: p for p in doc["targets"]["process"]}
    assert process["image_registry"]["values"] == ["private", "public", "unknown"]
    assert process["privileged"]["group"] == "container"
