"""Microsoft TMT .tm7 import: stencils, flows, border and line boundaries, generated threats and their states."""

from __future__ import annotations

import pytest

from conftest import World
from dfd.models import Element, Flow
from stride.models import Threat
from threatmodel.models import ThreatModel
from threatmodel.tests.interop_helpers import import_file, imported

pytestmark = pytest.mark.django_db

NS = (
    'xmlns="http://schemas.datacontract.org/2004/07/ThreatModeling.Model" '
    'xmlns:i="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays" '
    'xmlns:b="http://schemas.datacontract.org/2004/07/ThreatModeling.KnowledgeBase" '
    'xmlns:z="http://schemas.microsoft.com/2003/10/Serialization/"'
)
ABS = 'xmlns="http://schemas.datacontract.org/2004/07/ThreatModeling.Model.Abstracts"'
NIL = "00000000-0000-0000-0000-000000000000"


def props(name: str, extra: str = "") -> str:
    return (
        f'<Properties {ABS}><a:anyType i:type="b:StringDisplayAttribute"><b:DisplayName>Name</b:DisplayName><b:Name/>'
        f'<b:Value i:type="c:string" xmlns:c="http://www.w3.org/2001/XMLSchema">{name}</b:Value></a:anyType>{extra}</Properties>'
    )


def stencil(guid: str, cls: str, generic: str, type_id: str, name: str, left: int, top: int, width: int, height: int, extra: str = "") -> str:
    return (
        f'<a:KeyValueOfguidanyType><a:Key>{guid}</a:Key><a:Value i:type="{cls}"><GenericTypeId {ABS}>{generic}</GenericTypeId>'
        f"<Guid {ABS}>{guid}</Guid>{props(name, extra)}<TypeId {ABS}>{type_id}</TypeId><Height {ABS}>{height}</Height>"
        f"<Left {ABS}>{left}</Left><Top {ABS}>{top}</Top><Width {ABS}>{width}</Width></a:Value></a:KeyValueOfguidanyType>"
    )


def line(guid: str, cls: str, generic: str, type_id: str, name: str, source: str, target: str, points: tuple[int, ...]) -> str:
    sx, sy, tx, ty, hx, hy = points
    return (
        f'<a:KeyValueOfguidanyType><a:Key>{guid}</a:Key><a:Value i:type="{cls}"><GenericTypeId {ABS}>{generic}</GenericTypeId>'
        f"<Guid {ABS}>{guid}</Guid>{props(name)}<TypeId {ABS}>{type_id}</TypeId><HandleX {ABS}>{hx}</HandleX>"
        f"<HandleY {ABS}>{hy}</HandleY><SourceGuid {ABS}>{source}</SourceGuid><SourceX {ABS}>{sx}</SourceX><SourceY {ABS}>{sy}</SourceY>"
        f"<TargetGuid {ABS}>{target}</TargetGuid><TargetX {ABS}>{tx}</TargetX><TargetY {ABS}>{ty}</TargetY></a:Value></a:KeyValueOfguidanyType>"
    )


def threat(type_id: str, source: str, flow: str, target: str, state: str, category: str | None, title: str) -> str:
    pairs = [("Title", title), ("UserThreatDescription", f"{title}, described"), ("Priority", "High")]
    if category is not None:
        pairs.append(("UserThreatCategory", category))
    body = "".join(f"<a:KeyValueOfstringstring><a:Key>{k}</a:Key><a:Value>{v}</a:Value></a:KeyValueOfstringstring>" for k, v in pairs)
    return (
        f"<a:KeyValueOfstringThreatpc_P0_PhOB><a:Key>{type_id}{source}{flow}{target}</a:Key><a:Value {NS.replace('xmlns=', 'xmlns:m=')}>"
        f"<b:FlowGuid>{flow}</b:FlowGuid><b:Id>1</b:Id><b:Priority>High</b:Priority><b:Properties>{body}</b:Properties>"
        f"<b:SourceGuid>{source}</b:SourceGuid><b:State>{state}</b:State><b:TargetGuid>{target}</b:TargetGuid>"
        f"<b:TypeId>{type_id}</b:TypeId></a:Value></a:KeyValueOfstringThreatpc_P0_PhOB>"
    )


