"""Where the time of (a), (b) and (d) goes. Not part of `make bench`: profilers slow the service down.

    .venv/bin/python bench/profile.py [--reuse] [--duration 8] [--requests 200]

1. In-process (Django test Client, the whole middleware stack, no gunicorn): pyinstrument wall-clock trees
   of N requests per scenario and each request's SQL share -> bench/.run/profiles/pyinstrument-*.txt
2. (c)'s cost of a busy invoice: each dialect's POST on an invoice holding 0, 1,000 and 5,000 applications.
3. CPU per request of (a), (b) and (d) in-process, this process's and its PostgreSQL backend's, in
   interleaved rounds (`--cpu-rounds` of `--cpu-requests`): what the cores are shared out for under load,
   without wrk, gunicorn or the other scenarios' processes in the figures.
4. Under load (gunicorn + wrk, as in bench/run.py): py-spy samples of every worker -> bench/.run/profiles/
   pyspy-*.txt. `--mode gil` (default) keeps only the thread holding the GIL, i.e. where the Python CPU
   goes (the bottleneck: gunicorn's Python saturates the cores long before PostgreSQL does); `--mode wall`
   keeps every request thread (waits on PostgreSQL and Redis included). Each sample is attributed to the
   step the request was in (auth, tenant, rate limit, idempotency, parsing, service, presenters, ...) and to
   what it was doing there (PostgreSQL or Redis round trip, ORM SQL compile, ORM rows->objects, other).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run

PROFILES = run.RUN_DIR / "profiles"
PYSPY = run.ROOT / ".venv" / "bin" / "py-spy"

# Exclusive attribution of every sample, two ways:
# STEP: the deepest of these frames on the stack (what the request was doing);
# KIND: what the leaf end of the stack was (waiting on PostgreSQL/Redis, compiling SQL, other Python).
STEPS = [
    ("access log line (logging + JSON formatter)", r"\(logging/__init__\.py|pythonjsonlogger"),
    ("prometheus metrics (multiprocess files)", r"prometheus_client/"),
    ("DRF request/response plumbing", r"rest_framework/(views|request|negotiation|response)\.py"),
    (
        "authentication (credential, client and entities: one SELECT)",
        r"^BearerTokenAuthentication\.authenticate ",
    ),
    ("tenant resolution", r"^tenant_context_resolve "),
    ("rate limit (1 Redis round trip)", r"^hit \(api/throttling\.py"),
    ("idempotency claim (INSERT .. ON CONFLICT)", r"^claim \(api/idempotency\.py"),
    (
        "body parsing + serializer validation",
        r"rest_framework/(parsers|serializers|fields)\.py|api/parsers\.py",
    ),
    ("query params: CursorQuery + django-filter", r"^\w+\.(query|filtered) \(api/dayzero/base\.py"),
    ("selectors in the view (reads)", r"^\w+ \((payments|invoices|tenants)/selectors\.py"),
    ("pagination query", r"^paginate \(api/dayzero/pagination\.py"),
    (
        "ledger change (locks, the one-statement write)",
        r"\((payments/services/\w+|invoices/services|ledger/(change|statements))\.py",
    ),
    ("BEGIN / SAVEPOINT / RELEASE / COMMIT", r"django/db/transaction\.py|contextlib\.py"),
    ("presenters (rows -> dicts)", r"api/\w+/presenters\.py|^Page\.as_dict "),
    ("JSON rendering", r"rest_framework/renderers\.py|api/zuora/renderers\.py"),
    ("idempotency complete (render + UPDATE)", r"^complete \(api/idempotency\.py"),
]
KINDS = [
    ("PostgreSQL round trip", r"psycopg/"),
    ("Redis round trip", r"\(redis/"),
    ("ORM SQL compile", r"django/db/models/(sql/|expressions|lookups|query_utils)"),
    ("ORM rows->objects", r"django/db/models/(base|query)\.py"),
]
_STEPS = [(label, re.compile(rx)) for label, rx in STEPS]
_KINDS = [(label, re.compile(rx)) for label, rx in KINDS]
_HANDLER = re.compile(r"get_response \(django/core/handlers/base\.py")


def attribute(stack: str) -> tuple[str, str]:
    frames = [_short(f) for f in stack.split(";")]
    if not any(_HANDLER.search(f) for f in frames):
        step = "gunicorn + WSGI (outside Django)"
    else:
        step = "middleware + Django/DRF dispatch"
        for frame in frames:  # root to leaf: the last match is the deepest
            for label, rx in _STEPS:
                if rx.search(frame):
                    step = label
                    break
    kind = "other Python"
    for label, rx in _KINDS:  # a kind is a property of the whole stack below the step, checked in order
        if any(rx.search(f) for f in frames):
            kind = label
            break
    return step, kind


def breakdown(stacks: Counter) -> str:
    total = sum(stacks.values()) or 1
    cells = Counter()
    for stack, c in stacks.items():
        cells[attribute(stack)] += c
    steps = Counter()
    for (step, _), c in cells.items():
        steps[step] += c
    kinds = [label for label, _ in KINDS] + ["other Python"]
    short = ["psycopg", "redis-py", "ORM sql", "ORM objs", "other"]
    lines = [f"  {'':<54}{'total':>7}" + "".join(f"{k:>9}" for k in short)]
    for step, n in steps.most_common():
        row = "".join(f"{cells[(step, k)] / total * 100:>8.1f}%" for k in kinds)
        lines.append(f"  {step:<54}{n / total * 100:>6.1f}%{row}")
    col = "".join(f"{sum(cells[(s, k)] for s in steps) / total * 100:>8.1f}%" for k in kinds)
    lines.append(f"  {'all':<54}{100:>6.1f}%{col}")
    return "\n".join(lines)


def self_time(stacks: Counter, top: int = 25) -> list[tuple[str, float]]:
    total = sum(stacks.values()) or 1
    leaf = Counter()
    for stack, c in stacks.items():
        leaf[_short(stack.split(";")[-1])] += c
    return [(f, n / total * 100) for f, n in leaf.most_common(top)]


def app_inclusive(stacks: Counter, top: int = 25) -> list[tuple[str, float]]:
    """Inclusive time of the project's own functions (tenants/ invoices/ payments/ api/ config/)."""
    total = sum(stacks.values()) or 1
    incl = Counter()
    app = re.compile(r"\((?:\S*/)?(tenants|invoices|payments|api|config)/[\w/]+\.py:\d+\)")
    for stack, c in stacks.items():
        seen = {_short(f) for f in stack.split(";") if app.search(f)}
        for f in seen:
            incl[f] += c
    return [(f, n / total * 100) for f, n in incl.most_common(top)]


