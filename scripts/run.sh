#!/usr/bin/env bash
# `make run`: set up, migrate, load the catalogues and the demo, and serve on 127.0.0.1:8000.
# Embedded defaults: SQLite under var/, Celery tasks run eagerly, no services needed.
# Set DATABASE_URL / REDIS_URL to use PostgreSQL / Redis instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
mkdir -p var
if [ -z "${SECRET_KEY:-}" ] && [ -z "${SECRET_KEY_FILE:-}" ]; then
  # A key of this machine's own, kept between runs so sessions survive a restart.
  [ -s var/secret_key ] || .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
  chmod 600 var/secret_key
  export SECRET_KEY_FILE=$PWD/var/secret_key
fi
export DJANGO_SETTINGS_MODULE=threatmodel.settings
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py load_controls
.venv/bin/python manage.py seed_demo
# Collecting compresses every static file (about 40 MB, most of a minute): only when its inputs
# changed — the frontend bundle, the installed packages' own static files, the storage settings.
. scripts/stamp.sh
STATIC_DIR=${STATIC_ROOT:-${THREATMODEL_VAR_DIR:-var}/static}
STATIC_HASH=$(inputs_hash frontend/dist requirements.txt threatmodel/settings.py)
if stamp_fresh "$STATIC_DIR" .collected "$STATIC_HASH" && [ -f "$STATIC_DIR/staticfiles.json" ]; then
  echo "Static files are up to date."
else
  .venv/bin/python manage.py collectstatic --noinput -v0
  stamp_set "$STATIC_DIR" .collected "$STATIC_HASH"
fi

cat <<TEXT

  Threat modeling workbench is starting.
    URL:        http://$HOST:$PORT/
    API docs:   http://$HOST:$PORT/api/docs/
    Demo login: demo / demo-workshop   (reviewer / demo-workshop for a second person)
  Press Ctrl-C to stop.

TEXT
# --no-proxy-headers: the app reads X-Forwarded-For itself, and only with BEHIND_PROXY (common/client.py).
exec .venv/bin/uvicorn threatmodel.asgi:application --host "$HOST" --port "$PORT" --log-level warning --no-proxy-headers
