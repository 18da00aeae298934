"""Reading untrusted bytes: JSON, YAML and XML parsers with safe settings and bounded output.

* Archives and compressed payloads are refused by their magic bytes before any parser runs: a
  small zip can expand to gigabytes, and none of the formats we read is compressed.
* YAML is built straight from libyaml's event stream (``_Builder``), checked event by event: only
  the core schema's tags (no ``!!python/…``, ``!!binary``, ``!!set`` or local tags), no recursive
  aliases, at most ``limits.MAX_DEPTH`` deep and ``limits.MAX_YAML_VALUES`` values *with aliases
  expanded*, so an alias bomb ("billion laughs" in YAML) or a 19 MB flat list stops at the first
  value over the bound. Composing a node graph first (PyYAML's way) cost 42 s and +690 MB for a
  4 MB flat list before any check could run (bench/hostile.py).
* XML goes through defusedxml with DTDs, entity declarations and external references forbidden:
  the entity bomb and XXE both need a DTD, and a .tm7 file never has one.

Every refusal is a ``ValidationFailed`` that says where (line and column when the parser knows).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import defusedxml
import defusedxml.ElementTree as SafeET
import yaml

from common.errors import ValidationFailed
from threatmodel.interop import limits
from threatmodel.native import parse_json

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # noqa: TID251 - a type only; parsing goes through defusedxml

MAX_YAML_ALIASES = 1_000

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


class _Reader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's parser when PyYAML was built with it (about 25 times faster per event), else PyYAML's own.

    Only its event stream and its resolver are used: the document is built from the events by
    ``_Builder``, never composed into a node graph first.
    """


_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_PLAIN_INT = re.compile(r"^(?:0|-?[1-9][0-9]*)$")  # decimal as YAML 1.1 reads it (a leading 0 is octal there)
# The safe loader's implicit resolvers, by first character, as ``Resolver.resolve`` consults them.
_RESOLVERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: list(pairs) for first, pairs in getattr(yaml.SafeLoader, "yaml_implicit_resolvers", {}).items()
}
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE_KEY = object()  # a ``<<`` key: its value's entries are merged into the mapping


class _Open:
    """A sequence or mapping whose end event has not come yet."""

    __slots__ = ("anchor", "is_map", "items", "key", "mark", "merges", "size")

    def __init__(self, *, is_map: bool, anchor: str | None, mark: Any) -> None:
        self.is_map = is_map
        self.anchor = anchor
        self.mark = mark
        self.items: list[Any] = []  # a sequence's values, or a mapping's (key, value) pairs
        self.merges: list[Any] = []
        self.key: Any = _NO_KEY
        self.size = 1


_NO_KEY = object()


