"""One import entry point for every format: refuse what must not be parsed, detect, translate, write.

``import_model`` is what the import endpoint calls. The order matters for safety: the size has
been bounded by the caller, archives are refused by their magic bytes, the parser for the format
runs with safe settings, the translation collects every problem with its path, and only then does
``native_import_data`` write — in one transaction, through the diagram write path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from common.errors import ValidationFailed
from stride.models import Technique
from threatmodel.interop import otm, safe_parse, threat_dragon
from threatmodel.interop.registry import IMPORTS
from threatmodel.interop.tmt import tmt_translate
from threatmodel.interop.translate import Summary, Translation
from threatmodel.native import FORMAT as NATIVE_FORMAT
from threatmodel.native import native_import_data

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # noqa: TID251 - a type only

    from django.contrib.auth.models import User

    from threatmodel.models import Team, ThreatModel

IMPORT_FORMATS = tuple(IMPORTS)


@dataclass(frozen=True)
class ImportOutcome:
    model: ThreatModel
    format: str
    warnings: list[str]
    summary: Summary


def _refuse(message: str, detail: str, path: str = "$") -> ValidationFailed:
    return ValidationFailed(message, details=[{"path": path, "message": detail}])


def _detect_json(data: Any) -> str:
    if isinstance(data, list):
        raise _refuse("The file is a JSON list, not a threat model.", "must be an object (a model file is a JSON object)")
    if not isinstance(data, dict):
        raise _refuse("The file is not a threat model.", "must be an object (a model file is a JSON object)")
    if data.get("format") == NATIVE_FORMAT or ("format" in data and not {"otmVersion", "summary", "detail"} & set(data)):
        return "json"  # the native importer says what is wrong with its format field
    if "otmVersion" in data:
        return "otm"
    if "summary" in data or "detail" in data or ("templateMetadata" in data and "model" in data):
        return "threat-dragon"
    if "ThreatModel" in data:
        raise _refuse(
            "This is a JSON rendering of a Microsoft Threat Modeling Tool model. Import the .tm7 file itself.",
            "JSON dump of a .tm7 file",
        )
    if data.get("bomFormat") == "CycloneDX" or ("scope" in data and "data_flows" in data):
        raise _refuse(
            "TM-BOM and CycloneDX threat models are not an import format of this product "
            "(supported: native JSON, OTM, Threat Dragon, Microsoft TMT).",
            "TM-BOM / CycloneDX",
        )
    raise _refuse(
        "The file's format was not recognised. Supported: native JSON, Open Threat Model (JSON or YAML), "
        "Threat Dragon v1/v2 JSON, Microsoft TMT .tm7.",
        "no otmVersion, summary/detail or format key",
    )


def _translate(fmt: str, raw: bytes) -> tuple[str, Translation | Any]:
    """``(format, translation)`` for another tool's format, or ``("json", parsed data)`` for ours."""
    first = safe_parse.first_significant_byte(raw)
    if not first:
        raise _refuse("The file is empty.", "no content: expected a JSON, YAML or XML document")
    if first == b"<":
        if fmt not in ("", "tmt"):
            raise _refuse(f"The file is XML, not {fmt}.", "XML content", "format")
        root: Element = safe_parse.load_xml(raw)
        return "tmt", tmt_translate(root)
    if fmt == "tmt":
        raise _refuse("A .tm7 file is XML; this file is not.", "not XML")
    if first in (b"{", b"["):
        data = safe_parse.load_json(raw)
    elif fmt in ("", "otm"):
        data = safe_parse.load_yaml(raw)
    else:
        raise _refuse(f"The file is not JSON, so it cannot be {fmt}.", "not JSON")
    detected = fmt or _detect_json(data)
    translators: dict[str, Callable[[Any], Translation]] = {
        "otm": otm.otm_translate,
        "threat-dragon": threat_dragon.td_translate,
    }
    if detected == "json":
        return "json", data
    return detected, translators[detected](data)


def _drop_unknown_techniques(translation: Translation) -> None:
    wanted = {t for threat in translation.document["threats"] for t in threat["techniques"]}
    if not wanted:
        return
    known = set(Technique.objects.filter(attack_id__in=wanted).values_list("attack_id", flat=True))
    missing = sorted(wanted - known)
    if not missing:
        return
    for threat in translation.document["threats"]:
        threat["techniques"] = [t for t in threat["techniques"] if t in known]
    shown = ", ".join(missing[:10]) + ("…" if len(missing) > 10 else "")
    translation.warnings.append(f"ATT&CK technique(s) {shown} are not in this server's catalogue and were dropped from their threats.")


def _native_summary(data: Any) -> Summary:
    summary = Summary()
    for diagram in data.get("diagrams", []) if isinstance(data, dict) else []:
        summary.diagrams += 1
        for element in diagram.get("elements", []):
            if element.get("kind") == "trust_boundary":
                summary.boundaries += 1
            else:
                summary.elements += 1
        summary.flows += len(diagram.get("flows", []))
    for threat in data.get("threats", []) if isinstance(data, dict) else []:
        summary.threats += 1
        summary.threats_by_stride[str(threat.get("stride"))] += 1
    return summary


def import_model(*, actor: User, team: Team, raw: bytes, fmt: str | None = None, name: str | None = None) -> ImportOutcome:
    """Create a model in ``team`` from a file in any import format (named, or detected when ``fmt`` is None)."""
    wanted = (fmt or "").strip().lower()
    if wanted and wanted not in IMPORT_FORMATS:
        raise _refuse("Unknown import format.", f"must be one of {', '.join(IMPORT_FORMATS)}", "format")
    safe_parse.refuse_archives(raw)
    detected, result = _translate(wanted, raw)
    if detected == "json":
        model, warnings = native_import_data(actor=actor, team=team, data=result, name=name)
        return ImportOutcome(model, "json", warnings, _native_summary(result))
    translation: Translation = result
    _drop_unknown_techniques(translation)
    try:
        model, warnings = native_import_data(
            actor=actor, team=team, data=translation.document, name=name, source_format=translation.format
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, details=[{"path": translation.locate(d["path"]), "message": d["message"]} for d in exc.details]
        ) from exc
    return ImportOutcome(model, translation.format, [*translation.warnings, *warnings], translation.summary)
