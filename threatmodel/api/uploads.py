"""The files of a multipart upload, bounded: what the import and the manifests re-import read.

Several files travel under the one field name ``file`` (``request.FILES.getlist("file")``); their
sizes add up against the one import limit, each read at most one byte past what is left, so a
large upload is refused without being held in memory whole.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request

from common.errors import PayloadTooLarge, ValidationFailed
from threatmodel.interop.sources import SourceFile

MAX_FILES = 500


def uploaded_files(request: Request) -> list[SourceFile]:
    uploads = request.FILES.getlist("file")
    if not uploads:
        raise ValidationFailed("Attach the file as 'file'.", details=[{"path": "file", "message": "is required"}])
    if len(uploads) > MAX_FILES:
        raise ValidationFailed(
            f"At most {MAX_FILES} files are read in one upload.",
            details=[{"path": "file", "message": f"{len(uploads)} files were sent"}],
        )
    limit = settings.THREATMODEL_IMPORT_MAX_BYTES
    left = limit
    files = []
    for upload in uploads:
        raw = upload.read(left + 1)
        if len(raw) > left:
            raise PayloadTooLarge("The files are larger than the import limit.", limit=limit)
        left -= len(raw)
        files.append(SourceFile(str(upload.name or "")[:200], raw))
    return files
