from django.apps import AppConfig


class ThreatModelConfig(AppConfig):
    name = "threatmodel"
    verbose_name = "Threat models"

    def ready(self) -> None:
        # Registers the OpenAPI extension for token authentication.
        from threatmodel.api import schema_extensions  # noqa: F401

        # Deletes a report's file with its row.
        from threatmodel.reporting import signals  # noqa: F401
