"""Admin for diagrams. Elements, flows and the operation log are read-only here: every diagram
change must go through ``dfd.services.apply_ops`` so that it is versioned and logged."""


from django.contrib import admin

from common.admin import ReadOnlyAdmin
from dfd.models import Diagram, DiagramOp, Element, Flow


@admin.register(Diagram)
class DiagramAdmin(admin.ModelAdmin[Diagram]):
    list_display = ["name", "threat_model", "level", "order", "version", "updated_at"]
    list_filter = ["level"]
    search_fields = ["name", "threat_model__name"]
    readonly_fields = ["version", "threat_model"]


@admin.register(Element)
class ElementAdmin(ReadOnlyAdmin):
    list_display = ["key", "name", "kind", "diagram", "parent"]
    list_filter = ["kind"]
    search_fields = ["key", "name"]


@admin.register(Flow)
class FlowAdmin(ReadOnlyAdmin):
    list_display = ["key", "label", "source", "target", "protocol", "diagram"]
    search_fields = ["key", "label"]


@admin.register(DiagramOp)
class DiagramOpAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "diagram", "actor", "op", "target_key", "version"]
    list_filter = ["op"]
    search_fields = ["target_key"]
