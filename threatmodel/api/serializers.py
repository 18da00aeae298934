"""Serializers of the core app. They shape and validate fields; services do the work."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from stride.api.serializers import ThreatSerializer
from threatmodel.analysis import DELTA_ROWS_MAX
from threatmodel.choices import Role
from threatmodel.models import ApiToken, Invitation, Membership, Team, ThreatModel


class TeamSerializer(serializers.ModelSerializer[Team]):
    role = serializers.SerializerMethodField(help_text="Your role in this team.")

    class Meta:
        model = Team
        fields = ["id", "name", "slug", "created_at", "role"]
        read_only_fields = ["id", "slug", "created_at", "role"]

    def get_role(self, team: Team) -> str | None:
        roles: dict[int, str] = self.context.get("roles", {})
        if team.pk in roles:
            return roles[team.pk]
        request = self.context.get("request")  # a team created in this request is not in the map yet
        if request is None:
            return None
        return Membership.objects.filter(team=team, user_id=request.user.pk).values_list("role", flat=True).first()


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.CharField(source="user.email", read_only=True)
    user = serializers.CharField(write_only=True, help_text="Username or e-mail of an existing user.")

    class Meta:
        model = Membership
        fields = ["id", "team", "user", "username", "email", "role", "created_at"]
        read_only_fields = ["id", "username", "email", "created_at"]
        extra_kwargs = {"team": {"queryset": Team.objects.none()}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["team"].queryset = Team.objects.visible_to(request.user)  # type: ignore[attr-defined]


class InvitationSerializer(serializers.ModelSerializer[Invitation]):
    invited_by = serializers.CharField(source="invited_by.username", read_only=True, default=None)

    class Meta:
        model = Invitation
        fields = ["id", "team", "email", "role", "invited_by", "created_at", "expires_at"]
        read_only_fields = ["id", "invited_by", "created_at", "expires_at"]
        extra_kwargs = {"team": {"queryset": Team.objects.none()}, "email": {"validators": []}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["team"].queryset = Team.objects.visible_to(request.user)  # type: ignore[attr-defined]


class InvitationAcceptSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(max_length=200)


class MembershipUpdateSerializer(serializers.Serializer[Membership]):
    role = serializers.ChoiceField(choices=Role.choices)


class ThreatModelSerializer(serializers.ModelSerializer[ThreatModel]):
    class Meta:
        model = ThreatModel
        fields = [
            "id",
            "team",
            "name",
            "description",
            "scope",
            "out_of_scope",
            "assumptions",
            "stage",
            "version",
            "analysed_version",
            "analysed_at",
            "analysis_status",
            "analysis_error",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "stage",
            "version",
            "analysed_version",
            "analysed_at",
            "analysis_status",
            "analysis_error",
            "created_by",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"team": {"queryset": Team.objects.all()}}

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        if self.instance is not None:
            fields["team"].read_only = True
        return fields


class ThreatModelCreateSerializer(serializers.Serializer[ThreatModel]):
    team = serializers.IntegerField(help_text="Id of one of your teams.")
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    scope = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    out_of_scope = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    assumptions = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")


class ThreatModelUpdateSerializer(serializers.Serializer[ThreatModel]):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    scope = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    out_of_scope = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    assumptions = serializers.CharField(max_length=20_000, required=False, allow_blank=True)


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret. Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class ImportSerializer(serializers.Serializer[Any]):
    team = serializers.IntegerField(help_text="Id of the team that will own the imported model.")
    file = serializers.FileField(required=False, help_text="The file (multipart upload); repeat the field for several files (kubernetes, compose).")
    name = serializers.CharField(max_length=200, required=False, help_text="Override the model's name.")
    format = serializers.CharField(max_length=20, required=False, help_text="Import format; detected when omitted.")


class ImportSummarySerializer(serializers.Serializer[Any]):
    diagrams = serializers.IntegerField()
    elements = serializers.IntegerField(help_text="External entities, processes and data stores (placeholders excluded).")
    boundaries = serializers.IntegerField()
    flows = serializers.IntegerField()
    threats = serializers.IntegerField()
    placeholders = serializers.IntegerField(help_text="External entities created for flow ends attached to nothing.")
    skipped = serializers.IntegerField(help_text="Shapes that are not DFD elements (text blocks, annotations).")
    threats_by_stride = serializers.DictField(child=serializers.IntegerField())


class ImportResultSerializer(serializers.Serializer[Any]):
    threat_model = ThreatModelSerializer()
    format = serializers.CharField(help_text="The format the file was read as.")
    summary = ImportSummarySerializer()
    warnings = serializers.ListField(child=serializers.CharField(), help_text="What was adapted on the way in.")


class LoginSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})


class MeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField()
    teams = serializers.ListField(child=serializers.DictField())


class AnalysisChangesSerializer(serializers.Serializer[Any]):
    """The threats an analysis touched, by fingerprint, so the editor patches its list."""

    new = serializers.ListField(child=serializers.CharField())
    obsolete = serializers.ListField(child=serializers.CharField())
    revived = serializers.ListField(child=serializers.CharField())
    rewritten = serializers.ListField(child=serializers.CharField())
    retargeted = serializers.ListField(child=serializers.CharField())
    threats = ThreatSerializer(
        many=True,
        allow_null=True,
        help_text=f"The rows of every threat listed, when there are at most {DELTA_ROWS_MAX}; otherwise null "
        "(ask GET /api/v1/threats/?changed_since=).",
    )


class AnalysisOutcomeSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=["done", "queued"], help_text="done: the threats already follow this batch; queued: a task will analyse it."
    )
    new = serializers.IntegerField(required=False)
    kept = serializers.IntegerField(required=False)
    obsolete = serializers.IntegerField(required=False)
    revived = serializers.IntegerField(required=False)
    rewritten = serializers.IntegerField(required=False)
    version = serializers.IntegerField(required=False, help_text="The model version the threats now describe.")
    changes = AnalysisChangesSerializer(required=False, help_text="What the analysis changed (when done).")


class OpsResultSerializer(serializers.Serializer[Any]):
    diagram = serializers.IntegerField()
    version = serializers.IntegerField()
    threat_model_version = serializers.IntegerField()
    applied = serializers.IntegerField()
    deleted_flows = serializers.ListField(child=serializers.CharField())
    reparented = serializers.ListField(child=serializers.CharField())
    analysis = AnalysisOutcomeSerializer(required=False, help_text="What the threat analysis that follows the batch did.")


class ManifestSyncRequestSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(required=False, help_text="A manifest or compose file; repeat the field for several.")
    format = serializers.ChoiceField(choices=["kubernetes", "compose"], help_text="What the files are.")
    dry_run = serializers.BooleanField(default=True, help_text="Only list the changes (the default).")
    base_version = serializers.IntegerField(
        min_value=1, required=False, help_text="The diagram version the changes apply to."
    )


def _sync_item_fields(*, changed: bool, flow: bool) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
    """The fields of one added, changed or removed element or flow (built here: ``source`` and ``label`` are
    attribute names of a serializer field itself, so they cannot be declared on the class)."""
    names = ("key", "source", "target", "label") if flow else ("key", "kind", "name")
    fields: dict[str, serializers.Field[Any, Any, Any, Any]] = {name: serializers.CharField() for name in names}
    if changed:
        fields["field_changes"] = serializers.DictField(
            child=serializers.DictField(), help_text="Changed fields: {name: {before, after}}."
        )
        fields["properties"] = serializers.DictField(
            child=serializers.DictField(), help_text="Changed properties: {name: {before, after}}."
        )
    return fields


class _SyncElementSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return _sync_item_fields(changed=False, flow=False)


class _SyncElementChangeSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return _sync_item_fields(changed=True, flow=False)


class _SyncFlowSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return _sync_item_fields(changed=False, flow=True)


class _SyncFlowChangeSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return _sync_item_fields(changed=True, flow=True)


class _SyncElementsSerializer(serializers.Serializer[Any]):
    added = _SyncElementSerializer(many=True)
    changed = _SyncElementChangeSerializer(many=True)
    removed = _SyncElementSerializer(many=True)


class _SyncFlowsSerializer(serializers.Serializer[Any]):
    added = _SyncFlowSerializer(many=True)
    changed = _SyncFlowChangeSerializer(many=True)
    removed = _SyncFlowSerializer(many=True)


class _SyncKeptSerializer(serializers.Serializer[Any]):
    elements = _SyncElementSerializer(many=True)
    flows = _SyncFlowSerializer(many=True)


class _SyncChangesSerializer(serializers.Serializer[Any]):
    elements = _SyncElementsSerializer()
    flows = _SyncFlowsSerializer()
    kept = _SyncKeptSerializer(help_text="What the files do not own and stays as people drew it (after the change).")


class _SyncReopenedSerializer(serializers.Serializer[Any]):
    mitigation = serializers.CharField(help_text="Its reference (MIT-3).")
    title = serializers.CharField()
    because = serializers.ListField(child=serializers.CharField(), help_text="The new findings that break it: title, subject, rule.")
    threats_reopened = serializers.IntegerField(required=False, help_text="How many mitigated threats it answered are open again (applied only).")


class ManifestSyncResultSerializer(serializers.Serializer[Any]):
    dry_run = serializers.BooleanField()
    base_version = serializers.IntegerField(help_text="The diagram version compared against.")
    operations = serializers.IntegerField(help_text="How many operations the change takes (0: no drift).")
    changes = _SyncChangesSerializer()
    warnings = serializers.ListField(child=serializers.CharField())
    ops = serializers.ListField(child=serializers.DictField(), help_text="The operations, as POST .../ops/ takes them.")
    result = OpsResultSerializer(required=False, help_text="The applied batch (not on a dry run).")
    reopened = _SyncReopenedSerializer(
        many=True,
        help_text="Verified mitigations the files break (a rule their control prevents now fires): reopened with their threats when "
        "applied, listed on a dry run as what applying would reopen.",
    )
