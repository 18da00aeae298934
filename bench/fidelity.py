"""Benchmark: how close the engine's threats come to ground truth no one here wrote (issue 11's figures).

    .venv/bin/python bench/fidelity.py             # the three tables
    .venv/bin/python bench/fidelity.py --detail    # and every missed or extra pair

Three sets of ground truth, all read from the shared data folder (``THREATMODEL_SHARED_DIR``):

- **Microsoft TMT samples, per interaction** (research/threat-dragon-tmt.md §7): the threats TMT
  generated and saved in each ``.tm7`` (``ThreatInstances``) are the truth; a pair is (flow,
  STRIDE letter), and ours count only when the finding sits on that flow.
- **Threat Dragon demo models, element by element** (same document, §6.2): the threats people
  labelled on cells; a pair is (element or flow, letter). Labels on out-of-scope cells are left
  out of the denominator, since the engine does not analyse those.
- **Kubernetes manifests** (data/manifests/MANIFEST.md): units of the corpus with the ATT&CK
  techniques their documentation names (``UNITS`` below, with where each label comes from), and
  safe controls (benign apps, Bad Pods' nothing-allowed, KubeHound's CONTROL_POD) where a
  confirmed specific finding claiming a technique is a false alarm.

Each file goes through the project's own importer (``threatmodel.interop.registry``: parse and
translate, no database, no server) and the pure engine (``stride.engine.analyse``) in process.
Manifest units go through the Kubernetes importer (``threatmodel.interop.manifests``) the same
way; ``bench/k8s_units.py`` holds their labels.

"Specific" means a finding of a specific rule (not the STRIDE-per-element baseline);
"unconfirmed" findings (a property the rule tests is unknown) are counted apart where they exist.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # the bench folder's own modules (k8s_units)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")

import django  # noqa: E402

django.setup()

from dfd.graph import build  # noqa: E402
from stride.engine import Finding, analyse  # noqa: E402
from stride.ruleset import default_rules  # noqa: E402
from threatmodel.interop import safe_parse  # noqa: E402
from threatmodel.interop.registry import IMPORTS, SourceDocument  # noqa: E402

SHARED = Path(os.environ.get("THREATMODEL_SHARED_DIR") or ROOT.parent / "shared").resolve()
TMT_FILES = ("Sample_Threat_Model.tm7", "MTMT_nested_tz.tm7", "MTMT_example.tm7")
TD_DEMO = SHARED / "data" / "threat-dragon" / "td.vue" / "src" / "service" / "demo"
TD_FILES = ("v2-threat-model.json", "iot-device.json", "three-tier-web-app.json", "cryptocurrency-wallet.json")

Pair = tuple[str, str]


@dataclass
class Score:
    """Pairs of (subject, STRIDE letter): the truth, ours from any rule, ours from specific rules."""

    truth: set[Pair] = field(default_factory=set)
    ours: set[Pair] = field(default_factory=set)
    specific: set[Pair] = field(default_factory=set)
    unconfirmed: set[Pair] = field(default_factory=set)

    def add(self, other: Score, prefix: str) -> None:
        """Fold another file's pairs in (its keys prefixed: two files may use the same key)."""
        for name in ("truth", "ours", "specific", "unconfirmed"):
            getattr(self, name).update((f"{prefix}/{subject}", letter) for subject, letter in getattr(other, name))

    def row(self, name: str) -> str:
        truth = len(self.truth) or 1
        hit = len(self.truth & self.ours)
        spec = len(self.truth & self.specific)
        unconf = len(self.truth & self.unconfirmed)
        extra = len(self.ours - self.truth)
        asked = spec + unconf
        return (
            f"| {name} | {len(self.truth)} | {hit} ({100 * hit / truth:.0f} %) | {spec} ({100 * spec / truth:.0f} %) "
            f"| {asked} ({100 * asked / truth:.0f} %) | {extra} |"
        )


HEADER = (
    "| set | truth pairs | recall (all rules) | recall (specific rules, confirmed) "
    "| recall (specific rules, confirmed or asking) | extra pairs |\n|---|---|---|---|---|---|"
)


def _is_specific(finding: Finding) -> bool:
    return not finding.rule_id.startswith("B-")


def _unconfirmed(finding: Finding) -> bool:
    return getattr(finding, "confirmed", True) is False


def _graph(document: dict[str, Any]) -> Any:
    elements = [element for diagram in document["diagrams"] for element in diagram["elements"]]
    flows = [flow for diagram in document["diagrams"] for flow in diagram["flows"]]
    return build(elements, flows), elements, flows


def _subject(finding: Finding) -> str:
    return finding.flow_key or finding.element_key


def _score(findings: Iterable[Finding], truth: set[Pair], subjects: set[str]) -> Score:
    score = Score(truth=truth)
    for finding in findings:
        subject = _subject(finding)
        if subject not in subjects:
            continue
        pair = (subject, finding.stride)
        score.ours.add(pair)
        if _is_specific(finding):
            if _unconfirmed(finding):
                score.unconfirmed.add(pair)
            else:
                score.specific.add(pair)
    # A pair some rule confirmed is not also counted as only unconfirmed.
    score.unconfirmed -= score.specific
    return score


def _translate(fmt: str, syntax: str, value: Any, name: str) -> dict[str, Any]:
    translation = IMPORTS[fmt].translate([SourceDocument(syntax, value, name)])  # type: ignore[arg-type]
    return dict(translation.document)


# --- Microsoft TMT ------------------------------------------------------------------------------------------


