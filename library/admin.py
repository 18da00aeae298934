"""The team library in the admin: read-only, as templates, team rules and components change only through the API (role checks, audit)."""

from __future__ import annotations

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from library.models import Component, ModelTemplate, TeamRule


@admin.register(ModelTemplate)
class ModelTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "team", "element_count", "flow_count", "created_by", "created_at"]
    exclude = ["document"]


@admin.register(TeamRule)
class TeamRuleAdmin(ReadOnlyAdmin):
    list_display = ["rule_id", "title", "team", "enabled", "version", "updated_by", "updated_at"]
    list_filter = ["enabled"]


@admin.register(Component)
class ComponentAdmin(ReadOnlyAdmin):
    list_display = ["name", "team", "element_count", "flow_count", "created_by", "created_at"]
    exclude = ["content"]
