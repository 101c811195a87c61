"""The benchmark: one command, one run, the product measured against a fixed reference app.

    .venv/bin/python bench/run.py [--duration 12] [--rounds 6] [--warmup 2] [--threads 4] [--connections 16]

It drops and recreates its own database (payments_bench, on DATABASE_URL's server, else 127.0.0.1:5432),
migrates and seeds it, serves the app with gunicorn (config/gunicorn.py, production settings: DEBUG off,
Redis for cache/broker/rate limits, JSON logs, multi-process metrics). Beside it, it recreates, migrates and
seeds the reference app's database (bench_reference) and serves the naive Django + DRF app of
../shared/bench-reference under the same gunicorn shape. wrk drives every product scenario and every
reference route in the same interleaved rounds; it prints requests/s and p50/p99 of each, every target as
the product's figure over the reference's (or over another scenario's), the SQL queries per request and (d)'s
latency with 1,000 and 1,000,000 applications in the database. It replaces the results section of
bench/README.md with this run's figures against the targets, the date, the commit and the command (unless
--no-record). See bench/README.md for what each scenario and figure means.
"""

import argparse
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RUN_DIR = BENCH / ".run"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
LUA = BENCH / "wrk" / "bench.lua"
REFERENCE_LUA = BENCH / "wrk" / "reference.lua"
DB_NAME = os.environ.get("BENCH_DB_NAME", "payments_bench")
# (d) at 1M runs against a copy of the seeded database topped up to a million applications, served by a
# second gunicorn, in the same interleaved rounds as (d) at 1k: the two are measured in the same stretches
# of the VM's speed, not minutes apart.
DB_1M = f"{DB_NAME}_1m"
# A Redis database index of its own on the shared server; only the bench's keys are deleted from it.
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "12"))
# Far above what two cores can serve, so nothing is refused, yet the limiter does its production work.
RATE_LIMIT = os.environ.get("BENCH_API_RATE_LIMIT", "5000/s")

# The reference app's database, dropped, recreated, migrated and seeded by every run.
REFERENCE_DB = os.environ.get("BENCH_REFERENCE_DB", "bench_reference")
# seed.sql's invoice with 200 payments, R-list's: md5('invlist') as a uuid.
REFERENCE_LIST = str(uuid.UUID(hashlib.md5(b"invlist").hexdigest()))

DIALECTS = ("mix", "zuora", "dayzero", "moov")
# Each judged ratio of req/s: the scenario, what it is measured against, the least ratio that passes. The
# denominators are the reference's R-drf, which the product's code cannot move, and for (c) the same
# dialect's (b).
TARGETS = (
    {"a": ("R-drf", 0.7), "d": ("R-drf", 0.4)}
    | {f"b-{d}": ("R-drf", 0.5) for d in DIALECTS}
    | {f"c-{d}": (f"b-{d}", 0.8) for d in DIALECTS}
)
# Shown, not judged: a payment against the naive payment, the list against the naive list.
NAIVE = {f"b-{d}": "R-pay" for d in DIALECTS} | {"d": "R-list"}
TAIL = 3.0  # p99 <= 3 x p50 in every product scenario
GROWTH = 1.2  # (d) at 1M: p50 and p99 within 1.2 x of (d) at 1k


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- environment ---------------------------------------------------------------------------------------


