"""``threatmodel gate``: the command line of the pipeline gate (exit 0 pass, 1 fail, 2 usage or input error)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from django.conf import settings

from common.errors import ValidationFailed
from stride.ruleset import default_rules
from threatmodel.gate.junit import junit_xml
from threatmodel.gate.policy import GatePolicy, parse_policy
from threatmodel.gate.run import FAIL, PASS, USAGE, GateResult, gate_check
from threatmodel.gate.sarif import baseline_fingerprints, sarif_log
from threatmodel.interop import safe_parse
from threatmodel.interop.registry import IMPORTS, SourceFile


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="threatmodel gate", description="Check a threat model file against a risk policy, offline."
    )
    parser.add_argument(
        "files", nargs="+", type=Path, help="the model file(s) (native JSON, OTM, Threat Dragon, .tm7) or Kubernetes manifests / compose files"
    )
    parser.add_argument("--format", choices=sorted(IMPORTS), help="the files' format (recognised when not given)")
    parser.add_argument("--policy", type=Path, help="policy file (YAML or JSON): bands, fail_on, accepted")
    parser.add_argument("--baseline", type=Path, help="a SARIF log of an earlier run: findings not in it fail")
    parser.add_argument("--sarif", type=Path, help="write SARIF 2.1.0 here")
    parser.add_argument("--junit", type=Path, help="write JUnit XML here")
    parser.add_argument(
        "--today", type=dt.date.fromisoformat, help="the date acceptances are checked against (YYYY-MM-DD)"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the verdict line")
    return parser


def _read(path: Path, what: str) -> bytes:
    try:
        size, limit = path.stat().st_size, settings.THREATMODEL_IMPORT_MAX_BYTES
        if size > limit:
            raise UsageError(f"{what} {path} is {size} bytes; the limit is {limit}.")
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror}") from exc


def _policy(path: Path | None) -> GatePolicy:
    if path is None:
        return parse_policy(None)
    return parse_policy(safe_parse.load_yaml(_read(path, "the policy file")))


def _baseline(path: Path | None) -> set[str] | None:
    if path is None:
        return None
    try:
        return baseline_fingerprints(json.loads(_read(path, "the baseline")))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"the baseline {path} is not a SARIF log written by the gate: {exc}") from exc


def _summary(result: GateResult, out: TextIO, quiet: bool) -> None:
    failures = result.failures
    if not quiet:
        bands: dict[str, int] = {}
        for item in result.checked:
            bands[item.band] = bands.get(item.band, 0) + 1
        print(
            f"{len(result.checked)} finding(s) in {', '.join(result.files)} ({result.format}): "
            + ", ".join(f"{n} {band.replace('_', ' ')}" for band, n in sorted(bands.items())),
            file=out,
        )
        for item in failures:
            subject = item.finding.flow_key or item.finding.element_key
            print(
                f"  FAIL {item.finding.fingerprint}: {item.finding.title} [{subject}] — {'; '.join(item.reasons)}",
                file=out,
            )
        for acceptance in result.stale_acceptances:
            print(f"  note: the acceptance of {acceptance.fingerprint} matches no finding", file=out)
        for warning in result.warnings:
            print(f"  warning: {warning}", file=out)
    verdict = "FAILED" if failures else "PASSED"
    print(f"gate {verdict}: {len(failures)} finding(s) fail the policy", file=out)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return PASS if exc.code == 0 else USAGE
    try:
        policy = _policy(args.policy)
        baseline = _baseline(args.baseline)
        files = [SourceFile(str(path), _read(path, "the model file")) for path in args.files]
        result = gate_check(files=files, policy=policy, fmt=args.format, baseline=baseline, today=args.today)
    except UsageError as exc:
        print(f"threatmodel gate: {exc}", file=err)
        return USAGE
    except ValidationFailed as exc:
        print(f"threatmodel gate: {exc.message}", file=err)
        for detail in exc.details[:20]:
            print(f"  {detail['path']}: {detail['message']}", file=err)
        return USAGE
    if args.sarif:
        args.sarif.write_text(json.dumps(sarif_log(result, default_rules()), indent=1), encoding="utf-8")
    if args.junit:
        args.junit.write_bytes(junit_xml(result))
    _summary(result, out, args.quiet)
    return FAIL if result.failures else PASS
