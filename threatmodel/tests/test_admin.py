"""Every model of the product has a Django admin page (a convention enforced by a test, not prose)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin


def test_every_model_is_in_the_admin() -> None:
    ours = [m for app in ("threatmodel", "dfd", "stride", "library") for m in apps.get_app_config(app).get_models()]
    auto_through = {m for m in ours if m._meta.auto_created}
    missing = [m.__name__ for m in ours if m not in auto_through and m not in admin.site._registry]
    assert missing == []


@pytest.mark.django_db
def test_the_admin_pages_open(admin_client) -> None:
    for model, _ in admin.site._registry.items():
        if model._meta.app_label not in ("threatmodel", "dfd", "stride", "library"):
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url
