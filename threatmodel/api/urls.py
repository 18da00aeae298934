"""The API's routes: one router, so the permission-matrix test can enumerate every endpoint."""

from rest_framework.routers import DefaultRouter

from dfd.api.views import ElementViewSet, FlowViewSet, VocabularyViewSet
from library.api.views import (
    ComponentViewSet,
    DiagramComponentViewSet,
    TeamRuleViewSet,
    TemplateViewSet,
    ThreatModelFromTemplateViewSet,
)
from stride.api.views import RuleViewSet, TacticViewSet, TechniqueViewSet
from threatmodel.api.assumption_views import AssumptionViewSet
from threatmodel.api.comment_views import CommentViewSet, ThreatModelCommentViewSet
from threatmodel.api.diagram_views import DiagramViewSet
from threatmodel.api.formats import FormatViewSet
from threatmodel.api.import_jobs import ImportJobViewSet
from threatmodel.api.pipeline import ThreatModelCheckRunViewSet, ThreatModelPipelineViewSet
from threatmodel.api.reports import ThreatModelReportViewSet
from threatmodel.api.threat_views import CoverageNoteViewSet, ThreatViewSet
from threatmodel.api.views import (
    ApiTokenViewSet,
    AuthViewSet,
    InvitationViewSet,
    MembershipViewSet,
    TeamViewSet,
    ThreatModelViewSet,
)
from threatmodel.api.workflow_views import (
    AuditEventViewSet,
    BandChangeViewSet,
    ControlViewSet,
    DecisionViewSet,
    MitigationViewSet,
    RiskPolicyViewSet,
    RiskViewSet,
    SnapshotViewSet,
    ThreatModelWorkflowViewSet,
    ThreatWorkflowViewSet,
)

router = DefaultRouter()
router.include_root_view = False
router.include_format_suffixes = False
# Teams and people
router.register("teams", TeamViewSet, basename="team")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("import-jobs", ImportJobViewSet, basename="import-job")
router.register("auth", AuthViewSet, basename="auth")
# Models and diagrams (from-template first: the model detail route would take "from-template" for an id)
router.register("threat-models", ThreatModelFromTemplateViewSet, basename="threat-model-template")
router.register("threat-models", ThreatModelViewSet, basename="threat-model")
router.register("diagrams", DiagramViewSet, basename="diagram")
router.register("elements", ElementViewSet, basename="element")
router.register("flows", FlowViewSet, basename="flow")
router.register("vocabulary", VocabularyViewSet, basename="vocabulary")
# Threats, the rule library and the ATT&CK catalogue
router.register("threats", ThreatViewSet, basename="threat")
router.register("coverage-notes", CoverageNoteViewSet, basename="coverage-note")
router.register("rules", RuleViewSet, basename="rule")
router.register("techniques", TechniqueViewSet, basename="technique")
router.register("tactics", TacticViewSet, basename="tactic")
# The workflow (issue 4). The two viewsets on existing prefixes only add detail actions
# (/threat-models/{id}/gates/, /threats/{id}/rating/ …): they have no list or detail routes.
router.register("threat-models", ThreatModelWorkflowViewSet, basename="threat-model-workflow")
router.register("threats", ThreatWorkflowViewSet, basename="threat-workflow")
router.register("mitigations", MitigationViewSet, basename="mitigation")
router.register("decisions", DecisionViewSet, basename="decision")
router.register("snapshots", SnapshotViewSet, basename="snapshot")
router.register("risk-policies", RiskPolicyViewSet, basename="risk-policy")
router.register("band-changes", BandChangeViewSet, basename="band-change")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("assumptions", AssumptionViewSet, basename="assumption")
router.register("controls", ControlViewSet, basename="control")
router.register("risk", RiskViewSet, basename="risk")
# Ways in and out: format list and PDF reports (nested under their model)
router.register("formats", FormatViewSet, basename="format")
router.register(r"threat-models/(?P<threat_model_pk>[0-9]+)/reports", ThreatModelReportViewSet, basename="threat-model-report")
# Pipelines (issue 15): the gate against a model (/threat-models/{id}/check/), its runs, and the guardrails
router.register("threat-models", ThreatModelPipelineViewSet, basename="threat-model-pipeline")
router.register(r"threat-models/(?P<threat_model_pk>[0-9]+)/checks", ThreatModelCheckRunViewSet, basename="threat-model-check")
# Workshop comments (issue 14): listed and written under their model, edited and resolved on their own
router.register(r"threat-models/(?P<threat_model_pk>[0-9]+)/comments", ThreatModelCommentViewSet, basename="threat-model-comment")
router.register("comments", CommentViewSet, basename="comment")
# The team library (issue 17): model templates, and a new model from one (/threat-models/from-template/)
router.register("templates", TemplateViewSet, basename="template")
router.register("team-rules", TeamRuleViewSet, basename="team-rule")
# ... and components: a selection saved to the team's library, dropped into a diagram (/diagrams/{id}/insert-component/)
router.register("components", ComponentViewSet, basename="component")
router.register("diagrams", DiagramComponentViewSet, basename="diagram-component")

urlpatterns = router.urls
