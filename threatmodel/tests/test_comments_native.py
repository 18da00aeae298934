"""Comments in the native format: threads, replies, resolution and times round-trip exactly; the
mentions are read again against the importing team; bad comment data names its path."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from conftest import World
from stride.models import Threat
from threatmodel.comments import comment_create, comment_edit, comment_resolve
from threatmodel.models import Comment, ThreatModel
from threatmodel.native import native_export

pytestmark = pytest.mark.django_db


def import_doc(world: World, doc: dict[str, Any]) -> Any:
    return world.client("editor").post(
        f"/api/v1/threat-models/import/?team={world.team.pk}", data=json.dumps(doc).encode(), content_type="application/json"
    )


@pytest.fixture
def discussed(world: World, threat: Threat) -> dict[str, Any]:
    users = world.users
    on_threat = comment_create(actor=users["reviewer"], threat_model=world.model, body="Rated too low, @editor?", threat_id=threat.pk)
    comment_create(actor=users["editor"], threat_model=world.model, body="Agreed, raising it", parent_id=on_threat.pk)
    comment_resolve(actor=users["editor"], comment=on_threat)
    on_flow = comment_create(actor=users["owner"], threat_model=world.model, body="Is f1 mTLS?", subject_key="f1")
    comment_edit(actor=users["owner"], comment=on_flow, body="Is f1 mutual TLS? @reviewer")
    return native_export(world.model)


def test_threads_replies_resolution_and_times_round_trip_exactly(world: World, discussed: dict[str, Any]) -> None:
    threads = discussed["comments"]
    assert [(t["threat"], t["subject"], t["author"], t["resolved"], len(t["replies"])) for t in threads] == [
        ("TEST-1@web", None, "reviewer", True, 1),
        (None, "f1", "owner", False, 0),
    ]
    assert threads[0]["resolved_by"] == "editor" and threads[0]["replies"][0]["body"] == "Agreed, raising it"
    assert threads[1]["edited_at"] is not None
    response = import_doc(world, discussed)
    assert response.status_code == 201, response.json()
    copy_of = ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
    assert native_export(copy_of) == discussed
    mentions = {c.body: sorted(c.mentions.values_list("username", flat=True)) for c in Comment.objects.filter(threat_model=copy_of)}
    assert mentions["Rated too low, @editor?"] == ["editor"] and mentions["Is f1 mutual TLS? @reviewer"] == ["reviewer"]


def test_a_model_without_comments_exports_an_empty_list_and_a_file_without_the_key_imports(world: World, threat: Threat) -> None:
    exported = native_export(world.model)
    assert exported["comments"] == []
    del exported["comments"]
    assert import_doc(world, exported).status_code == 201


def test_an_author_outside_the_team_is_dropped_with_a_warning_and_the_comment_kept(world: World, discussed: dict[str, Any]) -> None:
    doc = copy.deepcopy(discussed)
    doc["comments"][1]["author"] = "stranger"
    response = import_doc(world, doc)
    assert response.status_code == 201
    assert "comments[1].author: 'stranger' is not a member of this team; dropped" in response.json()["warnings"]
    copy_of = response.json()["threat_model"]["id"]
    assert Comment.objects.get(threat_model_id=copy_of, subject_key="f1").author is None


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["comments"][0].update(threat="missing@x"), "comments[0].threat"),
        (lambda d: d["comments"][1].update(subject="ghost"), "comments[1].subject"),
        (lambda d: d["comments"][1].update(threat="TEST-1@web"), "comments[1]"),
        (lambda d: d["comments"][0].update(body=""), "comments[0].body"),
        (lambda d: d["comments"][0].update(body="x" * 5_001), "comments[0].body"),
        (lambda d: d["comments"][0].update(created_at="yesterday"), "comments[0].created_at"),
        (lambda d: d["comments"][0]["replies"][0].update(created_at="2026-01-01T10:00:00"), "comments[0].replies[0].created_at"),
        (lambda d: d["comments"][0].update(resolved="yes"), "comments[0].resolved"),
        (lambda d: d.update(comments={"not": "a list"}), "comments"),
    ],
)
def test_bad_comment_data_is_refused_with_its_path_and_nothing_is_imported(
    world: World, discussed: dict[str, Any], change: Any, path: str
) -> None:
    doc = copy.deepcopy(discussed)
    change(doc)
    before = (ThreatModel.objects.count(), Comment.objects.count())
    response = import_doc(world, doc)
    assert response.status_code == 400, response.json()
    assert path in [d["path"] for d in response.json()["error"]["details"]], response.json()
    assert (ThreatModel.objects.count(), Comment.objects.count()) == before
