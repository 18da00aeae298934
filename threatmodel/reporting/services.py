"""Every state change of a report: asked for, claimed by a worker, done or failed.

``report_request`` answers at once: it creates the row (or returns the one that already exists for
this model version and paper size) and enqueues the rendering after the transaction commits, so a
worker never looks for a row that is not there yet. ``report_generate`` is what the Celery task
calls: it claims the row (a report is rendered once, even if the task is delivered twice), renders
the PDF from a snapshot of the model read in one transaction, stores it, and records the outcome —
a failure is recorded in words on the row, never lost in a worker log.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from common.errors import ValidationFailed
from threatmodel import queueing
from threatmodel.choices import PaperSize, ReportStatus
from threatmodel.models import Report, ThreatModel
from threatmodel.permissions import require_role
from threatmodel.reporting.context import report_context

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

REPORT_TIME_LIMIT_SECONDS = 600
# The worker's hard time limit kills a render 30 s after the soft one; a report still "running" well past
# that was abandoned by a worker that died: it may be claimed again, and the reaper marks it failed.
STALE_AFTER = timedelta(seconds=REPORT_TIME_LIMIT_SECONDS + 90)


def report_request(*, actor: User, threat_model: ThreatModel, paper: str = PaperSize.A4) -> tuple[Report, bool]:
    """Ask for a report of the model's current version; return it and whether it is new.

    Any member of the team may ask (a review board reads, it does not edit). A report that is
    queued, running or done for the same version and paper is returned instead of a new one.
    """
    require_role(actor, threat_model.team_id, "read", what="threat model")
    if paper not in PaperSize.values:
        raise ValidationFailed("Unknown paper size.", details=[{"path": "paper", "message": f"must be one of {', '.join(PaperSize.values)}"}])
    with transaction.atomic():
        model = ThreatModel.objects.select_for_update().get(pk=threat_model.pk)
        existing = (
            Report.objects.filter(threat_model=model, model_version=model.version, paper=paper)
            .exclude(status=ReportStatus.FAILED)
            .order_by("-id")
            .first()
        )
        if existing is not None and existing.status == ReportStatus.RUNNING and existing.started_at is not None and (
            existing.started_at < timezone.now() - STALE_AFTER
        ):
            report_fail(report_id=existing.pk, reason="The worker rendering this report stopped; it was asked for again.")
        elif existing is not None and existing.status == ReportStatus.QUEUED and existing.reason == queueing.WAITING_FOR_QUEUE:
            # Never reached a worker (the broker was down when it was asked for): send it again.
            Report.objects.filter(pk=existing.pk).update(reason="")
            transaction.on_commit(lambda: _send(existing.pk))
            existing.reason = ""
            return existing, False
        elif existing is not None:
            return existing, False
        report = Report.objects.create(threat_model=model, model_version=model.version, paper=paper, requested_by=actor)
        transaction.on_commit(lambda: _send(report.pk))
        return report, True


def _send(report_id: int) -> None:
    from threatmodel.tasks import report_generate_task

    def waiting() -> None:
        Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(reason=queueing.WAITING_FOR_QUEUE)

    queueing.send(report_generate_task, report_id, on_unreachable=waiting)


def _claim(report_id: int, *, reclaim: bool = False) -> bool:
    """Take the report for this worker. ``reclaim``: Celery says the worker that had it was lost."""
    now = timezone.now()
    claimable = Q(status=ReportStatus.QUEUED) | Q(status=ReportStatus.RUNNING, started_at__lt=now - STALE_AFTER)
    if reclaim:
        claimable |= Q(status=ReportStatus.RUNNING)
    return bool(Report.objects.filter(claimable, pk=report_id).update(status=ReportStatus.RUNNING, started_at=now, reason=""))


def report_fail(*, report_id: int, reason: str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=ReportStatus.DONE).update(
        status=ReportStatus.FAILED, reason=reason[:2000], finished_at=timezone.now()
    )


def report_reap_stale() -> list[int]:
    """Mark failed every report still "running" past any render's time limit: its worker died with it."""
    stale = list(
        Report.objects.filter(status=ReportStatus.RUNNING, started_at__lt=timezone.now() - STALE_AFTER).values_list("pk", flat=True)
    )
    for report_id in stale:
        report_fail(report_id=report_id, reason="The worker rendering this report stopped before it finished; ask for it again.")
    return stale


def report_generate(*, report_id: int, reclaim: bool = False) -> Report | None:
    """Render a queued report. Returns it, or None when another worker has it (or it is done).

    ``reclaim`` is for a retry after Celery saw the previous worker die: the report is then still
    "running" under that worker's claim, and this run takes it over.
    """
    # WeasyPrint is loaded by the worker when it renders, never by the web process.
    from threatmodel.reporting.pdf import render_html, render_pdf

    if not _claim(report_id, reclaim=reclaim):
        log.info("report %s is not queued; nothing to do", report_id)
        return None
    report = Report.objects.select_related("threat_model__team").get(pk=report_id)
    try:
        with transaction.atomic():
            # One consistent snapshot of the model while it is read (REPEATABLE READ on PostgreSQL).
            model = report.threat_model
            if model.version != report.model_version:
                raise ValidationFailed(
                    f"The model moved from version {report.model_version} to {model.version} before the report was rendered; "
                    "ask for a new report."
                )
            html = render_html(report_context(model, generated_at=timezone.now(), paper=report.paper, report_id=report.pk))
        rendered = render_pdf(html, paper=report.paper)
        if rendered.refused:
            log.warning("report %s: refused to fetch %d resource(s): %s", report.pk, len(rendered.refused), rendered.refused[:5])
    except ValidationFailed as exc:
        report_fail(report_id=report.pk, reason=exc.message)
        report.refresh_from_db()
        return report
    except Exception as exc:  # a report must end failed with a reason, whatever went wrong
        log.exception("report %s failed", report.pk)
        report_fail(report_id=report.pk, reason=f"The report could not be rendered ({type(exc).__name__}).")
        report.refresh_from_db()
        return report
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        locked.file.save(f"report-{locked.pk}.pdf", ContentFile(rendered.pdf), save=False)
        locked.size = len(rendered.pdf)
        locked.sha256 = hashlib.sha256(rendered.pdf).hexdigest()
        locked.pages = rendered.pages
        locked.status = ReportStatus.DONE
        locked.finished_at = timezone.now()
        locked.save(update_fields=["file", "size", "sha256", "pages", "status", "finished_at"])
        return locked
