"""The API's routes: one router, so the permission-matrix test can enumerate every endpoint."""

from rest_framework.routers import DefaultRouter

from dfd.api.views import ElementViewSet, FlowViewSet, VocabularyViewSet
from stride.api.views import CoverageNoteViewSet, RuleViewSet, TacticViewSet, TechniqueViewSet, ThreatViewSet
from threatmodel.api.views import (
    AnalysedDiagramViewSet,
    ApiTokenViewSet,
    AuthViewSet,
    MembershipViewSet,
    TeamViewSet,
    ThreatModelViewSet,
)

router = DefaultRouter()
router.include_root_view = False
router.include_format_suffixes = False
# Teams and people
router.register("teams", TeamViewSet, basename="team")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("auth", AuthViewSet, basename="auth")
# Models and diagrams
router.register("threat-models", ThreatModelViewSet, basename="threat-model")
router.register("diagrams", AnalysedDiagramViewSet, basename="diagram")
router.register("elements", ElementViewSet, basename="element")
router.register("flows", FlowViewSet, basename="flow")
router.register("vocabulary", VocabularyViewSet, basename="vocabulary")
# Threats, the rule library and the ATT&CK catalogue
router.register("threats", ThreatViewSet, basename="threat")
router.register("coverage-notes", CoverageNoteViewSet, basename="coverage-note")
router.register("rules", RuleViewSet, basename="rule")
router.register("techniques", TechniqueViewSet, basename="technique")
router.register("tactics", TacticViewSet, basename="tactic")

urlpatterns = router.urls
