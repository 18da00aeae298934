"""The model-less kernel every app may import: errors and their one shape, request and schema
helpers, renderers, the filter base, pagination and the read-only admin.

It holds no models and imports no app, so ``dfd`` and ``stride`` can share these pieces with the
core without an arrow pointing back at ``threatmodel`` (import-linter holds it to that).
"""
