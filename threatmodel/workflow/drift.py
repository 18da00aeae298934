"""Verified mitigations that a manifest re-import shows broken.

A mitigation verified as, say, "admission refuses privileged pods" (a catalogue control that the
guardrails table ties to the privileged-container rules) stops being true the moment the cluster's
own files declare a privileged pod. The re-import is the evidence: when the manifests' new state
raises a confirmed finding of a rule that the mitigation's control is meant to prevent — and the
mitigation answers a threat of that rule, or a threat on that subject, so it claims the ground —
the mitigation goes back to implemented and its mitigated threats reopen, with an audit entry and a
mail, as when a scanner's report shows it failing (``threatmodel.workflow.evidence``).

The findings are compared by running the pure engine on the diagram before and after, so the
answer does not wait for the stored analysis (which a worker may run later) and a dry run can say
what applying would reopen.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction

from dfd.ops import DiagramState
from dfd.selectors import graph_from_states
from stride.engine import Finding, analyse
from stride.models import Threat
from stride.ruleset import default_rules
from threatmodel.audit import audit
from threatmodel.choices import Stage
from threatmodel.guardrails.controls import CONTROLS, NETWORK, POD_SECURITY
from threatmodel.models import Mitigation, MitigationStatus, ThreatModel
from threatmodel.workflow.evidence import mail_reopened, reopen_mitigation

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# catalogue control id -> the rules a mitigation naming it is meant to prevent
_PREVENTS: dict[str, frozenset[str]] = {}
for _control in (*CONTROLS, NETWORK, POD_SECURITY):
    for _catalogue_id in _control.catalogue:
        _PREVENTS[_catalogue_id] = _PREVENTS.get(_catalogue_id, frozenset()) | frozenset(_control.rules)


@dataclass(frozen=True)
class Broken:
    mitigation: Mitigation
    findings: tuple[Finding, ...]  # the new findings that break it

    def as_dict(self, names: dict[str, str]) -> dict[str, Any]:
        return {
            "mitigation": self.mitigation.ref,
            "title": self.mitigation.title,
            "because": [f"{f.title} on {names.get(f.flow_key or f.element_key, f.flow_key or f.element_key)} ({f.rule_id})"
                        for f in self.findings[:20]],
        }  # fmt: skip


def _new_findings(before: DiagramState, after: DiagramState) -> list[Finding]:
    rules = default_rules()
    old = {f.fingerprint for f in analyse(graph_from_states([before]), rules) if f.confirmed}
    return [f for f in analyse(graph_from_states([after]), rules) if f.confirmed and f.fingerprint not in old]


def mitigations_broken(model: ThreatModel, before: DiagramState, after: DiagramState) -> list[Broken]:
    """The model's verified mitigations that the change from ``before`` to ``after`` breaks."""
    verified = list(
        Mitigation.objects.filter(threat_model=model, status=MitigationStatus.VERIFIED, control__isnull=False)
        .select_related("control")
        .order_by("ref")
    )
    if not verified:
        return []
    fresh = [f for f in _new_findings(before, after) if any(f.rule_id in _PREVENTS.get(m.control.control_id, ()) for m in verified if m.control)]
    if not fresh:
        return []
    claims: dict[int, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))  # mitigation -> (rules, subjects)
    for mitigation_id, rule_id, element_key, flow_key in Threat.objects.filter(mitigations__in=verified).values_list(
        "mitigations", "rule_id", "element_key", "flow_key"
    ):
        rules, subjects = claims[mitigation_id]
        rules.add(rule_id)
        subjects.add(flow_key or element_key)
    broken = []
    for mitigation in verified:
        prevents = _PREVENTS.get(mitigation.control.control_id, frozenset()) if mitigation.control else frozenset()
        rules, subjects = claims[mitigation.pk]
        hits = tuple(f for f in fresh if f.rule_id in prevents and (f.rule_id in rules or (f.flow_key or f.element_key) in subjects))
        if hits:
            broken.append(Broken(mitigation, hits))
    return broken


def reopen_broken(*, actor: User, model: ThreatModel, broken: list[Broken], files: list[str], names: dict[str, str]) -> list[dict[str, Any]]:
    """Reopen each broken mitigation and its threats (inside the caller's transaction, the model locked)."""
    source = ", ".join(files[:5]) or "the manifests"
    answered = []
    for item in broken:
        described = item.as_dict(names)
        why = f"{item.mitigation.ref} does not hold in the re-imported manifests ({source}): " + "; ".join(described["because"][:3])
        threats = reopen_mitigation(actor, item.mitigation, fact={"manifest_drift": {"files": files[:20], "because": described["because"]}}, why=why[:1000])
        answered.append({**described, "threats_reopened": len(threats)})
        body = (f"Re-importing {source} into the threat model '{model.name}' declares what the verified mitigation "
                f"{item.mitigation.ref} '{item.mitigation.title}' is meant to prevent:\n\n"
                + "\n".join(f"- {line}" for line in described["because"])
                + f"\n\n{item.mitigation.ref} is implemented again, to be verified anew; {len(threats)} threat(s) it answered "
                f"are open again.\nThreat model id {model.pk}.\n")  # fmt: skip
        transaction.on_commit(partial(mail_reopened, model, item.mitigation, subject=f"{item.mitigation.ref} broken by the re-imported manifests", body=body))
    if answered and model.stage == Stage.VERIFY:
        model.stage = Stage.FIX
        model.save(update_fields=["stage", "updated_at"])
        audit(actor=actor, action="threat_model.reopen", obj=model, before={"stage": Stage.VERIFY},
              after={"stage": model.stage, "reason": f"the re-imported manifests ({source}) break a verified mitigation"})  # fmt: skip
    return answered
