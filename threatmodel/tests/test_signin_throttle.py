"""Sign-in throttling that holds (issue 12, finding 3).

Reproduced: 50 wrong passwords with a new ``X-Forwarded-For`` each got no 429 and the right one
then worked, although ``BEHIND_PROXY`` was off; ``/accounts/login/`` and ``/admin/login/`` had no
throttling at all. Now every password check shares one lock per account and per address
(``threatmodel.signin``), the address comes from ``X-Forwarded-For`` only behind the configured
proxies (``common.client``), and the lock's words do not tell whether the account exists.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from common.client import client_address
from conftest import PASSWORD, World
from threatmodel.signin import locked_message

pytestmark = pytest.mark.django_db


def api_login(username: str, password: str, **headers: Any) -> Any:
    return APIClient().post("/api/v1/auth/login/", {"username": username, "password": password}, format="json", **headers)


def test_rotating_x_forwarded_for_buys_no_attempts_and_the_right_password_is_then_refused(world: World) -> None:
    statuses = [api_login("editor", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(50)]
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}
    response = api_login("editor", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429
    assert "_auth_user_id" not in response.client.session


def test_the_lock_holds_for_the_right_password_and_says_when_to_come_back(world: World) -> None:
    for _ in range(5):
        assert api_login("editor", "wrong").status_code == 400
    response = api_login("editor", PASSWORD)
    assert response.status_code == 429
    assert response.json()["error"] == {"code": "throttled", "message": locked_message(), "details": [], "retry_after": 900}
    assert response["Retry-After"] == "900"


def test_the_lock_says_the_same_for_an_account_that_does_not_exist(world: World) -> None:
    answers = {}
    for username in ("editor", "nobody-by-this-name"):
        for _ in range(5):
            assert api_login(username, "wrong").json()["error"]["message"] == "Wrong username or password."
        response = api_login(username, "anything")
        answers[username] = (response.status_code, response.json(), response["Retry-After"])
    assert answers["editor"] == answers["nobody-by-this-name"]


def test_a_right_password_before_the_lock_clears_the_accounts_count(world: World) -> None:
    for _ in range(2):
        for _ in range(4):
            assert api_login("editor", "wrong").status_code == 400
        assert api_login("editor", PASSWORD).status_code == 200


def test_spraying_many_accounts_from_one_address_is_locked_too(world: World, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 8  # under the API's 20 a minute, so it is the lock that answers
    statuses = [api_login(f"user-{n}", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(10)]
    assert statuses == [400] * 8 + [429] * 2
    assert api_login("editor", PASSWORD).status_code == 429


def test_another_address_is_not_locked_by_the_first(world: World, settings: Any) -> None:
    settings.BEHIND_PROXY = True
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        api_login(f"user-{n}", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert api_login("viewer", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    assert api_login("viewer", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 200


@pytest.mark.parametrize(
    ("behind_proxy", "proxies", "forwarded", "expected"),
    [
        (False, 1, "203.0.113.9", "10.0.0.1"),  # no proxy: the header is the client's own invention
        (True, 1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # one proxy appended the last entry
        (True, 2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (True, 3, "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies: the leftmost
        (True, 1, "", "10.0.0.1"),
        (True, 0, "203.0.113.9", "10.0.0.1"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(settings: Any, behind_proxy: bool, proxies: int, forwarded: str, expected: str) -> None:
    settings.BEHIND_PROXY = behind_proxy
    settings.NUM_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def session_form_login(path: str, username: str, password: str) -> Any:
    return Client().post(path, {"username": username, "password": password})


def test_the_session_form_is_locked_after_five_failures(world: World) -> None:
    for _ in range(5):
        response = session_form_login("/accounts/login/", "editor", "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in response.client.session
    response = session_form_login("/accounts/login/", "editor", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in response.client.session
    assert locked_message() in response.content.decode()


def test_the_admin_login_is_locked_after_five_failures(world: World) -> None:
    world.users["owner"].is_staff = True
    world.users["owner"].save(update_fields=["is_staff"])
    for _ in range(5):
        assert "_auth_user_id" not in session_form_login("/admin/login/", "owner", "wrong").client.session
    response = session_form_login("/admin/login/", "owner", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in response.client.session
    assert locked_message() in response.content.decode()


def test_the_three_ways_in_share_one_lock(world: World) -> None:
    session_form_login("/accounts/login/", "editor", "wrong")
    session_form_login("/admin/login/", "editor", "wrong")
    for _ in range(3):
        api_login("editor", "wrong")
    assert api_login("editor", PASSWORD).status_code == 429


def test_token_creation_is_throttled_per_account(world: World) -> None:
    client = world.client("editor")
    statuses = [client.post("/api/v1/tokens/", {"name": f"t{n}"}, format="json").status_code for n in range(21)]
    assert statuses == [201] * 20 + [429]