class _Builder:
    """Builds a YAML document from parser events, refusing as soon as a bound is crossed.

    Each event costs O(1): the depth is the stack of open collections, the size counts every
    value with aliases expanded (an alias adds the size of what it names), so a flat list of a
    million items or an alias bomb stops at the first value over ``limits.MAX_YAML_VALUES`` — no node graph is
    composed and nothing is built past the bound. Tags outside the core schema, recursive and
    undefined aliases, duplicate anchors, unhashable keys and second documents are refused as
    PyYAML's composer and safe constructor would.
    """

    def __init__(self, reader: Any, *, max_documents: int = 1) -> None:
        self.reader = reader
        # A stream (``max_documents`` > 1) yields every document with its position; the bounds on
        # values and aliases hold over the whole stream, anchors only within their document.
        self.max_documents = max_documents
        self.index = 0
        self.documents: list[tuple[int, Any]] = []
        self.stack: list[_Open] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.total = 0
        self.aliases = 0
        self.result: Any = None

    def build(self) -> Any:
        get_event = self.reader.get_event
        handlers: dict[type, Any] = {
            yaml.ScalarEvent: self._scalar,
            yaml.SequenceStartEvent: self._start,
            yaml.MappingStartEvent: self._start,
            yaml.SequenceEndEvent: self._end,
            yaml.MappingEndEvent: self._end,
            yaml.AliasEvent: self._alias,
        }
        while True:
            event = get_event()
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)
            elif isinstance(event, yaml.DocumentStartEvent):
                self.index += 1
                if self.index > self.max_documents:
                    if self.max_documents == 1:
                        raise _yaml_error("The file holds more than one YAML document; send one.", event)
                    raise _yaml_error(f"is one too many: a file holds at most {self.max_documents} documents", event)
                self.anchors.clear()
            elif isinstance(event, yaml.DocumentEndEvent):
                if self.result is not None:
                    self.documents.append((self.index, self.result))
                self.result = None
            elif isinstance(event, yaml.StreamEndEvent):
                return self.documents[0][1] if self.max_documents == 1 and self.documents else None

    def _count(self, size: int, event: Any) -> None:
        self.total += size
        if self.total > limits.MAX_YAML_VALUES:
            how = " through its aliases (an alias bomb)" if self.aliases else ""
            raise _yaml_error(
                f"The YAML document holds more than {limits.MAX_YAML_VALUES} values{how}; it is refused.", event
            )

    def _tag(self, event: Any, default: str) -> str:
        tag = event.tag if event.tag not in (None, "!") else default
        if tag not in _CORE_TAGS:
            raise _yaml_error(f"The YAML tag {tag[:60]!r} is not allowed: only plain values, lists and maps.", event)
        return str(tag)

    def _anchor(self, anchor: str | None, event: Any) -> None:
        if anchor is not None and (anchor in self.anchors or anchor in self.open_anchors):
            raise _yaml_error(f"The YAML anchor &{anchor[:60]} is defined twice.", event)

    def _start(self, event: Any) -> None:
        is_map = isinstance(event, yaml.MappingStartEvent)
        tag = self._tag(event, _MAP if is_map else _SEQ)
        if tag != (_MAP if is_map else _SEQ):
            raise _yaml_error(f"The YAML tag {tag[:60]!r} does not fit a {'mapping' if is_map else 'sequence'}.", event)
        if len(self.stack) >= limits.MAX_DEPTH:
            raise _yaml_error(
                f"The YAML document is nested more than {limits.MAX_DEPTH} levels deep; it is refused.", event
            )
        self._anchor(event.anchor, event)
        self._count(1, event)
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Open(is_map=is_map, anchor=event.anchor, mark=event.start_mark))

    def _end(self, event: Any) -> None:
        done = self.stack.pop()
        value: Any
        if done.is_map:
            merged: list[tuple[Any, Any]] = []
            for source in done.merges:
                merged.extend(source.items())
            value = dict(merged)
            value.update(done.items)
        else:
            value = done.items
        if done.anchor is not None:
            self.open_anchors.discard(done.anchor)
            self.anchors[done.anchor] = (value, done.size)
        self._add(value, done.size, done.mark)

    def _scalar(self, event: Any) -> None:
        # The hot path (most events are scalars): resolve and construct inline, without a node.
        if event.anchor is not None:
            self._anchor(event.anchor, event)
        self.total += 1
        if self.total > limits.MAX_YAML_VALUES:
            self._count(0, event)
        text = event.value
        tag = event.tag
        value: Any = text
        if tag is None or tag == "!":
            tag = _STR
            if event.implicit[0]:  # a plain scalar: the resolvers registered for its first character decide
                if _PLAIN_INT.match(text):  # what int's resolver says of it, and no resolver before int matches it
                    tag, value = _INT, int(text)
                else:
                    for candidate, pattern in _RESOLVERS.get(text[:1], ()):
                        if pattern.match(text):
                            tag = candidate
                            break
        if tag is not _STR and tag != _STR and tag != _TIMESTAMP and value is text:
            value = self._construct(tag, event)  # timestamps stay the text they were written as: JSON has no dates
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        stack = self.stack
        if stack and not stack[-1].is_map and value is not _MERGE_KEY:
            top = stack[-1]
            top.size += 1
            top.items.append(value)
        else:
            self._add(value, 1, event.start_mark)

    def _construct(self, tag: str, event: Any) -> Any:
        text = event.value
        if tag not in _CORE_TAGS:
            raise _yaml_error(f"The YAML tag {tag[:60]!r} is not allowed: only plain values, lists and maps.", event)
        if tag == _MERGE:
            return _MERGE_KEY
        if tag in (_SEQ, _MAP):
            raise _yaml_error(f"The YAML tag {tag} does not fit a plain value.", event)
        try:
            # The constructor's own function, not construct_object: that one keeps every node it builds.
            return self.reader.yaml_constructors[tag](self.reader, yaml.ScalarNode(tag, text, event.start_mark, event.end_mark))
        except (yaml.YAMLError, ValueError, KeyError) as exc:
            raise _yaml_error(f"The YAML value {text[:40]!r} is not a valid {tag.rsplit(':', 1)[-1]}.", event) from exc

    def _alias(self, event: Any) -> None:
        name = event.anchor
        if name in self.open_anchors:
            raise _yaml_error("The YAML document has an alias that refers to itself (a recursive structure).", event)
        if name not in self.anchors:
            raise _yaml_error(f"The YAML alias *{str(name)[:60]} names no anchor.", event)
        self.aliases += 1
        if self.aliases > MAX_YAML_ALIASES:
            raise _yaml_error(f"The YAML document uses more than {MAX_YAML_ALIASES} aliases; it is refused.", event)
        value, size = self.anchors[name]
        self._count(size, event)
        self._add(value, size, event.start_mark)

    def _add(self, value: Any, size: int, mark: Any) -> None:
        top = self.stack[-1] if self.stack else None
        if value is _MERGE_KEY and (top is None or not top.is_map or top.key is not _NO_KEY):
            raise _yaml_error(
                "A plain << is a YAML merge key: it may only be a mapping's key (quote it to mean the text).", mark
            )
        if top is None:
            self.result = value
            return
        top.size += size
        if not top.is_map:
            top.items.append(value)
            return
        if top.key is _NO_KEY:
            if isinstance(value, list | dict):
                raise _yaml_error("A YAML mapping has a list or a mapping as a key; keys are plain values.", mark)
            top.key = value
            return
        key, top.key = top.key, _NO_KEY
        if key is _MERGE_KEY:
            self._merge(top, value, mark)
        else:
            top.items.append((key, value))

    def _merge(self, top: _Open, value: Any, mark: Any) -> None:
        # As PyYAML's flatten_mapping: of a list of mappings the first listed wins; keys written
        # in the mapping itself win over every merged one.
        sources = [value] if isinstance(value, dict) else list(reversed(value)) if isinstance(value, list) else None
        if sources is None or not all(isinstance(source, dict) for source in sources):
            raise _yaml_error("A YAML merge key (<<) must name a mapping or a list of mappings.", mark)
        top.merges.extend(sources)


