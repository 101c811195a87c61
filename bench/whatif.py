"""What-if timings behind bench/profile.py's proposals: each hot-path operation as the code does it now
and as a proposal would, in-process against the bench database (single thread, median of N calls).

    .venv/bin/python bench/whatif.py OUT_DIR N     (run by bench/profile.py with the bench environment)

The raw-SQL versions are sketches for timing, not drop-in code: they do the same reads and writes (same
rows, same locks, same counters) without the ORM, or in one statement.
"""

import hashlib
import json
import random
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import steps  # noqa: F401  (bench/steps.py: Django set up against the bench database)
from django.db import connection, transaction
from django.test import RequestFactory

from api import throttling
from api.dayzero import filters as dayzero_filters
from api.dayzero import presenters as dayzero_presenters
from core import money, tasks
from payments.models import InvoicePayment
from payments.selectors import application_list
from payments.services import payment_apply
from tenants.auth import BearerTokenAuthentication
from tenants.context import TenantContext
from tenants.selectors import account_get
from tenants.services import tenant_context_resolve

AUTH_SQL = """
SELECT t.expires, t.scope, c.id, c.client_id, c.business_id, c.is_active,
       ARRAY(SELECT e.id FROM tenants_entity e
             WHERE e.business_id = c.business_id
               AND (c.all_entities OR e.id IN (SELECT g.entity_id FROM tenants_apiclient_entities g
                                               WHERE g.apiclient_id = c.id))
             ORDER BY e.is_default DESC, e.name) AS entity_ids
FROM oauth2_provider_accesstoken t JOIN tenants_apiclient c ON c.id = t.application_id
WHERE t.token_checksum = %s
"""
ACCOUNT_SQL = """
SELECT id, business_id, entity_id, name, email, currency, created_at, updated_at FROM tenants_account
WHERE business_id = %s AND entity_id = ANY(%s) AND id = %s
"""
LOCK_PAYMENT = """
SELECT id, entity_id, currency, status, amount, allocated_amount, refund_amount, occurred_at, kind
FROM payments_payment WHERE business_id = %s AND entity_id = ANY(%s) AND id = %s FOR UPDATE
"""
LOCK_INVOICE = """
SELECT i.id, i.entity_id, i.currency, i.status, i.amount, i.payment_amount, i.refund_amount, a.email
FROM invoices_invoice i JOIN tenants_account a ON a.id = i.account_id
WHERE i.business_id = %s AND i.entity_id = ANY(%s) AND i.id = %s FOR UPDATE OF i
"""
UPDATE_PAYMENT = "UPDATE payments_payment SET allocated_amount = %s, updated_at = now() WHERE id = %s"
UPDATE_INVOICE = "UPDATE invoices_invoice SET payment_amount = %s, status = %s, paid_at = NULL, updated_at = now() WHERE id = %s"
INSERT_APPLICATION = """
INSERT INTO payments_invoicepayment (id, business_id, entity_id, invoice_id, payment_id, amount, refund_amount,
    paid_on, created_by, updated_by, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, 0, %s, %s, %s, now(), now())
"""
INSERT_EVENT = """
INSERT INTO payments_ledgerevent (business_id, entity_id, kind, actor, invoice_id, payment_id,
    invoice_payment_id, before, after, request_id, created_at)
VALUES (%s, %s, 'applied', %s, %s, %s, %s, %s, %s, '', now())
"""
INSERT_RECEIPT = """
INSERT INTO payments_receipt (id, business_id, entity_id, invoice_id, invoice_payment_id, amount, currency,
    paid_on, balance_after, status, attempts, last_error, to_email, message_id, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, '', %s, '', now(), now())
"""
# The whole application as one data-modifying statement: the payment's UPDATE runs first (the invoice's
# joins it), so the lock order stays payment then invoice; every business rule is in a WHERE clause, and
# no row back means a rule failed (the error path then finds out which, off the hot path).
APPLY_CTE = """
WITH p AS (
    UPDATE payments_payment SET allocated_amount = allocated_amount + %(amt)s, updated_at = now()
    WHERE business_id = %(b)s AND entity_id = ANY(%(e)s) AND id = %(pid)s AND status = 'processed'
      AND amount - allocated_amount >= %(amt)s
    RETURNING id, entity_id, currency, occurred_at, amount, allocated_amount, refund_amount
), i AS (
    UPDATE invoices_invoice inv SET payment_amount = inv.payment_amount + %(amt)s,
        status = CASE WHEN inv.amount - inv.payment_amount - %(amt)s + inv.refund_amount <= 0
                      THEN 'paid' ELSE 'partially_paid' END,
        paid_at = CASE WHEN inv.amount - inv.payment_amount - %(amt)s + inv.refund_amount <= 0
                       THEN coalesce(inv.paid_at, now()) END,
        updated_at = now()
    FROM p
    WHERE inv.business_id = %(b)s AND inv.entity_id = ANY(%(e)s) AND inv.id = %(iid)s
      AND inv.status IN ('open', 'partially_paid') AND inv.currency = p.currency AND inv.entity_id = p.entity_id
    RETURNING inv.id, inv.entity_id, inv.account_id, inv.currency, inv.amount, inv.payment_amount,
        inv.refund_amount, inv.status
), a AS (
    INSERT INTO payments_invoicepayment (id, business_id, entity_id, invoice_id, payment_id, amount,
        refund_amount, paid_on, created_by, updated_by, created_at, updated_at)
    SELECT %(aid)s, %(b)s, i.entity_id, i.id, p.id, %(amt)s, 0, p.occurred_at, %(actor)s, %(actor)s, now(), now()
    FROM p, i
    RETURNING id, paid_on
), ev AS (
    INSERT INTO payments_ledgerevent (business_id, entity_id, kind, actor, invoice_id, payment_id,
        invoice_payment_id, before, after, request_id, created_at)
    SELECT %(b)s, i.entity_id, 'applied', %(actor)s, i.id, p.id, a.id,
        jsonb_build_object('payment', jsonb_build_object('allocated_amount', (p.allocated_amount - %(amt)s)::text),
                           'invoice', jsonb_build_object('payment_amount', (i.payment_amount - %(amt)s)::text)),
        jsonb_build_object('payment', jsonb_build_object('allocated_amount', p.allocated_amount::text),
                           'invoice', jsonb_build_object('payment_amount', i.payment_amount::text,
                                                         'status', i.status)),
        '', now()
    FROM p, i, a
), r AS (
    INSERT INTO payments_receipt (id, business_id, entity_id, invoice_id, invoice_payment_id, amount, currency,
        paid_on, balance_after, status, attempts, last_error, to_email, message_id, created_at, updated_at)
    SELECT %(rid)s, %(b)s, i.entity_id, i.id, a.id, %(amt)s, i.currency, a.paid_on,
        i.amount - i.payment_amount + i.refund_amount,
        CASE WHEN acc.email <> '' THEN 'pending' ELSE 'skipped' END, 0, '', acc.email, '', now(), now()
    FROM i, a, tenants_account acc WHERE acc.id = i.account_id
    RETURNING id, status
)
SELECT a.id, r.id, r.status FROM a, r
"""


