"""The pipeline gate: every exit path, SARIF and JUnit output, acceptances, baselines, no database.

The gate runs in a separate process for the exit-code and no-database tests (as a pipeline runs
it, with a DATABASE_URL that points nowhere: a connection attempt would fail the run); the
verdict logic is tested in process on the demo model and on real files of other tools.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from defusedxml import ElementTree as SafeET
from django.conf import settings

from stride.ruleset import default_rules
from threatmodel.gate.cli import main
from threatmodel.gate.locations import document_lines
from threatmodel.gate.policy import parse_policy
from threatmodel.gate.run import gate_check
from threatmodel.gate.sarif import FINGERPRINT_KEY, sarif_log
from threatmodel.interop.registry import SourceFile
from threatmodel.tests.shared_data import DATA, MISSING

DEMO = Path(settings.BASE_DIR) / "fixtures" / "demo" / "online-shop.json"

# The parts of SARIF 2.1.0 (OASIS standard, §3) that code-scanning services read, as a JSON schema
# of our own: version, runs with a tool driver and rules, results with a rule id, a level of the
# enumeration, a message text, string fingerprints and locations.
SARIF_SHAPE: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "shortDescription", "help"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "shortDescription": {"type": "object", "required": ["text"]},
                                                "help": {"type": "object", "required": ["text"]},
                                                "properties": {
                                                    "type": "object",
                                                    "properties": {
                                                        "tags": {"type": "array", "items": {"type": "string"}},
                                                        "security-severity": {
                                                            "type": "string",
                                                            "pattern": r"^\d+(\.\d)?$",
                                                        },
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "message", "level", "partialFingerprints", "locations"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {
                                    "type": "object",
                                    "required": ["text"],
                                    "properties": {"text": {"type": "string", "minLength": 1}},
                                },
                                "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "physicalLocation": {"type": "object", "required": ["artifactLocation"]},
                                            "logicalLocations": {
                                                "type": "array",
                                                "items": {"type": "object", "required": ["name"]},
                                            },
                                        },
                                    },
                                },
                                "suppressions": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["kind"],
                                        "properties": {"kind": {"enum": ["inSource", "external"]}},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def demo_files() -> list[SourceFile]:
    return [SourceFile(str(DEMO), DEMO.read_bytes())]


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_demo_fails_the_default_policy_on_its_unacceptable_findings() -> None:
    result = gate_check(files=demo_files(), policy=parse_policy(None))
    assert result.exit_code == 1
    assert result.failures
    assert all(item.band == "unacceptable" for item in result.failures)
    assert all(item.finding.likelihood * item.finding.impact >= 15 for item in result.failures)
    tolerable = [item for item in result.checked if item.band == "tolerable"]
    assert tolerable and not any(item.fails for item in tolerable)


def test_a_policy_that_fails_no_band_passes() -> None:
    result = gate_check(files=demo_files(), policy=parse_policy({"fail_on": []}))
    assert result.exit_code == 0
    assert result.checked


def test_stricter_bands_fail_more() -> None:
    default = gate_check(files=demo_files(), policy=parse_policy(None))
    strict = gate_check(files=demo_files(), policy=parse_policy({"bands": {"unacceptable_at": 9}}))
    assert len(strict.failures) > len(default.failures)


def test_a_valid_acceptance_passes_its_finding_and_an_expired_one_fails_it() -> None:
    failing = gate_check(files=demo_files(), policy=parse_policy(None)).failures
    fingerprint = failing[0].finding.fingerprint
    policy = parse_policy(
        {
            "accepted": [
                {
                    "fingerprint": fingerprint,
                    "reason": "compensating control at the edge",
                    "until": "2027-01-31",
                    "by": "ana",
                }
            ]
        }
    )
    before = gate_check(files=demo_files(), policy=policy, today=dt.date(2027, 1, 31))
    item = next(c for c in before.checked if c.finding.fingerprint == fingerprint)
    assert not item.fails and item.acceptance is not None
    assert len(before.failures) == len(failing) - 1

    after = gate_check(files=demo_files(), policy=policy, today=dt.date(2027, 2, 1))
    item = next(c for c in after.checked if c.finding.fingerprint == fingerprint)
    assert item.reasons == ("its acceptance expired on 2027-01-31",)


def test_an_expired_acceptance_fails_even_a_finding_in_a_passing_band() -> None:
    result = gate_check(files=demo_files(), policy=parse_policy(None))
    tolerable = next(c for c in result.checked if c.band == "tolerable").finding.fingerprint
    policy = parse_policy({"accepted": [{"fingerprint": tolerable, "reason": "r", "until": dt.date(2026, 1, 1)}]})
    again = gate_check(files=demo_files(), policy=policy, today=dt.date(2026, 6, 1))
    assert any(c.finding.fingerprint == tolerable and c.fails for c in again.checked)


def test_an_acceptance_that_matches_nothing_is_reported() -> None:
    policy = parse_policy({"accepted": [{"fingerprint": "K8S-001@gone", "reason": "r", "until": "2099-01-01"}]})
    result = gate_check(files=demo_files(), policy=policy)
    assert [a.fingerprint for a in result.stale_acceptances] == ["K8S-001@gone"]


def test_with_a_baseline_only_new_findings_fail(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.sarif"
    code, _, _ = run_cli(str(DEMO), "--policy", str(policy_file(tmp_path, "fail_on: []\n")), "--sarif", str(baseline))
    assert code == 0
    same, out, _ = run_cli(str(DEMO), "--policy", str(tmp_path / "policy.yaml"), "--baseline", str(baseline))
    assert same == 0, out

    model = json.loads(DEMO.read_text())
    model["diagrams"][0]["elements"].append(
        {
            "key": "new-worker",
            "kind": "process",
            "name": "New worker",
            "properties": {"privileged": True},
            "x": 0,
            "y": 0,
        }
    )
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(model))
    code, out, _ = run_cli(str(changed), "--policy", str(tmp_path / "policy.yaml"), "--baseline", str(baseline))
    assert code == 1
    fails = [line for line in out.splitlines() if line.strip().startswith("FAIL")]
    assert fails and all("@new-worker" in line and "new since the baseline" in line for line in fails)


def policy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def test_sarif_output_has_the_shape_code_scanning_reads(tmp_path: Path) -> None:
    out = tmp_path / "gate.sarif"
    code, _, _ = run_cli(str(DEMO), "--sarif", str(out))
    assert code == 1
    log = json.loads(out.read_text())
    jsonschema.validate(log, SARIF_SHAPE)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len({r["partialFingerprints"][FINGERPRINT_KEY] for r in results}) == len(results)
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    errors = [r for r in results if r["level"] == "error"]
    assert errors and all("Fails the gate" in r["message"]["text"] for r in errors)
    tags = {tag for rule in rules for tag in rule["properties"]["tags"]}
    assert any(tag.startswith("attack/T") for tag in tags)
    assert any(tag.startswith("external/cwe/cwe-") for tag in tags)
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == str(DEMO) for r in results)


def test_junit_output_has_a_failure_per_failing_finding(tmp_path: Path) -> None:
    out = tmp_path / "gate.xml"
    code, stdout, _ = run_cli(str(DEMO), "--junit", str(out))
    assert code == 1
    root = SafeET.parse(out).getroot()
    assert root is not None
    suite = root.find("testsuite")
    assert suite is not None
    failures = suite.findall("testcase/failure")
    assert int(suite.get("failures", "-1")) == len(failures) == stdout.count("FAIL ")
    assert int(suite.get("tests", "0")) == len(suite.findall("testcase"))


@pytest.mark.parametrize(
    ("policy", "fragment"),
    [
        ("fail_on: [unacceptable, severe]\n", "$.fail_on[1]: unknown band 'severe'"),
        ("bands: {unacceptable_at: 40}\n", "$.bands.unacceptable_at: must be a whole number from 1 to 25"),
        ("accepted:\n - fingerprint: K8S-001@x\n   until: someday\n", "$.accepted[0].until"),
        ("colour: blue\n", "$.colour: unknown key"),
        ("- a list\n", "must be a mapping"),
    ],
)
def test_a_bad_policy_is_a_usage_error_naming_the_place(tmp_path: Path, policy: str, fragment: str) -> None:
    code, _, err = run_cli(str(DEMO), "--policy", str(policy_file(tmp_path, policy)))
    assert code == 2
    assert fragment in err


def test_bad_input_files_are_usage_errors(tmp_path: Path) -> None:
    code, _, err = run_cli(str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read the model file" in err
    not_a_model = tmp_path / "list.json"
    not_a_model.write_text("[1, 2]")
    code, _, err = run_cli(str(not_a_model))
    assert code == 2 and "not a threat model" in err
    bad_baseline = tmp_path / "baseline.sarif"
    bad_baseline.write_text("{}")
    code, _, err = run_cli(str(DEMO), "--baseline", str(bad_baseline))
    assert code == 2 and "not a SARIF log" in err
    code, _, _ = run_cli(str(DEMO), "--no-such-option")
    assert code == 2


def test_the_gate_reads_other_tools_files() -> None:
    if not DATA.is_dir():
        pytest.skip(MISSING)
    for path, fmt in (
        (DATA / "threat-dragon" / "ThreatDragonModels" / "demo-threat-model.json", "threat-dragon"),
        (DATA / "tmt" / "Sample_Threat_Model.tm7", "tmt"),
    ):
        result = gate_check(files=[SourceFile(path.name, path.read_bytes())], policy=parse_policy(None))
        assert result.format == fmt
        assert result.checked, f"{path.name} gives findings"
        log = sarif_log(result, default_rules())
        jsonschema.validate(log, SARIF_SHAPE)


def test_the_command_runs_without_a_database(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nowhere", "REDIS_URL": "redis://127.0.0.1:1/0"}
    env.pop("SECRET_KEY", None)
    out = tmp_path / "gate.sarif"
    done = subprocess.run(
        [sys.executable, "-m", "threatmodel.gate", str(DEMO), "--sarif", str(out)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "gate FAILED" in done.stdout
    assert json.loads(out.read_text())["runs"][0]["results"]
    passing = subprocess.run(
        [sys.executable, "-m", "threatmodel.gate", str(DEMO), "--policy", str(policy_file(tmp_path, "fail_on: []\n"))],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert passing.returncode == 0, passing.stderr
    assert "gate PASSED" in passing.stdout


def test_the_gate_reads_manifests_and_points_at_the_document_of_each_finding() -> None:
    if not DATA.is_dir():
        pytest.skip(MISSING)
    path = DATA / "manifests" / "online-boutique" / "release" / "kubernetes-manifests.yaml"
    raw = path.read_bytes()
    result = gate_check(files=[SourceFile(str(path), raw)], policy=parse_policy(None))
    assert result.format == "kubernetes" and result.checked
    lines = raw.decode().splitlines()
    placed = [c for c in result.checked if c.line is not None and ", document " in c.source]
    assert placed, "findings on workloads carry the line of their document"
    for item in placed:
        document = int(item.source.split(", document ")[1].split()[0])
        assert item.line == document_lines(raw)[document - 1]
        following = "\n".join(lines[item.line - 1 : item.line + 40])
        assert "kind:" in following
    log = sarif_log(result, default_rules())
    jsonschema.validate(log, SARIF_SHAPE)
    regions = [r["locations"][0]["physicalLocation"].get("region") for r in log["runs"][0]["results"]]
    assert any(region and region["startLine"] > 1 for region in regions)


def test_a_privileged_pod_in_a_manifest_fails_the_gate(tmp_path: Path) -> None:
    if not DATA.is_dir():
        pytest.skip(MISSING)
    pods = sorted((DATA / "manifests" / "badpods").rglob("*everything-allowed*pod*.yaml"))
    assert pods, "badPods holds the everything-allowed pod"
    code, stdout, _ = run_cli(str(pods[0]), "--sarif", str(tmp_path / "out.sarif"))
    assert code == 1
    assert "FAIL K8S-001@k8s:pod:" in stdout
