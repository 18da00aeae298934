"""The API's JSON is gzipped and revalidated by ETag; HTML pages are never compressed (BREACH)."""

from __future__ import annotations

import gzip
import json

from conftest import World


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