def _short(frame: str) -> str:
    frame = re.sub(r"/\S*/site-packages/", "", frame)
    frame = re.sub(r"/root/\.pyenv/versions/[\d.]+/lib/python3\.12/", "", frame)
    frame = frame.replace(str(run.ROOT) + "/", "")
    return re.sub(r":\d+\)$", ")", frame)


def load_raw(path: Path) -> Counter:
    """py-spy --format raw: 'frame;frame;...;frame COUNT' per line, root first. Keeps request threads only
    (stacks through gunicorn's handle_request) and trims the process/thread prefix."""
    stacks = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or ("handle_request" not in stack and "handle (gunicorn" not in stack):
            continue
        frames = [f for f in stack.split(";") if "(" in f]
        stacks[";".join(frames)] += int(count)
    return stacks


def pyspy_scenario(server: "run.Server", base: str, args, mode: str, target: str, name: str) -> Counter:
    out = PROFILES / f"pyspy-{name}.raw"
    cmd = [
        str(PYSPY),
        "record",
        "--pid",
        str(server.proc.pid),
        "--subprocesses",
        "--rate",
        str(args.rate),
        "--format",
        "raw",
        "--duration",
        str(int(args.duration)),
        "--output",
        str(out),
        "--nonblocking",
    ]
    if args.mode == "gil":
        cmd.append("--gil")  # only the thread holding the GIL: where the Python CPU goes
    spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    load = threading.Thread(
        target=lambda: run.wrk(base, args, args.duration + 1, wrk_env(), (mode, target)), daemon=True
    )
    load.start()
    spy.wait(timeout=args.duration + 60)
    load.join()
    if spy.returncode != 0 or not out.exists():
        raise SystemExit(f"py-spy failed: {spy.stderr.read()[-2000:]}")
    return load_raw(out)


def summarise(name: str, stacks: Counter) -> str:
    return "\n\n".join(
        [
            f"== {name}: {sum(stacks.values())} py-spy samples in request threads of all workers",
            "where they are (exclusive: deepest step x what the leaf is doing)\n" + breakdown(stacks),
            table("project functions (inclusive)", app_inclusive(stacks)),
            table("self time (leaf frames)", self_time(stacks)),
        ]
    )


def wrk_env() -> dict:
    return {**os.environ, "BENCH_FIXTURES": str(run.RUN_DIR / "fixtures.lua")}


