"""Snapshots (/snapshots/): taken by hand or at approval, immutable through every route, diffable."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import World
from stride.models import Threat
from threatmodel.api.urls import router
from threatmodel.diagrams import diagram_change
from threatmodel.models import ImmutableRow, Snapshot
from threatmodel.native import native_export
from threatmodel.tests.helpers import rated_threat
from threatmodel.workflow.snapshots import content_digest

pytestmark = pytest.mark.django_db


def take(world: World, persona: str = "editor", label: str = "before the workshop") -> Any:
    return world.client(persona).post("/api/v1/snapshots/", {"threat_model": world.model.pk, "label": label}, format="json")


def test_an_editor_saves_a_version_that_holds_the_native_document(world: World, threat: Threat) -> None:
    response = take(world)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["number"], body["reason"], body["label"], body["created_by"]) == (1, "manual", "before the workshop", "editor")
    snapshot = Snapshot.objects.get()
    assert snapshot.content == native_export(world.model) and body["content_sha256"] == content_digest(snapshot.content)
    assert "content" not in world.client("viewer").get("/api/v1/snapshots/").json()["results"][0]
    assert world.client("viewer").get(f"/api/v1/snapshots/{snapshot.pk}/").json()["content"] == snapshot.content
    assert take(world).json()["number"] == 2


@pytest.mark.parametrize("persona", ["viewer", "reviewer"])
def test_readers_cannot_take_snapshots(world: World, persona: str) -> None:
    assert take(world, persona).status_code == 403


def test_an_outsider_neither_takes_nor_sees_snapshots(world: World) -> None:
    take(world)
    snapshot = Snapshot.objects.get()
    assert take(world, "outsider").status_code == 404
    assert world.client("outsider").get("/api/v1/snapshots/").json()["count"] == 0
    assert world.client("outsider").get(f"/api/v1/snapshots/{snapshot.pk}/").status_code == 404


def frozen(snapshot: Snapshot) -> tuple[Any, ...]:
    fresh = Snapshot.objects.get(pk=snapshot.pk)
    return (fresh.content, fresh.content_sha256, fresh.label, fresh.number, fresh.stage, fresh.model_version, fresh.reason)


def concrete_urls(object_ids: list[int]) -> list[str]:
    """Every route of the API router, with each id-like path parameter filled in."""
    urls = set()
    for pattern in router.urls:
        regex = str(pattern.pattern.regex.pattern).lstrip("^").rstrip("$")
        for object_id in object_ids:
            path = re.sub(r"\(\?P<[a-z_]+>[^)]*\)", str(object_id), regex)
            urls.add("/api/v1/" + path.replace("\\", ""))
    return sorted(urls)


def test_no_route_of_the_api_changes_a_snapshot(world: World, threat: Threat) -> None:
    take(world)
    snapshot = Snapshot.objects.get()
    before = frozen(snapshot)
    tampered = {"content": {"format": "forged"}, "label": "forged", "number": 99, "stage": "approved", "reason": "manual",
                "content_sha256": "0" * 64, "threat_model": world.model.pk, "name": "forged"}
    client = world.client("owner")
    tried = 0
    for url in concrete_urls([snapshot.pk, world.model.pk]):
        for method in ("post", "put", "patch", "delete"):
            if method == "delete" and re.match(r"^/api/v1/(teams|threat-models)/\d+/$", url):
                continue  # deleting the team or the model deletes its snapshots with it, by design
            getattr(client, method)(url, tampered, format="json")
            tried += 1
            assert frozen(snapshot) == before, (method, url)
    assert tried > 100
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(f"/api/v1/snapshots/{snapshot.pk}/", tampered, format="json").status_code == 405


def test_the_orm_refuses_to_change_a_snapshot(world: World) -> None:
    take(world)
    snapshot = Snapshot.objects.get()
    snapshot.label = "changed"
    with pytest.raises(ImmutableRow):
        snapshot.save()
    with pytest.raises(ImmutableRow):
        Snapshot.objects.filter(pk=snapshot.pk).update(label="changed")
    with pytest.raises(ImmutableRow):
        snapshot.delete()
    assert Snapshot.objects.get().label == "before the workshop"


def test_a_snapshot_goes_only_with_its_model(world: World) -> None:
    take(world)
    assert world.client("owner").delete(f"/api/v1/threat-models/{world.model.pk}/").status_code == 204
    assert not Snapshot.objects.exists()


def test_the_diff_against_now_lists_exactly_what_changed(world: World, threat: Threat) -> None:
    first = take(world).json()
    world.diagram.refresh_from_db()
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=None, base_version=world.diagram.version,
              ops=[{"op": "update_element", "key": "web", "name": "Storefront"}])
    added = rated_threat(world, "NEW@db", element="db", stride="I", likelihood=2, impact=5)
    world.client("editor").put(f"/api/v1/threats/{threat.pk}/rating/", {"likelihood": 3, "impact": 4, "rationale": "pod to pod"},
                               format="json")
    response = world.client("viewer").get(f"/api/v1/snapshots/{first['id']}/diff/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["from"]["snapshot"] == 1 and body["to"]["snapshot"] is None
    changes = body["changes"]
    assert changes["elements"]["changed"] == [{"key": "web", "fields": {"name": {"before": "Web", "after": "Storefront"}}}]
    assert [t["fingerprint"] for t in changes["threats"]["added"]] == [added.fingerprint]
    assert changes["threats"]["changed"] == [{"fingerprint": "TEST-1@web", "fields": {"rationale": {"before": "", "after": "pod to pod"}}}]
    assert changes["summary"]["elements"] == {"added": 0, "removed": 0, "changed": 1}
    assert changes["summary"]["flows"] == {"added": 0, "removed": 0, "changed": 0}
    assert changes["identical"] is False


def test_the_diff_of_two_snapshots_and_of_a_snapshot_with_itself(world: World, threat: Threat) -> None:
    first = take(world).json()
    world.client("editor").post("/api/v1/decisions/", {"threat": threat.pk, "kind": "not_applicable", "justification": "no state"},
                                format="json")
    second = take(world, label="after").json()
    body = world.client("viewer").get(f"/api/v1/snapshots/{first['id']}/diff/?against={second['id']}").json()
    assert body["to"]["snapshot"] == 2
    assert [d["kind"] for d in body["changes"]["decisions"]["added"]] == ["not_applicable"]
    assert body["changes"]["threats"]["changed"] == [
        {"fingerprint": "TEST-1@web", "fields": {"status": {"before": "open", "after": "not_applicable"}}}
    ]
    same = world.client("viewer").get(f"/api/v1/snapshots/{second['id']}/diff/?against={second['id']}").json()
    assert same["changes"]["identical"] is True


@pytest.mark.parametrize("against", ["yesterday", "0", "999999"])
def test_a_diff_against_something_that_is_not_a_snapshot_of_the_model_is_refused(world: World, against: str) -> None:
    first = take(world).json()
    response = world.client("viewer").get(f"/api/v1/snapshots/{first['id']}/diff/?against={against}")
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "against"


def test_a_diff_against_another_models_snapshot_is_refused(world: World) -> None:
    from threatmodel.models import ThreatModel

    first = take(world).json()
    other = ThreatModel.objects.create(team=world.team, name="Other")
    foreign = world.client("editor").post("/api/v1/snapshots/", {"threat_model": other.pk}, format="json").json()
    response = world.client("viewer").get(f"/api/v1/snapshots/{first['id']}/diff/?against={foreign['id']}")
    assert response.status_code == 400