def server_url() -> str:
    """DATABASE_URL's server (any database name), else the local PostgreSQL as user postgres."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return "postgres://postgres@127.0.0.1:5432"


def database_url(name: str) -> str:
    return f"{server_url()}/{name}"


def reference_dir() -> Path:
    """BENCH_REFERENCE, else shared/bench-reference beside the main checkout (found through git, so a
    worktree elsewhere finds it too)."""
    if os.environ.get("BENCH_REFERENCE"):
        return Path(os.environ["BENCH_REFERENCE"])
    common = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    main_checkout = Path(common).parent if common else ROOT
    return main_checkout.parent / "shared" / "bench-reference"


def redis_url() -> str | None:
    base = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    try:
        with socket.create_connection((host, port), timeout=1):
            pass
    except OSError:
        return None
    return urlunsplit((parts.scheme, parts.netloc, f"/{REDIS_DB}", "", ""))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(redis: str | None, port: int, db: str = DB_NAME) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(db),
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "API_RATE_LIMIT": RATE_LIMIT,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "BIND": f"127.0.0.1:{port}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if redis:
        env["REDIS_URL"] = redis
    else:
        env.pop("REDIS_URL", None)
    return env


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, stdout=subprocess.DEVNULL)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update"], check=False, stdout=subprocess.DEVNULL)
            subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit(
            "wrk is required: sudo apt-get install -y wrk (Debian/Ubuntu), brew install wrk (macOS)"
        )
    return found


def recreate_database(name: str = DB_NAME, template: str | None = None) -> None:
    """Drops and creates `name`, empty or as a copy of `template` (which nobody may be connected to)."""
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def clear_redis(redis: str | None) -> None:
    """Deletes the bench's keys (queued receipt tasks, rate-limit windows) from its own Redis database."""
    if not redis:
        return
    import redis as redis_lib

    client = redis_lib.Redis.from_url(redis)
    keys = [k for pattern in ("celery*", "_kombu*", "LIMITS*", ":1:*") for k in client.scan_iter(pattern)]
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def step(env: dict, *args: str) -> dict:
    """Runs one bench/steps.py step in a child process; returns its JSON result."""
    proc = subprocess.run(
        [str(PYTHON), str(BENCH / "steps.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-6000:])
        raise SystemExit(f"step {args[0]} failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the server and the load ---------------------------------------------------------------------------


class Server:
    """A gunicorn: the product's (config/gunicorn.py) unless given another command, with the database whose
    backends its CPU share counts and a route that answers once it is up."""

    def __init__(
        self,
        env: dict,
        port: int,
        name: str = "gunicorn",
        command: list[str] | None = None,
        db: str | None = None,
        health: str = "/healthz",
    ):
        if command is None:
            # Multi-process metrics, as under gunicorn in production (the steps run without them).
            env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(RUN_DIR / f"prometheus-{name}")}
            command = [str(GUNICORN), "-c", "config/gunicorn.py", "config.wsgi"]
        self.env = env
        self.command = command
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.db = db or urlsplit(env["DATABASE_URL"]).path.lstrip("/")
        self.health = health
        self.proc: subprocess.Popen | None = None
        self.log_path = RUN_DIR / f"{name}.log"

    def start(self) -> None:
        if "PROMETHEUS_MULTIPROC_DIR" in self.env:
            prom = Path(self.env["PROMETHEUS_MULTIPROC_DIR"])
            shutil.rmtree(prom, ignore_errors=True)
            prom.mkdir(parents=True)
        self.log_file = self.log_path.open("w")
        self.proc = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + self.health, timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer {self.health} within 60 s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True
        )
        return [int(p) for p in out.stdout.split()]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn's master stops its own workers
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log_file.close()


def wrk(
    url: str, args: argparse.Namespace, seconds: float, env: dict, script_args=(), script: Path = LUA
) -> dict:
    """One wrk run of `script` (bench.lua, or reference.lua); its arguments get a run id appended."""
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{max(1, round(seconds))}s",  # wrk takes whole seconds
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
        "--",
        *script_args,
        uuid.uuid4().hex[:10],
    ]
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return json.loads(line.removeprefix("BENCH_JSON "))


class Load(NamedTuple):
    """What one scenario sends: to which server and path, with which wrk script, its arguments and the
    environment it reads on top of the bench's."""

    server: str
    path: str
    script_args: tuple = ()
    script: Path = LUA
    env: dict = {}  # shared by every Load without one, never changed


def measure(
    server: Server, load: Load, args: argparse.Namespace, env: dict, seconds: float, warmup: float
) -> dict:
    time.sleep(0.5)  # requests still running from the previous run (p99 under 0.3 s) finish first
    env = {**env, **load.env}
    url = server.base + load.path
    if warmup > 0:
        wrk(url, args, warmup, env, load.script_args, load.script)
    meter = CpuMeter(server)
    result = wrk(url, args, seconds, env, load.script_args, load.script)
    result["cpu"] = meter.stop()
    return result


def combine(parts: list[dict]) -> dict:
    """One scenario's rounds as one result: the median of their requests/s, latency percentiles from their
    merged quantiles (each weighted by its round's requests), CPU shares averaged, and each round's
    requests/s, time and CPU for the per-round ratios."""
    requests = sum(p["requests"] for p in parts)
    duration_us = sum(p["duration_us"] for p in parts)
    points = sorted((q, p["requests"] / len(p["quantiles_ms"])) for p in parts for q in p["quantiles_ms"])

    def percentile(share: float) -> float:
        reached = 0.0
        for value, weight in points:
            reached += weight
            if reached >= share * requests:
                return value
        return points[-1][0]

    combined = {
        "requests": requests,
        "duration_us": duration_us,
        "rps": statistics.median(p["rps"] for p in parts),
        "p50_ms": percentile(0.50),
        "p90_ms": percentile(0.90),
        "p99_ms": percentile(0.99),
        "max_ms": max(p["max_ms"] for p in parts),
        "mean_ms": sum(p["mean_ms"] * p["requests"] for p in parts) / max(1, requests),
        "non2xx": sum(p["non2xx"] for p in parts),
        "socket_errors": sum(p["socket_errors"] for p in parts),
        "samples": parts[0]["samples"],
        "rounds": [{k: p[k] for k in ("rps", "requests", "duration_us", "cpu") if k in p} for p in parts],
    }
    if all(p.get("cpu") for p in parts):
        combined["cpu"] = {k: sum(p["cpu"][k] for p in parts) / len(parts) for k in parts[0]["cpu"]}
    return combined


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process in clock ticks (/proc/PID/stat), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def _busy_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


class CpuMeter:
    """Where the machine's CPU went during one measured run: gunicorn (master + workers), the bench
    database's PostgreSQL backends, wrk, and everything else (other people's processes on the box)."""

    def __init__(self, server: "Server"):
        self.server = server
        self.start = {name: {p: cpu_ticks(p) for p in pids} for name, pids in self._groups().items()}
        self.children = os.times().children_user + os.times().children_system
        self.busy, self.total = _busy_ticks()

    def _groups(self) -> dict:
        # Backends come and go during a run (DB_CONN_MAX_AGE recycles each thread's connection).
        return {
            "gunicorn": [self.server.proc.pid, *self.server.worker_pids()],
            "postgres": pg_backends(self.server.db),
        }

    def stop(self) -> dict:
        now = {name: {p: cpu_ticks(p) for p in pids} for name, pids in self._groups().items()}
        busy, total = _busy_ticks()
        capacity = max(1, total - self.total)
        hz = os.sysconf("SC_CLK_TCK")
        # A process alive at both ends counts its difference, one born during the run all its time; one
        # that ended during the run is lost (its time shows under "others").
        used = {
            name: sum(t - self.start[name].get(p, 0) for p, t in ticks.items() if t)
            for name, ticks in now.items()
        }
        used["wrk"] = int((os.times().children_user + os.times().children_system - self.children) * hz)
        shares = {name: ticks / capacity for name, ticks in used.items()}
        shares["others"] = max(0.0, (busy - self.busy - sum(used.values())) / capacity)
        shares["idle"] = max(0.0, 1 - (busy - self.busy) / capacity)
        return {name: round(v, 3) for name, v in shares.items()}


def pg_backends(db: str) -> list[int]:
    import psycopg

    try:
        with psycopg.connect(database_url(db)) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [db]
            ).fetchall()
    except psycopg.Error:
        return []
    return [r[0] for r in rows]