def _yaml_error(message: str, node_or_mark: Any) -> ValidationFailed:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "$"
    return ValidationFailed(message, details=[{"path": where, "message": message}])


def load_yaml(raw: bytes) -> Any:
    """Parse one YAML document safely and within the shared bounds (see the module docstring)."""
    decode_text(raw)  # a clear error for what is not UTF-8; libyaml then reads the bytes themselves (no copy as text)
    reader = _Reader(raw.removeprefix(b"\xef\xbb\xbf"))
    try:
        return _Builder(reader).build()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(f"The file is not valid YAML: {exc.problem or exc.context}.", exc.problem_mark) from exc
    except yaml.YAMLError as exc:
        raise ValidationFailed(
            "The file is not valid YAML.", details=[{"path": "$", "message": str(exc)[:200]}]
        ) from exc
    finally:
        reader.dispose()


MAX_YAML_DOCUMENTS = 5_000  # a stream of manifests; 2,000 workloads with their Services fit


def load_yaml_documents(raw: bytes, *, max_documents: int = MAX_YAML_DOCUMENTS) -> list[tuple[int, Any]]:
    """Parse a multi-document YAML stream (``---``-separated manifests) safely, every document checked.

    Built from events like ``load_yaml``, with the bounds held over the whole stream: at most
    ``max_documents`` documents, ``MAX_YAML_ALIASES`` aliases and ``limits.MAX_YAML_VALUES`` values
    with aliases expanded, so many small alias bombs are refused like one large one. Each document
    comes with its position in the stream (counted from 1); empty documents (a trailing ``---``)
    are dropped. An error names the document, line and column.
    """
    decode_text(raw)
    reader = _Reader(raw.removeprefix(b"\xef\xbb\xbf"))
    builder = _Builder(reader, max_documents=max_documents)
    try:
        builder.build()
    except ValidationFailed as exc:
        raise _stream_error(builder.index, exc.message.rstrip("."), exc.details[0]["path"] if exc.details else "") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise _stream_error(max(builder.index, 1), f"is not valid YAML: {exc.problem or exc.context}", where) from exc
    except yaml.YAMLError as exc:
        raise _stream_error(max(builder.index, 1), f"is not valid YAML: {str(exc)[:200]}", "") from exc
    finally:
        reader.dispose()
    return builder.documents


def _stream_error(index: int, problem: str, where: str) -> ValidationFailed:
    path = f"document {index}" + (f", {where}" if where and where != "$" else "")
    joined = f" {problem}" if problem.startswith("is ") else f": {problem}"
    return ValidationFailed(f"Document {index} of the YAML stream{joined}.", details=[{"path": path, "message": problem}])


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
            "The XML file declares entities; it is refused.",
            details=[{"path": "$", "message": "entity declarations are not allowed"}],
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