def table(title: str, rows: list[tuple[str, float]]) -> str:
    return "\n".join([title, *(f"  {pct:5.1f}%  {label}" for label, pct in rows)])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reuse", action="store_true", help="reuse bench/.run's database and fixtures")
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--requests", type=int, default=200, help="in-process requests per scenario")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument(
        "--mode",
        choices=("gil", "wall"),
        default="gil",
        help="gil: samples of the thread holding the GIL (Python CPU, the bottleneck on 2 cores); "
        "wall: every request thread (waits on PostgreSQL and Redis included)",
    )
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--skip", default="", help="comma-separated parts to skip: inprocess,growth,cpu,pyspy"
    )
    parser.add_argument("--cpu-requests", type=int, default=20, help="requests per scenario and round")
    parser.add_argument("--cpu-rounds", type=int, default=30)
    parser.add_argument(
        "--analyze", action="store_true", help="only summarise bench/.run/profiles/pyspy-*.raw"
    )
    args = parser.parse_args()
    args.warmup = 0
    if args.analyze:
        for raw in sorted(PROFILES.glob("pyspy-*.raw")):
            print(summarise(raw.stem.removeprefix("pyspy-"), load_raw(raw)))
            print()
        return
    skip = set(args.skip.split(","))
    if "pyspy" not in skip and not PYSPY.exists():
        raise SystemExit(
            f"py-spy is missing: {run.ROOT}/.venv/bin/pip install py-spy==0.4.3 pyinstrument==5.1.3"
        )
    if "pyspy" not in skip:
        run.ensure_wrk()
    redis, port = run.redis_url(), run.free_port()
    if args.reuse and (run.RUN_DIR / "fixtures.json").exists():
        env = run.app_env(redis, port)
    else:
        env = run.prepare(redis, port)
        run.step(env, "fill", "--total", "1000")
    shutil.rmtree(PROFILES, ignore_errors=True)
    PROFILES.mkdir(parents=True)
    report = []
    if "inprocess" not in skip:
        run.log(f"in-process: pyinstrument over {args.requests} requests per scenario")
        summary = run.step(env, "profile", str(run.RUN_DIR), str(args.requests))
        report.append("In-process (test Client, whole middleware stack), per request:")
        for name, s in summary.items():
            share = s["sql_ms_per_request"] / s["ms_per_request"] * 100
            report.append(
                f"  {name:<10} {s['ms_per_request']:7.2f} ms wall, {s['queries']:3d} queries, "
                f"{s['sql_ms_per_request']:6.2f} ms in SQL ({share:.0f}%)"
            )
    if "growth" not in skip:
        run.log("POST on one invoice holding more and more applications")
        report.append("")
        report.append("POST on one invoice by applications already on it (median of 20, in-process):")
        fixtures = json.loads((run.RUN_DIR / "fixtures.json").read_text())
        for dialect in ("moov", "zuora", "dayzero"):
            invoice_id = fixtures["single"][dialect]
            cells = []
            for grow_to in (0, 1000, 5000):
                current = run.step(env, "post-timing", str(run.RUN_DIR), dialect, dialect, "1")[
                    "applications"
                ]
                if grow_to > current:
                    run.step(env, "grow", invoice_id, str(grow_to - current))
                t = run.step(env, "post-timing", str(run.RUN_DIR), dialect, dialect, "20")
                cells.append(f"{t['applications']:>5} apps: {t['median_ms']:6.2f} ms / {t['queries']} q")
            report.append(f"  {dialect:<8} " + "   ".join(cells))
    if "cpu" not in skip:
        run.log("CPU per request, in-process")
        spent = run.step(env, "cpu", str(run.RUN_DIR), str(args.cpu_requests), str(args.cpu_rounds))
        report.append("")
        report.append(
            f"CPU per request, in-process ({args.cpu_rounds} interleaved rounds of {args.cpu_requests}):"
        )
        report.append("             Python  PostgreSQL    total   (a)/this")
        for name, s in spent.items():
            report.append(
                f"  {name:<10} {s['python_ms']:6.2f}  {s['postgres_ms']:10.2f}  {s['total_ms']:7.2f}"
                f"   {s['a_over_this']:8.2f}"
            )
    if "pyspy" not in skip:
        fixtures = json.loads((run.RUN_DIR / "fixtures.json").read_text())
        server = run.Server(env, port)
        base = f"http://127.0.0.1:{port}"
        scenarios = {
            "a": ("get", f"/api/v1/accounts/{fixtures['account_id']}"),
            "b-zuora": ("zuora", "random"),
            "b-dayzero": ("dayzero", "random"),
            "b-moov": ("moov", "random"),
            "d": ("get", f"/api/v1/invoices/{fixtures['list_invoice']}/payments?limit=50"),
        }
        try:
            server.start()
            # Every worker thread serves every route before sampling starts (first requests import the
            # URLconf, the first Celery publish of a thread scans entry points).
            for mode, target in scenarios.values():
                run.wrk(base, args, 2, wrk_env(), (mode, target))
            time.sleep(3)  # the warm-up's last requests (first Celery publish of each thread) finish first
            for name, (mode, target) in scenarios.items():
                run.log(f"py-spy under load: {name}")
                stacks = pyspy_scenario(server, base, args, mode, target, name)
                text = summarise(name, stacks)
                (PROFILES / f"pyspy-{name}.txt").write_text(text + "\n")
                report.append("")
                report.append(text)
        finally:
            server.stop()
            run.clear_redis(redis)
    print("\n".join(report))


if __name__ == "__main__":
    main()
