"""The core's diagram change: a stale batch refused before any lock, and the analysis' delta.

The ops answer names the threats the analysis touched (with their rows when they are few), and
``GET /api/v1/threats/?changed_since=`` serves what changed after a version — so the editor
patches its threat list instead of reloading every page after an edit.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import connection

from common.errors import StaleVersion
from conftest import World
from stride.models import Threat
from threatmodel.analysis import threat_model_analyse
from threatmodel.diagrams import diagram_change


def post_ops(world: World, ops: list[dict[str, Any]], persona: str = "editor") -> dict[str, Any]:
    world.diagram.refresh_from_db()
    response = world.client(persona).post(
        f"/api/v1/diagrams/{world.diagram.pk}/ops/", data={"base_version": world.diagram.version, "ops": ops}, format="json"
    )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_the_ops_answer_lists_new_and_obsolete_threats_with_their_rows(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    body = post_ops(world, [{"op": "add_element", "key": "cache", "kind": "data_store", "name": "Cache"}])
    changes = body["analysis"]["changes"]
    assert changes["new"], "a new data store gets threats"
    assert all(fp.endswith("@cache") for fp in changes["new"])
    assert {row["fingerprint"] for row in changes["threats"]} == set(changes["new"])

    body = post_ops(world, [{"op": "delete_element", "key": "cache"}])
    changes = body["analysis"]["changes"]
    assert sorted(changes["obsolete"]) == sorted(fp for fp in changes["obsolete"] if fp.endswith("@cache"))
    assert changes["obsolete"] and changes["new"] == []
    assert {row["status"] for row in changes["threats"]} == {"obsolete"}


def test_a_move_changes_no_threat(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    changes = post_ops(world, [{"op": "move_element", "key": "web", "x": 40, "y": 60}])["analysis"]["changes"]
    assert changes == {"new": [], "obsolete": [], "revived": [], "rewritten": [], "retargeted": [], "threats": []}


def test_a_move_keeps_the_analysis_current_without_running_it(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    stamps = dict(Threat.objects.filter(threat_model=world.model).values_list("id", "changed_version"))
    post_ops(world, [{"op": "move_element", "key": "db", "x": 300, "y": 80, "width": 120, "height": 60}])
    world.model.refresh_from_db()
    assert world.model.analysed_version == world.model.version
    assert dict(Threat.objects.filter(threat_model=world.model).values_list("id", "changed_version")) == stamps


def test_a_move_on_a_model_not_yet_analysed_runs_the_analysis(world: World) -> None:
    body = post_ops(world, [{"op": "move_element", "key": "db", "x": 300, "y": 80}])
    assert body["analysis"]["new"] > 0
    world.model.refresh_from_db()
    assert world.model.analysed_version == world.model.version


def test_changed_since_serves_only_what_changed_after_a_version(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    before = post_ops(world, [{"op": "move_element", "key": "web", "x": 1, "y": 1}])["threat_model_version"]
    body = post_ops(world, [{"op": "update_element", "key": "web", "properties": {"privileged": True}}])
    listed = world.client("viewer").get(
        "/api/v1/threats/", {"threat_model": world.model.pk, "changed_since": before, "page_size": 500}
    ).json()["results"]
    changed = set(body["analysis"]["changes"]["new"]) | set(body["analysis"]["changes"]["obsolete"])
    assert changed and {row["fingerprint"] for row in listed} == changed
    assert world.client("outsider").get("/api/v1/threats/", {"threat_model": world.model.pk, "changed_since": 0}).json()["count"] == 0


def test_a_persons_change_to_a_threat_is_served_by_changed_since(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    world.model.refresh_from_db()
    threat = Threat.objects.filter(threat_model=world.model).first()
    assert threat is not None
    response = world.client("editor").patch(f"/api/v1/threats/{threat.pk}/", data={"notes": "seen in the workshop"}, format="json")
    assert response.status_code == 200
    threat.refresh_from_db()
    assert threat.changed_version == world.model.version
    listed = world.client("editor").get(
        "/api/v1/threats/", {"threat_model": world.model.pk, "changed_since": world.model.version - 1, "page_size": 500}
    ).json()["results"]
    assert threat.pk in {row["id"] for row in listed}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_a_stale_batch_is_refused_without_waiting_for_the_models_lock(world: World) -> None:
    settings_dict = connection.settings_dict
    holder = psycopg.connect(
        host=settings_dict["HOST"], port=settings_dict["PORT"], user=settings_dict["USER"],
        password=settings_dict["PASSWORD"] or None, dbname=settings_dict["NAME"],
    )
    try:
        # Another writer holds the model's row lock; a wait for it would end in a lock timeout.
        holder.execute("SELECT id FROM threatmodel_threatmodel WHERE id = %s FOR UPDATE", (world.model.pk,))
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            with pytest.raises(StaleVersion) as info:
                diagram_change(actor=world.users["editor"], diagram_id=world.diagram.pk, base_version=world.diagram.version - 1, ops=[])
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
        assert info.value.extra["current_version"] == world.diagram.version
    finally:
        holder.rollback()
        holder.close()
