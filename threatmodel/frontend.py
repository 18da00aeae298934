"""Where the built browser app's entry files are, read from Vite's manifest.

Vite names its output after the content (``assets/main-3f2a.js``), so the shell page must look the
names up in ``frontend/dist/manifest.json`` on every deploy. URLs are built from ``STATIC_URL``
directly rather than through ``{% static %}``: the files are already content-hashed, and the shell
then works the same with and without ``collectstatic`` (the test live server serves them from the
finders).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

ENTRY = "src/main.tsx"


@dataclass(frozen=True)
class FrontendAssets:
    scripts: tuple[str, ...]
    styles: tuple[str, ...]


def frontend_assets() -> FrontendAssets | None:
    """The entry's script and style URLs, or None when the app has not been built."""
    manifest = Path(settings.FRONTEND_DIST) / "manifest.json"
    try:
        mtime = manifest.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return _read(str(manifest), mtime)


@lru_cache(maxsize=4)
def _read(path: str, mtime: int) -> FrontendAssets | None:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    entry = data.get(ENTRY)
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        return None
    base = settings.STATIC_URL
    styles = [css for css in entry.get("css", []) if isinstance(css, str)]
    # Styles of chunks the entry imports statically belong in the page too.
    for name in entry.get("imports", []):
        chunk = data.get(name)
        if isinstance(chunk, dict):
            styles.extend(css for css in chunk.get("css", []) if isinstance(css, str))
    return FrontendAssets(scripts=(base + entry["file"],), styles=tuple(base + css for css in styles))