def cpu_busy(seconds: float = 2.0) -> float:
    """Share of all cores busy (any process) over `seconds`, from /proc/stat; -1 where unavailable."""

    def sample():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        return -1.0
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def wait_for_quiet(limit: float, threshold: float = 0.25) -> float:
    """Waits up to `limit` seconds for the machine to be mostly idle; returns the last busy share."""
    deadline = time.monotonic() + limit
    busy = cpu_busy()
    while busy > threshold and time.monotonic() < deadline:
        log(f"CPU {busy:.0%} busy with other processes; waiting for it to calm down")
        time.sleep(10)
        busy = cpu_busy()
    return busy


# --- the report ----------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


NAMES = {
    "a": "(a) GET /api/v1/accounts/{id}",
    "d": "(d) list 50 of 200 applications  [1k in db]",
    "b-zuora": "(b) Zuora POST invoice-payment, random",
    "b-dayzero": "(b) DayZero POST invoice payment, random",
    "b-moov": "(b) Moov POST invoice payment, random",
    "b-mix": "(b) mix of the three, random",
    "c-mix": "(c) mix of the three, one invoice",
    "c-zuora": "(c) Zuora, one invoice",
    "c-dayzero": "(c) DayZero, one invoice",
    "c-moov": "(c) Moov, one invoice",
    "d-1m": "(d) list 50 of 200 applications  [1M in db]",
    "R-drf": "R-drf reference GET /drf  [the yardstick]",
    "R-pay": "R-pay reference naive POST payment",
    "R-list": "R-list reference page of 50 of 200",
    "R-plain": "R-plain reference GET /plain, no DB, no DRF",
}


