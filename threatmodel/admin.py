"""Admin for the core app. Audit events are read-only: a trail that can be edited is no trail."""


from django.contrib import admin
from django.http import HttpRequest

from common.admin import ReadOnlyAdmin
from threatmodel.forms import AdminSignInForm
from threatmodel.models import (
    ApiToken,
    Assumption,
    AuditEvent,
    BandChange,
    CheckRun,
    Comment,
    Control,
    Decision,
    ImportJob,
    ImportJobFile,
    Invitation,
    Membership,
    Mitigation,
    Report,
    RiskPolicy,
    Snapshot,
    Team,
    ThreatMitigation,
    ThreatModel,
    ThreatRating,
)


class MembershipInline(admin.TabularInline[Membership, Team]):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["team", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["team__name", "user__username"]


@admin.register(ThreatModel)
class ThreatModelAdmin(admin.ModelAdmin[ThreatModel]):
    list_display = ["name", "team", "stage", "version", "updated_at"]
    list_filter = ["stage", "team"]
    search_fields = ["name", "description"]
    readonly_fields = ["version", "created_at", "updated_at", "created_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ["email", "team", "role", "invited_by"]
    search_fields = ["email", "team__name"]
    readonly_fields = ["digest"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invitations are sent through the API, which mails the secret once


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # secrets are created through the API, which shows them once


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "team", "threat_model", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id"]




@admin.register(RiskPolicy)
class RiskPolicyAdmin(ReadOnlyAdmin):
    list_display = ["team", "version", "unacceptable_at", "acceptable_max", "impact_floor", "created_by", "created_at"]
    list_filter = ["team"]


@admin.register(Mitigation)
class MitigationAdmin(ReadOnlyAdmin):
    list_display = ["ref", "title", "threat_model", "status", "control", "verified_by"]
    list_filter = ["status"]
    search_fields = ["ref", "title"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["threat", "kind", "status", "owner", "expires_on", "approved_by", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ["threat_model", "number", "reason", "stage", "model_version", "created_by", "created_at"]
    exclude = ["content"]


@admin.register(BandChange)
class BandChangeAdmin(ReadOnlyAdmin):
    list_display = ["threat", "threat_model", "policy", "acknowledged_at"]


@admin.register(Control)
class ControlAdmin(ReadOnlyAdmin):
    list_display = ["control_id", "name", "phase", "layer", "stride"]
    list_filter = ["phase", "layer"]
    search_fields = ["control_id", "name", "summary"]


@admin.register(ThreatRating)
class ThreatRatingAdmin(ReadOnlyAdmin):
    list_display = ["threat", "rated_by", "rated_at"]


@admin.register(ThreatMitigation)
class ThreatMitigationAdmin(ReadOnlyAdmin):
    list_display = ["mitigation", "threat", "created_at"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Reports are requested through the API (role check, one worker task); the admin shows them."""

    list_display = ["threat_model", "model_version", "paper", "status", "requested_by", "created_at", "pages"]
    list_filter = ["status", "paper"]


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyAdmin):
    """Pipeline checks are run through the API (``POST …/check/``); the admin shows them."""

    list_display = ["threat_model", "result", "commit", "run_by", "token_prefix", "findings", "failures", "created_at"]
    list_filter = ["result"]


@admin.register(Assumption)
class AssumptionAdmin(ReadOnlyAdmin):
    """Assumptions change through the workshop (``/api/v1/assumptions/``), where falsifying one reopens threats."""

    list_display = ["threat_model", "text", "status", "created_at"]
    list_filter = ["status"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Large imports run by a worker; the admin shows their step and outcome."""

    list_display = ["team", "requested_by", "format", "size", "status", "progress", "step", "created_at", "finished_at"]
    list_filter = ["status"]


@admin.register(ImportJobFile)
class ImportJobFileAdmin(ReadOnlyAdmin):
    """The files a job waits with (kept only until it ends); the bytes are not shown."""

    list_display = ["job", "name"]
    exclude = ["raw"]


# The admin's sign-in says so when the sign-in lock (threatmodel.signin) refused it.
admin.site.login_form = AdminSignInForm


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    """Workshop comments change through the API (author-only edits, audit, the live room)."""

    list_display = ["threat_model", "author", "subject_key", "threat", "resolved", "created_at"]
    list_filter = ["resolved"]
