"""The single write path against the database: all-or-nothing, versions, the log, and the 409."""

from __future__ import annotations

import pytest

from common.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from conftest import World
from dfd.models import Diagram, DiagramOp, Element, Flow
from stride.models import Threat
from threatmodel.diagrams import diagram_change

pytestmark = pytest.mark.django_db


def keys(model_cls: type[Element] | type[Flow], world: World) -> set[str]:
    return set(model_cls.objects.filter(diagram=world.diagram).values_list("key", flat=True))


def test_every_operation_kind_lands_in_the_database(world: World) -> None:
    owner = world.users["owner"]
    result = diagram_change(analyse=False,
        diagram_id=world.diagram.pk,
        actor=owner,
        base_version=world.diagram.version,
        ops=[
            {"op": "add_element", "key": "cache", "kind": "data_store", "name": "Cache", "parent": "tb-app",
             "properties": {"encrypted": "unknown"}},
            {"op": "update_element", "key": "web", "name": "Web app", "properties": {"runs_as_root": None, "privileged": True}},
            {"op": "move_element", "key": "tb-app", "x": 333, "y": 44, "width": 500, "height": 350},
            {"op": "set_parent", "key": "user", "parent": None, "x": 10, "y": 10},
            {"op": "add_flow", "key": "f3", "source": "web", "target": "cache", "label": "GET", "bidirectional": True},
            {"op": "update_flow", "key": "f1", "protocol": "h2", "properties": {"authenticated": False}},
            {"op": "delete_flow", "key": "f2"},
            {"op": "delete_element", "key": "db"},
        ],
    )
    assert result.version == world.diagram.version + 1
    assert keys(Element, world) == {"tb-inet", "tb-app", "user", "web", "cache"}
    assert keys(Flow, world) == {"f1", "f3"}
    web = Element.objects.get(diagram=world.diagram, key="web")
    assert (web.name, web.properties) == ("Web app", {"privileged": True})
    cache = Element.objects.get(diagram=world.diagram, key="cache")
    assert cache.parent is not None and cache.parent.key == "tb-app"
    assert Element.objects.get(diagram=world.diagram, key="user").parent is None
    tb = Element.objects.get(diagram=world.diagram, key="tb-app")
    assert (tb.x, tb.y, tb.width, tb.height) == (333, 44, 500, 350)
    f1 = Flow.objects.get(diagram=world.diagram, key="f1")
    assert (f1.protocol, f1.properties) == ("h2", {"encrypted": True, "public_network": True, "authenticated": False})
    assert Flow.objects.get(diagram=world.diagram, key="f3").bidirectional is True


def test_it_bumps_the_diagram_and_model_versions_and_logs_each_operation(world: World) -> None:
    owner = world.users["owner"]
    model_version = world.model.version
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=owner, base_version=world.diagram.version,
              ops=[{"op": "move_element", "key": "web", "x": 1, "y": 2}, {"op": "delete_element", "key": "db"}])
    world.diagram.refresh_from_db()
    world.model.refresh_from_db()
    assert world.model.version == model_version + 1
    log = list(DiagramOp.objects.filter(diagram=world.diagram, version=world.diagram.version).order_by("id"))
    assert [(op.seq, op.op, op.target_key) for op in log] == [
        (0, "move_element", "web"),
        (1, "delete_flow", "f2"),
        (1, "delete_element", "db"),
    ]
    assert all(op.actor == owner for op in log)
    assert log[0].before is not None and log[0].after is not None
    assert log[0].before["x"] == 20 and log[0].after["x"] == 1
    assert log[2].after is None and log[2].before is not None and log[2].before["kind"] == "data_store"
    assert len({op.batch for op in log}) == 1


def test_deleting_an_element_deletes_its_flows_in_the_same_batch_and_says_so(world: World) -> None:
    result = diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=world.users["editor"], base_version=world.diagram.version,
                       ops=[{"op": "delete_element", "key": "web"}])
    assert sorted(result.deleted_flows) == ["f1", "f2"]
    assert keys(Flow, world) == set()


def test_deleting_a_boundary_keeps_its_children(world: World) -> None:
    result = diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=world.users["editor"], base_version=world.diagram.version,
                       ops=[{"op": "delete_element", "key": "tb-app"}])
    assert sorted(result.reparented) == ["db", "web"]
    web = Element.objects.get(diagram=world.diagram, key="web")
    assert web.parent is None and (web.x, web.y) == (320, 30)


