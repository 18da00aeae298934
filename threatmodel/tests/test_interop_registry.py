"""The format registry carries each format's behaviour: a new format is one entry, and the service needs nothing else.

The format added here is the shape the Kubernetes and compose importers take: several files at once,
each parsed as YAML, and a translator that computes the wanted diagram state and hands it over whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from common.errors import ValidationFailed
from conftest import World
from dfd.models import Element, Flow
from dfd.ops import DiagramState, ElementState, FlowState
from threatmodel.interop import imports
from threatmodel.interop.registry import IMPORTS, ImportFormat, SourceDocument, SourceFile
from threatmodel.interop.translate import NativeBuilder, Translation
from threatmodel.models import ThreatModel

pytestmark = pytest.mark.django_db


def _services_translate(documents: Sequence[SourceDocument]) -> Translation:
    """Each file names one service and the services it calls: one process per service, one flow per call."""
    state = DiagramState(elements={}, flows={})
    origins: dict[str, str] = {}
    for index, document in enumerate(documents):
        name = str(document.value["service"])
        state.elements[name] = ElementState(key=name, kind="process", name=name.title(), x=200.0 * index, y=40.0)
        origins[name] = f"{document.file}: service"
    for document in documents:
        for target in document.value.get("calls", []):
            key = f"{document.value['service']}-to-{target}"
            state.flows[key] = FlowState(key=key, source=str(document.value["service"]), target=str(target), label="calls")
    build = NativeBuilder("services")
    build.model["name"] = "Services"
    build.add_state(state, name="Services", origin=documents[0].file, origins=origins)
    return build.translation()


SERVICES = ImportFormat(
    "services",
    "Service list (test)",
    (".yaml",),
    "One YAML file per service.",
    ("application/yaml",),
    frozenset({"yaml"}),
    lambda value: isinstance(value, dict) and "service" in value,
    _services_translate,
    several_files=True,
)


@pytest.fixture
def services_format(monkeypatch: pytest.MonkeyPatch) -> ImportFormat:
    monkeypatch.setitem(IMPORTS, SERVICES.name, SERVICES)
    return SERVICES


def test_a_format_of_several_files_is_one_registry_entry(world: World, services_format: ImportFormat) -> None:
    files = [SourceFile("web.yaml", b"service: web\ncalls: [api]\n"), SourceFile("api.yaml", b"service: api\ncalls: []\n")]
    outcome = imports.import_model(actor=world.users["editor"], team=world.team, files=files)
    assert outcome.format == "services" and outcome.model.name == "Services"
    assert sorted(Element.objects.filter(threat_model=outcome.model).values_list("key", "name")) == [("api", "Api"), ("web", "Web")]
    flow = Flow.objects.get(threat_model=outcome.model)
    assert (flow.key, flow.source.key, flow.target.key) == ("web-to-api", "web", "api")
    assert (outcome.summary.elements, outcome.summary.flows) == (2, 1)


def test_the_place_in_which_file_is_named_when_the_wanted_state_is_refused(world: World, services_format: ImportFormat) -> None:
    files = [SourceFile("web.yaml", b"service: web\n"), SourceFile("bad.yaml", b"service: 'bad key!'\n")]
    before = ThreatModel.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        imports.import_model(actor=world.users["editor"], team=world.team, files=files, fmt="services")
    assert ThreatModel.objects.count() == before
    assert any(detail["path"].startswith("bad.yaml: service") for detail in refused.value.details), refused.value.details


def test_a_single_file_format_refuses_several_files(world: World) -> None:
    files = [SourceFile("a.json", b"{}"), SourceFile("b.json", b"{}")]
    with pytest.raises(ValidationFailed) as refused:
        imports.import_model(actor=world.users["editor"], team=world.team, files=files, fmt="otm")
    assert "one file at a time" in refused.value.message and refused.value.details[0]["path"] == "file"


def test_a_file_in_no_format_is_refused_naming_the_formats(world: World, services_format: ImportFormat) -> None:
    with pytest.raises(ValidationFailed) as refused:
        imports.import_model(actor=world.users["editor"], team=world.team, raw=b"kind: Something\n")
    assert "Service list (test)" in refused.value.message and "Open Threat Model" in refused.value.message


@pytest.mark.parametrize(
    ("raw", "fmt", "fragment"),
    [
        (b"<ThreatModel/>", "otm", "The file is XML, not otm."),
        (b"{}", "tmt", "file is XML; this file is not"),
        (b"name: x\n", "threat-dragon", "is not JSON, so it cannot be threat-dragon"),
    ],
)
def test_a_named_format_refuses_a_file_in_another_syntax(world: World, raw: bytes, fmt: str, fragment: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        imports.import_model(actor=world.users["editor"], team=world.team, raw=raw, fmt=fmt)
    assert fragment in refused.value.message


def test_the_format_list_comes_from_the_registry_with_each_formats_behaviour(world: World, services_format: ImportFormat) -> None:
    body: dict[str, Any] = world.client("viewer").get("/api/v1/formats/").json()
    listed = {item["name"]: item for item in body["import"]}
    assert list(listed) == list(IMPORTS)
    assert listed["services"]["several_files"] is True and listed["otm"]["media_types"] == ["application/json", "application/yaml"]
    assert listed["tmt"] == {
        "name": "tmt", "label": "Microsoft Threat Modeling Tool (.tm7)", "extensions": [".tm7"],
        "description": IMPORTS["tmt"].description, "media_types": ["application/xml"], "several_files": False,
    }  # fmt: skip
