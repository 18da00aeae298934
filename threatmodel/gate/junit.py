"""The gate's verdict as JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure).

One test case per finding, named by its fingerprint; a failing finding carries a ``failure`` with
the reasons. Written with the standard library's element tree, which escapes every text and
attribute (the XML is only written here, never parsed).
"""

from __future__ import annotations

from xml.etree import ElementTree as ET  # noqa: TID251 - writing only; nothing is parsed

from threatmodel.gate.run import GateResult


def junit_xml(result: GateResult) -> bytes:
    suite = ET.Element(
        "testsuite",
        {
            "name": "threat model gate",
            "tests": str(len(result.checked)),
            "failures": str(len(result.failures)),
            "errors": "0",
        },
    )
    for item in result.checked:
        finding = item.finding
        case = ET.SubElement(suite, "testcase", {"classname": finding.rule_id, "name": finding.fingerprint})
        if item.fails:
            failure = ET.SubElement(case, "failure", {"message": "; ".join(item.reasons), "type": item.band})
            failure.text = f"{finding.title} — {finding.flow_key or finding.element_key} ({item.source or 'model'})"
    suites = ET.Element("testsuites")
    suites.append(suite)
    data: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return data
