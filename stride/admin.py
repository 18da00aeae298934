"""Admin for threats and the ATT&CK catalogue (the catalogue is loaded from STIX, not edited)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from stride.models import AttackMitigation, AttackRelease, CoverageNote, Mitigates, Tactic, Technique, Threat


class CatalogueAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Threat)
class ThreatAdmin(admin.ModelAdmin[Threat]):
    list_display = ["title", "threat_model", "stride", "status", "likelihood", "impact", "rule_id"]
    list_filter = ["stride", "status", "origin"]
    search_fields = ["title", "fingerprint", "rule_id"]
    readonly_fields = ["fingerprint", "rule_id", "origin", "explanation", "created_at", "updated_at"]
    filter_horizontal = ["techniques"]


@admin.register(CoverageNote)
class CoverageNoteAdmin(admin.ModelAdmin[CoverageNote]):
    list_display = ["threat_model", "target_key", "stride", "author", "created_at"]
    search_fields = ["target_key", "reason"]


admin.site.register(AttackRelease, CatalogueAdmin)
admin.site.register(Tactic, CatalogueAdmin)
admin.site.register(Technique, CatalogueAdmin)
admin.site.register(AttackMitigation, CatalogueAdmin)
admin.site.register(Mitigates, CatalogueAdmin)
