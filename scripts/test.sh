#!/usr/bin/env bash
# `make test`: set up (with test tools and Debian's Chromium), make sure PostgreSQL and Redis run,
# then lint, type-check and run every test. Fails on the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev --browser

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/threatmodel}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}
export DJANGO_SETTINGS_MODULE=threatmodel.settings
export DEBUG=${DEBUG:-0}
export SECRET_KEY=${SECRET_KEY:-test-only-secret-key-$(date +%s)-not-for-production}
scripts/services.sh

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Ruff"
.venv/bin/ruff check .
step "Import contracts (the arrows between the apps)"
.venv/bin/lint-imports --no-cache
step "mypy (Django and DRF plugins)"
.venv/bin/mypy .
step "Migrations are up to date"
.venv/bin/python manage.py makemigrations --check --dry-run
step "OpenAPI schema is valid and complete"
.venv/bin/python manage.py spectacular --validate --fail-on-warn --file var/openapi.yml
if [ -f frontend/package.json ]; then
  step "Frontend API types match the OpenAPI schema"
  (cd frontend && node scripts/check-api-types.mjs ../var/openapi.yml)
  step "TypeScript (tsc --noEmit)"
  (cd frontend && npx --no-install tsc --noEmit -p .)
  step "ESLint (src/core/ imports no React; rules of hooks)"
  (cd frontend && npx --no-install eslint .)
  step "Vitest"
  (cd frontend && npx --no-install vitest run)
fi
step "pytest (PostgreSQL at $DATABASE_URL, Redis at $REDIS_URL)"
.venv/bin/pytest -q -m "not browser" "$@"
if compgen -G "*/tests/browser/test_*.py" >/dev/null || compgen -G "e2e/test_*.py" >/dev/null; then
  step "Browser tests (Debian's Chromium through Playwright)"
  .venv/bin/pytest -q -m browser -p no:randomly "$@"
fi
step "All checks passed"