def is_reference(key: str) -> bool:
    return key.startswith("R-")


def efficiency(r: dict, meta: dict) -> float | None:
    """Requests per second of gunicorn CPU (a round's, or a scenario's): the app is CPU-bound, so this is
    what other processes on a shared box do not distort (a lock-bound run like (c) is not CPU-bound: read it
    with care)."""
    share = (r.get("cpu") or {}).get("gunicorn")
    if not share:
        return None
    return r["requests"] / (r["duration_us"] / 1e6) / (share * meta["cores"])


def ratio(results: dict, key: str, base: str, meta: dict) -> tuple[float, str]:
    """`key`'s req/s over `base`'s as the median of the rounds' ratios, each of two slices of the same
    round, so a stretch in which the box runs slow weighs on both sides and one odd round moves nothing;
    returns it, and it as text with in brackets the same of req/app-CPU-s (where every round has its CPU
    figures)."""
    pairs = list(zip(results[key]["rounds"], results[base]["rounds"], strict=True))
    by_rps = statistics.median(k["rps"] / b["rps"] if b["rps"] else 0.0 for k, b in pairs)
    per_cpu = [(efficiency(k, meta), efficiency(b, meta)) for k, b in pairs]
    if all(k and b for k, b in per_cpu):
        return by_rps, f"{by_rps:.2f} ({statistics.median(k / b for k, b in per_cpu):.2f})"
    return by_rps, f"{by_rps:.2f}"


def against(results: dict, key: str, meta: dict) -> tuple[str, str, bool | None]:
    """The target `key` is judged by against another row: its label, the value, whether it passes (None
    where it has no such target or the other row did not run)."""
    if key == "d-1m" and "d" in results:
        p50, p99 = (results["d-1m"][f"{p}_ms"] / results["d"][f"{p}_ms"] for p in ("p50", "p99"))
        return f"p50, p99 <= {GROWTH:g} x d", f"{p50:.2f}, {p99:.2f}", max(p50, p99) <= GROWTH
    base, least = TARGETS.get(key, ("", 0.0))
    if base not in results:
        return "", "", None
    value, text = ratio(results, key, base, meta)
    return f"req/s >= {least:g} x {base}", text, value >= least


def naive(results: dict, key: str, meta: dict) -> str:
    """For information: `key` against the reference's naive version of the same work."""
    base = NAIVE.get(key)
    return f"{ratio(results, key, base, meta)[1]} x {base}" if base in results else ""


def misses(r: dict, key: str, ok: bool | None) -> list[str]:
    """The checks a row fails: its target, its tail (product rows), any non-2xx answer or socket error (any
    row: a reference route that fails is no yardstick)."""
    tail = r["p99_ms"] / r["p50_ms"] if r["p50_ms"] else float("inf")
    checks = (
        ("ratio", ok is False),
        ("p99/p50", not is_reference(key) and tail > TAIL),
        ("non-2xx", r["non2xx"] + r["socket_errors"] > 0 or not r["requests"]),
    )
    return [what for what, missed in checks if missed]


