"""Read machine evidence: a Kyverno PolicyReport, a Kubescape JSON result or a SARIF 2.1.0 log.

Every format comes down to a list of ``Result``: the check's key (policy name, control id, rule
id), its outcome (``pass``, ``fail`` or ``other`` — skipped, errored, warned, not applicable —
which is evidence of nothing), what it was about and the place in the file it came from. The
file is read with the project's bounded readers (``safe_parse.load_yaml_documents`` for YAML,
``common.bounded.load_json`` for JSON); anything that is not one of the three formats, or is one
but malformed, raises ``ValidationFailed`` naming the place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from common.bounded import load_json
from common.errors import ValidationFailed
from threatmodel.interop.safe_parse import first_significant_byte, load_yaml_documents

FORMATS = ("policyreport", "kubescape", "sarif")
MAX_RESULTS = 50_000
PASS, FAIL, OTHER = "pass", "fail", "other"
# Kyverno: warn is a failure of a policy that is not scored, error and skip say nothing either way.
_POLICYREPORT = {"pass": PASS, "fail": FAIL, "warn": OTHER, "error": OTHER, "skip": OTHER}
_KUBESCAPE = {"passed": PASS, "failed": FAIL, "skipped": OTHER, "excluded": OTHER, "irrelevant": OTHER, "error": OTHER}
# SARIF 2.1.0 §3.27.9: a result without kind is a failure.
_SARIF = {"pass": PASS, "fail": FAIL, "open": OTHER, "review": OTHER, "notApplicable": OTHER, "informational": OTHER}


@dataclass(frozen=True)
class Result:
    path: str  # where in the file, e.g. "results[3]" or "document 2, results[0]"
    key: str
    outcome: str  # PASS, FAIL or OTHER
    status: str  # the tool's own word
    subjects: tuple[str, ...] = ()
    message: str = ""


@dataclass
class Report:
    format: str
    source: str
    generated_at: str | None
    name: str
    results: list[Result] = field(default_factory=list)


def _bad(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"The report is malformed at {path}: {message}.", details=[{"path": path, "message": message}])


def _at(prefix: str, field: str) -> str:
    return f"{prefix}, {field}" if prefix else field


def _str(value: object, path: str, *, required: bool = True, limit: int = 500) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _bad(path, "must be a non-empty string" if required else "must be a string")
    return value[:limit]


def _list(value: object, path: str, *, required: bool = True) -> list[Any]:
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise _bad(path, "must be a list")
    return value


def _dict(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(path, "must be an object")
    return value


def _time(value: object) -> str | None:
    """An ISO 8601 time as UTC ``…Z`` (so times of one report compare); what does not parse is kept as written."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 0 <= value < 2**37:
            return None
        stamp = dt.datetime.fromtimestamp(value, tz=dt.UTC)
    elif isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    elif isinstance(value, str) and value.strip():
        try:
            stamp = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return value[:64]
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
    else:
        return None
    return stamp.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _add(report: Report, result: Result) -> None:
    if len(report.results) >= MAX_RESULTS:
        raise ValidationFailed(
            f"The report has more than {MAX_RESULTS} results; split it.", details=[{"path": result.path, "message": "too many results"}]
        )
    report.results.append(result)


def read_report(raw: bytes, fmt: str | None = None) -> Report:
    """The report in ``raw`` (its format recognised unless ``fmt`` names it)."""
    if fmt is not None and fmt not in FORMATS:
        raise ValidationFailed("Unknown evidence format.", details=[{"path": "format", "message": f"must be one of {', '.join(FORMATS)}"}])
    if not raw.strip():
        raise ValidationFailed("The report is empty.", details=[{"path": "file", "message": "is empty"}])
    if first_significant_byte(raw) in (b"{", b"["):
        documents = [(1, load_json(raw, what="The report"))]
    else:
        documents = load_yaml_documents(raw)
    found = fmt or _recognise(documents)
    if found == "sarif":
        return _sarif(_single(documents, "a SARIF log"))
    if found == "kubescape":
        return _kubescape(_single(documents, "a Kubescape result"))
    return _policy_reports(documents)


def _single(documents: list[tuple[int, Any]], what: str) -> dict[str, Any]:
    if len(documents) != 1:
        raise ValidationFailed(f"Send {what} as one document.", details=[{"path": "file", "message": f"{len(documents)} documents"}])
    return _dict(documents[0][1], "$")


def _is_policy_report(doc: object) -> bool:
    return (
        isinstance(doc, dict)
        and str(doc.get("apiVersion", "")).startswith("wgpolicyk8s.io/")
        and doc.get("kind") in ("PolicyReport", "ClusterPolicyReport")
    )


