"""Reading untrusted bytes: JSON, YAML and XML parsers with safe settings and bounded output.

* Archives and compressed payloads are refused by their magic bytes before any parser runs: a
  small zip can expand to gigabytes, and none of the formats we read is compressed.
* YAML is composed with PyYAML's safe loader, then checked before anything is built from it: only
  the core schema's tags (no ``!!python/…``, ``!!binary``, ``!!set`` or local tags), no recursive
  aliases, and a bound on the document's size *with aliases expanded*, so an alias bomb ("billion
  laughs" in YAML) is refused instead of exhausting the walk that follows.
* XML goes through defusedxml with DTDs, entity declarations and external references forbidden:
  the entity bomb and XXE both need a DTD, and a .tm7 file never has one.

Every refusal is a ``ValidationFailed`` that says where (line and column when the parser knows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import defusedxml
import defusedxml.ElementTree as SafeET
import yaml

from common.errors import ValidationFailed
from threatmodel.native import parse_json

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # noqa: TID251 - a type only; parsing goes through defusedxml

MAX_YAML_NODES = 500_000  # nodes after alias expansion; real OTM files have a few thousand
MAX_YAML_ALIASES = 1_000
MAX_YAML_DEPTH = 200  # levels of nesting; a Kubernetes manifest has about 12

_MAGIC = (
    (b"PK\x03\x04", "a zip archive"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x1f\x8b", "gzip-compressed"),
    (b"BZh", "bzip2-compressed"),
    (b"\xfd7zXZ\x00", "xz-compressed"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x04\x22\x4d\x18", "lz4-compressed"),
)

_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:merge",
    "tag:yaml.org,2002:timestamp",
}


def refuse_archives(raw: bytes) -> None:
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise ValidationFailed(
                f"The file is {what}. Upload the model file itself (JSON, YAML or .tm7 XML), not an archive.",
                details=[{"path": "$", "message": f"{what}; archives and compressed files are not read"}],
            )


def first_significant_byte(raw: bytes) -> bytes:
    """The first byte that is not whitespace or a byte-order mark (b"" for an empty file)."""
    text = raw[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()
    return text[:1]


def decode_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            "The file is not UTF-8 text.", details=[{"path": "$", "message": f"invalid byte at offset {exc.start}"}]
        ) from exc


# --- JSON --------------------------------------------------------------------------------------------------

load_json = parse_json


# --- YAML --------------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """The safe loader, with timestamps kept as the text they were written as (JSON has no dates)."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    value = loader.construct_scalar(node)  # type: ignore[arg-type]
    return str(value)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)

# Manifest streams can be megabytes: libyaml's parser (safe constructor, same checks; it refuses
# more than 1,000 levels of nesting itself) is several times faster than the pure-Python one.
_StreamLoader: type[yaml.SafeLoader] = _Loader
if yaml.__with_libyaml__:

    class _CStreamLoader(yaml.CSafeLoader):
        """libyaml's safe loader with timestamps kept as text, like ``_Loader``."""

    _CStreamLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
    _StreamLoader = _CStreamLoader  # type: ignore[assignment]


def _yaml_error(message: str, node_or_mark: Any) -> ValidationFailed:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "$"
    return ValidationFailed(message, details=[{"path": where, "message": message}])


def _check_yaml_graph(root: yaml.Node, *, aliases_before: int = 0) -> tuple[int, int]:
    """Refuse tags outside the core schema, recursive aliases and oversized alias expansions.

    Returns the document's size with aliases expanded and the aliases counted so far (from
    ``aliases_before``), so a stream of documents can hold its whole to the same bounds.
    """
    sizes: dict[int, int] = {}
    aliases = aliases_before
    # Iterative post-order walk: a deep document must not hit Python's recursion limit.
    stack: list[tuple[yaml.Node, bool, int]] = [(root, False, 1)]
    on_path: set[int] = set()
    while stack:
        node, children_done, depth = stack.pop()
        ident = id(node)
        if children_done:
            on_path.discard(ident)
            total = 1
            for child in _children(node):
                total += sizes[id(child)]
                if total > MAX_YAML_NODES:
                    raise _yaml_error(
                        f"The YAML document expands to more than {MAX_YAML_NODES} values through its aliases "
                        "(an alias bomb); it is refused.",
                        node,
                    )
            sizes[ident] = total
            continue
        if ident in sizes:
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise _yaml_error(f"The YAML document uses more than {MAX_YAML_ALIASES} aliases; it is refused.", node)
            continue
        if ident in on_path:
            raise _yaml_error("The YAML document has an alias that refers to itself (a recursive structure).", node)
        if node.tag not in _CORE_TAGS:
            raise _yaml_error(f"The YAML tag {node.tag[:60]!r} is not allowed: only plain values, lists and maps.", node)
        if depth > MAX_YAML_DEPTH:
            raise _yaml_error(f"The YAML document is nested more than {MAX_YAML_DEPTH} levels deep; it is refused.", node)
        on_path.add(ident)
        stack.append((node, True, depth))
        for child in _children(node):
            stack.append((child, False, depth + 1))
    return sizes[id(root)], aliases


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_yaml(raw: bytes) -> Any:
    """Parse one YAML document safely (see the module docstring)."""
    text = decode_text(raw)
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            raise _yaml_error(f"The file is not valid YAML: {exc.problem or exc.context}.", exc.problem_mark) from exc
        except yaml.YAMLError as exc:
            raise ValidationFailed("The file is not valid YAML.", details=[{"path": "$", "message": str(exc)[:200]}]) from exc
        except RecursionError as exc:
            raise ValidationFailed(
                "The file is nested too deeply to be a threat model.", details=[{"path": "$", "message": "too deeply nested"}]
            ) from exc
        if node is None:
            return None
        _check_yaml_graph(node)
        try:
            return loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise ValidationFailed("The file is not valid YAML.", details=[{"path": "$", "message": str(exc)[:200]}]) from exc
        except RecursionError as exc:
            raise ValidationFailed(
                "The file is nested too deeply to be a threat model.", details=[{"path": "$", "message": "too deeply nested"}]
            ) from exc
    finally:
        loader.dispose()