def report(results: dict, queries: dict, meta: dict, fills: dict, explains: dict) -> str:
    lines = []
    add = lines.append
    add(
        f"wrk -t{meta['threads']} -c{meta['connections']} -d{meta['duration']}s per scenario in "
        f"{meta.get('rounds', 1)} interleaved rounds (+{meta['warmup']}s warm-up) "
        f"against gunicorn {meta['gunicorn']} on {meta['cores']} cores (the product's and the reference's),"
        f" PostgreSQL {meta['pg']} ({meta['db']}), Redis {meta['redis'] or 'off'}; DEBUG=false,"
        f" API_RATE_LIMIT={RATE_LIMIT}, JSON logs to a file"
    )
    add(
        f"machine before the first run: {meta.get('before', -1):.0%} of the CPU busy (gunicorn idle), "
        f"load average {meta.get('load_before', 0):.1f}; after the last run: {meta.get('load_after', 0):.1f}. "
        f"Server errors logged: {meta.get('server_errors', '?')}"
    )
    add("")
    add(
        f"{'scenario':<46}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'p99/p50':>9}{'non-2xx':>10}"
        f"   CPU: {'app':>4} {'pg':>4} {'wrk':>4} {'other':>5} {'idle':>4}  req/app-CPU-s"
    )
    for key, name in NAMES.items():
        r = results.get(key)
        if not r:
            continue
        tail = r["p99_ms"] / r["p50_ms"] if r["p50_ms"] else 0
        share = (r["non2xx"] + r["socket_errors"]) / r["requests"] * 100 if r["requests"] else 100
        cpu = r.get("cpu") or {}
        cpu_cells = " ".join(
            f"{cpu.get(k, 0) * 100:>{w}.0f}%"
            for k, w in (("gunicorn", 3), ("postgres", 3), ("wrk", 3), ("others", 4), ("idle", 3))
        )
        over = not is_reference(key) and tail > TAIL
        add(
            f"{name:<46}{r['rps']:>9.1f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{tail:>8.1f}"
            f"{'!' if over else ' '}{share:>9.2f}%        {cpu_cells}"
            + (f"{efficiency(r, meta):>10.1f}" if efficiency(r, meta) else "")
        )
    add(
        "req/s: the median of the rounds'. '!' after p99/p50: over the target of 3 (product rows). CPU: share"
        " of the machine's cores during the measured run used by the serving gunicorn, its database's"
        " PostgreSQL backends, wrk, other processes on the box, and left idle; req/app-CPU-s: requests per"
        " second of gunicorn CPU, which other processes on the box do not skew."
    )
    add("")
    add("targets: the median of the rounds' ratios of req/s (in brackets, of req/app-CPU-s)")
    failed = []
    for key in ALL:
        r = results.get(key)
        if not r:
            continue
        label, value, ok = against(results, key, meta)
        missed = misses(r, key, ok)
        failed += [f"{key} {m}" for m in missed]
        if label:
            add(f"  {key:<10} {label:<28} {value:<14} {verdict(ok)}")
    add(f"  and every product scenario: p99 <= {TAIL:g} x p50; every row: no non-2xx answer or socket error")
    add(f"  {'FAIL: ' + '; '.join(failed) if failed else 'PASS: every target'}")
    information = {key: naive(results, key, meta) for key in ALL if key in results}
    if any(information.values()):
        add("for information, against the reference's naive version of the same work (req/s, per app-CPU-s):")
        for key, text in information.items():
            if text:
                add(f"  {key:<10} {text}")
    add("")
    add("(d) latency by applications in the database     p50 ms   p99 ms   req/s")
    for key, label in (("d", "d-1k"), ("d-1m", "d-1m")):
        if key in results:
            r = results[key]
            rows = fills.get(label, {}).get("total", "?")
            add(
                f"  {rows:>9,} applications{'':<24}{r['p50_ms']:>7.2f}  {r['p99_ms']:>7.2f}  {r['rps']:>6.1f}"
            )
    for label, plan in explains.items():
        add(f"  plan at {label}: {plan['first_scan']}; {plan['execution']}")
    if queries:
        add("")
        add("SQL queries per request (in-process, Django test Client + CaptureQueriesContext, 2nd request)")
        for key, q in queries.items():
            add(
                f"  {key:<10} {q['count']:>3} queries  {q['sql_ms']:>7.2f} ms in SQL of {q['request_ms']:>7.2f} ms"
            )
    bad = {k: r["samples"] for k, r in results.items() if r["non2xx"]}
    if bad:
        add("")
        add("non-2xx samples:")
        for key, sample in bad.items():
            add(f"  {key}: {sample[:400]}")
    return "\n".join(lines)


def query_listing(path: Path) -> str:
    data = json.loads(path.read_text())
    out = []
    for key, q in data.items():
        out.append(f"-- {key}: {q['count']} queries")
        for item in q["queries"]:
            sql = " ".join(item["sql"].split())
            out.append(f"   {item['ms']:>6.2f} ms  {sql[:150]}")
    return "\n".join(out)


def git_state() -> str:
    def git(*a):
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "api", "config", "invoices", "payments", "tenants")
    return f"{commit}" + (" + uncommitted changes in app code" if dirty else "")


README = BENCH / "README.md"
RESULTS_HEADING = "## Results"


