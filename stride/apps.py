"""The threat engine app. After every migrate (and test-database flush) the shipped ATT&CK
catalogue is loaded if it is not there yet, the way Django itself recreates content types:
reference data the product cannot run without, not workflow."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_shipped_catalogue(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from django.conf import settings

    from stride.attack import shipped_catalogue_load

    if using == "default":
        shipped_catalogue_load(settings.BASE_DIR)


class StrideConfig(AppConfig):
    name = "stride"
    verbose_name = "STRIDE threats and ATT&CK"

    def ready(self) -> None:
        post_migrate.connect(_load_shipped_catalogue, sender=self, dispatch_uid="stride.load_shipped_catalogue")
