"""The in-process steps of the benchmark, run by bench/run.py in a child process whose environment points
Django at the bench database (never run it against a database you care about), as
`.venv/bin/python bench/steps.py STEP ARGS...`:

    seed OUT_DIR          tenants, accounts, invoices, payments through the services
    fill --total N        SQL bulk insert of applications (+ payments, invoices) up to N
    queries OUT_DIR       SQL queries per request, Django test Client + CaptureQueriesContext
    explain OUT_DIR TAG   EXPLAIN (ANALYZE, BUFFERS) of (d)'s list query
    profile OUT_DIR N     pyinstrument over N in-process requests of (a), (b), (d)
    grow INVOICE_ID N     N more applications on one invoice (SQL)
    post-timing OUT_DIR DIALECT SINGLE N   one dialect's POST on a single invoice
    cpu OUT_DIR N ROUNDS  CPU per request of (a), (b), (d): this process + its backend

Every step prints one JSON object on its last stdout line.
"""

import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from run import cpu_ticks  # noqa: E402  (bench/run.py, beside this file: no Django in it)

from invoices.services import invoice_create  # noqa: E402
from payments.models import InvoicePayment  # noqa: E402
from payments.services import payment_apply, payment_record  # noqa: E402
from tenants.context import TenantContext  # noqa: E402
from tenants.services import account_create, business_provision  # noqa: E402

# Big enough that no request of any run fails for business reasons: every request moves 0.01 (1 cent).
HUGE = Decimal("900000000000")  # below core.money.MAX_AMOUNT (10^15)
ACCOUNTS = 8
INVOICES = 1000  # random targets of (b)
PAYMENTS_PER_DIALECT = 1000  # random payments, so that two of 16 concurrent requests rarely lock the same one
LIST_APPLICATIONS = 200  # (d)'s invoice
SINGLE_INVOICES = ("mix", "zuora", "dayzero", "moov")  # (c): a fresh invoice per run
FILLER_BUSINESSES = 8  # other tenants holding the bulk applications
FILL_PER_INVOICE = 200
FILL_CHUNK = 100_000


def _ctx(business_id, entity_id, actor="bench:seed") -> TenantContext:
    return TenantContext(
        business_id=business_id, entity_ids=(entity_id,), selected_entity_id=entity_id, actor=actor
    )


