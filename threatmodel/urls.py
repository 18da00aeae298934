"""Top-level routes: the API under /api/v1/, its schema and docs, the admin, and the browser app."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from threatmodel import views

# The OpenAPI extension for token authentication registers itself on import; loaded with the routes that
# serve the schema, so a process that serves nothing (the offline gate, a worker) skips drf-spectacular.
from threatmodel.api import schema_extensions  # noqa: F401
from threatmodel.forms import SignInForm

REDOC_CSP: dict[str, list[str]] = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE], "worker-src": [CSP.SELF, "blob:"]}

urlpatterns = [
    path("api/v1/", include("threatmodel.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Redoc injects its styles at run time and searches in a worker made from a blob: its page alone
    # relaxes style-src and worker-src; scripts stay 'self' only.
    path("api/redoc/", csp_override(REDOC_CSP)(SpectacularRedocView.as_view(url_name="schema")), name="api-redoc"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("", views.app, name="app"),
    # Pages of the browser app: Django serves the same shell, the app routes on the client.
    path("models/<path:path>", views.app, name="app-page"),
]

handler404 = "threatmodel.views.not_found"
