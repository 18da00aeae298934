"""HTML to PDF with WeasyPrint, allowed to read our own report assets and nothing else.

The HTML is a Django template with autoescaping, so a model's text can never become markup. As a
second wall, WeasyPrint's URL fetcher is replaced: it serves only files under ``ASSETS`` (the
report's stylesheet), read from disk by us; every other URL — http(s), ftp, data:, file: outside
that folder, a path that climbs out with ``..`` or a symlink — is refused and recorded. So even if
markup did get through, the report could not call the network or read a file of the server.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from threatmodel.reporting.options import PAPER_SIZES

ASSETS = (Path(__file__).resolve().parent / "assets").resolve()


class AssetsOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that reads files under ``root`` and refuses everything else."""

    def __init__(self, root: Path = ASSETS) -> None:
        super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)
        self.root = root.resolve()
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and parts.netloc in ("", "localhost") else None
        if path is None or not path.is_relative_to(self.root) or not path.is_file():
            self.refused.append(url[:300])
            raise ValueError(f"the report may only use its own assets, not {url[:80]!r}")
        self.served.append(path.name)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": media_type})


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    served: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def page_css(paper: str) -> str:
    """The page sizes, from our own table (never from request text)."""
    size = PAPER_SIZES[paper]
    return f"@page {{ size: {size}; }} @page landscape {{ size: {size} landscape; }}"


def render_html(context: dict[str, Any]) -> str:
    return render_to_string("reports/threat_model.html", context)


def render_pdf(html: str, *, paper: str) -> Rendered:
    fetcher = AssetsOnlyFetcher()
    document = HTML(string=html, base_url=ASSETS.as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=[CSS(string=page_css(paper), url_fetcher=fetcher)]
    )
    pdf: bytes = document.write_pdf()
    return Rendered(pdf=pdf, pages=len(document.pages), served=fetcher.served, refused=fetcher.refused)
