"""Sign-in throttling: failed attempts counted per account and per client address, in the cache.

Every password check goes through ``ThrottledModelBackend`` — the API's login, the session form,
the admin's login and anything else that calls ``authenticate`` — so there is one lock for all of
them. After ``LOGIN_FAILURES_PER_ACCOUNT`` failures for one username, or
``LOGIN_FAILURES_PER_ADDRESS`` from one address, within ``LOGIN_LOCKOUT_SECONDS``, further attempts
are refused without checking the password, even the right one, until the window ends.

Usernames that do not exist are counted and locked exactly like those that do, and the refusal
says the same words either way: neither the lock nor its message tells whether an account exists.
A successful sign-in clears its account's count (never the address's: one right password must not
reset a spraying run). The counters live in the cache (Redis in a deployment), so every web
process shares them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from common.client import client_address

LOCKED_MESSAGE = "Too many sign-in attempts for this account or from this address. Try again in {minutes} minutes."
_RETRY_ATTRIBUTE = "signin_retry_after"


def _keys(username: str, address: str | None) -> list[tuple[str, int]]:
    account = hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()
    keys = [(f"signin:fail:account:{account}", settings.LOGIN_FAILURES_PER_ACCOUNT)]
    if address:
        keys.append((f"signin:fail:address:{address}", settings.LOGIN_FAILURES_PER_ADDRESS))
    return keys


def signin_locked(*, username: str, address: str | None) -> bool:
    counts = cache.get_many([key for key, _ in _keys(username, address)])
    return any(counts.get(key, 0) >= most for key, most in _keys(username, address))


def signin_failed(*, username: str, address: str | None) -> None:
    for key, _ in _keys(username, address):
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def signin_succeeded(*, username: str) -> None:
    cache.delete(_keys(username, None)[0][0])


def locked_message() -> str:
    return LOCKED_MESSAGE.format(minutes=max(1, settings.LOGIN_LOCKOUT_SECONDS // 60))


def retry_after(request: HttpRequest | None) -> int | None:
    """Seconds to wait when ``request``'s sign-in was refused by the lock, else None."""
    value = getattr(request, _RETRY_ATTRIBUTE, None)
    return int(value) if value else None


class ThrottledModelBackend(ModelBackend):
    """Django's backend behind the per-account and per-address lock."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any) -> Any:
        if username is None:
            username = kwargs.get("username")
        if username is None or password is None:
            return None
        address = client_address(request) if request is not None else None
        if signin_locked(username=username, address=address):
            if request is not None:
                setattr(request, _RETRY_ATTRIBUTE, settings.LOGIN_LOCKOUT_SECONDS)
            raise PermissionDenied(locked_message())  # authenticate() stops here: no other backend, no password check
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            signin_failed(username=username, address=address)
        else:
            signin_succeeded(username=username)
        return user