def tmt_scores(detail: bool) -> dict[str, Score]:
    rules = default_rules()
    scores: dict[str, Score] = {}
    for name in TMT_FILES:
        root = safe_parse.load_xml((SHARED / "data" / "tmt" / name).read_bytes())
        document = _translate("tmt", "xml", root, name)
        graph, _, flows = _graph(document)
        truth = {(threat["flow"], threat["stride"]) for threat in document["threats"] if threat.get("flow")}
        score = _score(analyse(graph, rules), truth, {flow["key"] for flow in flows})
        scores[name] = score
        if detail:
            _show_detail(
                name,
                score,
                {
                    f["key"]: f"{graph.nodes[f['source']].name} → {f['label']} → {graph.nodes[f['target']].name}"
                    for f in flows
                    if f["source"] in graph.nodes and f["target"] in graph.nodes
                },
            )
    return scores


# --- Threat Dragon ------------------------------------------------------------------------------------------


def td_scores(detail: bool) -> dict[str, Score]:
    rules = default_rules()
    scores: dict[str, Score] = {}
    for name in TD_FILES:
        value = safe_parse.load_json((TD_DEMO / name).read_bytes())
        document = _translate("threat-dragon", "json", value, name)
        graph, elements, flows = _graph(document)
        records = {record["key"]: record for record in [*elements, *flows]}
        out = {key for key, record in records.items() if (record.get("properties") or {}).get("out_of_scope") is True}
        truth = {
            (threat.get("flow") or threat.get("element"), threat["stride"])
            for threat in document["threats"]
            if (threat.get("flow") or threat.get("element"))
            and (threat.get("flow") or threat.get("element")) not in out
        }
        subjects = {key for key, record in records.items() if record.get("kind") != "trust_boundary"}
        score = _score(analyse(graph, rules), truth, subjects)
        scores[name] = score
        if detail:
            _show_detail(
                name, score, {key: record.get("name") or record.get("label") or key for key, record in records.items()}
            )
    return scores


def _show_detail(name: str, score: Score, names: dict[str, str]) -> None:
    print(f"\n{name}")
    for subject, letter in sorted(score.truth - score.ours):
        print(f"  missed  {letter} on {names.get(subject, subject)}")
    for subject, letter in sorted(score.truth & score.ours - score.specific):
        print(f"  baseline-only {letter} on {names.get(subject, subject)}")
    extra: dict[str, str] = defaultdict(str)
    for subject, letter in sorted(score.ours - score.truth):
        extra[subject] += letter
    for subject, letters in sorted(extra.items()):
        print(f"  extra   {letters} on {names.get(subject, subject)}")


# --- Kubernetes manifests -----------------------------------------------------------------------------------


def manifest_table(detail: bool) -> list[str]:
    try:
        import k8s_units
    except ImportError as exc:  # pragma: no cover - the adapter ships with this script
        return [f"no Kubernetes importer yet, and the bench adapter failed to load: {exc}"]
    rules = default_rules()
    insecure_hit = insecure_total = 0
    controls = alarmed = 0
    unit_rows: list[str] = []
    alarms: list[str] = []
    for unit in k8s_units.units(SHARED / "data" / "manifests"):
        graph = build(unit.elements, unit.flows)
        findings = [
            f for f in analyse(graph, rules) if f.element_key in unit.workloads or f.flow_key in unit.flows_of_interest
        ]
        claimed = {t for f in findings if _is_specific(f) and not _unconfirmed(f) for t in f.techniques}
        if unit.safe:
            for workload in sorted(unit.workloads):
                controls += 1
                own = sorted(
                    {
                        f"{f.rule_id}:{'/'.join(f.techniques)}"
                        for f in findings
                        if f.element_key == workload and _is_specific(f) and not _unconfirmed(f) and f.techniques
                    }
                )
                if own:
                    alarmed += 1
                    alarms.append(f"  false alarm on {unit.name} / {workload}: {', '.join(own)}")
            continue
        expected = set(unit.expected)
        found = {t for t in expected if any(c == t or c.startswith(t + ".") for c in claimed)}
        insecure_hit += len(found)
        insecure_total += len(expected)
        if detail or expected - found:
            unit_rows.append(
                f"  {unit.name}: expected {sorted(expected)}, found {sorted(found)}"
                + (f", missed {sorted(expected - found)}" if expected - found else "")
            )
    lines = [
        "| set | expected techniques | found (confirmed specific rules) | safe controls (workloads) | with a false alarm |",
        "|---|---|---|---|---|",
        f"| manifests | {insecure_total} | {insecure_hit} ({100 * insecure_hit / max(insecure_total, 1):.0f} %) "
        f"| {controls} | {alarmed} ({100 * alarmed / max(controls, 1):.0f} %) |",
    ]
    if detail:
        lines += ["", *unit_rows, *alarms]
    else:
        lines += ["", *unit_rows[:12], *alarms[:12]]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="list every missed and extra pair")
    args = parser.parse_args()
    print(f"Rules: {len(default_rules())}; shared data: {SHARED}\n")
    for title, scores in (
        ("Microsoft TMT, per interaction", tmt_scores(args.detail)),
        ("Threat Dragon demo labels, per element", td_scores(args.detail)),
    ):
        print(f"\n### {title}\n\n{HEADER}")
        total = Score()
        for name, score in scores.items():
            print(score.row(name))
            total.add(score, name)
        print(total.row("**all**"))
    print("\n### Kubernetes manifests\n")
    for line in manifest_table(args.detail):
        print(line)


if __name__ == "__main__":
    main()
