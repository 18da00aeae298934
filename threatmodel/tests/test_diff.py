"""The document diff (pure): exact on a crafted pair of documents."""

from __future__ import annotations

import copy
from typing import Any

from threatmodel.workflow.diff import document_diff


def element(key: str, name: str, **properties: Any) -> dict[str, Any]:
    return {"key": key, "kind": "process", "name": name, "description": "", "properties": properties, "parent": None,
            "x": 0.0, "y": 0.0, "width": None, "height": None}


BEFORE: dict[str, Any] = {
    "format": "threatmodel/native",
    "threat_model": {"name": "Shop", "description": "", "scope": "", "assumptions": "", "stage": "verify"},
    "diagrams": [
        {
            "name": "Level 0",
            "elements": [element("web", "Web", privileged=False), element("api", "API"), element("old", "Legacy")],
            "flows": [{"key": "f1", "source": "web", "target": "api", "label": "HTTP", "protocol": "http", "bidirectional": False,
                       "description": "", "properties": {"encrypted": False}}],
        }
    ],
    "threats": [
        {"fingerprint": "R1@web", "title": "Escape", "status": "open", "likelihood": 3, "impact": 4},
        {"fingerprint": "R2@old", "title": "Old", "status": "open", "likelihood": 2, "impact": 2},
    ],
    "coverage_notes": [{"target": "api", "stride": "D", "reason": "autoscaled", "author": "alice"}],
    "risk_policy": {"version": 1, "unacceptable_at": 15},
    "mitigations": [{"ref": "MIT-1", "title": "Drop privileges", "status": "planned", "threats": ["R1@web"]}],
    "decisions": [{"threat": "R2@old", "kind": "acceptance", "status": "active", "expires_on": "2027-01-01"}],
}


def crafted_after() -> dict[str, Any]:
    after = copy.deepcopy(BEFORE)
    after["threat_model"]["stage"] = "approved"
    elements = after["diagrams"][0]["elements"]
    elements[0]["name"] = "Web app"  # changed
    elements[0]["properties"] = {"privileged": True}  # changed
    del elements[2]  # "old" removed
    elements.append(element("worker", "Worker"))  # added
    after["diagrams"][0]["flows"][0]["properties"] = {"encrypted": True}
    after["threats"][0]["status"] = "mitigated"
    after["threats"][1]["status"] = "obsolete"
    after["threats"].append({"fingerprint": "R3@worker", "title": "New", "status": "open", "likelihood": None, "impact": None})
    after["coverage_notes"] = []
    after["risk_policy"]["unacceptable_at"] = 12
    after["mitigations"][0]["status"] = "verified"
    after["mitigations"].append({"ref": "MIT-2", "title": "Segment", "status": "planned", "threats": ["R3@worker"]})
    after["decisions"][0]["status"] = "expired"
    after["decisions"].append({"threat": "R2@old", "kind": "acceptance", "status": "active", "expires_on": "2027-06-01"})
    return after


def test_it_reports_every_change_of_a_crafted_pair_exactly() -> None:
    diff = document_diff(BEFORE, crafted_after())
    assert diff["threat_model"] == {"stage": {"before": "verify", "after": "approved"}}
    assert diff["risk_policy"] == {"unacceptable_at": {"before": 15, "after": 12}}
    assert diff["elements"] == {
        "added": [{**element("worker", "Worker"), "diagram": "Level 0"}],
        "removed": [{**element("old", "Legacy"), "diagram": "Level 0"}],
        "changed": [
            {
                "key": "web",
                "fields": {
                    "name": {"before": "Web", "after": "Web app"},
                    "properties": {"before": {"privileged": False}, "after": {"privileged": True}},
                },
            }
        ],
    }
    assert diff["flows"] == {
        "added": [],
        "removed": [],
        "changed": [{"key": "f1", "fields": {"properties": {"before": {"encrypted": False}, "after": {"encrypted": True}}}}],
    }
    assert diff["threats"] == {
        "added": [{"fingerprint": "R3@worker", "title": "New", "status": "open", "likelihood": None, "impact": None}],
        "removed": [],
        "changed": [
            {"fingerprint": "R1@web", "fields": {"status": {"before": "open", "after": "mitigated"}}},
            {"fingerprint": "R2@old", "fields": {"status": {"before": "open", "after": "obsolete"}}},
        ],
    }
    assert diff["mitigations"] == {
        "added": [{"ref": "MIT-2", "title": "Segment", "status": "planned", "threats": ["R3@worker"]}],
        "removed": [],
        "changed": [{"ref": "MIT-1", "fields": {"status": {"before": "planned", "after": "verified"}}}],
    }
    assert diff["decisions"] == {
        "added": [{"key": "R2@old#2", "threat": "R2@old", "kind": "acceptance", "status": "active", "expires_on": "2027-06-01"}],
        "removed": [],
        "changed": [{"key": "R2@old#1", "fields": {"status": {"before": "active", "after": "expired"}}}],
    }
    assert diff["coverage_notes"]["removed"] == [{"key": "api×D", "target": "api", "stride": "D", "reason": "autoscaled", "author": "alice"}]
    assert diff["summary"] == {
        "elements": {"added": 1, "removed": 1, "changed": 1},
        "flows": {"added": 0, "removed": 0, "changed": 1},
        "threats": {"added": 1, "removed": 0, "changed": 2},
        "mitigations": {"added": 1, "removed": 0, "changed": 1},
        "decisions": {"added": 1, "removed": 0, "changed": 1},
        "coverage_notes": {"added": 0, "removed": 1, "changed": 0},
    }
    assert diff["identical"] is False


def test_a_document_is_identical_to_itself() -> None:
    diff = document_diff(BEFORE, copy.deepcopy(BEFORE))
    assert diff["identical"] is True
    assert all(not any(counts.values()) for counts in diff["summary"].values())


def test_it_matches_elements_across_diagrams_by_key() -> None:
    after = copy.deepcopy(BEFORE)
    moved = after["diagrams"][0]["elements"].pop(1)
    after["diagrams"].append({"name": "Level 1", "elements": [moved], "flows": []})
    diff = document_diff(BEFORE, after)
    assert diff["elements"]["changed"] == [{"key": "api", "fields": {"diagram": {"before": "Level 0", "after": "Level 1"}}}]
    assert diff["elements"]["added"] == diff["elements"]["removed"] == []