def test_a_failing_batch_writes_nothing(world: World) -> None:
    before_elements = list(Element.objects.filter(diagram=world.diagram).values())
    before_flows = list(Flow.objects.filter(diagram=world.diagram).values())
    version = world.diagram.version
    with pytest.raises(ValidationFailed) as info:
        diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=world.users["owner"], base_version=version, ops=[
            {"op": "delete_element", "key": "web"},
            {"op": "add_element", "key": "new", "kind": "process", "name": "New"},
            {"op": "add_flow", "key": "f9", "source": "new", "target": "ghost"},
        ])
    assert info.value.details == [{"path": "ops[2].target", "message": "no element 'ghost' in this diagram"}]
    world.diagram.refresh_from_db()
    assert world.diagram.version == version
    assert list(Element.objects.filter(diagram=world.diagram).values()) == before_elements
    assert list(Flow.objects.filter(diagram=world.diagram).values()) == before_flows
    assert not DiagramOp.objects.filter(diagram=world.diagram, version__gt=version).exists()


def test_it_refuses_a_stale_version_with_the_current_one(world: World) -> None:
    current = world.diagram.version
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=world.users["owner"], base_version=current,
              ops=[{"op": "move_element", "key": "web", "x": 1, "y": 1}])
    with pytest.raises(StaleVersion) as info:
        diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=world.users["editor"], base_version=current,
                  ops=[{"op": "move_element", "key": "web", "x": 9, "y": 9}])
    assert info.value.extra["current_version"] == current + 1
    assert Element.objects.get(diagram=world.diagram, key="web").x == 1


def test_keys_are_unique_across_the_diagrams_of_a_model(world: World) -> None:
    second = Diagram.objects.create(threat_model=world.model, name="Level 1", order=1)
    with pytest.raises(ValidationFailed) as info:
        diagram_change(analyse=False, diagram_id=second.pk, actor=None, base_version=1,
                  ops=[{"op": "add_element", "key": "web", "kind": "process", "name": "Web again"}])
    assert "another diagram" in info.value.details[0]["message"]


def test_a_key_deleted_and_added_again_in_one_batch_is_a_new_row(world: World) -> None:
    old_pk = Element.objects.get(diagram=world.diagram, key="db").pk
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=None, base_version=world.diagram.version, ops=[
        {"op": "delete_element", "key": "db"},
        {"op": "add_element", "key": "db", "kind": "process", "name": "DB is a process now", "parent": "tb-app"},
        {"op": "add_flow", "key": "f2", "source": "web", "target": "db"},
    ])
    db = Element.objects.get(diagram=world.diagram, key="db")
    assert db.pk != old_pk and db.kind == "process" and db.parent is not None
    assert Flow.objects.get(diagram=world.diagram, key="f2").target_id == db.pk


def test_boundaries_can_be_deleted_and_recreated_with_their_children(world: World) -> None:
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=None, base_version=world.diagram.version, ops=[
        {"op": "delete_element", "key": "tb-app"},
        {"op": "add_element", "key": "tb-app", "kind": "trust_boundary", "name": "App again"},
        {"op": "set_parent", "key": "web", "parent": "tb-app"},
    ])
    web = Element.objects.get(diagram=world.diagram, key="web")
    assert web.parent is not None and web.parent.name == "App again"
    assert Element.objects.get(diagram=world.diagram, key="db").parent is None


def test_threats_keep_their_target_key_when_the_element_goes(world: World, threat: Threat) -> None:
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=None, base_version=world.diagram.version,
              ops=[{"op": "delete_element", "key": "web"}])
    threat.refresh_from_db()
    assert threat.element is None and threat.element_key == "web"


def test_a_viewer_or_reviewer_cannot_write_and_an_outsider_cannot_see(world: World) -> None:
    for persona in ("viewer", "reviewer"):
        with pytest.raises(Forbidden):
            diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=world.users[persona], base_version=world.diagram.version,
                      ops=[{"op": "delete_flow", "key": "f1"}])
    with pytest.raises(NotFound):
        diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=world.users["outsider"], base_version=world.diagram.version,
                  ops=[{"op": "delete_flow", "key": "f1"}])
    assert keys(Flow, world) == {"f1", "f2"}


def test_the_element_limit_of_a_model_holds(world: World, settings) -> None:
    settings.THREATMODEL_MAX_ELEMENTS_PER_MODEL = 6
    with pytest.raises(ValidationFailed) as info:
        diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=None, base_version=world.diagram.version, ops=[
            {"op": "add_element", "key": "a", "kind": "process", "name": "A"},
            {"op": "add_element", "key": "b", "kind": "process", "name": "B"},
        ])
    assert "at most 6 elements" in info.value.message
