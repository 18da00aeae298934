"""The pipeline gate: a model file (and later manifests) checked against a risk policy, offline.

``python -m threatmodel.gate`` (or ``bin/threatmodel gate``) reads the files a repository holds,
analyses them with the same pure engine and rules as the server, and exits 1 when a finding sits
in a failing band without a valid acceptance, when an acceptance has expired, or (with a
baseline) when a finding is new. It writes no row and opens no database connection: a pipeline
runner has neither. See docs/ci.md.
"""
