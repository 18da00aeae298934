"""The PDF report: request and lifecycle, what it contains, what it may fetch, and a real worker end to end."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from conftest import World
from stride.models import Threat
from threatmodel.choices import ReportStatus
from threatmodel.diagrams import diagram_change
from threatmodel.models import Report, ThreatModel
from threatmodel.native import native_import
from threatmodel.reporting import services
from threatmodel.reporting.pdf import ASSETS, AssetsOnlyFetcher, render_pdf
from threatmodel.tests.interop_helpers import rich_model

DEMO = Path(django_settings.BASE_DIR) / "fixtures" / "demo" / "online-shop.json"
LOOK = Path(django_settings.BASE_DIR) / "var" / "report-look"

HOSTILE_TEXT = [
    '<img src="http://127.0.0.1:9/tracker.png">',
    '<link rel="stylesheet" href="file:///etc/passwd">',
    "<script>document.title='owned'</script>",
    '<object data="file:///etc/shadow"></object>',
    "<style>@import url(http://127.0.0.1:9/x.css);</style>",
    "}</style><b>break out</b>",
]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; scripts/setup.sh --dev installs it")
    source = tmp_path / "in.pdf"
    source.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True).stdout


def page_size(pdf: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo (poppler-utils) is not installed; scripts/setup.sh --dev installs it")
    source = tmp_path / "size.pdf"
    source.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(source)], check=True, capture_output=True, text=True).stdout
    return next(line for line in info.splitlines() if line.startswith("Page size:"))


# --- the request and its lifecycle --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_is_queued_once_per_model_version_and_paper(world: World, media: Path) -> None:
    reviewer = world.users["reviewer"]
    first, created = services.report_request(actor=reviewer, threat_model=world.model)
    assert created and (first.status, first.model_version, first.paper) == ("queued", world.model.version, "a4")
    again, created_again = services.report_request(actor=world.users["viewer"], threat_model=world.model)
    assert again.pk == first.pk and not created_again
    letter, created_letter = services.report_request(actor=reviewer, threat_model=world.model, paper="letter")
    assert created_letter and letter.pk != first.pk
    # A new model version gets a new report; the old one is kept.
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=None, base_version=world.diagram.version, ops=[{"op": "move_element", "key": "web", "x": 5, "y": 5}])
    world.model.refresh_from_db()
    newer, created_newer = services.report_request(actor=reviewer, threat_model=world.model)
    assert created_newer and newer.model_version == world.model.version and Report.objects.filter(pk=first.pk).exists()
    # A failed report can be asked for again.
    services.report_fail(report_id=newer.pk, reason="boom")
    retried, created_retry = services.report_request(actor=reviewer, threat_model=world.model)
    assert created_retry and retried.pk != newer.pk


@pytest.mark.django_db
def test_generation_stores_a_pdf_and_runs_once(world: World, media: Path, threat: Threat) -> None:
    report, _ = services.report_request(actor=world.users["owner"], threat_model=world.model)
    done = services.report_generate(report_id=report.pk)
    assert done is not None and done.status == ReportStatus.DONE and done.reason == ""
    pdf = done.file.read()
    assert pdf.startswith(b"%PDF-") and done.size == len(pdf) and done.sha256 == hashlib.sha256(pdf).hexdigest()
    assert done.pages and done.pages >= 9
    assert Path(done.file.path).is_relative_to(media / "reports")
    assert done.started_at is not None and done.finished_at is not None
    # Delivered twice: the second delivery does nothing.
    assert services.report_generate(report_id=report.pk) is None
    assert Report.objects.get(pk=report.pk).sha256 == done.sha256


@pytest.mark.django_db
def test_a_report_fails_with_a_reason_in_words(world: World, media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale, _ = services.report_request(actor=world.users["owner"], threat_model=world.model)
    ThreatModel.objects.filter(pk=world.model.pk).update(version=world.model.version + 1)
    failed = services.report_generate(report_id=stale.pk)
    assert failed is not None and failed.status == "failed" and "moved from version" in failed.reason and not failed.file
    world.model.refresh_from_db()
    broken, _ = services.report_request(actor=world.users["owner"], threat_model=world.model)

    def explode(html: str, *, paper: str) -> Any:
        raise MemoryError("out of memory")

    monkeypatch.setattr("threatmodel.reporting.pdf.render_pdf", explode)
    failed = services.report_generate(report_id=broken.pk)
    assert failed is not None and failed.status == "failed" and failed.reason == "The report could not be rendered (MemoryError)."


@pytest.mark.django_db
def test_a_report_abandoned_by_a_dead_worker_is_claimed_again(world: World, media: Path) -> None:
    from datetime import timedelta

    from django.utils import timezone

    report, _ = services.report_request(actor=world.users["owner"], threat_model=world.model)
    Report.objects.filter(pk=report.pk).update(status="running", started_at=timezone.now())
    assert services.report_generate(report_id=report.pk) is None  # someone is on it
    Report.objects.filter(pk=report.pk).update(started_at=timezone.now() - services.STALE_AFTER - timedelta(seconds=1))
    again = services.report_generate(report_id=report.pk)
    assert again is not None and again.status == "done"
    # Asking again for a version whose report a dead worker left running starts a new one.
    ThreatModel.objects.filter(pk=world.model.pk).update(version=world.model.version + 1)
    world.model.refresh_from_db()
    stuck, _ = services.report_request(actor=world.users["owner"], threat_model=world.model)
    Report.objects.filter(pk=stuck.pk).update(status="running", started_at=timezone.now() - services.STALE_AFTER - timedelta(seconds=1))
    fresh, created = services.report_request(actor=world.users["owner"], threat_model=world.model)
    assert created and fresh.pk != stuck.pk
    assert Report.objects.get(pk=stuck.pk).status == "failed"


@pytest.mark.django_db
def test_deleting_a_model_deletes_its_report_files(world: World, media: Path, django_capture_on_commit_callbacks: Any) -> None:
    report, _ = services.report_request(actor=world.users["owner"], threat_model=world.model)
    done = services.report_generate(report_id=report.pk)
    assert done is not None
    path = Path(done.file.path)
    assert path.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        world.model.delete()
    assert not Report.objects.filter(pk=report.pk).exists() and not path.exists()


# --- the API --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_answers_202_then_status_then_the_file(world: World, media: Path) -> None:
    client = world.client("reviewer")
    base = f"/api/v1/threat-models/{world.model.pk}/reports/"
    response = client.post(base, {"paper": "letter"}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["paper"] == "letter" and body["download_url"] is None and body["is_current"]
    assert response["Location"] == body["url"] == f"{base}{body['id']}/" and response["Retry-After"] == "2"
    assert client.get(body["url"]).json()["status"] == "queued"
    not_ready = client.get(f"{body['url']}download/")
    assert not_ready.status_code == 409 and not_ready.json()["error"]["code"] == "not_ready"
    services.report_generate(report_id=body["id"])
    detail = client.get(body["url"]).json()
    assert detail["status"] == "done" and detail["download_url"] == f"{body['url']}download/" and detail["pages"] >= 9
    download = client.get(detail["download_url"], HTTP_ACCEPT="application/pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="threat-model-{world.model.pk}-v{world.model.version}-letter.pdf"'
    assert b"".join(download.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
    listing = client.get(base).json()
    assert [item["id"] for item in listing["results"]] == [body["id"]]
    assert client.post(base, {"paper": "a5"}, format="json").status_code == 400
    # The file is not reachable as a public media URL.
    assert world.client(None).get(f"/media/{Report.objects.get(pk=body['id']).file.name}").status_code == 404


@pytest.mark.django_db
def test_another_teams_reports_are_not_found(world: World, media: Path) -> None:
    report, _ = services.report_request(actor=world.users["owner"], threat_model=world.model)
    outsider = world.client("outsider")
    for url in (
        f"/api/v1/threat-models/{world.model.pk}/reports/",
        f"/api/v1/threat-models/{world.model.pk}/reports/{report.pk}/",
        f"/api/v1/threat-models/{world.model.pk}/reports/{report.pk}/download/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/api/v1/threat-models/{world.model.pk}/reports/", {}, format="json").status_code == 404
    # A report id of another model, under this model's path, is not found either.
    other = ThreatModel.objects.create(team=world.team, name="Other")
    assert world.client("owner").get(f"/api/v1/threat-models/{other.pk}/reports/{report.pk}/").status_code == 404


# --- content and safety ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_report_has_every_section_with_honest_empty_states(world: World, media: Path, tmp_path: Path) -> None:
    model = rich_model(world)
    report, _ = services.report_request(actor=world.users["owner"], threat_model=model)
    done = services.report_generate(report_id=report.pk)
    assert done is not None
    text = pdf_text(done.file.read(), tmp_path)
    for heading in ("Contents", "Executive summary", "Scope and assumptions", "Diagrams and inventory", "Threat register",
                    "Mitigations and evidence", "Risk: heat maps and bands", "Accepted risks and exceptions",
                    "Changes since the last approval", "ATT&CK coverage by tactic", "Open gate items", "Approval record and sign-off"):  # fmt: skip
        assert heading in text, heading
    assert "Shop <rich>" in text and f"Page 1 of {done.pages}" in text and f"Page {done.pages} of {done.pages}" in text
    assert "Container escape from the web pod" in text and "T1611" in text and "Orders DB exhausted" in text
    # The workflow's records: mitigations in the register, the decision with its owner and expiry, the gate items.
    # (pdftotext keeps table cells on their lines, so long cells are checked by their first words.)
    assert "MIT-1 Drop" in text and "MIT-2 Autoscaling" in text and "25 → 15" in text
    assert "acceptance" in text and "2030-01-31" in text and "Managed service; cost of" in text
    assert "Stage: Design · next: break" in text and re.search(r"\d+ items block the move to break", text)
    assert "Inherent risk" in text and "Residual risk (verified)" in text
    # The register is ordered by residual risk: 15 (25 before its verified mitigation) before 12.
    assert text.index("Orders DB exhausted") < text.index("Container escape from the web pod")
    # An obsolete threat is not in the register.
    assert "Tampering with a deleted element" not in text


@pytest.mark.django_db
def test_a_model_without_threats_or_decisions_says_so(world: World, media: Path, tmp_path: Path) -> None:
    report, _ = services.report_request(actor=world.users["owner"], threat_model=world.model)
    done = services.report_generate(report_id=report.pk)
    assert done is not None
    text = pdf_text(done.file.read(), tmp_path)
    assert "No threats have been identified for this model yet." in text
    assert "No decisions recorded" in text and "No scope recorded." in text


@pytest.mark.django_db
@pytest.mark.parametrize(("paper", "size"), [("a4", "595.276 x 841.89 pts (A4)"), ("letter", "612 x 792 pts (letter)")])
def test_paper_sizes(world: World, media: Path, tmp_path: Path, paper: str, size: str) -> None:
    report, _ = services.report_request(actor=world.users["owner"], threat_model=world.model, paper=paper)
    done = services.report_generate(report_id=report.pk)
    assert done is not None
    assert page_size(done.file.read(), tmp_path).endswith(size)


@pytest.mark.django_db
def test_html_in_names_reaches_the_pdf_as_text_and_nothing_is_fetched(world: World, media: Path, tmp_path: Path) -> None:
    ThreatModel.objects.filter(pk=world.model.pk).update(name=HOSTILE_TEXT[0], scope="\n".join(HOSTILE_TEXT), description=HOSTILE_TEXT[2])
    diagram_change(analyse=False,
        diagram_id=world.diagram.pk,
        actor=None,
        base_version=world.diagram.version,
        ops=[{"op": "update_element", "key": "web", "name": HOSTILE_TEXT[1]}, {"op": "update_element", "key": "db", "name": HOSTILE_TEXT[3]}],
    )
    for index, text in enumerate(HOSTILE_TEXT):
        Threat.objects.create(threat_model=world.model, fingerprint=f"H{index}", stride="I", title=text[:300], element_key="web")
    world.model.refresh_from_db()
    from django.utils import timezone

    from threatmodel.reporting.context import report_context
    from threatmodel.reporting.pdf import render_html

    html = render_html(report_context(world.model, generated_at=timezone.now(), paper="a4"))
    assert "<script>" not in html and "&lt;script&gt;" in html and '<img src="http' not in html
    rendered = render_pdf(html, paper="a4")
    # Nothing in the model became markup: the only resource asked for is our stylesheet.
    assert rendered.served == ["report.css"] and rendered.refused == []
    text = pdf_text(rendered.pdf, tmp_path)
    assert "tracker.png" in text and "file:///etc/passwd" in text and "document.title" in text


def test_the_fetcher_serves_our_assets_and_refuses_everything_else(tmp_path: Path) -> None:
    fetcher = AssetsOnlyFetcher()
    assert fetcher.fetch((ASSETS / "report.css").as_uri()).read().startswith(b"/*")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    for url in (
        "http://127.0.0.1:9/x.css",
        "https://example.com/a.png",
        "ftp://example.com/a",
        "data:text/css,body{}",
        "file:///etc/passwd",
        outside.as_uri(),
        (ASSETS / ".." / "pdf.py").as_uri(),
        ASSETS.as_uri() + "/../../settings.py",
        ASSETS.as_uri() + "/missing.css",
        "file://evil.example/" + str(ASSETS / "report.css"),
    ):
        with pytest.raises(ValueError, match="only use its own assets"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 10 and fetcher.served == ["report.css"]


def test_weasyprint_cannot_fetch_even_if_markup_got_through(tmp_path: Path) -> None:
    # The second wall: feed WeasyPrint hostile HTML directly, bypassing the template's escaping.
    html = (
        '<html><head><link rel="stylesheet" href="report.css"><link rel="stylesheet" href="file:///etc/passwd">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head><body><h1>x</h1>'
        '<img src="http://127.0.0.1:9/t.png"><img src="file:///etc/hostname"><img src="../pdf.py">'
        '<object data="file:///etc/shadow"></object><iframe src="http://127.0.0.1:9/"></iframe>'
        "<style>@import url(http://127.0.0.1:9/y.css); body { background: url(file:///etc/passwd) }</style></body></html>"
    )
    rendered = render_pdf(html, paper="a4")
    assert rendered.pdf.startswith(b"%PDF-")
    assert rendered.served == ["report.css"]
    refused = " ".join(rendered.refused)
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.css", "http://127.0.0.1:9/t.png", "file:///etc/hostname", "pdf.py"):
        assert url in refused, url


# --- a real worker, end to end -----------------------------------------------------------------------------------


@pytest.fixture
def shared_media(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A MEDIA_ROOT the worker process sees too (it inherits the environment)."""
    root = tmp_path / "worker-media"
    monkeypatch.setenv("MEDIA_ROOT", str(root))
    settings.MEDIA_ROOT = root
    return root


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_demo_report(shared_media: Path, celery_worker: subprocess.Popen[bytes]) -> None:
    from datetime import date

    from django.db.models import F

    from conftest import make_user
    from threatmodel.analysis import threat_model_analyse
    from threatmodel.models import Decision, Membership, Mitigation, Team, ThreatMitigation

    owner = make_user("board-owner")
    team = Team.objects.create(name="Demo team", slug="demo-team")
    Membership.objects.create(team=team, user=owner, role="owner")
    model, _ = native_import(actor=owner, team=team, raw=DEMO.read_bytes())
    # As `make run` does: the real engine finds the demo's threats; the workshop then rates them
    # (the rules' suggested levels), plans a mitigation and accepts one risk.
    result = threat_model_analyse(model_id=model.pk, actor=owner)
    assert result.new > 10
    Threat.objects.filter(threat_model=model).update(
        likelihood=F("suggested_likelihood"), impact=F("suggested_impact"), rationale="Rated in the workshop", triaged=True
    )
    riskiest = Threat.objects.filter(threat_model=model, likelihood__isnull=False).order_by("-likelihood", "-impact", "fingerprint")
    mitigation = Mitigation.objects.create(
        threat_model=model, ref="MIT-1", title="Run the workloads unprivileged", status="planned", likelihood_reduction=2, owner=owner
    )
    ThreatMitigation.objects.create(threat=riskiest[0], mitigation=mitigation)
    Threat.objects.filter(pk=riskiest[1].pk).update(status="accepted")
    Decision.objects.create(
        threat_model=model, threat=riskiest[1], kind="acceptance", status="active", justification="Managed by the provider",
        owner=owner, expires_on=date(2030, 6, 30), approved_by=owner, created_by=owner,
    )  # fmt: skip
    model.refresh_from_db()

    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(owner)
    response = client.post(f"/api/v1/threat-models/{model.pk}/reports/", {"paper": "a4"}, format="json")
    assert response.status_code == 202
    url = response["Location"]
    deadline = time.monotonic() + 120
    seen = {response.json()["status"]}
    while time.monotonic() < deadline:
        detail = client.get(url).json()
        seen.add(detail["status"])
        if detail["status"] in ("done", "failed"):
            break
        time.sleep(0.25)
    assert detail["status"] == "done", detail
    assert seen <= {"queued", "running", "done"}
    pdf = b"".join(client.get(detail["download_url"]).streaming_content)  # type: ignore[attr-defined]
    assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == detail["sha256"]
    assert (shared_media / str(Report.objects.get(pk=detail["id"]).file.name)).is_file()

    # Turn the pages into PNGs for people to look at (var/report-look/), and check none is blank.
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed; scripts/setup.sh --dev installs it")
    out = LOOK / "demo"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    (out / "report.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(out / "report.pdf"), str(out / "page")], check=True)
    pages = sorted(out.glob("page-*.png"))
    assert len(pages) == detail["pages"]
    from PIL import Image

    for page in pages:
        with Image.open(page) as image:
            darkest: Any = image.convert("L").getextrema()[0]
            assert darkest < 128, f"{page.name} looks blank"
