"""The back office's CSV export of a long list: time and peak memory. Not a test, and not part of `make bench`.

    .venv/bin/python bench/csv_export.py [--rows 100000] [--db-name payments_csv_bench]

Drops, recreates and migrates its own database (on DATABASE_URL's server, else postgres@127.0.0.1:5432),
inserts `--rows` payments of one business, then downloads /admin/payments/payment/export.csv as a
superuser through Django's test Client (the whole middleware stack, no server), reading the streamed body
to the end. Printed:

- the time to the last byte, rows and bytes (a pass without memory tracing);
- the export's peak Python memory (tracemalloc, a second pass), against what loading the same rows as one
  list of model objects takes (what a non-streamed export would hold).
"""

import argparse
import os
import sys
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BATCH = 10_000


def database_url(name: str) -> tuple[str, str]:
    """The bench database's URL and its server's maintenance database's URL."""
    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres")
    return urlunsplit(base._replace(path=f"/{name}")), urlunsplit(base._replace(path="/postgres"))


def recreate(name: str, maintenance_url: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def fill(rows: int):
    """One business with `rows` payments on ten accounts; returns it and a superuser to export them as."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from payments.models import Payment
    from tenants.services import account_create, business_provision

    provisioned = business_provision(name="CSV bench")
    ctx = provisioned.context()
    accounts = [account_create(ctx=ctx, name=f"Customer {i}", currency="USD") for i in range(10)]
    now = timezone.now()
    payments = Payment.objects.of_business(ctx.business_id)
    for start in range(0, rows, BATCH):
        payments.bulk_create(
            Payment(
                business_id=ctx.business_id,
                entity_id=ctx.selected_entity_id,
                account=accounts[i % len(accounts)],
                currency="USD",
                amount=Decimal(100 + i % 900) + Decimal("0.25"),
                occurred_at=now - timedelta(minutes=i),
                reference=f"WIRE-{i:07d}",
                counterparty=f"Bank {i % 37}",
                method="wire",
                created_by="bench",
            )
            for i in range(start, min(start + BATCH, rows))
        )
    return ctx.business_id, User.objects.create_superuser("bench", "bench@example.com", "bench")


def export(client, url: str) -> tuple[int, int]:
    """Downloads the export to its last byte; (lines, bytes)."""
    response = client.get(url)
    assert response.status_code == 200 and response.streaming, response.status_code
    lines = size = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        size += len(chunk)
    response.close()
    return lines, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db-name", default=os.environ.get("BENCH_DB_NAME", "payments_csv_bench"))
    args = parser.parse_args()

    url, maintenance = database_url(args.db_name)
    recreate(args.db_name, maintenance)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from payments.models import Payment

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    business_id, user = fill(args.rows)
    print(f"filled {args.rows:,} payments in {time.perf_counter() - started:.1f} s")

    client = Client()
    client.force_login(user)
    export_url = "/admin/payments/payment/export.csv"

    started = time.perf_counter()
    lines, size = export(client, export_url)
    elapsed = time.perf_counter() - started
    print(
        f"export: {lines - 1:,} rows, {size / 1e6:.1f} MB in {elapsed:.2f} s "
        f"({(lines - 1) / elapsed:,.0f} rows/s)"
    )

    tracemalloc.start()
    export(client, export_url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    everything = list(Payment.objects.of_business(business_id).select_related("account", "business"))
    _, listed_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"export peak Python memory: {peak / 1e6:.1f} MB (traced)")
    print(f"the same {len(everything):,} rows loaded as one list: {listed_peak / 1e6:.1f} MB (traced)")


if __name__ == "__main__":
    main()
