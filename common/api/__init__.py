"""API pieces shared by every app's endpoints (errors, requests, schema helpers, renderers, filters)."""
