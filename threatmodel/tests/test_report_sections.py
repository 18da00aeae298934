"""The review board's sections of the PDF report, by their content: the executive summary, the
register's order, the mitigations with their evidence, the approval record and the changes since
the last approval — each checked in the context builder's data and in the rendered HTML.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction

from conftest import World
from dfd.models import Diagram
from stride.models import Threat
from threatmodel.diagrams import diagram_change
from threatmodel.models import Control, Mitigation, SnapshotReason, ThreatModel
from threatmodel.reporting.context import report_context
from threatmodel.reporting.pdf import render_html
from threatmodel.tests.interop_helpers import rich_model
from threatmodel.workflow.snapshots import freeze

pytestmark = pytest.mark.django_db

WHEN = datetime(2029, 12, 1, 9, 30, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script>"


def build(model: ThreatModel) -> tuple[dict[str, Any], str]:
    context = report_context(model, generated_at=WHEN, paper="a4")
    return context, render_html(context)


def section(html: str, anchor: str) -> str:
    """The HTML of one chapter, tags stripped and whitespace folded, for asserting its words."""
    start = html.index(f'id="{anchor}"')
    body = html[start : html.index("</section>", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def approve(model: ThreatModel, actor: Any, label: str = "") -> None:
    ThreatModel.objects.filter(pk=model.pk).update(stage="approved")
    model.refresh_from_db()
    with transaction.atomic():
        freeze(actor=actor, model=model, reason=SnapshotReason.APPROVAL, label=label)


def unconfirmed_threat(model: ThreatModel, key: str = "web") -> Threat:
    return Threat.objects.create(
        threat_model=model, fingerprint=f"INP-1@{key}", rule_id="INP-1", origin="rule", stride="T", element_key=key,
        title="Unvalidated input reaches the shop", confirmed=False, explanation={"assumed": {"validates_input": False}},
    )  # fmt: skip


# --- executive summary ----------------------------------------------------------------------------------------------


def test_the_summary_counts_each_band_before_and_after_mitigation(world: World) -> None:
    model = rich_model(world)
    context, html = build(model)
    posture = {row.band: (row.inherent, row.residual, row.change) for row in context["summary"].posture}
    # Orders DB exhausted: 25 before, 15 after its verified mitigation — still unacceptable. The
    # container escape 12 (tolerable), Web denies actions 4 with impact 4 (tolerable: the impact
    # floor), the flow's 4 broadly acceptable; the obsolete threat is not counted.
    assert posture == {
        "unacceptable": (1, 1, "—"),
        "tolerable": (2, 2, "—"),
        "broadly_acceptable": (1, 1, "—"),
        "unrated": (0, 0, "—"),
    }
    assert (context["summary"].live, context["summary"].rated) == (4, 4)
    text = section(html, "summary")
    assert "4 threats in scope, 4 rated" in text
    assert re.search(r"Unacceptable 1 1 —", text) and re.search(r"Tolerable 2 2 —", text)


def test_the_summary_shows_the_change_when_a_verified_mitigation_moves_a_band(world: World) -> None:
    model = rich_model(world)
    # Verified and strong enough: Orders DB exhausted goes from 5×5 to 2×3 = 6, tolerable.
    Mitigation.objects.filter(threat_model=model, ref="MIT-2").update(likelihood_reduction=3, impact_reduction=2)
    context, html = build(model)
    posture = {row.band: (row.inherent, row.residual, row.change) for row in context["summary"].posture}
    assert posture["unacceptable"] == (1, 0, "−1") and posture["tolerable"] == (2, 3, "+1")
    assert re.search(r"Unacceptable 1 0 −1", section(html, "summary"))


def test_the_summary_says_what_is_accepted_until_when_and_the_open_questions(world: World) -> None:
    model = rich_model(world)
    unconfirmed_threat(model)
    context, html = build(model)
    summary = context["summary"]
    [accepted] = summary.accepted
    assert (accepted.threat_title, accepted.kind, accepted.owner, accepted.approver, accepted.expires, accepted.days_left) == (
        "Orders DB exhausted", "acceptance", "owner", "owner", "2030-01-31", 61,
    )  # fmt: skip
    assert (summary.questions_open, summary.unconfirmed) == (1, 1)
    [question] = summary.questions
    assert question["subject"]["name"] == 'Web "shop" <front>' and "validate" in question["question"].lower()
    text = section(html, "summary")
    assert "Orders DB exhausted acceptance owner owner 2030-01-31 in 61 days" in text
    assert "1 finding is not confirmed" in text and "Web &quot;shop&quot; &lt;front&gt;" in text
    assert "Scope The shop" in text and "Not approved yet: the model is in stage Design" in text


def test_a_model_with_nothing_accepted_and_no_questions_says_so(world: World) -> None:
    _, html = build(world.model)
    text = section(html, "summary")
    assert "Nothing is accepted" in text and "No open questions" in text and "No scope recorded." in text


# --- the register's order -----------------------------------------------------------------------------------------


def test_unrated_threats_come_last_by_their_rules_suggested_risk_not_by_stride(world: World) -> None:
    def add(fingerprint: str, stride: str, **fields: Any) -> None:
        Threat.objects.create(threat_model=world.model, fingerprint=fingerprint, stride=stride, title=fingerprint, element_key="web", **fields)

    add("low-rated", "T", likelihood=1, impact=1)
    add("no-suggestion", "D")
    add("suggested-4", "E", suggested_likelihood=2, suggested_impact=2)
    add("suggested-20", "S", suggested_likelihood=4, suggested_impact=5)
    context, html = build(world.model)
    assert [row.title for row in context["register"]] == ["low-rated", "suggested-20", "suggested-4", "no-suggestion"]
    assert [row.suggested for row in context["register"]] == [None, 20, 4, None]
    text = section(html, "register")
    assert text.index("low-rated") < text.index("suggested-20") < text.index("suggested-4") < text.index("no-suggestion")
    assert "– suggested 20" in text


# --- mitigations -----------------------------------------------------------------------------------------------------


def test_every_mitigation_has_its_controls_status_evidence_and_verifier(world: World) -> None:
    model = rich_model(world)
    control, _ = Control.objects.get_or_create(
        control_id="RTC-99", defaults={"name": "Cap connections", "phase": "runtime", "layer": "compute", "stride": "D", "summary": "x"}
    )
    Mitigation.objects.filter(threat_model=model, ref="MIT-2").update(
        control=control, implemented_by=world.users["editor"], implemented_at=WHEN, verified_at=WHEN
    )
    Mitigation.objects.create(threat_model=model, ref="MIT-3", title=HOSTILE, evidence=HOSTILE, status="proposed")
    context, html = build(model)
    rows = {row.ref: row for row in context["mitigations"]}
    assert list(rows) == ["MIT-1", "MIT-2", "MIT-3"]
    verified = rows["MIT-2"]
    assert (verified.status_label, verified.control, verified.evidence, verified.evidence_url) == (
        "Verified", "RTC-99 Cap connections", "Load test report", "https://example.com/load-test",
    )  # fmt: skip
    assert verified.attack_mitigations and verified.attack_mitigations[0].startswith("M1048 ")
    assert verified.verified == "reviewer on 2029-12-01" and verified.implemented == "editor on 2029-12-01"
    assert verified.threats == [("Orders DB exhausted", "Orders DB")] and verified.reduction == "likelihood −2"
    planned = rows["MIT-1"]
    assert (planned.status, planned.verified, planned.evidence, planned.owner) == ("planned", "", "", "editor")
    assert planned.threats == [("Container escape from the web pod", 'Web "shop" <front>')]
    assert rows["MIT-3"].threats == []
    text = section(html, "mitigations")
    assert "MIT-2 Autoscaling with a connection cap" in text and "RTC-99 Cap connections" in text and "ATT&amp;CK M1048" in text
    assert "verified by reviewer on 2029-12-01" in text and "Load test report" in text and "https://example.com/load-test" in text
    assert "MIT-1 Drop privileged mode" in text and "Planned" in text and "none recorded" in text and "no threat linked" in text
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- the approval record ------------------------------------------------------------------------------------------


def test_the_approval_record_names_who_signed_when_and_which_snapshot(world: World) -> None:
    reviewer = world.users["reviewer"]
    reviewer.first_name, reviewer.last_name = "Rita", "Review"
    reviewer.save()
    approve(world.model, reviewer, label=f"Board of {HOSTILE}")
    context, html = build(world.model)
    record = context["approval"]
    last = record.last
    assert last is not None and record.covers_this_version
    snapshot = world.model.snapshots.get()
    assert (last.number, last.model_version, last.approved_by, last.approved_at, last.sha256) == (
        1, world.model.version, "Rita Review (reviewer)", snapshot.created_at, snapshot.content_sha256,
    )  # fmt: skip
    text = section(html, "signoff")
    assert f"1 {world.model.version} Rita Review (reviewer) {snapshot.created_at:%Y-%m-%d %H:%M}" in text
    assert snapshot.content_sha256[:16] in text and f"This report is of the approved version {world.model.version}" in text
    assert "Board of &lt;script&gt;" in html and HOSTILE not in html
    assert "Approved in the app by Rita Review (reviewer)" in section(html, "summary")


def test_a_report_after_the_approval_says_the_approval_does_not_cover_it(world: World) -> None:
    approve(world.model, world.users["reviewer"])
    ThreatModel.objects.filter(pk=world.model.pk).update(stage="fix", version=world.model.version + 1)
    world.model.refresh_from_db()
    context, html = build(world.model)
    assert not context["approval"].covers_this_version
    assert "which the approvals above do not cover" in section(html, "signoff")
    assert "Not approved at this version. Last approved by reviewer" in section(html, "summary")


def test_without_an_approval_the_record_says_so(world: World) -> None:
    context, html = build(world.model)
    assert context["approval"].approvals == [] and context["changes"].since is None
    assert "Not approved in the app yet" in section(html, "signoff")
    assert "No approved snapshot yet" in section(html, "changes")


# --- changes since the last approval -----------------------------------------------------------------------------


def test_changes_since_the_last_approval_list_what_was_added_removed_and_changed(world: World) -> None:
    Threat.objects.create(threat_model=world.model, fingerprint="OLD-1@db", stride="I", title="Old finding", element_key="db")
    kept = Threat.objects.create(threat_model=world.model, fingerprint="KEEP-1@web", stride="T", title="Kept", element_key="web")
    approve(world.model, world.users["reviewer"])
    diagram = Diagram.objects.get(pk=world.diagram.pk)
    diagram_change(analyse=False, diagram_id=diagram.pk, actor=None, base_version=diagram.version, ops=[
        {"op": "add_element", "key": "cache", "kind": "data_store", "name": f"Cache {HOSTILE}", "parent": "tb-app"},
        {"op": "update_element", "key": "db", "name": "Orders DB"},
        {"op": "move_element", "key": "user", "x": 400, "y": 400},
        {"op": "delete_element", "key": "tb-inet"},
    ])  # fmt: skip
    Threat.objects.filter(fingerprint="OLD-1@db").delete()
    Threat.objects.filter(pk=kept.pk).update(status="mitigated")
    Threat.objects.create(threat_model=world.model, fingerprint="NEW-1@cache", stride="I", title="New finding", element_key="cache")
    world.model.refresh_from_db()
    context, html = build(world.model)
    changes = context["changes"]
    assert changes.since is not None and changes.since.number == 1 and not changes.identical
    parts = {part.title: part for part in changes.sections}
    elements, threats = parts["Elements"], parts["Threats"]
    assert [c.name for c in elements.added] == [f"Cache {HOSTILE}"] and [c.name for c in elements.removed] == ["Internet"]
    changed = {c.name: c.detail for c in elements.changed}
    assert changed["Orders DB"] == "name: DB → Orders DB"
    # The user left the deleted boundary (named, not keyed); its move alone is not a reviewed change.
    assert changed["User"] == "boundary: Internet → —"
    # Threats are named with their target, as it is now (or was, when it is gone).
    assert [c.name for c in threats.added] == [f"New finding — Cache {HOSTILE}"] and [c.name for c in threats.removed] == ["Old finding — Orders DB"]
    assert [(c.name, c.detail) for c in threats.changed] == [("Kept — Web", "status: open → mitigated")]
    text = section(html, "changes")
    assert "Compared with snapshot 1" in text and "added Cache &lt;script&gt;" in text and "removed Internet" in text
    assert "changed Orders DB name: DB → Orders DB" in text and "added New finding — Cache &lt;script&gt;" in text
    assert "removed Old finding — Orders DB" in text and "changed Kept — Web status: open → mitigated" in text
    assert HOSTILE not in html
    assert "Changes since that approval — elements: 1 added, 1 removed, 2 changed; threats: 1 added, 1 removed, 1 changed" in section(html, "summary")


def test_an_unchanged_approved_model_says_there_are_no_changes(world: World) -> None:
    approve(world.model, world.users["reviewer"])
    context, html = build(world.model)
    assert context["changes"].identical
    assert "No changes: the model is as it was approved" in section(html, "changes")
    assert "No changes since that approval." in section(html, "summary")