def results_section(results: dict, meta: dict, stamp: str, commit: str, command: str) -> str:
    """The README's results section: one table of the run's figures against the targets."""
    lines = [
        RESULTS_HEADING,
        "",
        "Each `bench/run.py` run replaces this section; earlier runs are in git (`git log -p bench/README.md`).",
        "",
        f"{stamp}, commit {commit}, `{command}`: `wrk -t{meta['threads']} -c{meta['connections']}`,"
        f" {meta['duration']:g} s per scenario in {meta.get('rounds', 1)} interleaved rounds"
        f" (+{meta['warmup']:g} s warm-up), gunicorn {meta['gunicorn']} on {meta['cores']} cores (the"
        f" product's and the reference's), PostgreSQL {meta['pg']}, Redis {'on' if meta['redis'] else 'off'};"
        f" {meta.get('before', -1):.0%} of the CPU busy before the first run,"
        f" server errors logged: {meta.get('server_errors', '?')}.",
        "",
        "| scenario | req/s | p50 ms | p99 ms | p99/p50 | non-2xx | target | value (per app-CPU-s) | |"
        " against the naive route |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |",
    ]
    failed = []
    for key in ALL:
        r = results.get(key)
        if not r:
            continue
        tail = r["p99_ms"] / r["p50_ms"] if r["p50_ms"] else float("inf")
        bad = (r["non2xx"] + r["socket_errors"]) / r["requests"] * 100 if r["requests"] else 100.0
        label, value, ok = against(results, key, meta)
        missed = misses(r, key, ok)
        failed += [f"{key} {m}" for m in missed]
        outcome = "FAIL: " + ", ".join(missed) if missed else ("" if is_reference(key) else "PASS")
        lines.append(
            f"| {key} | {r['rps']:.1f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {tail:.1f}"
            f" | {bad:.2f}% | {label} | {value} | {outcome} | {naive(results, key, meta)} |"
        )
    lines += [
        "",
        f"req/s: the median of the rounds'; ratios: the median of the rounds' ratios. Every product row: p99/p50"
        f" <= {TAIL:g}; every row: no non-2xx response or socket error. "
        + (f"Failing: {'; '.join(failed)}." if failed else "Every target passes."),
    ]
    return "\n".join(lines) + "\n"


def record(section: str, readme: Path = README) -> None:
    """Replaces the README's results section (its "## Results" line up to the next "## " heading, or the end
    of the file) with `section`; appends it when the README has none."""
    text = readme.read_text()
    found = re.search(rf"^{RESULTS_HEADING}\n", text, re.MULTILINE)
    if not found:
        readme.write_text(text.rstrip("\n") + "\n\n" + section)
        return
    after = re.compile(r"^## ", re.MULTILINE).search(text, found.end())
    rest = "\n" + text[after.start() :] if after else ""
    readme.write_text(text[: found.start()] + section + rest)


# --- main ----------------------------------------------------------------------------------------------

