"""Benchmark: hostile requests against a real server, one fresh web process per case (issue 12's table).

Each case starts the app under uvicorn (one process, the PostgreSQL database DATABASE_URL names,
migrated and seeded with the demo team), signs in as the demo owner, sends one hostile request and
prints its status, its time, the web process's peak resident memory growth over the request
(Linux ``VmHWM`` after resetting it, minus ``VmRSS`` before) and the rows it left in the database
(``count(*)`` of every table before and after, sessions excepted). A fresh process per case keeps
one case's heap from hiding the next one's growth. A case that runs past ``--timeout`` seconds or
grows past ``--max-rss-mb`` is stopped and reported as such.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/tm_hostile REDIS_URL=redis://127.0.0.1:6379/5 \\
      .venv/bin/python bench/hostile.py [--only otm-yaml-4mb,...] [--timeout 300]
The database is created when missing; it is the bench's own (the demo seed runs on it), not one
the product serves. Without REDIS_URL, Celery runs eagerly and a large import's analysis runs in
the request.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tm_hostile")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "threatmodel.settings")
os.environ["DEBUG"] = "0"

PYTHON = str(ROOT / ".venv" / "bin" / "python")
UVICORN = str(ROOT / ".venv" / "bin" / "uvicorn")
PASSWORD = "demo-workshop"
DEEP = 100_000


# --- the database ---------------------------------------------------------------------------------------


def _connect(dbname: str | None = None) -> Any:
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    return psycopg.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password or None,
        dbname=dbname or url.path.lstrip("/"),
        autocommit=True,
    )


def prepare_database() -> None:
    name = urlparse(os.environ["DATABASE_URL"]).path.lstrip("/")
    with _connect("postgres") as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    for command in (["migrate", "--noinput", "-v0"], ["load_controls"], ["seed_demo", "--password", PASSWORD]):
        subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def row_counts() -> dict[str, int]:
    with _connect() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'django_session' ORDER BY 1"
            )
        ]
        return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


def rows_written(before: dict[str, int], after: dict[str, int]) -> int:
    return sum(abs(after.get(table, 0) - count) for table, count in before.items())


# --- the web process -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Server:
    """One uvicorn process serving the app; ``log`` holds its output."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="hostile-web-", suffix=".log", delete=False)  # noqa: SIM115
        env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(
            [
                UVICORN,
                "threatmodel.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-proxy-headers",  # as scripts/run.sh: X-Forwarded-For is the app's to read, or not
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz", timeout=5)[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the web process did not start; see {self.log.name}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
                timeout: float = 600) -> tuple[int, bytes, http.client.HTTPResponse]:  # fmt: skip
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read(), response
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Session:
    """The demo owner, signed in once and then calling with an API token (as a tool would).

    A session-authenticated request would have DRF parse the body during the CSRF check, so the
    token keeps the case's body read by the view's own parsers; the anonymous login case uses a
    CSRF cookie of its own.
    """

    token: str | None = None

    def __init__(self, server: Server) -> None:
        self.cookies: dict[str, str] = {}
        if Session.token is None:
            self.sign_in(server)
            status, body, _ = server.request("POST", "/api/v1/tokens/", json.dumps({"name": "hostile bench"}).encode(),
                                             self.headers("application/json"))  # fmt: skip
            if status != 201:
                raise RuntimeError(f"no API token: {status} {body[:300]!r}")
            Session.token = str(json.loads(body)["token"])

    def sign_in(self, server: Server) -> None:
        self.csrf = self.anonymous_csrf(server)
        status, body, response = server.request(
            "POST",
            "/api/v1/auth/login/",
            json.dumps({"username": "demo", "password": PASSWORD}).encode(),
            self.headers("application/json"),
        )
        if status != 200:
            raise RuntimeError(f"the demo owner could not sign in: {status} {body[:300]!r}")
        self._keep(response)

    def anonymous_csrf(self, server: Server) -> str:
        status, body, response = server.request("GET", "/api/v1/auth/csrf/")
        if status != 200:
            raise RuntimeError(f"no CSRF cookie: {status} {body[:200]!r}")
        self._keep(response)
        return str(json.loads(body)["csrf_token"])

    def _keep(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        if "csrftoken" in self.cookies:
            self.csrf = self.cookies["csrftoken"]

    def headers(self, content_type: str | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if getattr(self, "token", None):  # a tool's request: no cookies, no CSRF
            headers["Authorization"] = f"Bearer {self.token}"
        else:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if getattr(self, "csrf", None):
                headers["X-CSRFToken"] = self.csrf
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def get(self, server: Server, path: str) -> Any:
        status, body, _ = server.request("GET", path, headers=self.headers())
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
        return json.loads(body)


@dataclass
class Demo:
    team: int
    model: int
    diagram: int


def demo_ids(server: Server, session: Session) -> Demo:
    models = session.get(server, "/api/v1/threat-models/")["results"]
    model = next(m for m in models if m["name"] and m.get("team"))
    diagrams = session.get(server, f"/api/v1/diagrams/?threat_model={model['id']}")
    diagram = (diagrams["results"] if isinstance(diagrams, dict) else diagrams)[0]
    return Demo(team=int(model["team"]), model=int(model["id"]), diagram=int(diagram["id"]))


# --- the hostile bodies ----------------------------------------------------------------------------------


def deep_json(depth: int = DEEP) -> bytes:
    return b"[" * depth + b"]" * depth


def flat_yaml_list(megabytes: int) -> bytes:
    head = b"otmVersion: 0.2.0\nproject: {name: Flat, id: flat}\ncomponents:\n"
    items = (megabytes * 1024 * 1024 - len(head)) // 4
    return head + b"- 0\n" * items


def native(elements: list[dict[str, Any]]) -> bytes:
    document = {"format": "threatmodel/native", "format_version": 1, "threat_model": {"name": "Hostile"},
                "diagrams": [{"name": "D", "elements": elements, "flows": []}]}  # fmt: skip
    return json.dumps(document).encode()


def otm_json(name: str) -> bytes:
    return json.dumps({
        "otmVersion": "0.2.0", "project": {"name": "M", "id": "m"},
        "trustZones": [{"id": "z", "name": "Zone", "risk": {"trustRating": 50}}],
        "components": [{"id": "c0", "name": name, "type": "web-service", "parent": {"trustZone": "z"}}],
    }).encode()  # fmt: skip


def threat_dragon(name: str) -> bytes:
    cells = [{"id": "p0", "shape": "process", "position": {"x": 0, "y": 0}, "size": {"width": 100, "height": 100},
              "data": {"type": "tm.Process", "name": name}}]  # fmt: skip
    return json.dumps(
        {"version": "2.3.0", "summary": {"title": "M"}, "detail": {"diagrams": [{"cells": cells}]}}
    ).encode()


def tm7_named(name: bytes) -> bytes:
    import django

    django.setup()
    from threatmodel.tests.test_interop_tmt import tm7

    return tm7().replace(b">Web app<", b">" + name + b"<")


@dataclass(frozen=True)
class Case:
    name: str
    send: Callable[
        [Server, Session, Demo], tuple[str, str, bytes, str, bool]
    ]  # method, path, body, content type, signed in


def _import(
    body: bytes, content_type: str, fmt: str | None = None
) -> Callable[[Server, Session, Demo], tuple[str, str, bytes, str, bool]]:
    def send(server: Server, session: Session, demo: Demo) -> tuple[str, str, bytes, str, bool]:
        query = f"?team={demo.team}" + (f"&format={fmt}" if fmt else "")
        return "POST", f"/api/v1/threat-models/import/{query}", body, content_type, True

    return send


def _ops_surrogate(server: Server, session: Session, demo: Demo) -> tuple[str, str, bytes, str, bool]:
    version = session.get(server, f"/api/v1/diagrams/{demo.diagram}/")["version"]
    ops = [
        {"op": "add_element", "key": "hostile-ok", "kind": "process", "name": "Fine", "x": 0, "y": 0},
        {"op": "add_element", "key": "hostile-bad", "kind": "process", "name": "\ud800", "x": 10, "y": 10},
    ]
    body = json.dumps({"base_version": version, "ops": ops}).encode()  # ensure_ascii writes "\ud800" as its escape
    return "POST", f"/api/v1/diagrams/{demo.diagram}/ops/", body, "application/json", True


def _ops_deep(server: Server, session: Session, demo: Demo) -> tuple[str, str, bytes, str, bool]:
    return (
        "POST",
        f"/api/v1/diagrams/{demo.diagram}/ops/",
        b'{"base_version": 1, "ops": ' + deep_json() + b"}",
        "application/json",
        True,
    )


def _patch_deep(server: Server, session: Session, demo: Demo) -> tuple[str, str, bytes, str, bool]:
    return "PATCH", f"/api/v1/threat-models/{demo.model}/", b'{"name": ' + deep_json() + b"}", "application/json", True


def _login_deep(server: Server, session: Session, demo: Demo) -> tuple[str, str, bytes, str, bool]:
    return (
        "POST",
        "/api/v1/auth/login/",
        b'{"username": ' + deep_json() + b', "password": "x"}',
        "application/json",
        False,
    )


ONE_MB = "n" * 1_000_000
CASES = [
    Case("otm-yaml-flat-4mb", _import(flat_yaml_list(4), "application/yaml", "otm")),
    Case("otm-yaml-flat-19mb", _import(flat_yaml_list(19), "application/yaml", "otm")),
    Case("ops-json-100k-deep", _ops_deep),
    Case("patch-model-json-100k-deep", _patch_deep),
    Case("anon-login-json-100k-deep", _login_deep),
    Case("ops-lone-surrogate-name", _ops_surrogate),
    Case(
        "native-lone-surrogate-name",
        _import(native([{"key": "e0", "kind": "process", "name": "\ud800"}]), "application/json"),
    ),
    Case("otm-1mb-name", _import(otm_json(ONE_MB), "application/json", "otm")),
    Case("otm-nul-name", _import(otm_json("A\x00B"), "application/json", "otm")),
    Case("threat-dragon-1mb-name", _import(threat_dragon(ONE_MB), "application/json", "threat-dragon")),
    Case("threat-dragon-nul-name", _import(threat_dragon("A\x00B"), "application/json", "threat-dragon")),
    Case("tm7-1mb-name", lambda s, x, d: _import(tm7_named(ONE_MB.encode()), "application/xml", "tmt")(s, x, d)),
    Case("tm7-nul-name", lambda s, x, d: _import(tm7_named(b"A&#0;B"), "application/xml", "tmt")(s, x, d)),
    Case(
        "native-45000-elements",
        _import(
            native(
                [
                    {"key": f"e{i}", "kind": "process", "name": f"P{i}", "x": (i % 200) * 30, "y": (i // 200) * 30}
                    for i in range(45_000)
                ]
            ),
            "application/json",
        ),
    ),
]


# --- running one case -------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    status: str
    seconds: float
    peak_mb: float
    rows: int
    note: str


def run_case(case: Case, timeout: float, max_rss_mb: float) -> Result:
    server = Server()
    try:
        session = Session(server)
        demo = demo_ids(server, session)
        method, path, body, content_type, signed_in = case.send(server, session, demo)
        headers = session.headers(content_type)
        if not signed_in:  # a fresh anonymous client: its own CSRF cookie, no session, no token
            anonymous = Session.__new__(Session)
            anonymous.token = None
            anonymous.cookies = {}
            anonymous.csrf = anonymous.anonymous_csrf(server)
            headers = anonymous.headers(content_type)
        headers["Content-Length"] = str(len(body))
        server.request("GET", "/api/v1/formats/", headers=session.headers())  # load the API's modules before measuring
        before_rows = row_counts()
        with contextlib.suppress(OSError):
            Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        rss_before = _status_kb(server.pid, "VmRSS")
        peak = [rss_before]
        stopped: list[str] = []
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.05):
                try:
                    rss = _status_kb(server.pid, "VmRSS")
                except OSError:
                    return
                peak[0] = max(peak[0], rss)
                if (rss - rss_before) / 1024 > max_rss_mb:
                    stopped.append(f"stopped at +{max_rss_mb:.0f} MB")
                    os.killpg(server.pid, signal.SIGKILL)
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.monotonic()
        note = ""
        try:
            status_code, answer, _ = server.request(method, path, body, headers, timeout=timeout)
            status = str(status_code)
            try:
                error = json.loads(answer).get("error", {})
                note = str(error.get("message", ""))[:70] if isinstance(error, dict) else ""
            except (ValueError, AttributeError):
                note = answer[:70].decode("utf-8", "replace").split("\n")[0]
            if status_code >= 500:  # say what broke: the exception's last line in the web log
                lines = [
                    line for line in Path(server.log.name).read_text(errors="replace").splitlines() if line.strip()
                ]
                note = (lines[-1] if lines else note)[:70]
        except TimeoutError:
            status, note = "timeout", f"no answer within {timeout:.0f} s"
        except (ConnectionError, http.client.HTTPException) as exc:
            status, note = "dropped", stopped[0] if stopped else type(exc).__name__
        elapsed = time.monotonic() - started
        done.set()
        watcher.join()
        with contextlib.suppress(OSError):
            peak[0] = max(peak[0], _status_kb(server.pid, "VmHWM"))
        if status == "timeout":
            os.killpg(server.pid, signal.SIGKILL)
        time.sleep(0.5)  # let a request the server is still running on commit or roll back
        rows = rows_written(before_rows, row_counts())
        return Result(case.name, status, elapsed, (peak[0] - rss_before) / 1024, rows, note)
    finally:
        server.stop()
        Path(server.log.name).unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated case names")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--max-rss-mb", type=float, default=4096)
    args = parser.parse_args()
    wanted = {name for name in args.only.split(",") if name}
    prepare_database()
    print(f"{'case':<30} {'status':>7} {'time s':>8} {'peak MB':>8} {'rows':>6}  answer")
    for case in CASES:
        if wanted and case.name not in wanted:
            continue
        result = run_case(case, args.timeout, args.max_rss_mb)
        print(
            f"{result.name:<30} {result.status:>7} {result.seconds:>8.2f} {result.peak_mb:>+8.1f} {result.rows:>6}  {result.note}",
            flush=True,
        )


if __name__ == "__main__":
    main()
