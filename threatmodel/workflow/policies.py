"""Risk policies: owners change a team's thresholds, which makes a new version.

A model keeps the version it was rated under. A change moves every model of the team that is not
approved to the new version and flags each threat whose band (inherent, projected or verified)
moved, so that its response can be looked at again. Approved models keep the version they were
signed off under — their snapshot says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from common.errors import Conflict, ErrorDetail, ValidationFailed
from threatmodel.audit import audit, audit_record
from threatmodel.choices import Stage
from threatmodel.models import BandChange, RiskPolicy, Team, ThreatModel
from threatmodel.permissions import require_role
from threatmodel.workflow import gates
from threatmodel.workflow.common import ensure_team_policy, fail, text
from threatmodel.workflow.risk import Policy, policy_problems
from threatmodel.workflow.selectors import model_facts

if TYPE_CHECKING:
    from django.contrib.auth.models import User

FIELDS = ("unacceptable_at", "acceptable_max", "impact_floor", "acceptance_max_days", "exception_max_days")
MEASURES = ("inherent", "projected", "verified")


@dataclass(frozen=True)
class PolicyChange:
    policy: RiskPolicy
    previous: RiskPolicy
    models: list[int]
    band_changes: list[BandChange]


def risk_policy_change(*, actor: User, team: Team, note: object = "", **thresholds: object) -> PolicyChange:
    """Make a new version of the team's policy; thresholds left out keep their current value."""
    require_role(actor, team.pk, "manage", what="team")
    problems: list[ErrorDetail] = []
    for name in sorted(set(thresholds) - set(FIELDS)):
        problems.append({"path": name[:60], "message": "is not a policy threshold"})
    reason = text(note, "note", problems, max_length=5_000)
    for name, value in thresholds.items():
        if name in FIELDS and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append({"path": name, "message": "must be an integer"})
    fail(problems, "The policy is invalid; nothing was changed.")
    with transaction.atomic():
        Team.objects.select_for_update().get(pk=team.pk)  # one policy change per team at a time
        previous = ensure_team_policy(team.pk)
        values = {name: int(thresholds.get(name, getattr(previous, name))) for name in FIELDS}  # type: ignore[call-overload]
        problems = [{"path": path, "message": message} for path, message in policy_problems(**values)]
        fail(problems, "The policy is invalid; nothing was changed.")
        if all(values[name] == getattr(previous, name) for name in FIELDS):
            raise ValidationFailed(
                f"These are the thresholds of version {previous.version} already.",
                details=[{"path": "", "message": "change at least one threshold"}],
            )
        policy = RiskPolicy.objects.create(team=team, version=previous.version + 1, note=reason, created_by=actor, **values)
        new_policy = policy.as_policy()
        changes: list[BandChange] = []
        moved: list[int] = []
        for model in ThreatModel.objects.select_for_update().filter(team=team).exclude(stage=Stage.APPROVED).order_by("id"):
            old_row = model.risk_policy if model.risk_policy_id is not None else previous
            assert old_row is not None
            changes.extend(_flag_band_changes(model, old_row.as_policy(), new_policy, policy))
            model.risk_policy = policy
            model.save(update_fields=["risk_policy", "updated_at"])
            moved.append(model.pk)
        audit(
            actor=actor,
            action="risk_policy.change",
            obj=policy,
            before={"version": previous.version, **{name: getattr(previous, name) for name in FIELDS}},
            after={"version": policy.version, **values, "note": reason, "models": moved, "band_changes": len(changes)},
        )
        return PolicyChange(policy=policy, previous=previous, models=moved, band_changes=changes)


def _flag_band_changes(model: ThreatModel, old: Policy, new: Policy, row: RiskPolicy) -> list[BandChange]:
    facts = model_facts(model)
    mitigations = facts.mitigations_by_id()
    rows = []
    for threat in facts.counted_threats():
        before = gates.threat_risk_numbers(threat, mitigations, old)
        after = gates.threat_risk_numbers(threat, mitigations, new)
        if before.inherent is None:
            continue
        bands_before = {m: getattr(before, m).band.value for m in MEASURES}
        bands_after = {m: getattr(after, m).band.value for m in MEASURES}
        if bands_before != bands_after:
            rows.append(
                BandChange(
                    threat_model=model,
                    threat_id=threat.id,
                    policy=row,
                    previous_version=old.version,
                    before=bands_before,
                    after=bands_after,
                )
            )
    return BandChange.objects.bulk_create(rows)


def band_change_acknowledge(*, actor: User, band_change: BandChange) -> BandChange:
    """Someone looked at a threat whose band moved; the flag goes down (and stays in the history)."""
    model = band_change.threat_model
    require_role(actor, model.team_id, "write", what="band change")
    with transaction.atomic():
        locked = BandChange.objects.select_for_update().get(pk=band_change.pk)
        if locked.acknowledged_at is not None:
            raise Conflict("This band change was already acknowledged.", details=[{"path": "acknowledged_at", "message": "already set"}])
        locked.acknowledged_by, locked.acknowledged_at = actor, timezone.now()
        locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit_record(
            team_id=model.team_id,
            actor=actor,
            action="band_change.acknowledge",
            obj=locked,
            threat_model_id=model.pk,
            threat_id=locked.threat_id,
            before={"before": locked.before, "after": locked.after},
            after={"acknowledged": True},
        )
        return locked
