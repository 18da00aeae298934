"""Workshop comments: write, edit, delete, resolve — each one audited, told to the room, and the
people it mentions told by e-mail.

Reviewers and above comment (a workshop's reviewers are the ones with the most to say); viewers
read. Only a comment's author edits it; its author or a team owner deletes it. Any commenter
resolves or reopens a thread. Comments are allowed on an approved model: they change nothing a
review board signed off. A mention is ``@username`` of a member of the model's team; any other
``@word`` is just text. Every write answers the same shape (``comment_payload``) to the REST
client and to the live room, so a browser shows one kind of comment whichever way it came.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from common.errors import ErrorDetail, Forbidden, ValidationFailed
from dfd.models import Element, Flow
from stride.models import Threat
from threatmodel.audit import audit
from threatmodel.choices import Role
from threatmodel.live.room import publish_comment
from threatmodel.mentions import mentioned_names
from threatmodel.models import Comment, ThreatModel
from threatmodel.models.comments import MAX_BODY
from threatmodel.permissions import require_role
from threatmodel.workflow.common import fail, text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

def _mentioned_members(team_id: int, body: str) -> list[User]:
    """The team's members the body mentions (a name matches its username, case aside)."""
    wanted = {name.lower() for name in mentioned_names(body)}
    if not wanted:
        return []
    users = get_user_model().objects.filter(memberships__team_id=team_id).order_by("username")
    return [user for user in users if user.username.lower() in wanted]


def comment_payload(comment: Comment) -> dict[str, Any]:
    """The comment as the API and the live room show it (usernames, ISO times)."""
    return {
        "id": comment.pk,
        "threat_model": comment.threat_model_id,
        "threat": comment.threat_id,
        "subject_key": comment.subject_key,
        "parent": comment.parent_id,
        "body": comment.body,
        "author": comment.author.get_username() if comment.author else None,
        "mentions": sorted(user.get_username() for user in comment.mentions.all()),
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        "resolved": comment.resolved,
        "resolved_by": comment.resolved_by.get_username() if comment.resolved_by else None,
        "resolved_at": comment.resolved_at.isoformat() if comment.resolved_at else None,
    }


def _state(comment: Comment) -> dict[str, Any]:
    return {"body": comment.body, "resolved": comment.resolved, "mentions": sorted(u.get_username() for u in comment.mentions.all())}


def _subject(
    model: ThreatModel, *, threat_id: object, subject_key: object, parent_id: object, problems: list[ErrorDetail]
) -> tuple[Threat | None, str, Comment | None]:
    """What a new comment is about: a threat, an element or flow key, or the thread it replies to."""
    parent: Comment | None = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id, threat_model=model).first() if isinstance(parent_id, int) else None
        if parent is None:
            problems.append({"path": "parent", "message": "not a comment of this model"})
            return None, "", None
        if parent.parent_id is not None:
            problems.append({"path": "parent", "message": "replies are one level deep: reply to the thread's first comment"})
            return None, "", None
        if (threat_id is not None and threat_id != parent.threat_id) or (subject_key not in (None, "") and subject_key != parent.subject_key):
            problems.append({"path": "parent", "message": "a reply is on its thread's subject; leave threat and subject_key out"})
        return parent.threat, parent.subject_key, parent
    has_threat, has_key = threat_id is not None, subject_key not in (None, "")
    if has_threat == has_key:
        problems.append({"path": "threat", "message": "name a threat or a subject_key (an element or flow), exactly one"})
        return None, "", None
    if has_threat:
        threat = Threat.objects.filter(pk=threat_id, threat_model=model).first() if isinstance(threat_id, int) else None
        if threat is None:
            problems.append({"path": "threat", "message": "not a threat of this model"})
        return threat, "", None
    key = str(subject_key)
    if not (Element.objects.filter(threat_model=model, key=key).exists() or Flow.objects.filter(threat_model=model, key=key).exists()):
        problems.append({"path": "subject_key", "message": "not an element or flow of this model"})
    return None, key, None


