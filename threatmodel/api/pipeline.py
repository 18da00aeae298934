"""The model in pipelines: ``POST …/check/`` (the gate against the model), ``GET …/checks/`` (its runs),
``GET …/guardrails/`` (the policies generated from the model) and ``POST …/evidence/`` (machine
evidence for its mitigations). See docs/ci.md and docs/guardrails.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.parsers import BoundedFormParser, BoundedMultiPartParser
from common.api.renderers import FILE_RENDERERS
from common.api.requests import acting, payload
from common.api.schema import errors
from common.errors import NotFound, PayloadTooLarge, ValidationFailed
from threatmodel.api.uploads import MAX_FILES, uploaded_files
from threatmodel.evidence.read import FORMATS as EVIDENCE_FORMATS
from threatmodel.evidence.read import read_report
from threatmodel.guardrails import KINDS, render_yaml
from threatmodel.interop.registry import IMPORTS
from threatmodel.interop.sources import SourceFile
from threatmodel.models import ApiToken, CheckRun, ThreatModel
from threatmodel.permissions import require_role
from threatmodel.pipeline import check_run, guardrails_of
from threatmodel.workflow.evidence import evidence_ingest

MODEL_PARAMETER = OpenApiParameter("threat_model_pk", int, OpenApiParameter.PATH, description="Id of the threat model.")


class CheckRunSerializer(serializers.ModelSerializer[CheckRun]):
    run_by = serializers.SerializerMethodField(help_text="Username of who ran it (the token's owner for a token).")
    via_token = serializers.SerializerMethodField(help_text="Whether it ran with an API token.")

    class Meta:
        model = CheckRun
        fields = [
            "id", "threat_model", "run_by", "via_token", "token_prefix", "commit", "result", "source_format", "files",
            "findings", "failures", "accepted", "new", "bands", "policy_version", "model_version", "sarif_sha256", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_run_by(self, run: CheckRun) -> str | None:
        return run.run_by.get_username() if run.run_by else None

    def get_via_token(self, run: CheckRun) -> bool:
        return bool(run.token_prefix)


class CheckFileSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, help_text="The file's name, as SARIF locations will name it.")
    content = serializers.CharField(trim_whitespace=False, help_text="The file's text (YAML or JSON).")


class CheckRequestSerializer(serializers.Serializer[Any]):
    files = CheckFileSerializer(many=True, help_text="The manifests (or a model file) to check; multipart sends them as `file` parts.")
    format = serializers.CharField(required=False, help_text="The files' format, one of `GET /api/v1/formats/`' imports (recognised when left out).")
    commit = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="The commit the files come from, recorded with the run.")
    baseline = serializers.ChoiceField(choices=["model"], required=False, help_text="`model`: findings that are not threats of the model fail.")


class CheckAnswerSerializer(serializers.Serializer[Any]):
    passed = serializers.BooleanField()
    run = CheckRunSerializer()
    failures = serializers.ListField(child=serializers.DictField(), help_text="What fails the gate: fingerprint, title, subject, reasons.")
    warnings = serializers.ListField(child=serializers.CharField())
    sarif = serializers.DictField(help_text="The SARIF 2.1.0 log, as `threatmodel gate --sarif` writes it.")


class EvidenceSummarySerializer(serializers.Serializer[Any]):
    results = serializers.IntegerField()
    matched = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    verified = serializers.IntegerField()
    reopened = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class EvidenceMitigationSerializer(serializers.Serializer[Any]):
    mitigation = serializers.CharField(help_text="The mitigation's reference (M-3).")
    title = serializers.CharField()
    control = serializers.CharField(help_text="The catalogue control the results were matched through.")
    passed = serializers.IntegerField(help_text="Matched results that pass.")
    failed = serializers.IntegerField(help_text="Matched results that fail.")
    before = serializers.CharField(help_text="The mitigation's status before the upload.")
    status = serializers.CharField(help_text="Its status after the upload.")
    did = serializers.ChoiceField(choices=["verified", "reopened", "unchanged"])
    reason = serializers.CharField(help_text="Why, in a sentence (the evidence recorded, or why nothing changed).")


class EvidenceAnswerSerializer(serializers.Serializer[Any]):
    format = serializers.ChoiceField(choices=list(EVIDENCE_FORMATS))
    source = serializers.CharField(help_text="The tool that produced the report (PolicyReport `source`, SARIF driver, kubescape).")  # type: ignore[assignment]
    report = serializers.CharField(help_text="The report's name (PolicyReport namespace/name, Kubescape report id, SARIF tool).")
    generated_at = serializers.CharField(allow_null=True, help_text="When the report says it was made, if it says.")
    file = serializers.CharField()
    results = serializers.ListField(
        child=serializers.DictField(),
        help_text="Each matched result: path, key, outcome (pass/fail/other), status, subjects, message, mitigations and actions ({mitigation, did, reason}).",
    )
    unmatched = serializers.ListField(child=serializers.DictField(), help_text="Results that match no mitigation of the model (not an error).")
    mitigations = EvidenceMitigationSerializer(many=True, help_text="Each mitigation the results were matched to, and what the upload did to it.")
    summary = EvidenceSummarySerializer()


def _format(value: object) -> str | None:
    if value in (None, ""):
        return None
    if value not in IMPORTS:
        raise ValidationFailed("Unknown format.", details=[{"path": "format", "message": f"must be one of {', '.join(sorted(IMPORTS))}"}])
    return str(value)


def _json_files(request: Request) -> tuple[list[SourceFile], dict[str, Any]]:
    form = CheckRequestSerializer(data=payload(request))
    form.is_valid(raise_exception=True)
    data = dict(form.validated_data)
    if not data["files"]:
        raise ValidationFailed("Send at least one file.", details=[{"path": "files", "message": "must not be empty"}])
    if len(data["files"]) > MAX_FILES:
        raise ValidationFailed(f"At most {MAX_FILES} files are read in one check.", details=[{"path": "files", "message": "too many"}])
    files, size, limit = [], 0, settings.THREATMODEL_IMPORT_MAX_BYTES
    for item in data.pop("files"):
        raw = item["content"].encode("utf-8")
        size += len(raw)
        if size > limit:
            raise PayloadTooLarge("The files are larger than the import limit.", limit=limit)
        files.append(SourceFile(item["name"], raw))
    return files, data


def _multipart_files(request: Request) -> tuple[list[SourceFile], dict[str, Any]]:
    data = payload(request)
    options = {key: data.get(key) for key in ("format", "commit", "baseline") if data.get(key) not in (None, "")}
    form = CheckRequestSerializer(data={"files": [], **options}, partial=True)
    form.is_valid(raise_exception=True)
    validated = {k: v for k, v in form.validated_data.items() if k != "files"}
    return uploaded_files(request), validated


@extend_schema_view(
    list=extend_schema(summary="Pipeline check runs of a threat model, newest first", parameters=[MODEL_PARAMETER],
                       responses={200: CheckRunSerializer(many=True), **errors(404)}),
    retrieve=extend_schema(summary="One check run", parameters=[MODEL_PARAMETER, OpenApiParameter("id", int, OpenApiParameter.PATH)],
                           responses={200: CheckRunSerializer, **errors(404)}),
)  # fmt: skip
class ThreatModelCheckRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[CheckRun]):
    """``/threat-models/{id}/checks/``: the runs of ``POST …/check/``; every member reads them."""

    serializer_class = CheckRunSerializer
    lookup_value_regex = r"[0-9]+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[CheckRun]:
        if getattr(self, "swagger_fake_view", False):
            return CheckRun.objects.none()
        model = ThreatModel.objects.visible_to(self.request.user).filter(pk=str(self.kwargs.get("threat_model_pk", ""))).first()
        if model is None:
            raise NotFound("No such threat model.")
        return CheckRun.objects.filter(threat_model=model).select_related("run_by")


class ThreatModelPipelineViewSet(viewsets.GenericViewSet[ThreatModel]):
    """The check and the guardrails of one model, routed under /threat-models/{id}/ beside the model."""

    serializer_class = CheckAnswerSerializer

    def get_queryset(self) -> QuerySet[ThreatModel]:
        return ThreatModel.objects.visible_to(self.request.user)

    @extend_schema(
        summary="Check manifests against the model in a pipeline (SARIF and pass/fail; the run is recorded)",
        description=(
            "The same gate as `threatmodel gate` (docs/ci.md): the files are analysed with the rule library, each finding "
            "gets its band from the model's risk policy, and the run fails when a finding is unacceptable without an active "
            "decision of the model covering it, when that decision has expired, or — with `baseline=model` — when it is "
            "not a threat of the model. Send the files as multipart (`file`, repeated; `format`, `commit`, `baseline`) or "
            "as JSON (`files: [{name, content}]`). Editors and owners may run it; any member may with an API token. "
            "The answer is 200 whatever the verdict: read `passed`. Bad files are a 400 naming the place, over the "
            "import limit a 413; nothing is recorded then."
        ),
        request={"application/json": CheckRequestSerializer, "multipart/form-data": OpenApiTypes.OBJECT},
        responses={200: CheckAnswerSerializer, **errors(400, 403, 404, 413)},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, BoundedMultiPartParser, BoundedFormParser])
    def check(self, request: Request, pk: str | None = None) -> Response:
        model = self.get_object()
        content_type = request.content_type.split(";")[0].strip().lower()
        files, options = (
            _multipart_files(request) if content_type in ("multipart/form-data", "application/x-www-form-urlencoded") else _json_files(request)
        )
        token = request.auth if isinstance(request.auth, ApiToken) else None
        outcome = check_run(actor=acting(request), threat_model=model, files=files, fmt=_format(options.get("format")),
                            commit=options.get("commit", ""), baseline=options.get("baseline"), token=token)  # fmt: skip
        failures = [
            {"fingerprint": c.finding.fingerprint, "title": c.finding.title, "subject": c.finding.flow_key or c.finding.element_key,
             "band": c.band, "reasons": list(c.reasons), "file": c.file, "line": c.line}
            for c in outcome.result.failures
        ]  # fmt: skip
        return Response({"passed": not failures, "run": CheckRunSerializer(outcome.run).data, "failures": failures,
                         "warnings": outcome.result.warnings, "sarif": outcome.sarif})  # fmt: skip

    @extend_schema(
        summary="Upload machine evidence: a Kyverno PolicyReport, a Kubescape JSON result or a SARIF 2.1.0 log",
        description=(
            "The results are matched to the model's mitigations through their catalogue control (docs/guardrails.md lists "
            "the tables). A mitigation whose matched results all pass is verified by the uploader, as by hand (it must be "
            "implemented and not implemented by the uploader); a failing result reopens a verified mitigation and the threats "
            "it answers, with an audit entry and an e-mail to its owner. Unmatched results are listed, not refused. Send the "
            "report as multipart `file` (one), optionally `format` (policyreport, kubescape, sarif; recognised when left out). "
            "Editors and owners (or their API tokens) may upload. A malformed or unknown report is a 400 naming the place, "
            "over the import limit a 413, an approved model a 409; nothing is written then."
        ),
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={200: EvidenceAnswerSerializer, **errors(400, 403, 404, 409, 413)},
    )
    @action(detail=True, methods=["post"], parser_classes=[BoundedMultiPartParser])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        model = self.get_object()
        actor = acting(request)
        require_role(actor, model.team_id, "write", what="threat model")
        files = uploaded_files(request)
        if len(files) != 1:
            raise ValidationFailed("Send one report per upload.", details=[{"path": "file", "message": f"{len(files)} files were sent"}])
        fmt = payload(request).get("format") or None
        if fmt is not None and fmt not in EVIDENCE_FORMATS:
            raise ValidationFailed("Unknown evidence format.", details=[{"path": "format", "message": f"must be one of {', '.join(EVIDENCE_FORMATS)}"}])
        report = read_report(files[0].raw, fmt)
        outcome = evidence_ingest(actor=actor, threat_model=model, report=report, file=files[0].name or "report")
        return Response(outcome.as_dict())

    @extend_schema(
        summary="Download the guardrails generated from the model (multi-document YAML)",
        description=(
            "NetworkPolicies (default-deny per namespace and an allow for each flow of the diagram), Pod Security Admission "
            "labels, ValidatingAdmissionPolicies with their bindings and Kyverno ClusterPolicies for the container controls. "
            "Each resource names the threats and mitigations it enforces and its ATT&CK mitigation in `threatmodel.io/*` "
            "annotations; warnings (what the diagram does not say well enough to enforce) lead the file as comments. "
            "Review before applying: docs/guardrails.md."
        ),
        parameters=[
            OpenApiParameter("kind", str, enum=list(KINDS), required=False, description="Only this kind (repeatable); all when left out."),
            OpenApiParameter("namespace", str, required=False, description="Only this namespace of the diagrams."),
            OpenApiParameter("host_path_allow", str, required=False, description="hostPath directories to allow (repeatable)."),
            OpenApiParameter("registry", str, required=False, description="Allowed image registries (repeatable); by default those the model's images use."),
        ],
        responses={
            (200, "application/yaml"): OpenApiResponse(
                {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                description="A YAML stream: the resources, one document each (read it with a multi-document loader, as kubectl does)",
            ),
            **errors(400, 404),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=FILE_RENDERERS)
    def guardrails(self, request: Request, pk: str | None = None) -> HttpResponse:
        model = self.get_object()
        params = request.query_params
        kinds = params.getlist("kind") or list(KINDS)
        namespace = params.get("namespace") or None
        registries = params.getlist("registry") or None
        bundle = guardrails_of(actor=acting(request), threat_model=model, kinds=kinds, namespace=namespace,
                               host_path_allow=params.getlist("host_path_allow"), registries=registries)  # fmt: skip
        scope = f"namespace {namespace}" if namespace else "every namespace"
        text = render_yaml(bundle, title=f"Guardrails of threat model {model.pk} v{model.version} ({model.name}), {scope}")
        response = HttpResponse(text.encode("utf-8"), content_type="application/yaml; charset=utf-8")
        suffix = f"-{namespace}" if namespace else ""
        response["Content-Disposition"] = f'attachment; filename="guardrails-{model.pk}-v{model.version}{suffix}.yaml"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
