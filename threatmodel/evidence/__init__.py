"""Machine evidence for mitigations: PolicyReports, Kubescape results and SARIF logs (docs/guardrails.md).

``read`` parses a report into results, ``match`` names the catalogue controls each result is
evidence for (the tables of ``mapping``); ``threatmodel.workflow.evidence`` applies them to a model.
"""
