"""Evidence that machines produce, applied to a model's mitigations (``POST …/evidence/``).

A report (``threatmodel.evidence.read``) is a list of results; each is matched to the model's
mitigations through their catalogue control (``threatmodel.evidence.match``). Per mitigation, a
failing result outweighs any number of passing ones (the control is not enforced everywhere):

* every matched result passes → the report is the verification evidence: an implemented
  mitigation becomes verified by the uploader, under the rules of verifying by hand
  (``mitigation_verify``: reviewer or above — the endpoint needs an editor — and not the
  implementer); its evidence text names the report, its source and time, and the audit entry
  (``mitigation.verify``) carries them as ``evidence_report``. A mitigation that is not implemented,
  or that the uploader implemented, or that is already verified, is left as it is and the answer
  says why.
* a result fails → a verified mitigation goes back to implemented (``mitigation.reopen``, with the
  failing results), the threats it answers that were mitigated are open again (``threat.status``),
  a model in its verify stage goes back to fix, and the mitigation's owner — or the team's owners —
  get an e-mail after the commit. A failure on a mitigation that is not verified changes nothing.

Results that match no mitigation are listed as unmatched. The whole upload is one transaction:
bad input raises before anything is written, and an approved model refuses the upload (409).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from stride.choices import ThreatStatus
from stride.models import Threat
from threatmodel.audit import audit
from threatmodel.choices import Role, Stage
from threatmodel.evidence.match import catalogue_for
from threatmodel.evidence.read import FAIL, PASS, Report, Result
from threatmodel.models import Membership, Mitigation, MitigationStatus, ThreatMitigation, ThreatModel
from threatmodel.permissions import require_role
from threatmodel.workflow.common import lock_model, refuse_if_approved
from threatmodel.workflow.mitigations import _state

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)
EVIDENCE_MAX = 20_000
FORMAT_NAMES = {"policyreport": "PolicyReport", "kubescape": "Kubescape result", "sarif": "SARIF log"}


@dataclass
class EvidenceOutcome:
    report: Report
    file: str
    results: list[dict[str, Any]]
    unmatched: list[dict[str, Any]]
    mitigations: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.mitigations:
            counts[item["did"]] += 1
        return {
            "format": self.report.format,
            "source": self.report.source,
            "report": self.report.name,
            "generated_at": self.report.generated_at,
            "file": self.file,
            "results": self.results,
            "unmatched": self.unmatched,
            "mitigations": self.mitigations,
            "summary": {"results": len(self.report.results), "matched": len(self.results), "unmatched": len(self.unmatched),
                        "verified": counts["verified"], "reopened": counts["reopened"], "unchanged": counts["unchanged"]},
        }  # fmt: skip


def _result_row(result: Result, refs: list[str]) -> dict[str, Any]:
    return {"path": result.path, "key": result.key, "outcome": result.outcome, "status": result.status,
            "subjects": list(result.subjects[:20]), "message": result.message[:500], "mitigations": refs}  # fmt: skip


def _describe(report: Report, file: str, results: list[Result]) -> str:
    when = report.generated_at or "no time given"
    passed = ", ".join(sorted({r.key for r in results}))[:2_000]
    subjects = sorted({s for r in results for s in r.subjects})
    return (
        f"Verified from the {FORMAT_NAMES[report.format]} {file!r} ({report.name or 'unnamed'}; source {report.source}; "
        f"generated {when}): {len(results)} passing result(s) of {passed}"
        + (f" on {len(subjects)} resource(s)" if subjects else "")
        + "."
    )


def evidence_ingest(*, actor: User, threat_model: ThreatModel, report: Report, file: str) -> EvidenceOutcome:
    require_role(actor, threat_model.team_id, "write", what="threat model")
    file = file[:200]
    with transaction.atomic():
        model = lock_model(threat_model.pk)
        refuse_if_approved(model, "mitigations")
        mitigations = list(
            Mitigation.objects.select_for_update(of=("self",)).filter(threat_model=model, control__isnull=False).select_related("control")
        )
        by_control: dict[str, list[Mitigation]] = defaultdict(list)
        for mitigation in mitigations:
            by_control[mitigation.control.control_id].append(mitigation)  # type: ignore[union-attr]
        rows, unmatched = [], []
        per_mitigation: dict[int, list[Result]] = defaultdict(list)
        for result in report.results:
            matched = [m for control_id in catalogue_for(report.format, result.key) for m in by_control.get(control_id, [])]
            matched = list({m.pk: m for m in matched}.values())
            if not matched:
                unmatched.append(_result_row(result, []))
                continue
            rows.append(_result_row(result, [m.ref for m in matched]))
            for mitigation in matched:
                per_mitigation[mitigation.pk].append(result)
        done = []
        reopened: list[tuple[Mitigation, list[Result], list[Threat]]] = []
        for mitigation in mitigations:
            results = per_mitigation.get(mitigation.pk)
            if not results:
                continue
            failed = [r for r in results if r.outcome == FAIL]
            passed = [r for r in results if r.outcome == PASS]
            entry: dict[str, Any] = {"mitigation": mitigation.ref, "title": mitigation.title, "control": mitigation.control.control_id,  # type: ignore[union-attr]
                     "passed": len(passed), "failed": len(failed), "before": mitigation.status}  # fmt: skip
            if failed:
                entry.update(_on_failure(actor, model, mitigation, report, file, failed, reopened))
            elif passed:
                entry.update(_on_pass(actor, mitigation, report, file, passed))
            else:
                entry.update(did="unchanged", reason="no result passed or failed (skipped, errored or not applicable)")
            entry["status"] = mitigation.status
            done.append(entry)
        if reopened and model.stage == Stage.VERIFY:
            model.stage = Stage.FIX
            model.save(update_fields=["stage", "updated_at"])
            audit(actor=actor, action="threat_model.reopen", obj=model, before={"stage": Stage.VERIFY},
                  after={"stage": model.stage, "reason": f"the {FORMAT_NAMES[report.format]} {file!r} shows a verified mitigation failing"})  # fmt: skip
        by_result: dict[str, dict[str, str]] = {}
        for entry in done:
            by_result[entry["mitigation"]] = {"did": entry["did"], "reason": entry["reason"]}
        for row in rows:
            row["actions"] = [{"mitigation": ref, **by_result[ref]} for ref in row["mitigations"]]
        if reopened:
            transaction.on_commit(lambda: _notify(model, report, file, reopened))
        return EvidenceOutcome(report=report, file=file, results=rows, unmatched=unmatched, mitigations=done)


def _on_pass(actor: User, mitigation: Mitigation, report: Report, file: str, passed: list[Result]) -> dict[str, str]:
    if mitigation.status == MitigationStatus.VERIFIED:
        return {"did": "unchanged", "reason": "already verified"}
    if mitigation.status != MitigationStatus.IMPLEMENTED:
        return {"did": "unchanged", "reason": f"is {mitigation.status}, not implemented: only an implemented mitigation can be verified"}
    if mitigation.implemented_by_id is not None and mitigation.implemented_by_id == actor.pk:
        return {"did": "unchanged", "reason": "you implemented it; someone else must upload the evidence that verifies it"}
    before = _state(mitigation)
    described = _describe(report, file, passed)
    previous = mitigation.evidence.strip()
    combined = f"{previous}\n\n{described}" if previous else described
    mitigation.evidence = combined if len(combined) <= EVIDENCE_MAX else described[:EVIDENCE_MAX]
    mitigation.status = MitigationStatus.VERIFIED
    mitigation.verified_by, mitigation.verified_at = actor, timezone.now()
    mitigation.save()
    after = {**_state(mitigation), "evidence_report": _report_fact(report, file, passed)}
    audit(actor=actor, action="mitigation.verify", obj=mitigation, before=before, after=after)
    return {"did": "verified", "reason": described}


def _report_fact(report: Report, file: str, results: list[Result]) -> dict[str, Any]:
    return {"format": report.format, "source": report.source, "report": report.name, "generated_at": report.generated_at,
            "file": file, "results": [{"path": r.path, "key": r.key, "status": r.status} for r in results[:50]]}  # fmt: skip


def _on_failure(
    actor: User,
    model: ThreatModel,
    mitigation: Mitigation,
    report: Report,
    file: str,
    failed: list[Result],
    reopened: list[tuple[Mitigation, list[Result], list[Threat]]],
) -> dict[str, str]:
    keys = ", ".join(sorted({r.key for r in failed}))[:500]
    if mitigation.status != MitigationStatus.VERIFIED:
        return {"did": "unchanged", "reason": f"{len(failed)} result(s) of {keys} fail; it is {mitigation.status}, not verified, so nothing is reopened"}
    threats = reopen_mitigation(actor, mitigation, fact={"evidence_report": _report_fact(report, file, failed)},
                                why=f"{mitigation.ref} fails in the {FORMAT_NAMES[report.format]} {file!r} ({keys})")  # fmt: skip
    reopened.append((mitigation, failed, threats))
    return {"did": "reopened", "reason": f"{len(failed)} result(s) of {keys} fail; {len(threats)} threat(s) open again"}


def reopen_mitigation(actor: User, mitigation: Mitigation, *, fact: dict[str, Any], why: str) -> list[Threat]:
    """Send a verified mitigation back to implemented (to be verified anew) and reopen the mitigated
    threats it answers, each with an audit entry; ``fact`` is what showed it failing, ``why`` the
    threats' reason. The caller holds the model's lock and notifies after the commit."""
    mitigation.status = MitigationStatus.IMPLEMENTED
    mitigation.verified_by, mitigation.verified_at = None, None
    mitigation.save()
    audit(actor=actor, action="mitigation.reopen", obj=mitigation, before={"status": MitigationStatus.VERIFIED},
          after={"status": mitigation.status, **fact})  # fmt: skip
    linked = ThreatMitigation.objects.filter(mitigation=mitigation).values_list("threat_id", flat=True)
    threats = list(Threat.objects.select_for_update().filter(pk__in=list(linked), status=ThreatStatus.MITIGATED).order_by("id"))
    for threat in threats:
        threat.status = ThreatStatus.OPEN
        threat.save(update_fields=["status", "updated_at"])
        audit(actor=actor, action="threat.status", obj=threat, before={"status": ThreatStatus.MITIGATED},
              after={"status": ThreatStatus.OPEN, "reason": why})  # fmt: skip
    return threats


def mail_reopened(model: ThreatModel, mitigation: Mitigation, *, subject: str, body: str) -> None:
    """E-mail a reopened mitigation's owner, or the team's owners when it has none (after the commit);
    a mail outage is logged, never raised: the change is already committed."""
    owner = mitigation.owner
    recipients = [owner.email] if owner is not None and owner.email else sorted(
        e for e in Membership.objects.filter(team_id=model.team_id, role=Role.OWNER).values_list("user__email", flat=True) if e
    )
    if not recipients:
        return
    try:
        EmailMessage(f"[{model.name}] {subject}", body, None, recipients).send()
    except Exception:
        log.exception("Could not send the reopening notice of mitigation %s", mitigation.pk)


def _notify(model: ThreatModel, report: Report, file: str, reopened: list[tuple[Mitigation, list[Result], list[Threat]]]) -> None:
    """E-mail each reopened mitigation's owner, or the team's owners when it has none (after the commit)."""
    for mitigation, failed, threats in reopened:
        lines = "\n".join(f"- {r.key} ({r.status}) on {', '.join(r.subjects[:5]) or 'the report'}: {r.message[:200]}" for r in failed[:20])
        body = (
            f"The {FORMAT_NAMES[report.format]} {file!r} (source {report.source}, generated {report.generated_at or 'no time given'}) "
            f"shows the verified mitigation {mitigation.ref} '{mitigation.title}' of the threat model '{model.name}' failing:\n\n{lines}\n\n"
            f"{mitigation.ref} is implemented again, to be verified anew; {len(threats)} threat(s) it answered are open again.\n"
            f"Threat model id {model.pk}.\n"
        )
        mail_reopened(model, mitigation, subject=f"{mitigation.ref} fails in {file}", body=body)
