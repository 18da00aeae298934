"""Team rules end to end through the API (issue 17, item 3): checked at the line, examples run,
previewed without writing, enabled into the team's analyses and its pipeline gate, versioned and audited."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from conftest import World
from library.models import TeamRule
from stride.models import Threat
from threatmodel.models import AuditEvent
from threatmodel.tests.shared_data import DATA

pytestmark = pytest.mark.django_db

ROOT_RULE = """\
id: TEAM-PAYMENTS-001
title: Payments workloads must not run as root
stride: E
target: process
condition:
  property: {name: runs_as_root, equals: true}
likelihood: 3
impact: 4
description: >-
  Our house rule: a payments workload that runs as root turns any code execution in it into a
  foothold on the node, which the card-data audit does not allow.
mitigation: Run the workload as a non-root user.
fixture:
  diagram:
    elements:
      - {key: rooted, kind: process, name: Rooted, properties: {runs_as_root: true}}
      - {key: nonroot, kind: process, name: Non-root, properties: {runs_as_root: false}}
  fires: [rooted]
  quiet: [nonroot]
"""

# Quiet on the world's model (its data store is encrypted): no "matches everything" warning.
STORE_RULE = (
    ROOT_RULE.replace("TEAM-PAYMENTS-001", "TEAM-PAYMENTS-002")
    .replace("target: process", "target: data_store")
    .replace("{name: runs_as_root, equals: true}", "{name: encrypted, equals: false}")
    .replace("kind: process, name: Rooted, properties: {runs_as_root: true}", "kind: data_store, name: Plain, properties: {encrypted: false}")
    .replace("kind: process, name: Non-root, properties: {runs_as_root: false}", "kind: data_store, name: Sealed, properties: {encrypted: true}")
)

# Uses a shipped fixture diagram instead of its own, and a privileged pod is what a pipeline sends.
PRIVILEGED_RULE = (
    ROOT_RULE.replace("TEAM-PAYMENTS-001", "TEAM-PAYMENTS-003")
    .replace("{name: runs_as_root, equals: true}", "{name: privileged, equals: true}")
    .split("fixture:")[0]
    + "fixture:\n  diagram: containers\n  fires: [priv]\n  quiet: [hardened, root]\n"
)


def preview(world: World, persona: str, text: str) -> Any:
    return world.client(persona).post("/api/v1/team-rules/preview/", {"team": world.team.pk, "yaml": text}, format="json")


def create(world: World, text: str, persona: str = "editor") -> Any:
    return world.client(persona).post("/api/v1/team-rules/", {"team": world.team.pk, "yaml": text}, format="json")


def created(world: World, text: str) -> TeamRule:
    response = create(world, text)
    assert response.status_code == 201, response.content[:800]
    return TeamRule.objects.get(pk=response.json()["rule"]["id"])


def enable(world: World, row: TeamRule, persona: str = "editor") -> Any:
    return world.client(persona).post(f"/api/v1/team-rules/{row.pk}/enable/", format="json")


def rule_threats(world: World, rule_id: str) -> dict[str, str]:
    return dict(Threat.objects.filter(threat_model=world.model, rule_id=rule_id).values_list("element_key", "status"))


# --- checks, at the line ---------------------------------------------------------------------------


def test_a_good_rule_passes_its_examples_and_previews_on_the_teams_model_without_writing(world: World) -> None:
    response = preview(world, "viewer", ROOT_RULE)
    assert response.status_code == 200, response.content[:800]
    body = response.json()
    assert body["valid"] is True and body["problems"] == [] and body["rule_id"] == "TEAM-PAYMENTS-001"
    assert body["examples"] == {"fired": ["rooted"], "quiet": ["nonroot"]}
    (model,) = body["models"]
    assert model["threat_model"] == world.model.pk and model["fires"] == 1 and model["subjects"] == 1
    assert model["first"][0]["element_key"] == "web" and model["first"][0]["confirmed"] is True
    assert TeamRule.objects.count() == 0 and not rule_threats(world, "TEAM-PAYMENTS-001")


def test_a_yaml_error_is_refused_with_its_line(world: World) -> None:
    body = preview(world, "editor", ROOT_RULE.replace("impact: 4", "impact: [4")).json()
    assert body["valid"] is False and body["rule_id"] is None
    (problem,) = body["problems"]
    assert problem["line"] == 9 and "not valid YAML" in problem["message"]


def test_an_unknown_property_is_refused_at_its_line(world: World) -> None:
    body = preview(world, "editor", ROOT_RULE.replace("name: runs_as_root", "name: runs_as_rot")).json()
    (problem,) = body["problems"]
    assert problem == {"path": "condition.property.name", "line": 6, "message": "'runs_as_rot' is not in the property vocabulary"}


def test_an_unknown_condition_and_an_unknown_field_are_refused_at_their_lines(world: World) -> None:
    body = preview(world, "editor", ROOT_RULE.replace("  property: {name", "  propperty: {name")).json()
    assert body["problems"][0]["message"] == "unknown condition 'propperty'" and body["problems"][0]["line"] == 6
    body = preview(world, "editor", ROOT_RULE.replace("likelihood: 3", "likelihood: 3\nseverity: high")).json()
    assert body["problems"] == [{"path": "severity", "line": 8, "message": "is not a rule field"}]


def test_a_rule_outside_the_teams_prefix_or_on_a_shipped_id_is_refused(world: World) -> None:
    body = preview(world, "editor", ROOT_RULE.replace("TEAM-PAYMENTS-001", "K8S-001")).json()
    assert body["problems"][0]["path"] == "id" and "TEAM-PAYMENTS-" in body["problems"][0]["message"]
    assert body["problems"][0]["line"] == 1


def test_failing_examples_are_named_and_the_rule_cannot_be_enabled(world: World) -> None:
    wrong = ROOT_RULE.replace("fires: [rooted]\n  quiet: [nonroot]", "fires: [nonroot]\n  quiet: [rooted]")
    body = preview(world, "editor", wrong).json()
    assert body["valid"] is False
    assert {(p["path"], p["line"]) for p in body["problems"]} == {("fixture.fires", 18), ("fixture.quiet", 19)}
    row = created(world, wrong)  # a draft may be saved...
    response = enable(world, row)
    assert response.status_code == 400  # ...but not enabled
    assert {d["path"] for d in response.json()["error"]["details"]} == {"fixture.fires", "fixture.quiet"}
    assert "line 18" in response.json()["error"]["details"][0]["message"]
    row.refresh_from_db()
    assert row.enabled is False and not rule_threats(world, row.rule_id)


def test_a_rule_without_a_quiet_example_is_refused(world: World) -> None:
    body = preview(world, "editor", ROOT_RULE.replace("quiet: [nonroot]", "quiet: []")).json()
    assert body["problems"][0]["path"] == "fixture.quiet" and body["problems"][0]["line"] == 19


def test_a_rule_that_matches_everything_is_warned_about(world: World) -> None:
    assert preview(world, "editor", ROOT_RULE).json()["warnings"][0].startswith("TEAM-PAYMENTS-001 would fire on more than half")
    assert preview(world, "editor", STORE_RULE).json()["warnings"] == []


def test_an_invalid_rule_is_not_saved(world: World) -> None:
    response = create(world, "id: [")
    assert response.status_code == 400 and "not valid YAML" in response.json()["error"]["details"][0]["message"]
    assert TeamRule.objects.count() == 0


# --- enabled into analyses and the gate ------------------------------------------------------------


def test_an_enabled_rule_takes_part_in_the_analysis_and_a_disabled_one_does_not(world: World) -> None:
    row = created(world, ROOT_RULE)
    assert row.enabled is False and not rule_threats(world, "TEAM-PAYMENTS-001")
    response = enable(world, row)
    assert response.status_code == 200, response.content[:800]
    assert response.json()["rule"]["enabled"] is True and response.json()["rule"]["version"] == 2
    assert rule_threats(world, "TEAM-PAYMENTS-001") == {"web": "open"}
    # An analysis after a diagram change keeps it (the team's rule set, cached by its version).
    world.client("editor").post(f"/api/v1/threat-models/{world.model.pk}/analyse/", format="json")
    assert rule_threats(world, "TEAM-PAYMENTS-001") == {"web": "open"}
    listed = world.client("viewer").get(f"/api/v1/threats/?threat_model={world.model.pk}&rule=TEAM-PAYMENTS-001").json()
    assert listed["count"] == 1
    assert world.client("editor").post(f"/api/v1/team-rules/{row.pk}/disable/", format="json").status_code == 200
    assert rule_threats(world, "TEAM-PAYMENTS-001") == {"web": "obsolete"}


def test_another_teams_models_never_see_the_rule(world: World) -> None:
    from threatmodel.models import ThreatModel

    row = created(world, ROOT_RULE)
    enable(world, row)
    other = ThreatModel.objects.create(team=world.other_team, name="Elsewhere", created_by=world.users["outsider"])
    from threatmodel.analysis import threat_model_analyse

    threat_model_analyse(model_id=other.pk)
    assert not Threat.objects.filter(threat_model=other, rule_id__startswith="TEAM-").exists()


def test_the_pipeline_gate_uses_the_teams_enabled_rules(world: World) -> None:
    pod = DATA / "manifests" / "badpods" / "manifests" / "priv" / "pod" / "priv-exec-pod.yaml"

    def check() -> dict[str, Any]:
        part = io.BytesIO(pod.read_bytes())
        part.name = pod.name
        response = world.client("editor").post(f"/api/v1/threat-models/{world.model.pk}/check/", data={"file": [part]}, format="multipart")
        assert response.status_code in (200, 422), response.content[:500]
        answer: dict[str, Any] = response.json()
        return answer

    assert "TEAM-PAYMENTS-003" not in json.dumps(check())
    row = created(world, PRIVILEGED_RULE)
    assert enable(world, row).status_code == 200
    sarif = json.dumps(check())
    assert "TEAM-PAYMENTS-003" in sarif and "Payments workloads must not run as root" in sarif


# --- versions, audit, roles ------------------------------------------------------------------------


def test_every_change_is_a_new_version_with_its_audit_entry(world: World) -> None:
    row = created(world, ROOT_RULE)
    changed = ROOT_RULE.replace("likelihood: 3", "likelihood: 4")
    response = world.client("editor").patch(f"/api/v1/team-rules/{row.pk}/", {"yaml": changed}, format="json")
    assert response.status_code == 200 and response.json()["rule"]["version"] == 2
    enable(world, row)
    world.client("editor").post(f"/api/v1/team-rules/{row.pk}/disable/", format="json")
    assert world.client("owner").delete(f"/api/v1/team-rules/{row.pk}/").status_code == 204
    events = list(AuditEvent.objects.filter(action__startswith="team_rule.").order_by("pk"))
    assert [e.action for e in events] == ["team_rule.create", "team_rule.update", "team_rule.enable", "team_rule.disable", "team_rule.delete"]
    assert all(e.team_id == world.team.pk for e in events)
    states: list[Any] = [(e.before, e.after) for e in events]
    assert states[1][0]["yaml"] == ROOT_RULE and states[1][1]["yaml"] == changed
    assert [after["version"] for _, after in states[:4]] == [1, 2, 3, 4]


def test_a_rule_keeps_its_id_and_an_enabled_rule_only_takes_passing_text(world: World) -> None:
    row = created(world, ROOT_RULE)
    renamed = ROOT_RULE.replace("TEAM-PAYMENTS-001", "TEAM-PAYMENTS-009")
    assert world.client("editor").patch(f"/api/v1/team-rules/{row.pk}/", {"yaml": renamed}, format="json").status_code == 400
    enable(world, row)
    failing = ROOT_RULE.replace("fires: [rooted]", "fires: [nonroot, rooted]").replace("quiet: [nonroot]", "quiet: [other]")
    response = world.client("editor").patch(f"/api/v1/team-rules/{row.pk}/", {"yaml": failing}, format="json")
    assert response.status_code == 400
    row.refresh_from_db()
    assert row.yaml == ROOT_RULE and row.version == 2


def test_a_rule_id_is_taken_once_per_team(world: World) -> None:
    created(world, ROOT_RULE)
    assert create(world, ROOT_RULE).status_code == 400


def test_members_read_editors_write_outsiders_get_404(world: World) -> None:
    row = created(world, ROOT_RULE)
    viewer, outsider = world.client("viewer"), world.client("outsider")
    assert viewer.get(f"/api/v1/team-rules/?team={world.team.pk}").json()["count"] == 1
    assert viewer.get(f"/api/v1/team-rules/{row.pk}/").json()["yaml"] == ROOT_RULE
    assert create(world, STORE_RULE, persona="viewer").status_code == 403
    assert create(world, STORE_RULE, persona="reviewer").status_code == 403
    assert enable(world, row, persona="viewer").status_code == 403
    assert viewer.patch(f"/api/v1/team-rules/{row.pk}/", {"yaml": ROOT_RULE}, format="json").status_code == 403
    assert viewer.delete(f"/api/v1/team-rules/{row.pk}/").status_code == 403
    assert outsider.get("/api/v1/team-rules/").json()["count"] == 0
    assert outsider.get(f"/api/v1/team-rules/{row.pk}/").status_code == 404
    assert enable(world, row, persona="outsider").status_code == 404
    assert outsider.delete(f"/api/v1/team-rules/{row.pk}/").status_code == 404
    assert create(world, STORE_RULE, persona="outsider").status_code == 404
    assert preview(world, "outsider", ROOT_RULE).status_code == 404
    assert world.client(None).get("/api/v1/team-rules/").status_code in (401, 403)
    row.refresh_from_db()
    assert row.version == 1 and row.enabled is False


def test_the_list_reads_in_a_fixed_number_of_queries(world: World, django_assert_max_num_queries: Any) -> None:
    for number in range(1, 6):
        TeamRule.objects.create(team=world.team, rule_id=f"TEAM-PAYMENTS-{number:03}", title="A rule", yaml=ROOT_RULE,
                                created_by=world.users["editor"], updated_by=world.users["editor"])  # fmt: skip
    client = world.client("viewer")
    with django_assert_max_num_queries(6):
        body = client.get(f"/api/v1/team-rules/?team={world.team.pk}").json()
    assert body["count"] == 5 and body["results"][0]["created_by"] == "editor"


def test_the_teams_rule_set_is_compiled_once_per_version(world: World) -> None:
    from library.selectors import team_ruleset
    from stride.ruleset import default_rules

    assert team_ruleset(world.team.pk) is default_rules()
    row = created(world, ROOT_RULE)
    enable(world, row)
    first = team_ruleset(world.team.pk)
    assert first.get("TEAM-PAYMENTS-001") is not None and len(first) == len(default_rules()) + 1
    assert team_ruleset(world.team.pk) is first
    world.client("editor").patch(f"/api/v1/team-rules/{row.pk}/", {"yaml": ROOT_RULE.replace("impact: 4", "impact: 5")}, format="json")
    second = team_ruleset(world.team.pk)
    assert second is not first and second.get("TEAM-PAYMENTS-001").impact == 5  # type: ignore[union-attr]
    assert team_ruleset(world.other_team.pk) is default_rules()


def test_a_team_rule_threat_reads_like_any_other(world: World) -> None:
    row = created(world, ROOT_RULE)
    enable(world, row)
    threat = Threat.objects.get(threat_model=world.model, rule_id="TEAM-PAYMENTS-001")
    client = world.client("viewer")
    detail = client.get(f"/api/v1/threats/{threat.pk}/")
    assert detail.status_code == 200 and detail.json()["title"] == "Payments workloads must not run as root"
    explanation = client.get(f"/api/v1/threats/{threat.pk}/explanation/")
    assert explanation.status_code == 200, explanation.content[:300]
    document = client.get(f"/api/v1/threat-models/{world.model.pk}/document/")
    assert document.status_code == 200 and "TEAM-PAYMENTS-001" in document.content.decode()