G = {name: f"{index:08d}-0000-4000-8000-000000000000" for index, name in enumerate(
    ["outer", "inner", "user", "web", "db", "note", "f1", "f2", "f3", "line", "surface"], start=1)}  # fmt: skip

OUT_OF_SCOPE = (
    '<a:anyType i:type="b:BooleanDisplayAttribute"><b:DisplayName>Out Of Scope</b:DisplayName><b:Name>x</b:Name>'
    '<b:Value i:type="c:boolean" xmlns:c="http://www.w3.org/2001/XMLSchema">true</b:Value></a:anyType>'
    '<a:anyType i:type="b:StringDisplayAttribute"><b:DisplayName>Reason For Out Of Scope</b:DisplayName><b:Name>y</b:Name>'
    '<b:Value i:type="c:string" xmlns:c="http://www.w3.org/2001/XMLSchema">vendor runs it</b:Value></a:anyType>'
)


def tm7(extra_threats: str = "") -> bytes:
    borders = "".join(
        [
            stencil(G["outer"], "BorderBoundary", "GE.TB.B", "GE.TB.B", "Corporate", 100, 100, 600, 400),
            stencil(G["inner"], "BorderBoundary", "GE.TB.B", "SE.TB.B.TMCore.Sandbox", "Sandbox", 150, 150, 300, 200),
            stencil(G["user"], "StencilRectangle", "GE.EI", "SE.EI.TMCore.Browser", "Browser &amp; user", 10, 10, 100, 100),
            stencil(G["web"], "StencilEllipse", "GE.P", "SE.P.TMCore.WebApp", "Web app", 200, 200, 100, 100, OUT_OF_SCOPE),
            stencil(G["db"], "StencilParallelLines", "GE.DS", "SE.DS.TMCore.SQL", "Orders", 500, 150, 100, 60),
            stencil(G["note"], "StencilRectangle", "GE.A", "GE.A", "Remember", 0, 600, 100, 30),
        ]
    )
    lines = "".join(
        [
            line(G["f1"], "Connector", "GE.DF", "SE.DF.TMCore.HTTPS", "Request", G["user"], G["web"], (110, 60, 200, 250, 150, 100)),
            line(G["f2"], "Connector", "GE.DF", "GE.DF", "Query", G["web"], G["db"], (300, 250, 500, 180, 400, 200)),
            line(G["f3"], "Connector", "GE.DF", "GE.DF", "Feed", NIL, G["db"], (40, 700, 500, 200, 300, 500)),
            line(G["line"], "LineBoundary", "GE.TB.L", "SE.TB.L.TMCore.Internet", "Internet boundary", NIL, NIL, (130, 0, 140, 500, 135, 250)),
        ]
    )
    threats = "".join(
        [
            threat("S3", G["user"], G["f1"], G["web"], "AutoGenerated", "Spoofing", "Spoofing the Web app"),
            threat("D3", G["user"], G["f1"], G["web"], "NotApplicable", "Denial Of Service", "Crash the Web app"),
            threat("E6", G["user"], G["f1"], G["web"], "Mitigated", "Elevation Of Privilege", "Remote code execution"),
            threat("I23", G["web"], G["f2"], G["db"], "NeedsInvestigation", None, "Data flow sniffing"),
        ]
    )
    kb = (
        "<KnowledgeBase><ThreatCategories><a:ThreatCategory><a:Id>I</a:Id><a:Name>Information Disclosure</a:Name></a:ThreatCategory>"
        "</ThreatCategories><ThreatTypes><a:ThreatType><a:Category>I</a:Category><a:Id>I23</a:Id></a:ThreatType></ThreatTypes>"
        "<StandardElements><a:ElementType><a:Id>SE.P.TMCore.WebApp</a:Id><a:Name>Web Application</a:Name></a:ElementType>"
        "<a:ElementType><a:Id>SE.DF.TMCore.HTTPS</a:Id><a:Name>HTTPS</a:Name></a:ElementType></StandardElements></KnowledgeBase>"
    )
    return (
        f'<ThreatModel {NS}><DrawingSurfaceList><DrawingSurfaceModel z:Id="i1"><GenericTypeId {ABS}>DRAWINGSURFACE</GenericTypeId>'
        f"<Guid {ABS}>{G['surface']}</Guid>{props('Checkout diagram')}<Borders>{borders}</Borders><Lines>{lines}</Lines>"
        f"</DrawingSurfaceModel></DrawingSurfaceList><MetaInformation><Assumptions>TLS everywhere</Assumptions>"
        f"<HighLevelSystemDescription>A checkout</HighLevelSystemDescription><Owner>Ana</Owner><ThreatModelName>Checkout</ThreatModelName>"
        f"</MetaInformation><ThreatInstances>{threats}{extra_threats}</ThreatInstances>{kb}</ThreatModel>"
    ).encode()


