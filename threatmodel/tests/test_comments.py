"""Workshop comments: the services (roles, authorship, threads, mentions, audit) and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from conftest import World, make_user
from stride.models import Threat
from threatmodel.choices import Role
from threatmodel.comments import comment_create, comment_delete, comment_edit, comment_resolve
from threatmodel.mentions import mentioned_names
from threatmodel.models import AuditEvent, Comment, Membership

pytestmark = pytest.mark.django_db


def url(world: World, suffix: str = "") -> str:
    return f"/api/v1/threat-models/{world.model.pk}/comments/{suffix}"


def on_web(world: World, persona: str = "reviewer", body: str = "Is the web tier behind the WAF?") -> Comment:
    return comment_create(actor=world.users[persona], threat_model=world.model, body=body, subject_key="web")


# --- mentions ------------------------------------------------------------------------------------


def test_mentions_are_read_from_the_body_once_each_without_e_mail_addresses_or_a_final_full_stop() -> None:
    assert mentioned_names("@ana and @bo.b, again @ana; thanks @carl. mail ops@example.com") == ["ana", "bo.b", "carl"]
    assert mentioned_names("no one here, not even @") == []


def test_a_mention_of_a_member_is_kept_and_mailed_and_an_unknown_name_is_left_as_text(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment = on_web(world, body="@editor please check; @nobody knows and @outsider is not in the team. @reviewer too")
    assert sorted(comment.mentions.values_list("username", flat=True)) == ["editor", "reviewer"]
    assert comment.body.startswith("@editor please check; @nobody")
    assert [m.to for m in mail.outbox] == [["editor@example.com"]]  # the author is not mailed about herself
    assert "reviewer mentioned you" in mail.outbox[0].subject and "'web'" in mail.outbox[0].subject


def test_an_edit_mails_only_the_people_it_newly_mentions(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment = on_web(world, body="@editor look")
    with django_capture_on_commit_callbacks(execute=True):
        edited = comment_edit(actor=world.users["reviewer"], comment=comment, body="@editor and @owner look")
    assert [m.to for m in mail.outbox] == [["editor@example.com"], ["owner@example.com"]]
    assert sorted(edited.mentions.values_list("username", flat=True)) == ["editor", "owner"]
    assert edited.edited_at is not None


# --- subjects and threads --------------------------------------------------------------------------


def test_a_comment_is_on_a_threat_or_an_element_or_flow_of_the_model_never_both(world: World, threat: Threat) -> None:
    reviewer = world.users["reviewer"]
    assert comment_create(actor=reviewer, threat_model=world.model, body="x", threat_id=threat.pk).threat == threat
    assert comment_create(actor=reviewer, threat_model=world.model, body="x", subject_key="f1").subject_key == "f1"
    for kwargs, path in (
        ({"threat_id": threat.pk, "subject_key": "web"}, "threat"),
        ({}, "threat"),
        ({"subject_key": "nope"}, "subject_key"),
        ({"threat_id": 10**9}, "threat"),
    ):
        with pytest.raises(Exception) as caught:
            comment_create(actor=reviewer, threat_model=world.model, body="x", **kwargs)
        assert getattr(caught.value, "status", None) == 400 and caught.value.details[0]["path"] == path  # type: ignore[attr-defined]
    assert Comment.objects.count() == 2


def test_replies_are_one_level_deep_and_share_their_threads_subject(world: World) -> None:
    thread = on_web(world)
    reply = comment_create(actor=world.users["editor"], threat_model=world.model, body="Yes", parent_id=thread.pk)
    assert (reply.parent, reply.subject_key, reply.threat) == (thread, "web", None)
    with pytest.raises(Exception) as caught:
        comment_create(actor=world.users["editor"], threat_model=world.model, body="deeper", parent_id=reply.pk)
    assert caught.value.details[0]["path"] == "parent"  # type: ignore[attr-defined]


def test_an_empty_or_overlong_body_is_refused_naming_the_field_and_nothing_is_written(world: World) -> None:
    for body in ("   ", "x" * 5_001):
        with pytest.raises(Exception) as caught:
            on_web(world, body=body)
        assert caught.value.details[0]["path"] == "body"  # type: ignore[attr-defined]
    assert not Comment.objects.exists() and not AuditEvent.objects.filter(action__startswith="comment.").exists()


# --- roles and authorship ---------------------------------------------------------------------------


def test_a_viewer_reads_but_cannot_comment_and_an_outsider_is_told_nothing(world: World) -> None:
    with pytest.raises(Exception) as viewer:
        on_web(world, "viewer")
    assert getattr(viewer.value, "status", None) == 403
    with pytest.raises(Exception) as outsider:
        on_web(world, "outsider")
    assert getattr(outsider.value, "status", None) == 404


def test_only_the_author_edits_and_the_author_or_an_owner_deletes(world: World) -> None:
    comment = on_web(world, "reviewer")
    for persona in ("editor", "owner"):
        with pytest.raises(Exception) as caught:
            comment_edit(actor=world.users[persona], comment=comment, body="mine now")
        assert getattr(caught.value, "status", None) == 403
    with pytest.raises(Exception) as editor_delete:
        comment_delete(actor=world.users["editor"], comment=comment)
    assert getattr(editor_delete.value, "status", None) == 403
    comment_delete(actor=world.users["owner"], comment=comment)
    assert not Comment.objects.exists()


def test_an_author_demoted_to_viewer_can_no_longer_edit(world: World) -> None:
    comment = on_web(world, "reviewer")
    Membership.objects.filter(user=world.users["reviewer"]).update(role=Role.VIEWER)
    with pytest.raises(Exception) as caught:
        comment_edit(actor=world.users["reviewer"], comment=comment, body="still mine?")
    assert getattr(caught.value, "status", None) == 403


def test_deleting_a_thread_takes_its_replies(world: World) -> None:
    thread = on_web(world)
    comment_create(actor=world.users["editor"], threat_model=world.model, body="reply", parent_id=thread.pk)
    comment_delete(actor=world.users["reviewer"], comment=thread)
    assert not Comment.objects.exists()


def test_a_thread_is_resolved_and_reopened_by_any_commenter_and_a_reply_is_not_resolved_alone(world: World) -> None:
    thread = on_web(world)
    reply = comment_create(actor=world.users["editor"], threat_model=world.model, body="Done", parent_id=thread.pk)
    resolved = comment_resolve(actor=world.users["editor"], comment=thread)
    assert resolved.resolved and resolved.resolved_by == world.users["editor"] and resolved.resolved_at is not None
    reopened = comment_resolve(actor=world.users["owner"], comment=thread, resolved=False)
    assert not reopened.resolved and reopened.resolved_by is None
    with pytest.raises(Exception) as caught:
        comment_resolve(actor=world.users["editor"], comment=reply)
    assert caught.value.details[0]["path"] == "parent"  # type: ignore[attr-defined]


def test_every_change_is_in_the_audit_trail_and_a_threats_comments_in_its_history(world: World, threat: Threat) -> None:
    comment = comment_create(actor=world.users["reviewer"], threat_model=world.model, body="Rated too low?", threat_id=threat.pk)
    comment_edit(actor=world.users["reviewer"], comment=comment, body="Rated too low.")
    comment_resolve(actor=world.users["editor"], comment=comment)
    comment_delete(actor=world.users["reviewer"], comment=comment)
    events = AuditEvent.objects.filter(action__startswith="comment.").order_by("id")
    assert [e.action for e in events] == ["comment.create", "comment.edit", "comment.resolve", "comment.delete"]
    assert {e.threat_id for e in events} == {threat.pk} and {e.threat_model_id for e in events} == {world.model.pk}
    assert (events[1].before or {})["body"] == "Rated too low?" and (events[1].after or {})["body"] == "Rated too low."


# --- the API ----------------------------------------------------------------------------------------


def test_the_api_lists_threaded_comments_filtered_by_threat_or_subject(world: World, threat: Threat) -> None:
    reviewer = world.client("reviewer")
    first = reviewer.post(url(world), {"body": "On web, @editor", "subject_key": "web"}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["mentions"] == ["editor"] and first.json()["author"] == "reviewer"
    reply = world.client("editor").post(url(world), {"body": "Agreed", "parent": first.json()["id"]}, format="json")
    assert reply.status_code == 201 and reply.json()["subject_key"] == "web"
    assert reviewer.post(url(world), {"body": "On the threat", "threat": threat.pk}, format="json").status_code == 201

    everything = world.client("viewer").get(url(world)).json()["results"]
    assert [c["body"] for c in everything] == ["On web, @editor", "Agreed", "On the threat"]
    on_web_only = world.client("viewer").get(url(world), {"subject_key": "web"}).json()["results"]
    assert [c["parent"] for c in on_web_only] == [None, first.json()["id"]]
    on_threat = world.client("viewer").get(url(world), {"threat": threat.pk}).json()["results"]
    assert [c["body"] for c in on_threat] == ["On the threat"]


def test_the_api_edits_resolves_and_deletes(world: World) -> None:
    created = world.client("reviewer").post(url(world), {"body": "typo", "subject_key": "db"}, format="json").json()
    detail = f"/api/v1/comments/{created['id']}/"
    assert world.client("editor").patch(detail, {"body": "not mine"}, format="json").status_code == 403
    edited = world.client("reviewer").patch(detail, {"body": "fixed"}, format="json")
    assert edited.status_code == 200 and edited.json()["body"] == "fixed" and edited.json()["edited_at"]
    resolved = world.client("editor").post(f"{detail}resolve/", {}, format="json")
    assert resolved.status_code == 200 and resolved.json()["resolved"] and resolved.json()["resolved_by"] == "editor"
    assert world.client("viewer").post(f"{detail}resolve/", {"resolved": False}, format="json").status_code == 403
    assert world.client("viewer").delete(detail).status_code == 403
    assert world.client("owner").delete(detail).status_code == 204
    assert world.client("reviewer").get(detail).status_code == 404


def test_an_outsider_gets_404_for_the_models_comments_and_for_each_comment(world: World) -> None:
    comment = on_web(world)
    outsider = world.client("outsider")
    assert outsider.get(url(world)).status_code == 404
    assert outsider.post(url(world), {"body": "hi", "subject_key": "web"}, format="json").status_code == 404
    detail = f"/api/v1/comments/{comment.pk}/"
    assert outsider.get(detail).status_code == 404
    assert outsider.patch(detail, {"body": "x"}, format="json").status_code == 404
    assert outsider.post(f"{detail}resolve/", {}, format="json").status_code == 404
    assert outsider.delete(detail).status_code == 404


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"subject_key": "web"}, "body"),
        ({"body": "x" * 5_001, "subject_key": "web"}, "body"),
        ({"body": "hi", "threat": "one"}, "threat"),
        ({"body": "hi", "subject_key": "ghost"}, "subject_key"),
        ({"body": "hi"}, "threat"),
        ({"body": "hi", "parent": 10**9}, "parent"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(world: World, body: dict[str, Any], path: str) -> None:
    response = world.client("reviewer").post(url(world), body, format="json")
    assert response.status_code == 400, response.content
    assert path in [d["path"] for d in response.json()["error"]["details"]]
    assert not Comment.objects.exists()


def test_listing_a_models_comments_takes_the_same_queries_for_three_or_thirty(world: World, django_assert_max_num_queries: Any) -> None:
    for n in range(30):
        on_web(world, body=f"note {n} @editor")
    with django_assert_max_num_queries(8):
        assert len(world.client("viewer").get(url(world)).json()["results"]) == 30


def test_a_member_who_left_the_team_stays_the_author_of_their_comments(world: World) -> None:
    guest = make_user("guest")
    Membership.objects.create(team=world.team, user=guest, role=Role.REVIEWER)
    comment = comment_create(actor=guest, threat_model=world.model, body="Seen from outside", subject_key="web")
    Membership.objects.filter(user=guest).delete()
    listed = world.client("viewer").get(url(world)).json()["results"]
    assert [c["author"] for c in listed] == ["guest"] and comment.pk == listed[0]["id"]
