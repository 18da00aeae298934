"""The API's request parsers: DRF's, with the bounds of ``common.bounded`` applied to every body.

DRF's JSON parser hands the body to ``json.load`` unmeasured: a body nested 100,000 deep raised
``RecursionError`` (a 500, on the anonymous login too, because the CSRF check reads the body), and
a lone surrogate or a NUL in any string reached the database and failed in the middle of a write.
These parsers refuse such bodies with a 400 in the one error shape, naming the place, before any
view or serializer sees them: JSON by its depth, size and characters; form and multipart fields by
their characters (a NUL can arrive as ``%00``; decoding already replaces what is not UTF-8).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import ParseError

from common import bounded
from common.errors import ErrorDetail, ValidationFailed


class BodyRefused(ParseError):
    """A request body refused before any view read it; ``details`` name the places."""

    def __init__(
        self, message: str, details: list[ErrorDetail], status_code: int = status.HTTP_400_BAD_REQUEST
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.status_code = status_code


def _fields_refused(data: Mapping[str, Any]) -> None:
    problems: list[ErrorDetail] = []
    for key in data:
        message = bounded.text_problem(key)
        if message:
            problems.append({"path": f"{key!r} (the name of a field)", "message": message})
            continue
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        for value in values:
            message = bounded.text_problem(value) if isinstance(value, str) else None
            if message:
                problems.append({"path": key, "message": message})
    if problems:
        raise BodyRefused(
            f"The request has {len(problems)} field(s) that cannot be stored (NUL characters or lone surrogates); nothing was changed.",
            problems[: bounded.MAX_PROBLEMS],
        )


class BoundedJSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any] | None, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        limit = settings.THREATMODEL_IMPORT_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyRefused(
                f"The request body is larger than {limit} bytes.",
                [{"path": "$", "message": f"at most {limit} bytes"}],
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            return bounded.load_json(raw, what="The request body", allow_nan=not self.strict)
        except ValidationFailed as exc:
            raise BodyRefused(exc.message, exc.details) from exc


class BoundedFormParser(parsers.FormParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _fields_refused(data)
        return data


class BoundedMultiPartParser(parsers.MultiPartParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        _fields_refused(parsed.data)
        return parsed
