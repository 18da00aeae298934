"""Models of the core app, split by family and re-exported here."""

from threatmodel.models.assumptions import Assumption, AssumptionStatus
from threatmodel.models.audit import AuditEvent
from threatmodel.models.checks import CheckResult, CheckRun
from threatmodel.models.comments import Comment
from threatmodel.models.controls import Control, ControlLayer, ControlPhase
from threatmodel.models.imports import ImportJob, ImportJobFile, ImportStatus
from threatmodel.models.reports import Report
from threatmodel.models.teams import ApiToken, Invitation, Membership, Team
from threatmodel.models.threat_models import ThreatModel
from threatmodel.models.workflow import (
    PROJECTED_STATUSES,
    SETTABLE_MITIGATION_STATUSES,
    BandChange,
    Decision,
    DecisionKind,
    DecisionStatus,
    ImmutableRow,
    Mitigation,
    MitigationStatus,
    RiskPolicy,
    Snapshot,
    SnapshotReason,
    ThreatMitigation,
    ThreatRating,
)

__all__ = [
    "PROJECTED_STATUSES",
    "SETTABLE_MITIGATION_STATUSES",
    "ApiToken",
    "Assumption",
    "AssumptionStatus",
    "AuditEvent",
    "BandChange",
    "CheckResult",
    "CheckRun",
    "Comment",
    "Control",
    "ControlLayer",
    "ControlPhase",
    "Decision",
    "DecisionKind",
    "DecisionStatus",
    "ImmutableRow",
    "ImportJob",
    "ImportJobFile",
    "ImportStatus",
    "Invitation",
    "Membership",
    "Mitigation",
    "MitigationStatus",
    "Report",
    "RiskPolicy",
    "Snapshot",
    "SnapshotReason",
    "Team",
    "ThreatMitigation",
    "ThreatModel",
    "ThreatRating",
]
