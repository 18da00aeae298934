"""The API's JSON is gzipped and revalidated by ETag; HTML pages are never compressed (BREACH)."""

from __future__ import annotations

import gzip
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from stride.models import CoverageNote, Threat


def test_the_document_is_gzipped_and_a_revalidation_of_an_unchanged_one_is_a_bodiless_304(world: World) -> None:
    client = world.client("viewer")
    url = f"/api/v1/threat-models/{world.model.pk}/document/"
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200
    assert first["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(first.content))["id"] == world.model.pk
    etag = first["ETag"]
    assert etag.startswith('W/"')
    assert first["Cache-Control"] == "private, no-cache"

    again = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""


def test_a_change_gives_the_document_a_new_etag(world: World) -> None:
    client = world.client("editor")
    url = f"/api/v1/threat-models/{world.model.pk}/document/"
    etag = client.get(url, HTTP_ACCEPT_ENCODING="gzip")["ETag"]
    world.diagram.refresh_from_db()
    changed = client.post(
        f"/api/v1/diagrams/{world.diagram.pk}/ops/",
        data={"base_version": world.diagram.version, "ops": [{"op": "add_element", "key": "cache", "kind": "data_store", "name": "Cache"}]},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    after = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200
    assert after["ETag"] != etag
    assert any(e["key"] == "cache" for d in json.loads(gzip.decompress(after.content))["diagrams"] for e in d["elements"])


def test_an_outsider_gets_no_etag_to_probe_with(world: World) -> None:
    response = world.client("outsider").get(f"/api/v1/threat-models/{world.model.pk}/document/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 404


def test_html_pages_are_not_compressed(world: World) -> None:
    response = world.client("viewer").get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")


def test_an_unchanged_document_is_answered_304_without_being_built(world: World, threat: Threat) -> None:
    client = world.client("viewer")
    url = f"/api/v1/threat-models/{world.model.pk}/document/"
    etag = client.get(url, HTTP_ACCEPT_ENCODING="gzip")["ETag"]
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert not any('"stride_threat"."fingerprint"' in q["sql"] and "ORDER BY" in q["sql"] for q in ctx.captured_queries)
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_a_change_to_a_threat_or_a_coverage_note_gives_the_document_a_new_etag(world: World, threat: Threat) -> None:
    editor = world.client("editor")
    url = f"/api/v1/threat-models/{world.model.pk}/document/"
    etag = editor.get(url)["ETag"]
    assert editor.patch(f"/api/v1/threats/{threat.pk}/", {"triaged": True}, format="json").status_code == 200
    after_triage = editor.get(url, HTTP_IF_NONE_MATCH=etag)
    assert after_triage.status_code == 200 and after_triage["ETag"] != etag
    CoverageNote.objects.create(threat_model=world.model, target_key="db", stride="R", reason="Logged by the platform")
    assert editor.get(url, HTTP_IF_NONE_MATCH=after_triage["ETag"]).status_code == 200


def test_an_outsider_with_a_member_s_etag_gets_404_not_304(world: World) -> None:
    url = f"/api/v1/threat-models/{world.model.pk}/document/"
    etag = world.client("viewer").get(url)["ETag"]
    refused = world.client("outsider").get(url, HTTP_IF_NONE_MATCH=etag)
    missing = world.client("outsider").get("/api/v1/threat-models/999999/document/", HTTP_IF_NONE_MATCH=etag)
    # The same answer as for a model that does not exist: no 304, no ETag naming the model's state.
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content and refused.get("ETag") == missing.get("ETag") != etag
    assert world.client(None).get(url, HTTP_IF_NONE_MATCH=etag).status_code in (401, 403)


def test_the_threat_list_is_revalidated_by_etag_and_an_outsider_learns_nothing_from_it(world: World, threat: Threat) -> None:
    url = f"/api/v1/threats/?threat_model={world.model.pk}"
    first = world.client("viewer").get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200 and first["Content-Encoding"] == "gzip" and first["Cache-Control"] == "private, no-cache"
    assert world.client("viewer").get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # The outsider's list is empty (the model is not theirs): a different body, so never the member's 304.
    outsider = world.client("outsider").get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert outsider.status_code == 200 and outsider.json()["count"] == 0
    assert world.client("outsider").get(f"/api/v1/threats/{threat.pk}/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404


def test_answers_that_carry_a_secret_are_never_compressed(world: World) -> None:
    client = world.client("viewer")
    csrf = client.get("/api/v1/auth/csrf/", HTTP_ACCEPT_ENCODING="gzip")
    assert csrf.status_code == 200 and "csrf_token" in csrf.json() and not csrf.has_header("Content-Encoding")
    created = client.post("/api/v1/tokens/", {"name": "ci-" * 20}, format="json", HTTP_ACCEPT_ENCODING="gzip")
    assert created.status_code == 201 and created.json()["token"] and not created.has_header("Content-Encoding")
    listed = client.get("/api/v1/tokens/", HTTP_ACCEPT_ENCODING="gzip")
    assert listed.status_code == 200 and not listed.has_header("Content-Encoding")
