"""The web server names a start without HTTPS (issue 12, finding 6): DEBUG off and HTTPS unset is warned about."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from threatmodel.startup import insecure_settings, startup_warnings


def test_a_production_start_without_https_is_warned_about(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings.DEBUG, settings.HTTPS = False, False
    with caplog.at_level(logging.WARNING, logger="threatmodel.startup"):
        startup_warnings()
    assert len(caplog.records) == 1 and "HTTPS is not set while DEBUG is off" in caplog.records[0].getMessage()
    assert "HTTPS=1" in caplog.records[0].getMessage() and "BEHIND_PROXY=1" in caplog.records[0].getMessage()


def test_debug_or_https_behind_a_proxy_starts_quietly(settings: Any) -> None:
    settings.DEBUG, settings.HTTPS = True, False
    assert insecure_settings() == []
    settings.DEBUG, settings.HTTPS, settings.BEHIND_PROXY = False, True, True
    assert insecure_settings() == []


def test_https_without_a_proxy_is_named_too(settings: Any) -> None:
    settings.DEBUG, settings.HTTPS, settings.BEHIND_PROXY, settings.SECURE_SSL_REDIRECT = False, True, False, True
    assert [p.split(":")[0] for p in insecure_settings()] == ["HTTPS=1 without BEHIND_PROXY"]
