"""Real threads, real PostgreSQL row locks. Each thread has its own connection (Django's are per thread)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import ApplicationError
from payments import services
from payments.models import InvoicePayment
from payments.services import RefundPart
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def _race(n, work):
    """Runs work(i) in n threads released together; returns (successes, failures)."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        try:
            work(i)
            return True
        except ApplicationError:
            return False
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(run, range(n)))
    return results.count(True), results.count(False)


def test_fifty_threads_cannot_overdraw_a_payment():
    tenant = make_tenant()
    account = tenant.account()
    invoices = [tenant.invoice("100", account=account) for _ in range(5)]
    payment = tenant.payment("20.00")
    ctx = tenant.ctx()

    def apply(i):
        services.payment_apply(
            ctx=ctx, invoice_id=invoices[i % 5].id, payment_id=payment.id, amount=D("1.00")
        )

    succeeded, refused = _race(50, apply)
    payment.refresh_from_db()
    assert (succeeded, refused) == (20, 30)
    assert payment.allocated_amount == D("20.00")
    assert InvoicePayment.objects.for_tenant(ctx).count() == 20
    assert services.ledger_reconcile(business_id=tenant.business_id) == []


def test_fifty_threads_cannot_overpay_an_invoice():
    tenant = make_tenant()
    invoice = tenant.invoice("10.00")
    payments = [tenant.payment("1.00", account=invoice.account) for _ in range(50)]
    ctx = tenant.ctx()

    def apply(i):
        services.payment_apply(ctx=ctx, invoice_id=invoice.id, payment_id=payments[i].id, amount=D("1.00"))

    succeeded, _ = _race(50, apply)
    invoice.refresh_from_db()
    assert succeeded == 10
    assert invoice.balance == 0 and invoice.status == "paid"


def test_applies_changes_removes_and_refunds_racing_keep_every_counter_equal_to_its_rows():
    tenant = make_tenant()
    account = tenant.account()
    invoice = tenant.invoice("1000", account=account)
    other = tenant.invoice("1000", account=account)
    payments = [tenant.payment("100", account=account) for _ in range(8)]
    ctx = tenant.ctx()
    for p in payments[:4]:
        services.payment_apply(ctx=ctx, invoice_id=invoice.id, payment_id=p.id, amount=D("30"))
        services.payment_apply(ctx=ctx, invoice_id=other.id, payment_id=p.id, amount=D("30"))
    applications = list(InvoicePayment.objects.for_tenant(ctx).filter(invoice=invoice))

    def work(i):
        p = payments[i % 8]
        match i % 4:
            case 0:
                services.payment_apply(ctx=ctx, invoice_id=invoice.id, payment_id=p.id, amount=D("7.5"))
            case 1:
                services.refund_create(
                    ctx=ctx,
                    payment_id=payments[i % 4].id,
                    amount=D("3"),
                    parts=[RefundPart(invoice.id, D("2")), RefundPart(other.id, D("1"))],
                )
            case 2:
                services.application_change_amount(
                    ctx=ctx, invoice_payment_id=applications[i % 4].id, amount=D(25 + i % 7)
                )
            case 3:
                services.payment_apply(ctx=ctx, invoice_id=other.id, payment_id=p.id, amount=D("2.25"))

    succeeded, _ = _race(40, work)
    assert succeeded > 20
    assert services.ledger_reconcile(business_id=tenant.business_id) == []
    invoice.refresh_from_db()
    rows = InvoicePayment.objects.for_tenant(ctx).filter(invoice=invoice)
    assert invoice.payment_amount == sum(r.amount for r in rows)
    assert invoice.refund_amount == sum(r.refund_amount for r in rows)