def _recognise(documents: list[tuple[int, Any]]) -> str:
    first = documents[0][1] if documents else None
    if isinstance(first, dict):
        if "runs" in first and ("version" in first or "$schema" in first):
            return "sarif"
        if "summaryDetails" in first or ("resources" in first and "results" in first and "apiVersion" not in first):
            return "kubescape"
        items = first.get("items") if first.get("kind") in ("List", "PolicyReportList", "ClusterPolicyReportList") else None
        if _is_policy_report(first) or (isinstance(items, list) and items and all(_is_policy_report(i) for i in items)):
            return "policyreport"
    raise ValidationFailed(
        "Unknown report format: send a Kyverno PolicyReport or ClusterPolicyReport (wgpolicyk8s.io), a Kubescape JSON "
        "result (kubescape scan --format json) or a SARIF 2.1.0 log.",
        details=[{"path": "file", "message": "not a PolicyReport, Kubescape result or SARIF 2.1.0 log"}],
    )


# --- Kyverno PolicyReport / ClusterPolicyReport --------------------------------------------------


def _policy_reports(documents: list[tuple[int, Any]]) -> Report:
    report = Report(format="policyreport", source="", generated_at=None, name="")
    names, sources, times = [], set(), []
    for index, doc in documents:
        where = f"document {index}" if len(documents) > 1 else ""
        items: list[tuple[str, Any]]
        if isinstance(doc, dict) and doc.get("kind") in ("List", "PolicyReportList", "ClusterPolicyReportList"):
            items = [(f"{where + ', ' if where else ''}items[{i}]", item) for i, item in enumerate(_list(doc.get("items"), _at(where, "items")))]
        else:
            items = [(where, doc)]
        for prefix, item in items:
            if not _is_policy_report(item):
                raise _bad(prefix or "$", "is not a wgpolicyk8s.io PolicyReport or ClusterPolicyReport")
            meta = _dict(item.get("metadata", {}), _at(prefix, "metadata"))
            name = _str(meta.get("name"), _at(prefix, "metadata.name"), required=False, limit=253)
            namespace = _str(meta.get("namespace"), _at(prefix, "metadata.namespace"), required=False, limit=253)
            names.append(f"{namespace}/{name}" if namespace else name or item["kind"])
            if (created := _time(meta.get("creationTimestamp"))) is not None:
                times.append(created)
            base = f"{prefix + ', ' if prefix else ''}results"
            for i, entry in enumerate(_list(item.get("results"), base, required=False)):
                here = f"{base}[{i}]"
                entry = _dict(entry, here)
                policy = _str(entry.get("policy"), f"{here}.policy", limit=253)
                status = _str(entry.get("result"), f"{here}.result", limit=20)
                if status not in _POLICYREPORT:
                    raise _bad(f"{here}.result", f"{status!r} is not one of {', '.join(_POLICYREPORT)}")
                subjects = []
                for j, resource in enumerate(_list(entry.get("resources"), f"{here}.resources", required=False)):
                    resource = _dict(resource, f"{here}.resources[{j}]")
                    ns = resource.get("namespace") or namespace
                    subjects.append("/".join(str(p)[:253] for p in (resource.get("kind", ""), ns, resource.get("name", "")) if p))
                if entry.get("source"):
                    sources.add(_str(entry.get("source"), f"{here}.source", limit=100))
                seconds = _dict(entry["timestamp"], f"{here}.timestamp").get("seconds") if "timestamp" in entry else None
                if isinstance(seconds, int) and (stamp := _time(seconds)) is not None:
                    times.append(stamp)
                rule = _str(entry.get("rule"), f"{here}.rule", required=False, limit=253)
                message = _str(entry.get("message"), f"{here}.message", required=False)
                _add(report, Result(here, policy, _POLICYREPORT[status], status, tuple(subjects), f"{rule}: {message}" if rule else message))
    report.source = ", ".join(sorted(sources)) or "policy report"
    report.name = ", ".join(names)[:500]
    report.generated_at = max(times) if times else None
    return report


# --- Kubescape (`kubescape scan --format json`) ----------------------------------------------------


def _kubescape_status(value: object, path: str) -> str:
    status = value.get("status") if isinstance(value, dict) else value
    if not isinstance(status, str) or status not in _KUBESCAPE:
        raise _bad(path, f"must be one of {', '.join(_KUBESCAPE)}")
    return status


