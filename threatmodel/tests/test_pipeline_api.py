"""The model in pipelines through the API: ``POST …/check/``, ``GET …/checks/`` and ``GET …/guardrails/``.

The check is the gate of ``threatmodel gate`` with the model's bands and decisions; its runs are
recorded on the model; the guardrails are the generated policies as YAML. Roles: editors run from
a session, any member with a token; every member reads the runs and the guardrails; an outsider
gets 404; bad input is refused clearly and records nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
import yaml
from rest_framework.test import APIClient

from conftest import World
from stride.models import Threat
from threatmodel.analysis import threat_model_analyse
from threatmodel.models import AuditEvent, CheckRun, Decision, ThreatModel
from threatmodel.services import api_token_create
from threatmodel.tests.shared_data import DATA

pytestmark = pytest.mark.django_db

MANIFESTS = DATA / "manifests"
PRIV_POD = MANIFESTS / "badpods" / "manifests" / "priv" / "pod" / "priv-exec-pod.yaml"
BOUTIQUE = MANIFESTS / "online-boutique" / "release" / "kubernetes-manifests.yaml"


def imported(world: World, path: Any) -> ThreatModel:
    part = io.BytesIO(path.read_bytes())
    part.name = path.name
    response = world.client("editor").post(
        "/api/v1/threat-models/import/?format=kubernetes", data={"team": world.team.pk, "file": [part]}, format="multipart"
    )
    assert response.status_code == 201, response.content[:500]
    model = ThreatModel.objects.get(pk=response.json()["threat_model"]["id"])
    threat_model_analyse(actor=world.users["editor"], model_id=model.pk)
    return model


def check(client: APIClient, model: ThreatModel, path: Any = PRIV_POD, **fields: Any) -> Any:
    part = io.BytesIO(path.read_bytes())
    part.name = path.name
    return client.post(f"/api/v1/threat-models/{model.pk}/check/", data={"file": [part], **fields}, format="multipart")


def token_client(world: World, persona: str) -> APIClient:
    _, secret = api_token_create(actor=world.users[persona], name="pipeline")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_privileged_pod_fails_the_check_with_sarif_and_the_run_is_recorded(world: World) -> None:
    model = imported(world, PRIV_POD)
    response = check(world.client("editor"), model, commit="3f2a9c1")
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert body["passed"] is False
    fingerprints = {f["fingerprint"] for f in body["failures"]}
    assert "K8S-001@k8s:pod:default:priv-exec-pod" in fingerprints
    sarif = body["sarif"]
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["partialFingerprints"]["threatFingerprint/v1"] for r in results if r["level"] == "error"} == fingerprints
    run = CheckRun.objects.get(threat_model=model)
    assert (run.result, run.commit, run.run_by, run.token_prefix) == ("failed", "3f2a9c1", world.users["editor"], "")
    assert run.failures == len(fingerprints) and run.findings == len(results) and run.files == ["priv-exec-pod.yaml"]
    assert body["run"]["id"] == run.pk and body["run"]["via_token"] is False
    assert AuditEvent.objects.filter(action="check.run", threat_model=model).count() == 1


def test_the_model_s_decisions_accept_findings_and_an_expired_one_fails_again(world: World) -> None:
    model = imported(world, PRIV_POD)
    failing = {f["fingerprint"] for f in check(world.client("editor"), model).json()["failures"]}
    until = dt.date.today() + dt.timedelta(days=30)
    for threat in Threat.objects.filter(threat_model=model, fingerprint__in=failing):
        Decision.objects.create(threat_model=model, threat=threat, kind="acceptance", status="active",
                                justification="lab cluster", expires_on=until, created_by=world.users["owner"])  # fmt: skip
    passed = check(world.client("editor"), model).json()
    assert passed["passed"] is True and passed["run"]["accepted"] == len(failing)
    one = Decision.objects.filter(threat_model=model).first()
    assert one is not None
    Decision.objects.filter(pk=one.pk).update(status="expired", expires_on=dt.date.today() - dt.timedelta(days=1))
    again = check(world.client("editor"), model).json()
    assert again["passed"] is False
    assert [f["fingerprint"] for f in again["failures"]] == [one.threat.fingerprint]
    assert "expired" in again["failures"][0]["reasons"][0]


def test_the_model_s_bands_decide_what_fails(world: World) -> None:
    """A team policy that puts nothing in the unacceptable band lets the same pod pass."""
    from threatmodel.models import RiskPolicy

    model = imported(world, PRIV_POD)
    RiskPolicy.objects.create(team=world.team, version=2, unacceptable_at=25, acceptable_max=4)
    body = check(world.client("editor"), model).json()
    assert body["passed"] is True and body["run"]["policy_version"] == 2


def test_baseline_model_fails_what_the_model_does_not_know(world: World) -> None:
    model = imported(world, BOUTIQUE)
    outcome = check(world.client("editor"), model, path=PRIV_POD, baseline="model").json()
    assert outcome["passed"] is False
    assert any("new since the baseline" in r for f in outcome["failures"] for r in f["reasons"])
    assert outcome["run"]["new"] >= 1


def test_json_bodies_are_read_like_multipart(world: World) -> None:
    model = imported(world, PRIV_POD)
    body = {"files": [{"name": "pod.yaml", "content": PRIV_POD.read_text()}], "format": "kubernetes", "commit": "main"}
    response = world.client("editor").post(f"/api/v1/threat-models/{model.pk}/check/", body, format="json")
    assert response.status_code == 200, response.content[:500]
    assert response.json()["passed"] is False and response.json()["run"]["files"] == ["pod.yaml"]


@pytest.mark.parametrize(
    ("persona", "expected"), [("owner", 200), ("editor", 200), ("reviewer", 403), ("viewer", 403), ("outsider", 404)]
)
def test_who_may_run_the_check_from_a_session(world: World, persona: str, expected: int) -> None:
    model = imported(world, PRIV_POD)
    response = check(world.client(persona), model)
    assert response.status_code == expected, response.content[:300]
    assert CheckRun.objects.count() == (1 if expected == 200 else 0)


@pytest.mark.parametrize(("persona", "expected"), [("viewer", 200), ("reviewer", 200), ("outsider", 404)])
def test_a_token_holder_of_the_team_may_run_the_check(world: World, persona: str, expected: int) -> None:
    model = imported(world, PRIV_POD)
    response = check(token_client(world, persona), model, commit="abc123")
    assert response.status_code == expected, response.content[:300]
    if expected == 200:
        run = CheckRun.objects.get()
        assert run.token_prefix.startswith("tmk_") and response.json()["run"]["via_token"] is True
        assert run.run_by == world.users[persona]
    else:
        assert not CheckRun.objects.exists()


@pytest.mark.parametrize(
    ("what", "raw", "message"),
    [
        ("malformed YAML", b"apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n", "bad.yaml, document 1, line 4, column 1"),
        ("not manifests", b"just some text\n", "must be a Kubernetes object"),
        ("a pod without containers", b"apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {}\n", "must list at least one container"),
    ],
)
def test_bad_files_are_refused_naming_the_place_and_nothing_is_recorded(world: World, what: str, raw: bytes, message: str) -> None:
    model = imported(world, PRIV_POD)
    part = io.BytesIO(raw)
    part.name = "bad.yaml"
    response = world.client("editor").post(f"/api/v1/threat-models/{model.pk}/check/", data={"file": [part], "format": "kubernetes"}, format="multipart")
    assert response.status_code == 400, (what, response.content[:500])
    error = response.json()["error"]
    text = error["message"] + " " + json.dumps(error["details"])
    assert message in text, text[:500]
    assert not CheckRun.objects.exists() and not AuditEvent.objects.filter(action="check.run").exists()


def test_a_50_mb_body_is_refused_before_it_is_read(world: World) -> None:
    model = imported(world, PRIV_POD)
    client = world.client("editor")
    response = client.generic("POST", f"/api/v1/threat-models/{model.pk}/check/", "x", content_type="application/json",
                              CONTENT_LENGTH=str(50 * 1024 * 1024))  # fmt: skip
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert not CheckRun.objects.exists()


def test_json_files_over_the_limit_are_refused(world: World, settings: Any) -> None:
    model = imported(world, PRIV_POD)
    settings.THREATMODEL_IMPORT_MAX_BYTES = 20_000
    body = {"files": [{"name": f"{i}.yaml", "content": PRIV_POD.read_text() + "#" * 8_000} for i in range(3)]}
    response = world.client("editor").post(f"/api/v1/threat-models/{model.pk}/check/", body, format="json")
    assert response.status_code == 413
    assert not CheckRun.objects.exists()


@pytest.mark.parametrize(
    ("body", "path"),
    [({"files": []}, "files"), ({"files": [{"name": "a.yaml", "content": "x"}], "commit": "has spaces in it"}, "commit"),
     ({"files": [{"name": "a.yaml", "content": "x"}], "format": "nope"}, "format"), ({}, "files"),
     ({"files": [{"name": "a.yaml", "content": "x"}], "baseline": "yesterday"}, "baseline")],
)  # fmt: skip
def test_bad_options_are_refused(world: World, body: dict[str, Any], path: str) -> None:
    model = imported(world, PRIV_POD)
    response = world.client("editor").post(f"/api/v1/threat-models/{model.pk}/check/", body, format="json")
    assert response.status_code == 400, response.content[:300]
    assert path in json.dumps(response.json()["error"])
    assert not CheckRun.objects.exists()


def test_runs_are_listed_newest_first_to_members_only(world: World) -> None:
    model = imported(world, PRIV_POD)
    check(world.client("editor"), model, commit="first")
    check(world.client("editor"), model, commit="second")
    response = world.client("viewer").get(f"/api/v1/threat-models/{model.pk}/checks/")
    assert response.status_code == 200
    assert [r["commit"] for r in response.json()["results"]] == ["second", "first"]
    run = response.json()["results"][0]
    assert world.client("viewer").get(f"/api/v1/threat-models/{model.pk}/checks/{run['id']}/").json()["commit"] == "second"
    assert world.client("outsider").get(f"/api/v1/threat-models/{model.pk}/checks/").status_code == 404
    assert world.client("outsider").get(f"/api/v1/threat-models/{model.pk}/checks/{run['id']}/").status_code == 404
    other = ThreatModel.objects.create(team=world.team, name="Other")
    assert world.client("viewer").get(f"/api/v1/threat-models/{other.pk}/checks/{run['id']}/").status_code == 404


# --- guardrails -----------------------------------------------------------------------------------------------


def test_the_guardrails_download_is_the_model_s_policies_as_yaml(world: World) -> None:
    model = imported(world, BOUTIQUE)
    response = world.client("viewer").get(f"/api/v1/threat-models/{model.pk}/guardrails/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert f'guardrails-{model.pk}-v{model.version}.yaml' in response["Content-Disposition"]
    docs = [d for d in yaml.safe_load_all(response.content) if d]
    kinds = {d["kind"] for d in docs}
    assert kinds == {"Namespace", "NetworkPolicy", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ClusterPolicy"}
    # The model's own threats are named on the policies that enforce them.
    privileged_rules = [d for d in docs if d["kind"] == "ValidatingAdmissionPolicy" and d["metadata"]["name"].endswith("run-as-non-root")]
    assert privileged_rules and privileged_rules[0]["metadata"]["annotations"]["threatmodel.io/attack-mitigations"] == "M1048"


def test_the_guardrails_of_one_kind_and_one_namespace(world: World) -> None:
    model = imported(world, BOUTIQUE)
    response = world.client("viewer").get(f"/api/v1/threat-models/{model.pk}/guardrails/?kind=networkpolicy&namespace=default")
    assert response.status_code == 200
    docs = [d for d in yaml.safe_load_all(response.content) if d]
    assert docs and {d["kind"] for d in docs} == {"NetworkPolicy"} and {d["metadata"]["namespace"] for d in docs} == {"default"}
    assert "-default.yaml" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("query", "path"), [("kind=psp", "unknown kind"), ("namespace=prod", "no workload in namespace"), ("host_path_allow=/", "absolute path")]
)
def test_a_bad_guardrails_request_is_refused(world: World, query: str, path: str) -> None:
    model = imported(world, BOUTIQUE)
    response = world.client("viewer").get(f"/api/v1/threat-models/{model.pk}/guardrails/?{query}")
    assert response.status_code == 400
    assert path in response.json()["error"]["message"]


def test_an_outsider_gets_404_for_the_guardrails(world: World) -> None:
    model = imported(world, BOUTIQUE)
    assert world.client("outsider").get(f"/api/v1/threat-models/{model.pk}/guardrails/").status_code == 404
    assert APIClient().get(f"/api/v1/threat-models/{model.pk}/guardrails/").status_code == 401
