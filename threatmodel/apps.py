from django.apps import AppConfig


class ThreatModelConfig(AppConfig):
    name = "threatmodel"
    verbose_name = "Threat models"

    def ready(self) -> None:
        # Deletes a report's file with its row.
        from threatmodel.reporting import signals  # noqa: F401
