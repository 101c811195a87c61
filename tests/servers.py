"""Real processes for the tests that kill things: gunicorn serving the test database, redis-server on
ports of their own. They never touch the shared PostgreSQL and Redis services beyond the test database."""

import contextlib
import json
import os
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)
    return result


def database_url() -> str:
    """The URL of the database this test process uses (the test database)."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    if host.startswith("/"):  # a Unix socket (the embedded server): django-environ reads it from the path
        return f"postgres://{db['USER']}@/{host}/{db['NAME']}"
    return f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def gunicorn(**env):
    """The service under gunicorn (its production config, one worker) against the test database; yields
    (master, base URL)."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "API_RATE_LIMIT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "test-server",
        **env,
    }
    master = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "config/gunicorn.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return urllib.request.urlopen(f"{base}/healthz", timeout=1).status == 200
        except OSError:
            return False

    try:
        wait_until(up, 20, "gunicorn to answer")
        yield master, base
    finally:
        master.terminate()
        master.wait(10)


NGINX = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
NGINX_MAIN = """
pid {dir}/nginx.pid;
error_log {dir}/error.log;
worker_processes 1;
events {{}}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/default.conf;
}}
"""


@contextlib.contextmanager
def nginx(upstream: str, request_max_bytes: int):
    """deploy/nginx/default.conf.template rendered as the nginx image renders it (only the variables it is
    given replaced), run by this machine's nginx in front of `upstream`; yields the proxy's port."""
    assert NGINX, "nginx is not installed"
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="test-nginx-"))
    workdir.chmod(0o755)  # nginx's workers may run as another user, and buffer bodies to files in here
    template = string.Template((ROOT / "deploy" / "nginx" / "default.conf.template").read_text())
    site = template.safe_substitute(
        PROXY_LISTEN=f"127.0.0.1:{port}", PROXY_UPSTREAM=upstream, REQUEST_MAX_BYTES=request_max_bytes
    )
    (workdir / "default.conf").write_text(site)
    (workdir / "nginx.conf").write_text(NGINX_MAIN.format(dir=workdir))
    process = subprocess.Popen(
        [NGINX, "-p", str(workdir), "-c", str(workdir / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def up():
        if process.poll() is not None:
            raise AssertionError(f"nginx exited: {process.stderr.read().decode()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    try:
        wait_until(up, 10, "nginx to listen")
        yield port
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def worker_pids(master) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


class RedisServer:
    """A redis-server of the test's own, on a port of its own, that the test may stop and start."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="test-redis-")
        self.process = None

    def start(self):
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 10, "redis-server to start")

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextlib.contextmanager
def paused_writes(table: str, seconds: int, *, writes: str = "INSERT OR UPDATE"):
    """Makes every statement that `writes` a row of `table` sleep `seconds` inside its transaction: a
    moment a crash must not be able to split."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            CREATE FUNCTION test_pause_writes() RETURNS trigger AS $$
            BEGIN PERFORM pg_sleep({int(seconds)}); RETURN NEW; END; $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_pause_writes BEFORE {writes} ON {table}
                FOR EACH ROW EXECUTE FUNCTION test_pause_writes();
        """)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"""
                DROP TRIGGER IF EXISTS test_pause_writes ON {table};
                DROP FUNCTION IF EXISTS test_pause_writes();
            """)


def paused_backend(waiting: str = "wait_event = 'PgSleep'") -> int | None:
    """The PostgreSQL backend of a request held by paused_writes (or `waiting` another way: a lock this
    test holds, "wait_event_type = 'Lock'"), if there is one."""
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL would show the activity as it first read it.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            f" WHERE {waiting} AND datname = current_database() AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def post_json(base: str, path: str, token: str, body: dict, key: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
