#!/usr/bin/env bash
# Makes sure the services the tests talk to are running: PostgreSQL (DATABASE_URL) and Redis
# (REDIS_URL). Starts a local one that is installed but stopped; otherwise says what is missing.
set -euo pipefail

die() { printf '\033[31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

pg_ready() { .venv/bin/python - "$DATABASE_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception as exc:
    print(exc, file=sys.stderr); sys.exit(1)
PY
}

if ! pg_ready 2>/dev/null; then
  if command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "==> Starting PostgreSQL"
    for version in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    done
    for _ in $(seq 1 30); do pg_ready 2>/dev/null && break; sleep 1; done
  fi
  pg_ready || die "PostgreSQL is not reachable at DATABASE_URL=$DATABASE_URL. Start it (pg_ctlcluster <version> main start) or point DATABASE_URL at a server the tests may create databases on."
fi
# The database DATABASE_URL names must exist (the tests make their own test_… copy next to it).
.venv/bin/python - "$DATABASE_URL" <<'PY'
import sys, psycopg
from psycopg import sql
url = sys.argv[1].replace("postgres://", "postgresql://", 1)
base, name = url.rsplit("/", 1)
name = name.split("?", 1)[0]
with psycopg.connect(base + "/postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"==> Created database {name}")
PY

redis_ready() { .venv/bin/python -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_timeout=2).ping()" "$REDIS_URL" 2>/dev/null; }
if ! redis_ready; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "==> Starting Redis"
    mkdir -p var/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir "$PWD/var/redis" --logfile "$PWD/var/redis/redis.log"
    for _ in $(seq 1 20); do redis_ready && break; sleep 0.5; done
  fi
  redis_ready || die "Redis is not reachable at REDIS_URL=$REDIS_URL (needed for the Celery tests). Install redis-server or point REDIS_URL at one."
fi
