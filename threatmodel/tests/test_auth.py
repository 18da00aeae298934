"""Sessions with CSRF for the browser, hashed bearer tokens for tools."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import PASSWORD, World
from threatmodel.models import ApiToken
from threatmodel.services import token_digest

pytestmark = pytest.mark.django_db


def test_a_token_is_shown_once_and_stored_hashed(world: World) -> None:
    response = world.client("editor").post("/api/v1/tokens/", {"name": "CI"}, format="json")
    assert response.status_code == 201
    secret = response.json()["token"]
    assert secret.startswith("tmk_") and len(secret) > 40
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.digest == token_digest(secret) and secret not in (token.digest, token.prefix)
    listed = world.client("editor").get("/api/v1/tokens/").json()["results"]
    assert "token" not in listed[0] and listed[0]["prefix"] == secret[:10]


def test_a_token_authenticates_until_revoked(world: World) -> None:
    secret = world.client("editor").post("/api/v1/tokens/", {"name": "CI"}, format="json").json()["token"]
    tool = APIClient()
    tool.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert tool.get(f"/api/v1/threat-models/{world.model.pk}/").status_code == 200
    # Tools write without CSRF: the token is not something a browser attaches on its own.
    assert tool.patch(f"/api/v1/threat-models/{world.model.pk}/", {"scope": "ci"}, format="json").status_code == 200
    token = ApiToken.objects.get(user=world.users["editor"])
    assert token.last_used_at is not None
    assert world.client("editor").delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    response = tool.get(f"/api/v1/threat-models/{world.model.pk}/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer tmk_nope", "Bearer", "Bearer a b", "Token tmk_" + "x" * 300, "Bearer \xe9"])
def test_bad_tokens_are_refused(world: World, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/threat-models/").status_code == 401


def test_an_expired_token_is_refused(world: World) -> None:
    secret = world.client("editor").post("/api/v1/tokens/", {"name": "CI"}, format="json").json()["token"]
    ApiToken.objects.filter(user=world.users["editor"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    tool = APIClient()
    tool.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert tool.get("/api/v1/threat-models/").status_code == 401


def test_a_token_cannot_expire_in_the_past(world: World) -> None:
    response = world.client("editor").post("/api/v1/tokens/", {"name": "CI", "expires_at": "2001-01-01T00:00:00Z"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["details"][0]["path"] == "expires_at"


def test_session_writes_need_the_csrf_token(world: World) -> None:
    browser = APIClient(enforce_csrf_checks=True)
    # Signing in without the token is refused, too.
    assert browser.post("/api/v1/auth/login/", {"username": "editor", "password": PASSWORD}, format="json").status_code == 403
    csrf = browser.get("/api/v1/auth/csrf/").json()["csrf_token"]
    response = browser.post("/api/v1/auth/login/", {"username": "editor", "password": PASSWORD}, format="json",
                            HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200 and response.json()["username"] == "editor"
    assert response.json()["teams"][0]["role"] == "editor"
    url = f"/api/v1/threat-models/{world.model.pk}/"
    assert browser.get(url).status_code == 200
    refused = browser.patch(url, {"scope": "x"}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    csrf = browser.cookies["csrftoken"].value
    assert browser.patch(url, {"scope": "x"}, format="json", HTTP_X_CSRFTOKEN=csrf).status_code == 200
    assert browser.post("/api/v1/auth/logout/", HTTP_X_CSRFTOKEN=csrf).status_code == 204
    assert browser.get(url).status_code in (401, 403)


def test_a_wrong_password_is_a_clear_error(world: World) -> None:
    response = APIClient().post("/api/v1/auth/login/", {"username": "editor", "password": "nope"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["message"] == "Wrong username or password."


def test_the_browser_app_shell_signs_in_through_the_api(client) -> None:
    # The shell holds no data: the app asks /api/v1/auth/me/ and shows its own sign-in form. The
    # shell sets the CSRF cookie so that sign-in (a write) can carry the token at once.
    response = client.get("/")
    assert response.status_code == 200 and "csrftoken" in response.cookies
    assert b'<div id="root">' in response.content
    assert client.get("/api/v1/auth/me/").status_code in (401, 403)
