"""The team library in the admin: read-only, as templates change only through /api/v1/templates/ (role checks, audit)."""

from __future__ import annotations

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from library.models import ModelTemplate


@admin.register(ModelTemplate)
class ModelTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "team", "element_count", "flow_count", "created_by", "created_at"]
    exclude = ["document"]