MAX_YAML_DOCUMENTS = 5_000  # a stream of manifests; 2,000 workloads with their Services fit


def load_yaml_documents(raw: bytes, *, max_documents: int = MAX_YAML_DOCUMENTS) -> list[tuple[int, Any]]:
    """Parse a multi-document YAML stream (``---``-separated manifests) safely, every document checked.

    The bounds hold over the whole stream: at most ``max_documents`` documents, ``MAX_YAML_ALIASES``
    aliases and ``MAX_YAML_NODES`` values with aliases expanded, so many small alias bombs are
    refused like one large one. Each document comes with its position in the stream (counted from
    1); empty documents (a trailing ``---``) are dropped. An error names the document, line and column.
    """
    text = decode_text(raw)
    loader = _StreamLoader(text)
    documents: list[tuple[int, Any]] = []
    total = aliases = 0
    index = 0
    try:
        while True:
            index += 1
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
            except yaml.MarkedYAMLError as exc:
                raise _stream_error(
                    index, f"is not valid YAML: {exc.problem or exc.context}", exc.problem_mark
                ) from exc
            except yaml.YAMLError as exc:
                raise _stream_error(index, f"is not valid YAML: {str(exc)[:200]}", None) from exc
            except RecursionError as exc:
                raise _stream_error(index, "is nested too deeply", None) from exc
            if index > max_documents:
                raise _stream_error(index, f"is one too many: a file holds at most {max_documents} documents", node)
            if node is None:
                continue
            try:
                size, aliases = _check_yaml_graph(node, aliases_before=aliases)
            except ValidationFailed as exc:
                raise ValidationFailed(
                    f"Document {index}: {exc.message}",
                    details=[{"path": f"document {index}, {d['path']}", "message": d["message"]} for d in exc.details],
                ) from exc
            total += size
            if total > MAX_YAML_NODES:
                raise _stream_error(index, f"takes the file over {MAX_YAML_NODES} values (aliases expanded)", node)
            try:
                documents.append((index, loader.construct_document(node)))
            except yaml.YAMLError as exc:
                raise _stream_error(index, f"is not valid YAML: {str(exc)[:200]}", node) from exc
            except RecursionError as exc:
                raise _stream_error(index, "is nested too deeply", node) from exc
    finally:
        loader.dispose()
    return [(position, document) for position, document in documents if document is not None]


def _stream_error(index: int, problem: str, node_or_mark: Any) -> ValidationFailed:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    where = f"document {index}" + (f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "")
    return ValidationFailed(
        f"Document {index} of the YAML stream {problem}.", details=[{"path": where, "message": problem}]
    )


# --- XML ---------------------------------------------------------------------------------------------------


def load_xml(raw: bytes) -> Element:
    """Parse XML with DTDs, entities and external references forbidden."""
    try:
        return SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden as exc:
        raise ValidationFailed(
            "The XML file declares a document type (DTD). Model files have none, and a DTD can hide entity "
            "expansion bombs or references to other files; it is refused.",
            details=[{"path": "line 1", "message": "DOCTYPE is not allowed"}],
        ) from exc
    except defusedxml.EntitiesForbidden as exc:
        raise ValidationFailed(
            "The XML file declares entities; it is refused.", details=[{"path": "$", "message": "entity declarations are not allowed"}]
        ) from exc
    except defusedxml.ExternalReferenceForbidden as exc:
        raise ValidationFailed(
            "The XML file refers to an external resource; it is refused.",
            details=[{"path": "$", "message": "external references are not allowed"}],
        ) from exc
    except SafeET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ValidationFailed(
            "The file is not well-formed XML.",
            details=[{"path": f"line {line}, column {column + 1}", "message": str(exc).split(":")[0][:200]}],
        ) from exc
