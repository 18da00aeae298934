"""Models of the core app, split by family and re-exported here."""

from threatmodel.models.audit import AuditEvent
from threatmodel.models.reports import Report
from threatmodel.models.teams import ApiToken, Membership, Team
from threatmodel.models.threat_models import ThreatModel

__all__ = ["ApiToken", "AuditEvent", "Membership", "Report", "Team", "ThreatModel"]