def _kubescape(doc: dict[str, Any]) -> Report:
    report = Report(
        format="kubescape",
        source="kubescape" + (f" ({doc['clusterName']})" if isinstance(doc.get("clusterName"), str) and doc["clusterName"] else ""),
        generated_at=_time(_str(doc.get("generationTime"), "generationTime", required=False, limit=64)),
        name=_str(doc.get("reportGUID") or doc.get("clusterName"), "reportGUID", required=False, limit=200),
    )
    results = _list(doc.get("results"), "results", required=False)
    for i, entry in enumerate(results):
        here = f"results[{i}]"
        entry = _dict(entry, here)
        resource = _str(entry.get("resourceID"), f"{here}.resourceID", limit=500)
        for j, control in enumerate(_list(entry.get("controls"), f"{here}.controls")):
            at = f"{here}.controls[{j}]"
            control = _dict(control, at)
            key = _str(control.get("controlID"), f"{at}.controlID", limit=32)
            status = _kubescape_status(control.get("status"), f"{at}.status")
            _add(report, Result(at, key, _KUBESCAPE[status], status, (resource,), _str(control.get("name"), f"{at}.name", required=False)))
    if not results:
        # A summary-only result: one result per control of summaryDetails.
        summary = _dict(doc.get("summaryDetails", {}), "summaryDetails")
        for key, control in _dict(summary.get("controls", {}), "summaryDetails.controls").items():
            at = f"summaryDetails.controls.{str(key)[:32]}"
            control = _dict(control, at)
            status = _kubescape_status(control.get("statusInfo", control.get("status")), f"{at}.status")
            _add(report, Result(at, str(control.get("controlID") or key)[:32], _KUBESCAPE[status], status, (), _str(control.get("name"), f"{at}.name", required=False)))
    return report


# --- SARIF 2.1.0 ----------------------------------------------------------------------------------


def _sarif(doc: dict[str, Any]) -> Report:
    if doc.get("version") != "2.1.0":
        raise _bad("version", f"must be \"2.1.0\" (this is {str(doc.get('version'))[:20]!r})")
    runs = _list(doc.get("runs"), "runs")
    report = Report(format="sarif", source="", generated_at=None, name="")
    tools, times = [], []
    for r, run in enumerate(runs):
        at_run = f"runs[{r}]"
        run = _dict(run, at_run)
        driver = _dict(_dict(run.get("tool"), f"{at_run}.tool").get("driver"), f"{at_run}.tool.driver")
        tool = _str(driver.get("name"), f"{at_run}.tool.driver.name", limit=100)
        version = _str(driver.get("semanticVersion") or driver.get("version"), f"{at_run}.tool.driver.version", required=False, limit=40)
        tools.append(f"{tool} {version}".strip())
        rules = _list(driver.get("rules"), f"{at_run}.tool.driver.rules", required=False)
        for i, invocation in enumerate(_list(run.get("invocations"), f"{at_run}.invocations", required=False)):
            invocation = _dict(invocation, f"{at_run}.invocations[{i}]")
            stamp = invocation.get("endTimeUtc") or invocation.get("startTimeUtc")
            if stamp:
                times.append(_time(_str(stamp, f"{at_run}.invocations[{i}].endTimeUtc", limit=64)) or "")
        for i, result in enumerate(_list(run.get("results"), f"{at_run}.results", required=False)):
            here = f"{at_run}.results[{i}]"
            result = _dict(result, here)
            key = _sarif_rule(result, rules, here)
            kind = result.get("kind", "fail")
            if kind not in _SARIF:
                raise _bad(f"{here}.kind", f"{str(kind)[:20]!r} is not a SARIF result kind")
            message = _dict(result.get("message", {}), f"{here}.message")
            subjects = []
            for j, location in enumerate(_list(result.get("locations"), f"{here}.locations", required=False)):
                physical = _dict(location, f"{here}.locations[{j}]").get("physicalLocation")
                uri = physical.get("artifactLocation", {}).get("uri") if isinstance(physical, dict) and isinstance(physical.get("artifactLocation"), dict) else None
                if isinstance(uri, str):
                    subjects.append(uri[:500])
            _add(report, Result(here, key, _SARIF[kind], kind, tuple(subjects), _str(message.get("text"), f"{here}.message.text", required=False)))
    report.source = ", ".join(dict.fromkeys(tools))[:200]
    report.name = report.source
    report.generated_at = max(times) if times else None
    return report


def _sarif_rule(result: dict[str, Any], rules: list[Any], here: str) -> str:
    if "ruleId" in result:
        return _str(result["ruleId"], f"{here}.ruleId", limit=200)
    rule = result.get("rule")
    if isinstance(rule, dict):
        if isinstance(rule.get("id"), str) and rule["id"]:
            return str(rule["id"])[:200]
        index = rule.get("index")
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(rules) and isinstance(rules[index], dict):
            return _str(rules[index].get("id"), f"{here}.rule.index", limit=200)
    raise _bad(here, "names no rule (ruleId, rule.id or rule.index)")