def comment_create(
    *,
    actor: User,
    threat_model: ThreatModel,
    body: object,
    threat_id: object = None,
    subject_key: object = None,
    parent_id: object = None,
) -> Comment:
    """A new comment on a threat, an element or flow, or a reply to a thread."""
    require_role(actor, threat_model.team_id, "review", what="threat model")
    problems: list[ErrorDetail] = []
    clean = text(body, "body", problems, required=True, max_length=MAX_BODY).strip()
    threat, key, parent = _subject(threat_model, threat_id=threat_id, subject_key=subject_key, parent_id=parent_id, problems=problems)
    fail(problems, "The comment is invalid; nothing was written.")
    mentioned = _mentioned_members(threat_model.team_id, clean)
    with transaction.atomic():
        comment = Comment.objects.create(
            threat_model=threat_model, threat=threat, subject_key=key, parent=parent, body=clean, author=actor
        )
        comment.mentions.set(mentioned)
        where: dict[str, Any] = {"subject": key} if key else {}
        if parent is not None:
            where["parent"] = parent.pk
        audit(actor=actor, action="comment.create", obj=comment, after={"body": clean, "mentions": [u.username for u in mentioned], **where})
        _tell(comment, "created", actor, newly_mentioned=mentioned)
        return comment


def comment_edit(*, actor: User, comment: Comment, body: object) -> Comment:
    """A new body for a comment, by its author only; people newly mentioned are told."""
    require_role(actor, comment.threat_model.team_id, "review", what="comment")
    if comment.author_id != actor.pk:
        raise Forbidden("Only its author may edit a comment.")
    problems: list[ErrorDetail] = []
    clean = text(body, "body", problems, required=True, max_length=MAX_BODY).strip()
    fail(problems, "The comment is invalid; nothing was written.")
    mentioned = _mentioned_members(comment.threat_model.team_id, clean)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        before = _state(locked)
        already = set(locked.mentions.values_list("pk", flat=True))
        locked.body = clean
        locked.edited_at = timezone.now()
        locked.save(update_fields=["body", "edited_at"])
        locked.mentions.set(mentioned)
        audit(actor=actor, action="comment.edit", obj=locked, before=before, after=_state(locked))
        _tell(locked, "edited", actor, newly_mentioned=[u for u in mentioned if u.pk not in already])
        return locked


def comment_delete(*, actor: User, comment: Comment) -> None:
    """Delete a comment (a thread's first comment takes its replies with it): its author or an owner."""
    role = require_role(actor, comment.threat_model.team_id, "review", what="comment")
    if comment.author_id != actor.pk and role != Role.OWNER:
        raise Forbidden("Only its author or a team owner may delete a comment.")
    with transaction.atomic():
        payload = comment_payload(comment)
        audit(actor=actor, action="comment.delete", obj=comment, before={**_state(comment), "author": payload["author"]})
        comment.delete()
        publish_comment(model_id=payload["threat_model"], action="deleted", comment=payload, author=actor)


def comment_resolve(*, actor: User, comment: Comment, resolved: bool = True) -> Comment:
    """Mark a thread resolved (or open it again); a reply is resolved with its thread."""
    require_role(actor, comment.threat_model.team_id, "review", what="comment")
    if comment.parent_id is not None:
        raise ValidationFailed(
            "A reply is resolved with its thread.", details=[{"path": "parent", "message": "resolve the thread's first comment"}]
        )
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.resolved == resolved:
            return locked
        before = _state(locked)
        locked.resolved = resolved
        locked.resolved_by = actor if resolved else None
        locked.resolved_at = timezone.now() if resolved else None
        locked.save(update_fields=["resolved", "resolved_by", "resolved_at"])
        audit(actor=actor, action="comment.resolve" if resolved else "comment.reopen", obj=locked, before=before, after=_state(locked))
        _tell(locked, "resolved" if resolved else "reopened", actor, newly_mentioned=[])
        return locked


def _tell(comment: Comment, action: str, actor: User, *, newly_mentioned: Iterable[User]) -> None:
    """After the commit: the room hears of the change, and the people newly mentioned get an e-mail."""
    publish_comment(model_id=comment.threat_model_id, action=action, comment=comment_payload(comment), author=actor)
    recipients = sorted({user.email for user in newly_mentioned if user.pk != actor.pk and user.email})
    if recipients:
        transaction.on_commit(lambda: _mail_mentions(comment, actor, recipients))


def _mail_mentions(comment: Comment, actor: User, recipients: list[str]) -> None:
    model = comment.threat_model
    about = f"the threat '{comment.threat.title}'" if comment.threat else f"'{comment.subject_key}'"
    subject = f"[{model.name}] {actor.get_username()} mentioned you on {about}"[:200]
    body = (
        f"{actor.get_full_name() or actor.get_username()} mentioned you in a comment on {about} "
        f"in the threat model '{model.name}':\n\n{comment.body}\n\nThreat model id {model.pk}, comment id {comment.pk}.\n"
    )
    try:
        EmailMessage(subject, body, None, recipients).send()
    except Exception:  # the comment is committed; a mail outage must not turn it into an error
        log.exception("Could not send the mention notice of comment %s", comment.pk)