def timed(fn) -> float:
    """Seconds one call takes; a function that times its own inner part returns that instead."""
    started = time.perf_counter()
    inner = fn()
    return inner if isinstance(inner, float) else time.perf_counter() - started


def main(out_dir: Path, n: int) -> None:
    fixtures = json.loads((out_dir / "fixtures.json").read_text())
    business_id, entity_id = uuid.UUID(fixtures["business_id"]), uuid.UUID(fixtures["entity_id"])
    ctx = TenantContext(
        business_id=business_id, entity_ids=(entity_id,), selected_entity_id=entity_id, actor="client:whatif"
    )
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {fixtures['token']}")
    auth = BearerTokenAuthentication()
    principal, _ = auth.authenticate(request)
    checksum = hashlib.sha256(fixtures["token"].encode()).hexdigest()
    invoices = [uuid.UUID(i) for i, _ in fixtures["invoices"]]
    payments = [uuid.UUID(p) for p in fixtures["payments"]["zuora"]]
    cent = Decimal("0.01")
    rows = []

    def row(group, label, fn, note=""):
        rows.append((group, label, fn, note, None))

    def sql(statement, params):
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else None

    # --- every request: authentication and tenant ----------------------------------------------------
    row("every request", "auth: token + client, ORM (now)", lambda: auth.authenticate(request))
    row(
        "every request",
        "tenant: granted entities, ORM (now)",
        lambda: tenant_context_resolve(
            client=principal.client,
            scopes=principal.scopes,
            business_header=str(business_id),
            entity_header=None,
        ),
    )
    row(
        "every request",
        "auth + tenant: one raw SQL statement",
        lambda: sql(AUTH_SQL, [checksum]),
        "token, client and entity ids in one round trip",
    )
    row(
        "every request",
        "rate limit: limits hit + get_window_stats",
        lambda: throttling.hit("api", "whatif", "5000/s"),
        "2 Redis round trips",
    )
    # --- (a) ------------------------------------------------------------------------------------------
    account_id = uuid.UUID(fixtures["account_id"])
    row("(a)", "account_get, ORM (now)", lambda: account_get(ctx=ctx, account_id=account_id))
    row(
        "(a)",
        "account by raw SQL",
        lambda: sql(ACCOUNT_SQL, [business_id, [entity_id], account_id]),
    )

    # --- (b): the ledger change ------------------------------------------------------------------------
    def apply_service():  # the service as it is (the ORM until 2026-11-22, tenants.rows since)
        with transaction.atomic():
            payment_apply(
                ctx=ctx, invoice_id=random.choice(invoices), payment_id=random.choice(payments), amount=cent
            )

    def apply_raw():
        with transaction.atomic(), connection.cursor() as c:
            pid, iid = random.choice(payments), random.choice(invoices)
            c.execute(LOCK_PAYMENT, [business_id, [entity_id], pid])
            p = c.fetchone()
            c.execute(LOCK_INVOICE, [business_id, [entity_id], iid])
            i = c.fetchone()
            c.execute(UPDATE_PAYMENT, [p[5] + cent, pid])
            c.execute(UPDATE_INVOICE, [i[5] + cent, "partially_paid", iid])
            aid = uuid.uuid4()
            c.execute(
                INSERT_APPLICATION, [aid, business_id, entity_id, iid, pid, cent, p[7], ctx.actor, ctx.actor]
            )
            numbers = json.dumps(
                {"payment": {"allocated_amount": str(p[5])}, "invoice": {"payment_amount": str(i[5])}}
            )
            c.execute(INSERT_EVENT, [business_id, entity_id, ctx.actor, iid, pid, aid, numbers, numbers])
            c.execute(
                INSERT_RECEIPT,
                [
                    uuid.uuid4(),
                    business_id,
                    entity_id,
                    iid,
                    aid,
                    cent,
                    "USD",
                    p[7],
                    i[4] - i[5],
                    "pending",
                    i[7],
                ],
            )

    def apply_cte():
        with transaction.atomic():
            params = {
                "amt": cent,
                "b": business_id,
                "e": [entity_id],
                "pid": random.choice(payments),
                "iid": random.choice(invoices),
                "aid": uuid.uuid4(),
                "rid": uuid.uuid4(),
                "actor": ctx.actor,
            }
            assert sql(APPLY_CTE, params), "a rule failed"

    row(
        "(b)",
        "payment_apply, tenants.rows, in a transaction (now)",
        apply_service,
        "SAVEPOINT, 2 SELECT FOR UPDATE, 1 write statement, RELEASE",
    )
    row("(b)", "same statements, raw SQL, no savepoint", apply_raw, "7 statements, no ORM")
    row("(b)", "one data-modifying statement (CTE)", apply_cte, "1 statement")

    def begin_commit():
        with transaction.atomic():
            sql("SELECT 1", [])

    row("(b)", "BEGIN + SELECT 1 + COMMIT", begin_commit)
    row("(b)", "SELECT 1 (one round trip, autocommit)", lambda: sql("SELECT 1", []))

    def savepoint():
        with transaction.atomic():
            sql("SELECT 1", [])
            started = time.perf_counter()
            with transaction.atomic():
                pass
            return time.perf_counter() - started

    row("(b)", "nested atomic: SAVEPOINT + RELEASE", savepoint, "per service call level")

    row(
        "(b)",
        "celery publish of one receipt task (Redis)",
        lambda: tasks.send_receipt.apply_async(args=[str(uuid.uuid4())]),
        "the receipts' relay, off the request, since 2026-11-22",
    )

    # --- (d) ------------------------------------------------------------------------------------------
    list_invoice = uuid.UUID(fixtures["list_invoice"])

    def page_models():
        return list(application_list(ctx=ctx, invoice_id=list_invoice).order_by("created_at", "pk")[:51])

    fields = (
        "id",
        "invoice_id",
        "payment_id",
        "amount",
        "paid_on",
        "created_at",
        "updated_at",
        "business_id",
        "payment__amount",
        "payment__currency",
        "payment__occurred_at",
        "payment__description",
    )

    def page_values():
        return list(
            InvoicePayment.objects.for_tenant(ctx)
            .filter(invoice_id=list_invoice)
            .order_by("created_at", "pk")
            .values_list(*fields)[:51]
        )

    row("(d)", "page of 51 with payments, models (now)", page_models)
    row("(d)", "same page, values_list of the 12 columns used", page_values)
    page = page_models()[:50]
    row(
        "(d)",
        "presenters: 50 rows -> dicts (now)",
        lambda: [dayzero_presenters.invoice_payment_listed(r) for r in page],
    )
    row(
        "(d)",
        "core.money.exponent('USD') x 100 (now: 2 per row)",
        lambda: [money.exponent("USD") for _ in range(100)],
    )
    cached = {"USD": 2}
    row("(d)", "the same from a dict (cached) x 100", lambda: [cached["USD"] for _ in range(100)])
    queryset = application_list(ctx=ctx, invoice_id=list_invoice)
    row(
        "(d)",
        "InvoicePaymentFilter without any filter param",
        lambda: dayzero_filters.InvoicePaymentFilter({}, queryset=queryset, currency="USD").qs,
        "skippable when no filter key is present",
    )

    # Interleaved rounds, so a change in the machine's load hits every variant alike.
    times = [[] for _ in rows]
    for _ in range(3):
        for r in rows:
            timed(r[2])
    for _ in range(n):
        for i, r in enumerate(rows):
            times[i].append(timed(r[2]))
    width = max(len(r[1]) for r in rows)
    group = None
    for (g, label, _, note, _), samples in zip(rows, times, strict=True):
        if g != group:
            print(f"{g}:")
            group = g
        print(f"  {label:<{width}}  {statistics.median(samples) * 1000:8.3f} ms  {note}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
