"""One import entry point for every format: refuse what must not be parsed, parse, recognise, translate, write.

``import_model`` is what the import endpoint calls. The order matters for safety: the size has
been bounded by the caller, archives are refused by their magic bytes, each file is parsed with
safe settings by its syntax (XML, JSON or YAML, from its first significant byte), the format is
the one named or the first of the registry that recognises the parsed document, its translator
collects every problem with its path, and only then does ``native_import_data`` write — in one
transaction, through the diagram write path. Nothing here knows a format by name: the registry
(``registry.py``) carries each one's behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from common.errors import ErrorDetail, ValidationFailed
from stride.models import Technique
from threatmodel.interop import limits, safe_parse
from threatmodel.interop.registry import IMPORTS, ImportFormat, SourceDocument, SourceFile, Syntax
from threatmodel.interop.translate import Summary, Translation
from threatmodel.native import native_import_data

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from threatmodel.models import Team, ThreatModel

IMPORT_FORMATS = tuple(IMPORTS)
_SYNTAX_NAMES: dict[Syntax, str] = {"json": "JSON", "yaml": "YAML", "xml": "XML"}


@dataclass(frozen=True)
class ImportOutcome:
    model: ThreatModel
    format: str
    warnings: list[str]
    summary: Summary


def _refuse(message: str, detail: str, path: str = "$") -> ValidationFailed:
    return ValidationFailed(message, details=[{"path": path, "message": detail}])


# Files that look like a model but are in no import format: how to tell, and what to tell the user.
_NOT_IMPORT_FORMATS: tuple[tuple[Callable[[dict[str, Any]], bool], str, str], ...] = (
    (
        lambda data: "ThreatModel" in data,
        "This is a JSON rendering of a Microsoft Threat Modeling Tool model. Import the .tm7 file itself.",
        "JSON dump of a .tm7 file",
    ),
    (
        lambda data: data.get("bomFormat") == "CycloneDX" or ("scope" in data and "data_flows" in data),
        "TM-BOM and CycloneDX threat models are not an import format of this product "
        "(supported: native JSON, OTM, Threat Dragon, Microsoft TMT).",
        "TM-BOM / CycloneDX",
    ),
)


def _chosen(fmt: str | None) -> ImportFormat | None:
    wanted = (fmt or "").strip().lower()
    if not wanted:
        return None
    if wanted not in IMPORTS:
        raise _refuse("Unknown import format.", f"must be one of {', '.join(IMPORT_FORMATS)}", "format")
    return IMPORTS[wanted]


def _syntax(raw: bytes) -> Syntax:
    first = safe_parse.first_significant_byte(raw)
    if not first:
        raise _refuse("The file is empty.", "no content: expected a JSON, YAML or XML document")
    if first == b"<":
        return "xml"
    return "json" if first in (b"{", b"[") else "yaml"


def _syntax_refusal(syntax: Syntax, chosen: ImportFormat) -> ValidationFailed:
    accepted = " or ".join(_SYNTAX_NAMES[name] for name in sorted(chosen.syntaxes))
    if syntax == "xml":
        return _refuse(f"The file is XML, not {chosen.name}.", "XML content", "format")
    if chosen.syntaxes == {"xml"}:
        return _refuse(f"A {chosen.label} file is XML; this file is not.", "not XML")
    return _refuse(f"The file is not {accepted}, so it cannot be {chosen.name}.", f"not {accepted}")


def _parse_file(source: SourceFile, chosen: ImportFormat | None) -> list[SourceDocument]:
    safe_parse.refuse_archives(source.raw)
    if chosen is not None and chosen.parse is not None:
        return chosen.parse(source)
    syntax = _syntax(source.raw)
    if chosen is not None and syntax not in chosen.syntaxes:
        raise _syntax_refusal(syntax, chosen)
    if syntax == "xml":
        return [SourceDocument("xml", safe_parse.load_xml(source.raw), source.name)]
    if syntax == "json":
        return [SourceDocument(syntax, safe_parse.load_json(source.raw), source.name)]
    try:
        return [SourceDocument(syntax, safe_parse.load_yaml(source.raw), source.name)]
    except ValidationFailed as exc:
        if "more than one YAML document" not in exc.message:
            raise
    # A YAML stream of several documents (Kubernetes manifests): each is recognised on its own.
    return [SourceDocument(syntax, value, source.name, index) for index, value in safe_parse.load_yaml_documents(source.raw)]


def precheck_files(*, files: Sequence[SourceFile], fmt: str | None = None) -> None:
    """What an upload a worker will import is refused for in the request: an unknown format, too many files
    for it, an archive, a syntax the format does not read, and anything the bounded parsers stop (depth,
    values, NUL characters) — those stop within their bounds, so a hostile file never reaches a worker.
    Translating and writing, the long part of a legitimate large import, is left to the worker."""
    chosen = _chosen(fmt)
    if len(files) > 1 and chosen is not None and not chosen.several_files:
        raise _refuse(f"{chosen.label} is read one file at a time.", f"{len(files)} files were sent", "file")
    _refuse_bad_strings([document for source in files for document in _parse_file(source, chosen)])


def parse_upload(source: SourceFile, chosen: ImportFormat) -> list[SourceDocument]:
    """One file of a named format as its documents, every string checked (for re-imports that do not create a model)."""
    documents = _parse_file(source, chosen)
    _refuse_bad_strings(documents)
    return documents


def _refuse_bad_strings(documents: Sequence[SourceDocument]) -> None:
    """NUL characters and lone surrogates anywhere in a JSON or YAML file (XML's parser refuses both itself)."""
    several = len({document.file for document in documents}) > 1
    streams = len(documents) > len({document.file for document in documents})  # a file of several YAML documents
    problems: list[ErrorDetail] = []
    for document in documents:
        if document.syntax != "xml":
            name = document.file or "the file"
            prefix = f"{name}, document {document.index}: " if streams else f"{document.file}: " if several else ""
            problems += [{"path": prefix + p["path"], "message": p["message"]} for p in limits.string_problems(document.value)]
    if problems:
        raise ValidationFailed(
            f"The file has {len(problems)} text(s) that cannot be stored (NUL characters or lone surrogates); nothing was imported.",
            details=problems[: limits.MAX_PROBLEMS],
        )


def _unrecognised(value: Any) -> ValidationFailed:
    if isinstance(value, list):
        return _refuse(
            "The file is a JSON list, not a threat model.", "must be an object (a model file is a JSON object)"
        )
    if not isinstance(value, dict):
        return _refuse("The file is not a threat model.", "must be an object (a model file is a JSON object)")
    for looks_like, message, detail in _NOT_IMPORT_FORMATS:
        if looks_like(value):
            return _refuse(message, detail)
    names = ", ".join(fmt.label for fmt in IMPORTS.values())
    return _refuse(
        f"The file's format was not recognised. Supported: {names}.", "no otmVersion, summary/detail or format key"
    )


def _recognise(documents: Sequence[SourceDocument]) -> ImportFormat:
    """The first format of the registry that reads these documents' syntax and recognises every one."""
    several = len(documents) > 1
    for candidate in IMPORTS.values():
        if several and not candidate.several_files:
            continue
        if all(doc.syntax in candidate.syntaxes and candidate.sniff(doc.value) for doc in documents):
            return candidate
    raise _unrecognised(documents[0].value)


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
    translation.warnings.append(
        f"ATT&CK technique(s) {shown} are not in this server's catalogue and were dropped from their threats."
    )


def _write(*, actor: User, team: Team, name: str | None, fmt: ImportFormat, translation: Translation) -> ImportOutcome:
    if translation.lenient:
        _drop_unknown_techniques(translation)
    try:
        model, warnings = native_import_data(
            actor=actor, team=team, data=translation.document, name=name, source_format=translation.format
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, details=[{"path": translation.locate(d["path"]), "message": d["message"]} for d in exc.details]
        ) from exc
    return ImportOutcome(model, fmt.name, [*translation.warnings, *warnings], translation.summary)


def import_model(
    *,
    actor: User,
    team: Team,
    raw: bytes | None = None,
    files: Sequence[SourceFile] = (),
    fmt: str | None = None,
    name: str | None = None,
    on_step: Callable[[str, int], None] | None = None,
) -> ImportOutcome:
    """Create a model in ``team`` from one file (``raw``) or several (``files``) in an import format.

    The format is ``fmt`` when given, else the one the registry recognises in the parsed files.
    ``on_step(step, percent)`` hears where a long import is (the import jobs report it).
    """
    if on_step is not None:
        on_step("reading and checking the files", 10)
    reader, translation = translate_files(files=list(files) or [SourceFile("", raw or b"")], fmt=fmt)
    if on_step is not None:
        on_step("writing the model and analysing it", 50)
    return _write(actor=actor, team=team, name=name, fmt=reader, translation=translation)


def translate_files(*, files: Sequence[SourceFile], fmt: str | None = None) -> tuple[ImportFormat, Translation]:
    """Parse, check and translate files into the native document, writing nothing (the import and the gate)."""
    chosen = _chosen(fmt)
    sources = list(files)
    if len(sources) > 1 and chosen is not None and not chosen.several_files:
        raise _refuse(f"{chosen.label} is read one file at a time.", f"{len(sources)} files were sent", "file")
    documents = [document for source in sources for document in _parse_file(source, chosen)]
    _refuse_bad_strings(documents)
    reader = chosen or _recognise(documents)
    return reader, reader.translate(documents)
