"""Settings come from the environment alone; production mistakes stop start-up with a clear message."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    clean.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


SHOW = (
    "import os, json; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'threatmodel.settings');"
    "from django.conf import settings as s;"
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']),"
    " 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG,"
    " 'cache': s.CACHES['default']['BACKEND']}))"
)


def test_without_a_secret_key_and_debug_off_it_refuses_to_start(tmp_path: Path) -> None:
    result = run(SHOW, THREATMODEL_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY is not set and DEBUG is off" in result.stderr


def test_the_embedded_default_is_sqlite_and_eager_tasks(tmp_path: Path) -> None:
    result = run(SHOW, THREATMODEL_VAR_DIR=str(tmp_path), SECRET_KEY="k")
    shown = json.loads(result.stdout)
    assert shown["engine"] == "django.db.backends.sqlite3" and shown["name"].startswith(str(tmp_path))
    assert shown["eager"] is True and shown["debug"] is False and "locmem" in shown["cache"]


def test_database_and_redis_urls_switch_to_postgresql_and_a_real_broker(tmp_path: Path) -> None:
    result = run(SHOW, THREATMODEL_VAR_DIR=str(tmp_path), SECRET_KEY="k", DATABASE_URL="postgres://u:p@db:5432/tm",
                 REDIS_URL="redis://redis:6379/0")
    shown = json.loads(result.stdout)
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["eager"] is False and shown["broker"] == "redis://redis:6379/0" and shown["cache"] == "common.cache.ResilientRedisCache"


@pytest.mark.parametrize(("name", "value"), [("DEBUG", "maybe"), ("THREATMODEL_IMPORT_MAX_BYTES", "lots")])
def test_an_unparseable_variable_names_itself(tmp_path: Path, name: str, value: str) -> None:
    result = run(SHOW, THREATMODEL_VAR_DIR=str(tmp_path), SECRET_KEY="k", **{name: value})
    assert result.returncode != 0 and name in result.stderr


def test_a_secret_key_file_is_read(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("from-a-file\n")
    code = "import os; os.environ['DJANGO_SETTINGS_MODULE']='threatmodel.settings'; from django.conf import settings as s; print(s.SECRET_KEY)"
    assert run(code, THREATMODEL_VAR_DIR=str(tmp_path), SECRET_KEY_FILE=str(key_file)).stdout.strip() == "from-a-file"
    missing = run(code, THREATMODEL_VAR_DIR=str(tmp_path), SECRET_KEY_FILE=str(tmp_path / "absent"))
    assert missing.returncode != 0 and "SECRET_KEY_FILE" in missing.stderr


def test_the_deployment_check_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = run(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        DJANGO_SETTINGS_MODULE="threatmodel.settings",
        THREATMODEL_VAR_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(50),
        HTTPS="1",
        ALLOWED_HOSTS="threats.example.com",
        DATABASE_URL="postgres://u:p@db:5432/tm",
        EMAIL_BACKEND="smtp",
        EMAIL_HOST="smtp.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose (Debian package) is not installed")
def test_docker_compose_file_validates() -> None:
    env = {**os.environ, "SECRET_KEY": "x", "POSTGRES_PASSWORD": "y"}
    result = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # Without the secrets it must refuse, naming what is missing.
    env.pop("SECRET_KEY")
    refused = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
