"""Plain Django views: the browser app's shell, the health check and the 404 handler."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from common.api.errors import json_404
from threatmodel.frontend import frontend_assets


@ensure_csrf_cookie
def app(request: HttpRequest, path: str = "") -> HttpResponse:
    """The browser app's shell for every page of the app; it signs in through /api/v1/auth/.

    It holds no data, so it needs no login; the CSRF cookie it sets lets the app sign in at once.
    """
    return render(request, "app.html", {"assets": frontend_assets()})


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for docker-compose and load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_404(request, exception)
    return render(request, "404.html", status=404)
