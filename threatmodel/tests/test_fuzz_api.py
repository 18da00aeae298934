"""Schemathesis against our own OpenAPI schema, as a team owner and as an outsider (issue 12).

Every operation of the schema gets a fixed number of generated requests with a fixed seed (so a
run is repeatable and bounded), sent in-process to the WSGI application on the test database.
Path ids are replaced by real objects of the owner's team, so the requests reach the code behind
the lookup instead of stopping at a 404. A run fails on any 5xx, on a status code, content type or
body that the schema does not document, and on any 2xx that the outsider gets for another team's
object.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import yaml
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.core import media_types
from schemathesis.core.result import Err, Ok

from conftest import World
from library.templates import template_save
from threatmodel.comments import comment_create
from threatmodel.services import api_token_create
from threatmodel.tests.helpers import acceptance, add_threat, mitigation
from threatmodel.workflow.snapshots import snapshot_create

# How many generated requests each operation gets, per persona. Raise it locally to dig deeper.
EXAMPLES = 6

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@schemathesis.deserializer(*media_types.YAML_MEDIA_TYPES)
def _yaml_stream(ctx: Any, response: Any) -> list[Any]:
    """YAML answers are streams (the guardrails download, one document per resource): read whole, as kubectl reads them."""
    return [document for document in yaml.safe_load_all(response.content) if document is not None]


# The catalogue endpoints are not team objects: everyone may read them, outsiders included.
SHARED = ("/api/v1/rules/", "/api/v1/tactics/", "/api/v1/techniques/", "/api/v1/controls/", "/api/v1/vocabulary/",
          "/api/v1/formats/", "/api/v1/risk/")  # fmt: skip
_COLLECTION = re.compile(r"^/api/v1/(?P<collection>[a-z-]+)/\{(?P<param>[a-z_]+)\}")


@pytest.fixture
def fuzz_world(world: World) -> Iterator[dict[str, Any]]:
    """The small world with one of each object, and a token for the owner and for the outsider.

    Django closes the database connection around every request; in-process requests share
    the test's connection and its transaction, so that is switched off as Django's test client does.
    """
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    threat = add_threat(world, "FUZZ-1@web", likelihood=3, impact=3)
    fix = mitigation(world, [threat])
    decision = acceptance(world, add_threat(world, "FUZZ-2@db", element="db"))
    snapshot = snapshot_create(actor=world.users["owner"], threat_model=world.model, label="fuzz")
    tokens = {persona: api_token_create(actor=world.users[persona], name="fuzz")[1] for persona in ("owner", "outsider")}
    ids = {
        "threat-models": world.model.pk,
        "diagrams": world.diagram.pk,
        "elements": world.diagram.elements.get(key="web").pk,
        "flows": world.diagram.flows.get(key="f1").pk,
        "threats": threat.pk,
        "mitigations": fix.pk,
        "decisions": decision.pk,
        "snapshots": snapshot.pk,
        "teams": world.team.pk,
        "memberships": world.team.memberships.get(user=world.users["viewer"]).pk,
        "templates": template_save(actor=world.users["owner"], model=world.model, name="fuzz").pk,
        "comments": comment_create(actor=world.users["owner"], threat_model=world.model, body="fuzz @editor", subject_key="web").pk,
    }
    try:
        yield {"ids": ids, "tokens": tokens}
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


def _own_ids(case: Any, ids: dict[str, int]) -> bool:
    """Point the case's path at the owner's real object; True when it now names a team object."""
    path = case.operation.path
    if path.startswith(SHARED):
        return False
    match = _COLLECTION.match(path)
    if match is None or match["collection"] not in ids:
        return False
    case.path_parameters = {**(case.path_parameters or {}), match["param"]: ids[match["collection"]]}
    if "threat_model_pk" in (case.path_parameters or {}):
        case.path_parameters["threat_model_pk"] = ids["threat-models"]
    return True


def _headers(fuzz_world: dict[str, Any], persona: str) -> dict[str, str]:
    # The in-process client does not decompress: ask for the plain body (compression has its own tests).
    return {"Authorization": f"Bearer {fuzz_world['tokens'][persona]}", "Accept-Encoding": "identity"}


# What a run holds the API to: no server error, and a status code, content type, headers and body the
# schema documents. Schemathesis's data-acceptance checks are left out on purpose: they expect a 2xx for
# every schema-valid body, and most writes here have rules of state the schema cannot say (a model in
# design cannot advance to verify; a generated threat is not deleted but marked not applicable).
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]

SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)


@schema.parametrize()
@SETTINGS
def test_owner_gets_no_server_error_and_only_documented_answers(case: Any, fuzz_world: dict[str, Any]) -> None:
    _own_ids(case, fuzz_world["ids"])
    case.call_and_validate(headers=_headers(fuzz_world, "owner"), checks=CHECKS)


@schema.parametrize()
@SETTINGS
def test_outsider_never_reaches_another_teams_object(case: Any, fuzz_world: dict[str, Any]) -> None:
    foreign = _own_ids(case, fuzz_world["ids"])
    response = case.call_and_validate(headers=_headers(fuzz_world, "outsider"), checks=CHECKS)
    if foreign:
        assert not 200 <= response.status_code < 300, (
            f"{case.method} {case.formatted_path} answered {response.status_code} to an outsider: {response.text[:300]}"
        )


def test_the_fuzzing_covers_every_operation() -> None:
    results = list(schema.get_all_operations())
    assert not [result for result in results if isinstance(result, Err)], "schemathesis could not read some operations"
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 100, "the schema lost operations: the fuzzing would test less than it claims"
    assert all(op.path.startswith("/api/v1/") for op in operations)
