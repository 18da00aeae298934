"""Top-level routes: the API under /api/v1/, its schema and docs, the admin, and the browser app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from threatmodel import views

# The OpenAPI extension for token authentication registers itself on import; loaded with the routes that
# serve the schema, so a process that serves nothing (the offline gate, a worker) skips drf-spectacular.
from threatmodel.api import schema_extensions  # noqa: F401

urlpatterns = [
    path("api/v1/", include("threatmodel.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("", views.app, name="app"),
    # Pages of the browser app: Django serves the same shell, the app routes on the client.
    path("models/<path:path>", views.app, name="app-page"),
]

handler404 = "threatmodel.views.not_found"
