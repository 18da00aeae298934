"""Closed vocabularies of the core app: roles and workflow stages."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    REVIEWER = "reviewer", "Reviewer"
    VIEWER = "viewer", "Viewer"

    @classmethod
    def rank(cls, role: str) -> int:
        """Higher is more powerful; a role includes every right of the roles ranked below it,
        except that a reviewer's sign-off right is checked by name, not by rank."""
        return {cls.VIEWER: 0, cls.REVIEWER: 1, cls.EDITOR: 2, cls.OWNER: 3}[cls(role)]


class AnalysisStatus(models.TextChoices):
    IDLE = "idle", "Up to date or never run"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FAILED = "failed", "Failed"


class Stage(models.TextChoices):
    DESIGN = "design", "Design"
    BREAK = "break", "Break"
    FIX = "fix", "Fix"
    VERIFY = "verify", "Verify"
    APPROVED = "approved", "Approved"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class PaperSize(models.TextChoices):
    A4 = "a4", "A4"
    LETTER = "letter", "US Letter"