def _lua(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    return json.dumps(str(value))  # a JSON string is a valid Lua string for these ASCII values


def seed(out_dir: Path) -> dict:
    started = time.perf_counter()
    tenant = business_provision(name="Bench Co", entities=1, currency="USD")
    business_id, entity_id = tenant.business.id, tenant.entity_ids[0]
    ctx = _ctx(business_id, entity_id)
    accounts = [
        account_create(ctx=ctx, name=f"Bench account {i}", currency="USD", email=f"ap{i}@bench.example")
        for i in range(ACCOUNTS)
    ]
    invoices = [
        invoice_create(ctx=ctx, account_id=accounts[i % ACCOUNTS].id, amount=HUGE, number=f"BENCH-{i:05d}")
        for i in range(INVOICES)
    ]
    single = {
        name: invoice_create(ctx=ctx, account_id=accounts[0].id, amount=HUGE, number=f"BENCH-ONE-{name}")
        for name in SINGLE_INVOICES
    }
    now = datetime.now(UTC)
    zuora = [
        payment_record(
            ctx=ctx,
            amount=HUGE,
            occurred_at=now,
            account_id=accounts[i % ACCOUNTS].id,
        )
        for i in range(PAYMENTS_PER_DIALECT)
    ]
    dayzero = [
        payment_record(ctx=ctx, amount=HUGE, occurred_at=now, currency="USD")
        for _ in range(PAYMENTS_PER_DIALECT)
    ]
    # (d): an invoice with exactly LIST_APPLICATIONS applications, which no other scenario touches.
    listed = invoice_create(ctx=ctx, account_id=accounts[0].id, amount=HUGE, number="BENCH-LIST")
    for i in range(LIST_APPLICATIONS):
        payment_apply(
            ctx=ctx, invoice_id=listed.pk, payment_id=dayzero[i % len(dayzero)].pk, amount=Decimal("1.00")
        )
    # Other tenants, for the bulk applications of `fill`.
    fillers = []
    for i in range(FILLER_BUSINESSES):
        other = business_provision(name=f"Filler {i}", entities=1, currency="USD")
        account = account_create(
            ctx=_ctx(other.business.id, other.entity_ids[0]), name=f"Filler account {i}", currency="USD"
        )
        fillers.append(account.pk)
    fixtures = {
        "token": tenant.access_token,
        "business_id": str(business_id),
        "entity_id": str(entity_id),
        "account_id": str(accounts[0].id),
        "list_invoice": str(listed.id),
        "invoices": [str(inv.id) for inv in invoices],
        "single": {name: str(inv.id) for name, inv in single.items()},
        "payments": {"zuora": [p.id.hex for p in zuora], "dayzero": [str(p.id) for p in dayzero]},
        "filler_accounts": [str(pk) for pk in fillers],
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "fixtures.json").write_text(json.dumps(fixtures))
    lua = {k: v for k, v in fixtures.items() if k != "filler_accounts"}
    (out_dir / "fixtures.lua").write_text("return " + _lua(lua) + "\n")
    return {"seconds": round(time.perf_counter() - started, 1), "invoices": len(invoices)}


def fill(total: int) -> dict:
    """Tops the applications table up to `total` rows with SQL: each new application has its own payment
    (amount = allocated = 1.00) and 200 of them share an invoice of a filler tenant, whose counters and
    status agree with them (so the CHECK constraints hold and `reconcile` stays clean)."""
    started = time.perf_counter()
    current = InvoicePayment.objects.across_tenants(reason="bench").count()
    missing = total - current
    if missing <= 0:
        return {"inserted": 0, "total": current, "seconds": 0.0}
    tag = uuid.uuid4().hex[:12]
    invoices = -(-missing // FILL_PER_INVOICE)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute(
            """
            CREATE TEMP TABLE bench_filler AS
            SELECT (row_number() OVER (ORDER BY id)) - 1 AS k, id AS account_id, business_id, entity_id
            FROM tenants_account
            WHERE business_id IN (SELECT id FROM tenants_business WHERE name LIKE 'Filler %')
            """
        )
        cursor.execute("SELECT count(*) FROM bench_filler")
        fillers = cursor.fetchone()[0]
        if not fillers:
            raise SystemExit("no filler tenants: run the seed step first")
        with transaction.atomic():
            cursor.execute(
                """
                INSERT INTO invoices_invoice (id, business_id, entity_id, account_id, number, description,
                    currency, amount, subtotal_amount, tax_amount, surcharge_amount, status, invoice_date,
                    payment_amount, refund_amount, customer_email, payment_options, created_at, updated_at)
                SELECT md5(%(tag)s || ':inv:' || g)::uuid, f.business_id, f.entity_id, f.account_id,
                    'FILL-' || %(tag)s || '-' || g, '', 'USD', 1000000, 1000000, 0, 0, 'partially_paid',
                    current_date, least(%(per)s, %(missing)s - g * %(per)s), 0, '', '{}', now(), now()
                FROM generate_series(0, %(invoices)s::int - 1) AS g
                JOIN bench_filler f ON f.k = g %% %(fillers)s
                """,
                {
                    "tag": tag,
                    "per": FILL_PER_INVOICE,
                    "missing": missing,
                    "invoices": invoices,
                    "fillers": fillers,
                },
            )
        for low in range(0, missing, FILL_CHUNK):
            high = min(missing, low + FILL_CHUNK)
            params = {"tag": tag, "low": low, "high": high - 1, "per": FILL_PER_INVOICE, "fillers": fillers}
            with transaction.atomic():
                cursor.execute(
                    """
                    INSERT INTO payments_payment (id, business_id, entity_id, account_id, currency, amount,
                        allocated_amount, refund_amount, unapplied_refund_amount, occurred_at, status, foreign_id,
                        reference, description, counterparty, payment_method_id, method, created_by, created_at,
                        updated_at)
                    SELECT md5(%(tag)s || ':pay:' || g)::uuid, f.business_id, f.entity_id, f.account_id,
                        'USD', 1, 1, 0, 0, now(), 'processed', '', '', '', '', '', '', 'bench:fill',
                        now(), now()
                    FROM generate_series(%(low)s::int, %(high)s::int) AS g
                    JOIN bench_filler f ON f.k = (g / %(per)s) %% %(fillers)s
                    """,
                    params,
                )
                cursor.execute(
                    """
                    INSERT INTO payments_invoicepayment (id, business_id, entity_id, invoice_id, payment_id, amount,
                        refund_amount, paid_on, created_by, updated_by, created_at, updated_at)
                    SELECT gen_random_uuid(), f.business_id, f.entity_id, md5(%(tag)s || ':inv:' || (g / %(per)s))::uuid,
                        md5(%(tag)s || ':pay:' || g)::uuid, 1, 0, now(), 'bench:fill', 'bench:fill',
                        now() + g * interval '1 microsecond', now()
                    FROM generate_series(%(low)s::int, %(high)s::int) AS g
                    JOIN bench_filler f ON f.k = (g / %(per)s) %% %(fillers)s
                    """,
                    params,
                )
        cursor.execute("DROP TABLE bench_filler")
        for table in ("payments_invoicepayment", "payments_payment", "invoices_invoice"):
            cursor.execute(f"ANALYZE {table}")
    count = InvoicePayment.objects.across_tenants(reason="bench").count()
    return {"inserted": missing, "total": count, "seconds": round(time.perf_counter() - started, 1)}


# --- query counts ----------------------------------------------------------------------------------------


def _requests(fixtures: dict, k: int = 7) -> dict:
    """One request per scenario, exactly as the wrk script sends it (bench/wrk/bench.lua), on the k-th
    seeded invoice and payments."""
    business = fixtures["business_id"]
    invoice_id = fixtures["invoices"][k % len(fixtures["invoices"])]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {fixtures['token']}"}
    dayzero = {**auth, "HTTP_X_BUSINESS_ID": business}

    def post(path, body, headers):
        return ("post", path, json.dumps(body), headers)

    return {
        "a": ("get", f"/api/v1/accounts/{fixtures['account_id']}", None, dayzero),
        "b-zuora": post(
            "/v1/object/invoice-payment",
            {
                "Amount": 0.01,
                "InvoiceId": uuid.UUID(invoice_id).hex,
                "PaymentId": fixtures["payments"]["zuora"][3],
            },
            auth,
        ),
        "b-dayzero": post(
            f"/api/v1/invoices/{invoice_id}/payments",
            {"transaction_id": fixtures["payments"]["dayzero"][-k], "amount": 1},
            dayzero,
        ),
        "b-moov": post(
            f"/accounts/{fixtures['entity_id']}/invoices/{invoice_id}/payments",  # Moov's account: the merchant
            {"amount": {"currency": "USD", "valueDecimal": "0.01"}},
            auth,
        ),
        "d": ("get", f"/api/v1/invoices/{fixtures['list_invoice']}/payments?limit=50", None, dayzero),
    }


def _send(client: Client, request, key: str):
    method, path, body, headers = request
    if method == "get":
        return client.get(path, **headers)
    return client.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **headers)


