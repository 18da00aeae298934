"""The model in pipelines: the gate run against a model's policy (``POST …/check/``) and its guardrails.

``check_run`` runs the same gate as ``threatmodel gate`` (``threatmodel.gate.run.gate_check``) on
the files a pipeline sends, with the model's risk policy for the bands and the model's decisions
(acceptances, exceptions, transfers, not-applicable) as the accepted findings, then records the run
on the model. Editors and owners may run it from a session; any member may run it with an API token
(a pipeline holds one). Bad input raises before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from common.errors import ValidationFailed
from library.selectors import team_ruleset
from stride.models import Threat
from threatmodel.audit import audit
from threatmodel.gate.policy import Acceptance, GatePolicy
from threatmodel.gate.run import GateResult, gate_check
from threatmodel.gate.sarif import sarif_log
from threatmodel.guardrails import Bundle, generate
from threatmodel.guardrails.generate import GuardrailError
from threatmodel.interop.registry import SourceFile
from threatmodel.models import ApiToken, CheckResult, CheckRun, Decision, DecisionKind, DecisionStatus, ThreatModel
from threatmodel.native import native_export
from threatmodel.permissions import require_role
from threatmodel.workflow.risk import Band
from threatmodel.workflow.selectors import model_policy

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_COMMIT = re.compile(r"^[A-Za-z0-9._/@+-]{1,100}$")
_ACCEPTING = (DecisionKind.ACCEPTANCE, DecisionKind.EXCEPTION, DecisionKind.TRANSFER, DecisionKind.NOT_APPLICABLE)


@dataclass(frozen=True)
class CheckOutcome:
    run: CheckRun
    result: GateResult
    sarif: dict[str, Any]


def model_gate_policy(model: ThreatModel, today: dt.date) -> GatePolicy:
    """The gate's policy from the model: its risk bands, and its decisions as acceptances.

    An active decision accepts its threat until it expires (not applicable and transfers never
    expire); an expired one is kept with its date so the gate reports it as expired, as the file
    policy would. Pending, revoked and superseded decisions accept nothing.
    """
    accepted: dict[str, Acceptance] = {}
    rows = (
        Decision.objects.filter(threat_model=model, kind__in=_ACCEPTING, status__in=(DecisionStatus.ACTIVE, DecisionStatus.EXPIRED))
        .select_related("threat", "created_by")
        .order_by("created_at", "id")
    )
    for decision in rows:
        fingerprint = decision.threat.fingerprint
        if decision.status == DecisionStatus.EXPIRED and fingerprint in accepted:
            continue  # a later active decision wins over an older expired one
        until = decision.expires_on or dt.date.max
        if decision.status == DecisionStatus.EXPIRED and decision.expires_on is None:
            until = today - dt.timedelta(days=1)
        accepted[fingerprint] = Acceptance(
            fingerprint=fingerprint,
            reason=(decision.justification or decision.get_kind_display())[:500],
            until=until,
            by=decision.created_by.get_username() if decision.created_by else "",
        )
    return GatePolicy(bands=model_policy(model), fail_on=frozenset({Band.UNACCEPTABLE.value}), accepted=accepted)


def _commit(raw: object) -> str:
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str) or not _COMMIT.match(raw.strip()):
        raise ValidationFailed(
            "The commit is not a commit id or ref.",
            details=[{"path": "commit", "message": "at most 100 characters: letters, digits and . _ / @ + -"}],
        )
    return raw.strip()


def check_run(
    *,
    actor: User,
    threat_model: ThreatModel,
    files: Sequence[SourceFile],
    fmt: str | None = None,
    commit: object = "",
    baseline: object = None,
    token: ApiToken | None = None,
    today: dt.date | None = None,
) -> CheckOutcome:
    """Check ``files`` against the model, record the run and answer it with its SARIF log."""
    require_role(actor, threat_model.team_id, "read" if token is not None else "write", what="threat model")
    today = today or dt.date.today()
    commit_text = _commit(commit)
    if baseline not in (None, "", "model"):
        raise ValidationFailed("Unknown baseline.", details=[{"path": "baseline", "message": "must be 'model' or left out"}])
    known = None
    if baseline == "model":
        known = set(Threat.objects.filter(threat_model=threat_model).values_list("fingerprint", flat=True))
    policy = model_gate_policy(threat_model, today)
    rules = team_ruleset(threat_model.team_id)  # the team's enabled rules take part, as in its analyses
    result = gate_check(files=files, policy=policy, fmt=fmt, baseline=known, today=today, ruleset=rules)  # raises on bad input
    sarif = sarif_log(result, rules)
    digest = hashlib.sha256(json.dumps(sarif, sort_keys=True).encode()).hexdigest()
    bands: dict[str, int] = {}
    for item in result.checked:
        bands[item.band] = bands.get(item.band, 0) + 1
    with transaction.atomic():
        run = CheckRun.objects.create(
            threat_model=threat_model,
            run_by=actor,
            token_prefix=token.prefix if token is not None else "",
            commit=commit_text,
            result=CheckResult.FAILED if result.failures else CheckResult.PASSED,
            source_format=result.format,
            files=list(result.files),
            findings=len(result.checked),
            failures=len(result.failures),
            bands=bands,
            accepted=sum(1 for c in result.checked if c.acceptance is not None),
            new=sum(1 for c in result.checked if c.new) if known is not None else None,
            policy_version=policy.bands.version,
            model_version=threat_model.version,
            sarif_sha256=digest,
        )
        audit(actor=actor, action="check.run", obj=run,
              after={"result": run.result, "commit": run.commit, "findings": run.findings, "failures": run.failures})  # fmt: skip
    return CheckOutcome(run, result, sarif)


def guardrails_of(
    *,
    actor: User,
    threat_model: ThreatModel,
    kinds: Sequence[str],
    namespace: str | None,
    host_path_allow: Sequence[str] = (),
    registries: Sequence[str] | None = None,
) -> Bundle:
    """The model's guardrails (any member may download them); a bad request is a ValidationFailed."""
    require_role(actor, threat_model.team_id, "read", what="threat model")
    try:
        return generate(native_export(threat_model), kinds=kinds, namespace=namespace,
                        host_path_allow=host_path_allow, registries=registries)  # fmt: skip
    except GuardrailError as exc:
        raise ValidationFailed(f"Cannot generate these guardrails: {exc}.", details=[{"path": "query", "message": str(exc)}]) from exc
