"""The API's routes: one router, so the permission-matrix test can enumerate every endpoint."""

from rest_framework.routers import DefaultRouter

from dfd.api.views import DiagramViewSet, ElementViewSet, FlowViewSet, VocabularyViewSet
from stride.api.views import ThreatViewSet
from threatmodel.api.formats import FormatViewSet
from threatmodel.api.reports import ThreatModelReportViewSet
from threatmodel.api.views import ApiTokenViewSet, AuthViewSet, MembershipViewSet, TeamViewSet, ThreatModelViewSet

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
router.register("diagrams", DiagramViewSet, basename="diagram")
router.register("elements", ElementViewSet, basename="element")
router.register("flows", FlowViewSet, basename="flow")
router.register("vocabulary", VocabularyViewSet, basename="vocabulary")
# Threats
router.register("threats", ThreatViewSet, basename="threat")
# Ways in and out: format list and PDF reports (nested under their model)
router.register("formats", FormatViewSet, basename="format")
router.register(r"threat-models/(?P<threat_model_pk>[0-9]+)/reports", ThreatModelReportViewSet, basename="threat-model-report")

urlpatterns = router.urls