def test_a_tm7_model_is_imported_with_its_threats(world: World) -> None:
    response = import_file(world, tm7(), content_type="application/xml")
    model = imported(response)
    body = response.json()
    assert body["format"] == "tmt"
    assert body["summary"] == {
        "diagrams": 1, "elements": 3, "boundaries": 3, "flows": 3, "threats": 4, "placeholders": 1, "skipped": 1,
        "threats_by_stride": {"S": 1, "T": 0, "R": 0, "I": 1, "D": 1, "E": 1},
    }  # fmt: skip
    assert model.name == "Checkout" and model.assumptions == "TLS everywhere" and "Owner: Ana" in model.description
    elements = {e.name: e for e in Element.objects.filter(threat_model=model).select_related("parent")}
    assert elements["Web app"].parent == elements["Sandbox"] and elements["Sandbox"].parent == elements["Corporate"]
    assert elements["Orders"].parent == elements["Corporate"] and elements["Browser & user"].parent is None
    assert (elements["Web app"].x, elements["Web app"].y) == (50.0, 50.0)
    assert elements["Web app"].properties == {
        "technology": "Web Application", "component": "web_service", "out_of_scope": True, "out_of_scope_reason": "vendor runs it",
    }  # fmt: skip
    assert "[Out of scope in TMT: vendor runs it]" in elements["Web app"].description
    assert elements["Internet boundary"].kind == "trust_boundary" and not elements["Internet boundary"].children.exists()
    assert elements["Unattached source of Feed"].kind == "external_entity"
    assert Flow.objects.get(threat_model=model, label="Request").protocol == "HTTPS"
    threats = {t.title: t for t in Threat.objects.filter(threat_model=model)}
    assert {title: (t.stride, t.status, t.flow_key) for title, t in threats.items()} == {
        "Spoofing the Web app": ("S", "open", G["f1"]),
        "Crash the Web app": ("D", "not_applicable", G["f1"]),
        "Remote code execution": ("E", "mitigated", G["f1"]),
        "Data flow sniffing": ("I", "open", G["f2"]),
    }
    assert threats["Data flow sniffing"].triaged and not threats["Spoofing the Web app"].triaged
    assert threats["Spoofing the Web app"].explanation["imported"]["threat_type"] == "S3"
    warnings = " ".join(body["warnings"])
    for fragment in ("line trust boundary", "annotation", "Unattached source/target", "out of scope in TMT"):
        assert fragment in warnings, fragment


@pytest.mark.parametrize(
    ("payload", "path", "fragment"),
    [
        (b"<ThreatModel><DrawingSurfaceList>", "line 1, column 34", "no element found"),
        (b"<NotAModel/>", "/", "not <ThreatModel>"),
        (tm7().replace(b"<Left xmlns", b"<Left xmlns", 1).replace(b">100</Left>", b">far</Left>", 1), "DrawingSurfaceModel[1]/Borders", "must be a number"),
    ],
)  # fmt: skip
def test_a_broken_tm7_is_refused_with_where(world: World, payload: bytes, path: str, fragment: str) -> None:
    before = ThreatModel.objects.count()
    response = import_file(world, payload, content_type="application/xml")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert any(path in d["path"] and fragment in d["message"] for d in details), details
    assert ThreatModel.objects.count() == before