PRODUCT = (
    "a",
    "d",
    "b-zuora",
    "b-dayzero",
    "b-moov",
    "b-mix",
    "c-mix",
    "c-zuora",
    "c-dayzero",
    "c-moov",
    "d-1m",
)
ALL = (*PRODUCT, "R-drf", "R-pay", "R-list", "R-plain")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 12)))
    parser.add_argument("--warmup", type=float, default=float(os.environ.get("BENCH_WARMUP", 2)))
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(os.environ.get("BENCH_ROUNDS", 6)),
        help="interleaved rounds: each scenario measures duration/rounds seconds in each",
    )
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", 4)))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", 16)))
    parser.add_argument(
        "--scenarios", default=",".join(ALL), help="comma-separated subset of " + ",".join(ALL)
    )
    parser.add_argument("--million", type=int, default=1_000_000, help="applications for the big (d) run")
    parser.add_argument("--no-record", action="store_true", help="leave bench/README.md as it is")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=float(os.environ.get("BENCH_WAIT_QUIET", 0)),
        help="wait up to this many seconds for other processes to leave the CPU idle before measuring",
    )
    parser.add_argument("--keep-server", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def prepare(redis: str | None, port: int) -> dict:
    """A fresh, migrated and seeded bench database; returns the app's environment."""
    env = app_env(redis, port)
    RUN_DIR.mkdir(exist_ok=True)
    log(f"recreating database {DB_NAME} on {server_url()}")
    recreate_database()
    clear_redis(redis)
    log("migrating")
    subprocess.run(
        [str(PYTHON), "manage.py", "migrate", "--noinput"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    log("seeding through the services")
    log(f"  {step(env, 'seed', str(RUN_DIR))}")
    return env


def prepare_reference(reference: Path, port: int, workers: int, threads: int) -> tuple[Server, Path]:
    """A fresh reference database, migrated and seeded by the reference's own seed.sql, its ids for
    post_random.lua (gen_ids.sh); returns the reference's gunicorn, in the product's shape, and the ids'
    folder."""
    server = urlsplit(server_url())
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}  # its wsgi.py sets its own
    env |= {
        "PB_DB": REFERENCE_DB,
        "PB_DB_HOST": server.hostname or "127.0.0.1",
        "PB_DB_USER": server.username or "postgres",
        "PYTHONDONTWRITEBYTECODE": "1",  # its folder is read-only
    }
    # Its settings take no port or password: libpq reads them from its own variables.
    if server.port:
        env["PGPORT"] = str(server.port)
    if server.password:
        env["PGPASSWORD"] = server.password
    log(f"recreating database {REFERENCE_DB}, migrating it and running {reference}/seed.sql")
    recreate_database(REFERENCE_DB)
    subprocess.run(
        [str(PYTHON), str(reference / "proj" / "manage.py"), "migrate", "-v0"], env=env, check=True
    )
    subprocess.run(
        [
            "psql",
            database_url(REFERENCE_DB),
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            str(reference / "seed.sql"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    ids = RUN_DIR / "reference-ids"
    ids.mkdir(exist_ok=True)
    subprocess.run(
        [str(reference / "gen_ids.sh")],
        env={**os.environ, "OUT_DIR": str(ids), "DB": database_url(REFERENCE_DB)},
        check=True,
    )
    command = [
        str(GUNICORN),
        "--chdir",
        str(reference / "proj"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "perfbase.wsgi:application",
    ]
    return Server(env, port, "reference", command, db=REFERENCE_DB, health="/plain"), ids


def main(argv=None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    command = shlex.join([".venv/bin/python", "bench/run.py", *sys.argv[1:]])
    if os.environ.get("MAKELEVEL"):
        command = f"make bench ({command})"
    wanted = [s for s in args.scenarios.split(",") if s]
    unknown = set(wanted) - set(ALL)
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    ensure_wrk()
    redis, port = redis_url(), free_port()
    env = prepare(redis, port)
    wrk_env = {**os.environ, "BENCH_FIXTURES": str(RUN_DIR / "fixtures.lua")}
    log("SQL queries per request (in-process)")
    queries = step(env, "queries", str(RUN_DIR))
    fills, explains = {}, {}
    log("topping applications up to 1,000")
    fills["d-1k"] = step(env, "fill", "--total", "1000")
    explains["1k"] = step(env, "explain", str(RUN_DIR), "1k")
    fixtures = json.loads((RUN_DIR / "fixtures.json").read_text())
    servers = {"main": Server(env, port)}
    reference = reference_dir()
    if any(is_reference(key) for key in wanted):
        servers["reference"], reference_ids = prepare_reference(
            reference, free_port(), *gunicorn_workers(env)
        )
    if "d-1m" in wanted:
        log(
            f"copying {DB_NAME} to {DB_1M}, topping its applications up to {args.million:,} (SQL, then ANALYZE)"
        )
        recreate_database(DB_1M, template=DB_NAME)
        port_1m = free_port()
        env_1m = app_env(redis, port_1m, DB_1M)
        fills["d-1m"] = step(env_1m, "fill", "--total", str(args.million))
        log(f"  {fills['d-1m']}")
        explains["1m"] = step(env_1m, "explain", str(RUN_DIR), "1m")
        servers["1m"] = Server(env_1m, port_1m, "gunicorn-1m")
    listing = ("get", f"/api/v1/invoices/{fixtures['list_invoice']}/payments?limit=50")
    # The reference's own wrk scripts, unchanged, under reference.lua.
    get = {"BENCH_REFERENCE_SCRIPT": str(reference / "auth_get.lua")}
    post = {"BENCH_REFERENCE_SCRIPT": str(reference / "post_random.lua")}
    if "reference" in servers:
        post["PB_IDS_DIR"] = str(reference_ids)
    # In a round's order: the two rows of each ratio close together, so they see much the same stretch of
    # the box's speed (R-drf in the middle, next to (a) and (d); each (c) beside its (b); d-1m beside d).
    plans = {
        "c-zuora": Load("main", "", ("zuora", "zuora")),
        "b-zuora": Load("main", "", ("zuora", "random")),
        "c-dayzero": Load("main", "", ("dayzero", "dayzero")),
        "b-dayzero": Load("main", "", ("dayzero", "random")),
        "d-1m": Load("1m", "", listing),
        "d": Load("main", "", listing),
        "a": Load("main", "", ("get", f"/api/v1/accounts/{fixtures['account_id']}")),
        "R-drf": Load("reference", "/drf", script=REFERENCE_LUA, env=get),
        "R-list": Load("reference", f"/invoices/{REFERENCE_LIST}/payments", script=REFERENCE_LUA, env=get),
        "R-pay": Load("reference", "/", script=REFERENCE_LUA, env=post),
        "b-moov": Load("main", "", ("moov", "random")),
        "c-moov": Load("main", "", ("moov", "moov")),
        "b-mix": Load("main", "", ("mix", "random")),
        "c-mix": Load("main", "", ("mix", "mix")),
        "R-plain": Load("reference", "/plain", script=REFERENCE_LUA, env=get),
    }
    results = {}
    noise = {}
    try:
        for name, server in servers.items():
            log(f"starting gunicorn ({name}) on {server.base}")
            server.start()
        noise["before"] = wait_for_quiet(args.wait_quiet) if args.wait_quiet else cpu_busy()
        noise["load_before"] = os.getloadavg()[0]
        # Every route for a second, so no scenario pays the workers' first-request costs. (c)'s routes are
        # (b)'s: their single invoices are left untouched.
        once = argparse.Namespace(**{**vars(args), "threads": 1, "connections": 4})
        for key, load in plans.items():
            if load.server in servers and not key.startswith("c-"):
                url = servers[load.server].base + load.path
                wrk(url, once, 1, {**wrk_env, **load.env}, load.script_args, load.script)
        # Rounds: every scenario and reference route runs a slice of its time in each round, so a change in
        # the machine's speed during the run (a shared VM's is common) hits them alike and the ratios stay
        # fair. Every other round runs in reverse order, so over the run every one sits on average at the
        # same place in a round as its denominator.
        keys = [key for key in plans if key in wanted]
        parts: dict[str, list] = {key: [] for key in keys}
        for number in range(args.rounds):
            for key in keys if number % 2 == 0 else reversed(keys):
                load = plans[key]
                log(f"running {key} (round {number + 1} of {args.rounds})")
                part = measure(
                    servers[load.server],
                    load,
                    args,
                    wrk_env,
                    seconds=args.duration / args.rounds,
                    warmup=args.warmup if number == 0 else 0,
                )
                parts[key].append(part)
                log(
                    f"  {key}: {part['rps']:.1f} req/s, p50 {part['p50_ms']:.2f} ms, p99 {part['p99_ms']:.2f} ms"
                )
        for key in keys:
            results[key] = combine(parts[key])
        noise["load_after"] = os.getloadavg()[0]
    finally:
        if not args.keep_server:
            for server in servers.values():
                server.stop()
        clear_redis(redis)
    noise["server_errors"] = sum(server_errors(server.log_path) for server in servers.values())
    meta = {
        "threads": args.threads,
        "connections": args.connections,
        "duration": args.duration,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "cores": os.cpu_count(),
        "gunicorn": gunicorn_shape(env),
        "pg": pg_version(),
        "db": DB_NAME
        + (f", {DB_1M} for (d) at 1M" if "1m" in servers else "")
        + (f", {REFERENCE_DB} for the reference" if "reference" in servers else ""),
        "redis": redis,
        **noise,
    }
    (RUN_DIR / "results.json").write_text(
        json.dumps(
            {"results": results, "queries": queries, "meta": meta, "fills": fills, "explains": explains}
        )
    )
    text = report(results, queries, meta, fills, explains)
    print(text)
    print()
    print("SQL of each measured request (bench/.run/queries.json):")
    print(query_listing(RUN_DIR / "queries.json"))
    if not args.no_record:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        record(results_section(results, meta, stamp, git_state(), command))
        log("bench/README.md: results section replaced")


def server_errors(path: Path) -> int:
    """ERROR/CRITICAL lines and tracebacks in gunicorn's output (the app's JSON lines and gunicorn's own)."""
    if not path.exists():
        return 0
    count = 0
    with path.open(errors="replace") as f:
        for line in f:
            markers = ('"level": "ERROR"', '"level": "CRITICAL"', "[ERROR]")
            if line.startswith("Traceback") or any(m in line for m in markers):
                count += 1
    return count


def gunicorn_workers(env: dict) -> tuple[int, int]:
    """config/gunicorn.py's processes and threads per process under `env`."""
    workers = int(env.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) * 2 + 1)
    return workers, int(env.get("GUNICORN_THREADS") or 1)


def gunicorn_shape(env: dict) -> str:
    workers, threads = gunicorn_workers(env)
    return f"{workers} sync processes" if threads == 1 else f"{workers} gthread processes x {threads} threads"


def pg_version() -> str:
    import psycopg

    with psycopg.connect(database_url(DB_NAME)) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


if __name__ == "__main__":
    main()
