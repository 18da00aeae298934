"""``threatmodel guardrails``: the guardrails of a model file, offline (exit 0 written, 2 usage or input error).

Reads what the gate reads (a native JSON export, OTM, Threat Dragon, ``.tm7``, or Kubernetes
manifests mapped to a diagram) and writes the generated policies as one YAML stream, as
``GET …/guardrails/`` does for a model on the server (docs/guardrails.md). Threats and mitigations
come from the file (a native export carries them); from bare manifests the resources are written
with the threats the engine finds on them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from common.errors import ValidationFailed
from dfd.graph import build
from stride.engine import analyse
from stride.ruleset import default_rules
from threatmodel.gate.cli import UsageError, _read
from threatmodel.gate.run import PASS, USAGE
from threatmodel.guardrails import KINDS, generate, render_yaml
from threatmodel.guardrails.generate import GuardrailError
from threatmodel.interop.imports import translate_files
from threatmodel.interop.registry import IMPORTS, SourceFile


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="threatmodel guardrails", description="Write the Kubernetes guardrails of a model file.")
    parser.add_argument("files", nargs="+", type=Path, help="the model file(s) or Kubernetes manifests")
    parser.add_argument("--format", choices=sorted(IMPORTS), help="the files' format (recognised when not given)")
    parser.add_argument("--kind", action="append", choices=KINDS, help="only this kind (repeatable; all by default)")
    parser.add_argument("--namespace", help="only this namespace of the diagrams")
    parser.add_argument("--host-path-allow", action="append", default=[], help="a hostPath directory to allow (repeatable)")
    parser.add_argument("--registry", action="append", help="an allowed image registry (repeatable; default: the model's)")
    parser.add_argument("--output", "-o", type=Path, help="write the YAML here (default: standard output)")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return PASS if exc.code == 0 else USAGE
    try:
        files = [SourceFile(path.name, _read(path, "the model file")) for path in args.files]
        _, translation = translate_files(files=files, fmt=args.format)
        document = dict(translation.document)
        if not document.get("threats"):
            elements = [e for d in document.get("diagrams") or [] for e in d.get("elements") or []]
            flows = [f for d in document.get("diagrams") or [] for f in d.get("flows") or []]
            document["threats"] = [
                {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "title": f.title, "element": f.element_key or None,
                 "flow": f.flow_key or None, "status": "identified"}
                for f in analyse(build(elements, flows), default_rules())
            ]  # fmt: skip
        bundle = generate(document, kinds=args.kind or KINDS, namespace=args.namespace,
                          host_path_allow=args.host_path_allow, registries=args.registry)  # fmt: skip
    except UsageError as exc:
        print(f"threatmodel guardrails: {exc}", file=err)
        return USAGE
    except GuardrailError as exc:
        print(f"threatmodel guardrails: {exc}", file=err)
        return USAGE
    except ValidationFailed as exc:
        print(f"threatmodel guardrails: {exc.message}", file=err)
        for detail in exc.details[:20]:
            print(f"  {detail['path']}: {detail['message']}", file=err)
        return USAGE
    name = str((document.get("threat_model") or {}).get("name") or ", ".join(str(p) for p in args.files))
    text = render_yaml(bundle, title=f"Guardrails of {name}")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        out.write(text)
    for warning in bundle.warnings:
        print(f"warning: {warning}", file=err)
    return PASS