def queries(out_dir: Path) -> dict:
    fixtures = json.loads((out_dir / "fixtures.json").read_text())
    client = Client()
    results = {}
    for name, request in _requests(fixtures).items():
        # The first request of a process pays one-time costs (imports, caches): measure the second.
        warm = _send(client, request, f"bench-queries-warm-{uuid.uuid4()}")
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = _send(client, request, f"bench-queries-{uuid.uuid4()}")
            elapsed = time.perf_counter() - started
        if not (200 <= warm.status_code < 300 and 200 <= response.status_code < 300):
            raise SystemExit(
                f"{name}: {warm.status_code} / {response.status_code} {response.content[:300]!r}"
            )
        listed = [
            {"sql": q["sql"], "ms": round(float(q["time"]) * 1000, 3)} for q in captured.captured_queries
        ]
        results[name] = {
            "count": len(listed),
            "sql_ms": round(sum(q["ms"] for q in listed), 2),
            "request_ms": round(elapsed * 1000, 2),
            "queries": listed,
        }
    (out_dir / "queries.json").write_text(json.dumps(results, indent=1))
    return {name: {k: v for k, v in r.items() if k != "queries"} for name, r in results.items()}


def explain(out_dir: Path, tag: str) -> dict:
    """The plan of (d)'s page query with the applications now in the database."""
    fixtures = json.loads((out_dir / "fixtures.json").read_text())
    request = _requests(fixtures)["d"]
    client = Client()
    _send(client, request, "")
    with CaptureQueriesContext(connection) as captured:
        _send(client, request, "")
    sql = next(
        q["sql"]
        for q in captured.captured_queries
        if "payments_invoicepayment" in q["sql"] and "LIMIT" in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    (out_dir / f"explain-{tag}.txt").write_text(sql + "\n\n" + plan + "\n")
    index = next((line.strip() for line in plan.splitlines() if "Index" in line or "Scan" in line), "")
    execution = next((line.strip() for line in plan.splitlines() if line.startswith("Execution Time")), "")
    return {"first_scan": index, "execution": execution}


# --- profiling helpers (bench/profile.py) -----------------------------------------------------------------


def profile(out_dir: Path, count: int) -> dict:
    """pyinstrument (wall clock, so SQL round trips show as time in psycopg) over `count` requests of each
    scenario through the whole middleware stack, plus the SQL share of each request's wall time."""
    from pyinstrument import Profiler

    fixtures = json.loads((out_dir / "fixtures.json").read_text())
    client = Client()
    profiles = out_dir / "profiles"
    profiles.mkdir(exist_ok=True)
    summary = {}
    rng = random.Random(9)
    for name in _requests(fixtures):
        # A random invoice and payment per request, as under wrk (one invoice would grow Moov's prefetch).
        def request():
            return _requests(fixtures, rng.randrange(1, 1000))[name]  # noqa: B023

        for _ in range(5):
            _send(client, request(), f"bench-profile-warm-{uuid.uuid4()}")
        sql_ms = total_ms = 0.0
        queries_n = 0
        for _ in range(count):
            one = request()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                _send(client, one, f"bench-profile-{uuid.uuid4()}")
                total_ms += (time.perf_counter() - started) * 1000
            sql_ms += sum(float(q["time"]) for q in captured.captured_queries) * 1000
            queries_n += len(captured.captured_queries)
        batch = [request() for _ in range(count)]
        profiler = Profiler(interval=0.001)
        profiler.start()
        for one in batch:
            _send(client, one, f"bench-profile-{uuid.uuid4()}")
        profiler.stop()
        (profiles / f"pyinstrument-{name}.txt").write_text(profiler.output_text(unicode=False, color=False))
        (profiles / f"pyinstrument-{name}-flat.txt").write_text(
            profiler.output_text(unicode=False, color=False, flat=True)
        )
        summary[name] = {
            "ms_per_request": round(total_ms / count, 2),
            "sql_ms_per_request": round(sql_ms / count, 2),
            "queries": queries_n // count,
        }
    return summary


def cpu(out_dir: Path, count: int, rounds: int) -> dict:
    """CPU per request of each scenario, in-process (test Client, the whole middleware stack): this
    process's Python and its PostgreSQL backend's work, summed over `rounds` interleaved rounds of `count`
    requests each (the box's speed drifts; interleaving spreads that over every scenario alike). Needs the
    database server on this machine. Under wrk these two are what the cores are shared out for, so their
    ratios are what (b)/(a) and (d)/(a) tend to once nothing else competes."""
    fixtures = json.loads((out_dir / "fixtures.json").read_text())
    client = Client()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    rng = random.Random(11)
    names = list(_requests(fixtures))
    spent = {name: [0.0, 0] for name in names}
    for name in names:  # warm every path (imports, prepared statements) before measuring
        for _ in range(20):
            _send(client, _requests(fixtures, rng.randrange(1, 1000))[name], f"cpu-warm-{uuid.uuid4()}")
    for _ in range(rounds):
        for name in names:
            batch = [_requests(fixtures, rng.randrange(1, 1000))[name] for _ in range(count)]
            py, pg = time.process_time(), cpu_ticks(backend)
            for one in batch:
                _send(client, one, f"cpu-{uuid.uuid4()}")
            spent[name][0] += (time.process_time() - py) * 1000
            spent[name][1] += cpu_ticks(backend) - pg
    total = count * rounds
    result = {}
    for name, (py_ms, pg_ticks) in spent.items():
        pg_ms = pg_ticks * tick_ms
        result[name] = {
            "python_ms": round(py_ms / total, 3),
            "postgres_ms": round(pg_ms / total, 3),
            "total_ms": round((py_ms + pg_ms) / total, 3),
        }
    ceiling = result["a"]["total_ms"]
    for name in names:
        result[name]["a_over_this"] = round(ceiling / result[name]["total_ms"], 3)
    return result


def grow(invoice_id: str, count: int) -> dict:
    """Adds `count` applications (each with its own 0.01 payment) to one invoice of the bench tenant, by SQL,
    keeping the invoice's counter right: for timing a request against an invoice with many applications."""
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute(
            "SELECT business_id, entity_id, account_id FROM invoices_invoice WHERE id = %s", [invoice_id]
        )
        business_id, entity_id, account_id = cursor.fetchone()
        tag = uuid.uuid4().hex[:12]
        params = {
            "tag": tag,
            "n": count,
            "b": business_id,
            "e": entity_id,
            "a": account_id,
            "inv": invoice_id,
        }
        cursor.execute(
            """
            INSERT INTO payments_payment (id, business_id, entity_id, account_id, for_invoice_id, currency, amount,
                allocated_amount, refund_amount, unapplied_refund_amount, occurred_at, status, foreign_id,
                reference, description, counterparty, payment_method_id, method, created_by, created_at, updated_at)
            SELECT md5(%(tag)s || g)::uuid, %(b)s, %(e)s, %(a)s, %(inv)s, 'USD', 0.01, 0.01, 0, 0, now(),
                'processed', '', '', '', '', '', '', 'bench:grow', now(), now()
            FROM generate_series(1, %(n)s::int) AS g
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO payments_invoicepayment (id, business_id, entity_id, invoice_id, payment_id, amount,
                refund_amount, paid_on, created_by, updated_by, created_at, updated_at)
            SELECT gen_random_uuid(), %(b)s, %(e)s, %(inv)s, md5(%(tag)s || g)::uuid, 0.01, 0, now(),
                'bench:grow', 'bench:grow', now(), now()
            FROM generate_series(1, %(n)s::int) AS g
            """,
            params,
        )
        cursor.execute(
            "UPDATE invoices_invoice SET payment_amount = payment_amount + %(n)s * 0.01, "
            "status = 'partially_paid' WHERE id = %(inv)s",
            params,
        )
    return {
        "applications": InvoicePayment.objects.across_tenants(reason="bench")
        .filter(invoice_id=invoice_id)
        .count()
    }


def post_timing(out_dir: Path, dialect: str, invoice_name: str, count: int) -> dict:
    """Wall time and queries of one dialect's payment POST on one of the seeded single invoices."""
    fixtures = json.loads((out_dir / "fixtures.json").read_text())
    invoice_id = fixtures["single"][invoice_name]
    fixtures = {**fixtures, "invoices": [invoice_id] * 8}
    request = _requests(fixtures)[f"b-{dialect}"]
    client = Client()
    _send(client, request, f"bench-timing-{uuid.uuid4()}")
    times, queries_n = [], 0
    for _ in range(count):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = _send(client, request, f"bench-timing-{uuid.uuid4()}")
            times.append((time.perf_counter() - started) * 1000)
        assert 200 <= response.status_code < 300, response.content
        queries_n = len(captured.captured_queries)
    times.sort()
    return {
        "applications": InvoicePayment.objects.across_tenants(reason="bench")
        .filter(invoice_id=invoice_id)
        .count(),
        "median_ms": round(times[len(times) // 2], 2),
        "queries": queries_n,
    }


def main(argv: list[str]) -> None:
    step = argv[1]
    if step == "seed":
        result = seed(Path(argv[2]))
    elif step == "fill":
        result = fill(int(argv[argv.index("--total") + 1]))
    elif step == "queries":
        result = queries(Path(argv[2]))
    elif step == "explain":
        result = explain(Path(argv[2]), argv[3])
    elif step == "profile":
        result = profile(Path(argv[2]), int(argv[3]))
    elif step == "grow":
        result = grow(argv[2], int(argv[3]))
    elif step == "cpu":
        result = cpu(Path(argv[2]), int(argv[3]), int(argv[4]))
    elif step == "post-timing":
        result = post_timing(Path(argv[2]), argv[3], argv[4], int(argv[5]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
