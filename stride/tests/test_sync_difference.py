"""The sync works out the difference in memory and writes only what changed: nothing at all when nothing did."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from dfd.selectors import graph_for_model
from stride.models import Threat
from stride.services import SyncResult, model_findings, threats_sync
from threatmodel.analysis import threat_model_analyse
from threatmodel.diagrams import diagram_change

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "COPY")


def sync(world: World) -> SyncResult:
    world.model.refresh_from_db()
    findings = model_findings(model_id=world.model.pk, graph=graph_for_model(world.model.pk))
    return threats_sync(model_id=world.model.pk, version=world.model.version, findings=findings)


def writes(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


def stored_texts(world: World) -> dict[str, tuple[object, ...]]:
    return {
        t.fingerprint: (t.title, t.explanation, t.suggested_likelihood, t.suggested_impact, t.confirmed, t.questions)
        for t in Threat.objects.filter(threat_model=world.model, origin="rule").exclude(status="obsolete")
    }


def fresh_texts(world: World) -> dict[str, tuple[object, ...]]:
    findings = model_findings(model_id=world.model.pk, graph=graph_for_model(world.model.pk))
    return {f.fingerprint: (f.title, f.explanation, f.likelihood, f.impact, f.confirmed, list(f.questions)) for f in findings}


def edit(world: World, *ops: dict[str, object]) -> None:
    world.diagram.refresh_from_db()
    diagram_change(analyse=False, diagram_id=world.diagram.pk, actor=None, base_version=world.diagram.version, ops=list(ops))


def test_a_re_analysis_with_no_change_issues_no_write(world: World) -> None:
    edit(world, {"op": "update_element", "key": "web", "name": 'Web\\shop\t"one"\nline'})
    assert sync(world).new > 0
    assert stored_texts(world) == fresh_texts(world)
    with CaptureQueriesContext(connection) as ctx:
        again = sync(world)
    assert writes(ctx) == []
    assert (again.new, again.obsolete, again.revived, again.rewritten) == (0, 0, 0, 0)


def test_after_a_change_every_kept_threat_says_what_a_full_analysis_says(world: World) -> None:
    threat_model_analyse(model_id=world.model.pk)
    before = {t.fingerprint: t.changed_version for t in Threat.objects.filter(threat_model=world.model)}
    # A rename shows in the explanations of the threats on web and on its flows, and in no other
    # (a backslash, a tab and a quote in it: COPY's text format escapes them).
    edit(world, {"op": "update_element", "key": "web", "name": 'Store\\front\t"shop"'},
         {"op": "update_element", "key": "web", "properties": {"privileged": True}})  # fmt: skip
    result = threat_model_analyse(model_id=world.model.pk)
    assert stored_texts(world) == fresh_texts(world)
    assert result.rewritten > 0
    world.model.refresh_from_db()
    stamped = {t.fingerprint for t in Threat.objects.filter(threat_model=world.model, changed_version=world.model.version)}
    assert stamped == set(result.changed)
    untouched = {fp for fp, version in before.items() if fp not in stamped}
    assert all(Threat.objects.get(threat_model=world.model, fingerprint=fp).changed_version == before[fp] for fp in untouched)


def test_digests_of_the_earlier_kind_are_refreshed_once_without_a_visible_change(world: World) -> None:
    sync(world)
    # A digest whose second half (the inputs) does not match, as one written before the halves did:
    # the text is worked out again, found the same, and only the digest is written.
    for pk, digest in Threat.objects.filter(threat_model=world.model, origin="rule").values_list("pk", "finding_digest"):
        Threat.objects.filter(pk=pk).update(finding_digest=digest[:16] + "0" * 16)
    versions = dict(Threat.objects.filter(threat_model=world.model).values_list("fingerprint", "changed_version"))
    refreshed = sync(world)
    assert (refreshed.rewritten, refreshed.new, refreshed.changed) == (0, 0, [])
    assert dict(Threat.objects.filter(threat_model=world.model).values_list("fingerprint", "changed_version")) == versions
    with CaptureQueriesContext(connection) as ctx:
        sync(world)
    assert writes(ctx) == []
