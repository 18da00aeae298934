"""``threatmodel guardrails``: a model file's guardrails offline; exit 0 written, 2 usage or input error."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from threatmodel.gate.guardrails_cli import main
from threatmodel.tests.shared_data import DATA

BOUTIQUE = DATA / "manifests" / "online-boutique" / "release" / "kubernetes-manifests.yaml"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def test_manifests_give_their_guardrails_on_standard_output() -> None:
    code, out, _ = run(str(BOUTIQUE), "--kind", "networkpolicy", "--namespace", "default")
    assert code == 0
    docs = [d for d in yaml.safe_load_all(out) if d]
    assert {d["kind"] for d in docs} == {"NetworkPolicy"} and len(docs) >= 12


def test_the_threats_are_the_engine_s_when_the_file_has_none(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    pod = DATA / "manifests" / "badpods" / "manifests" / "priv" / "pod" / "priv-exec-pod.yaml"
    assert run(str(pod), "--kind", "vap", "-o", str(target))[0] == 0
    policy = next(d for d in yaml.safe_load_all(target.read_text()) if d and d["metadata"]["name"].endswith("-no-privileged"))
    assert "K8S-001@k8s:pod:default:priv-exec-pod" in policy["metadata"]["annotations"]["threatmodel.io/threats"]


def test_a_native_export_brings_its_own_threats_and_mitigations(tmp_path: Path) -> None:
    """The demo model's export: its namespace boundary gives the workloads a namespace, its mitigations are named."""
    demo = json.loads((Path(settings.BASE_DIR) / "fixtures" / "demo" / "online-shop.json").read_text())
    demo["threats"] = [{"fingerprint": "K8S-001@storefront", "rule_id": "K8S-001", "element": "storefront", "status": "identified"}]
    demo["mitigations"] = [{"ref": "MIT-9", "title": "Restricted PSA", "control": "DEP-03", "attack_mitigations": [],
                            "threats": ["K8S-001@storefront"], "status": "implemented"}]  # fmt: skip
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(demo))
    code, out, err = run(str(path), "--kind", "psa")
    assert code == 0, err
    [namespace] = [d for d in yaml.safe_load_all(out) if d]
    assert namespace["metadata"]["annotations"]["threatmodel.io/mitigations"] == "MIT-9 Restricted PSA (implemented)"
    assert "no valid 'Pod labels'" in err  # hand-drawn workloads: no selector for a NetworkPolicy


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["/nonexistent.yaml"], "cannot read"), ([str(BOUTIQUE), "--namespace", "prod"], "no workload in namespace 'prod'"),
     ([str(BOUTIQUE), "--host-path-allow", "/"], "absolute path"), ([str(BOUTIQUE), "--kind", "psp"], "")],
)  # fmt: skip
def test_usage_and_input_errors_exit_2(argv: list[str], message: str) -> None:
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert message in err


def test_the_console_command_runs_it() -> None:
    root = Path(settings.BASE_DIR)
    result = subprocess.run([str(root / "bin" / "threatmodel"), "guardrails", str(BOUTIQUE), "--kind", "psa"],
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout.split("---\n", 1)[1])["kind"] == "Namespace"
