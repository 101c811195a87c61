from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from core.errors import Conflict, Invalid, NotFound
from invoices import services as invoice_services
from invoices.models import Invoice
from ledger.models import LedgerEvent
from payments import services
from payments.models import InvoicePayment, Payment
from payments.services import RefundPart
from tests.factories import make_tenant

pytestmark = pytest.mark.django_db
D = Decimal


def _fresh(row):
    row.refresh_from_db()
    return row


def test_seed_003_example(tenant):
    """An invoice of 1000, 800 applied, 300 of it refunded: balance 500, refund 300, payment 800."""
    invoice = tenant.invoice("1000")
    payment = tenant.payment("800")
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("800"))
    services.refund_create(ctx=tenant.ctx(), payment_id=payment.id, amount=D("300"))
    invoice = _fresh(invoice)
    assert (invoice.amount, invoice.payment_amount, invoice.refund_amount, invoice.balance) == (
        D("1000"),
        D("800"),
        D("300"),
        D("500"),
    )
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    application = InvoicePayment.objects.for_tenant(tenant.ctx()).get()
    assert (application.amount, application.refund_amount) == (D("800"), D("300"))
    assert _fresh(payment).refund_amount == D("300")


def test_decimal_sums_are_exact(tenant):
    invoice = tenant.invoice("100")
    for amount in ("10.1", "20.2"):
        payment = tenant.payment(amount)
        services.payment_apply(
            ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D(amount)
        )
    assert _fresh(invoice).payment_amount == D("30.3")
    assert invoice.balance == D("69.7")


def test_nine_decimal_places_are_kept(tenant):
    invoice = tenant.invoice("12.987654321")
    payment = tenant.payment("12.987654321")
    services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("12.987654320")
    )
    invoice = _fresh(invoice)
    assert invoice.balance == D("0.000000001")
    # A remainder no currency unit can pay settles the invoice (core.money, "Amounts finer than...").
    assert invoice.status == Invoice.Status.PAID


def test_paying_in_full_marks_paid_and_removing_steps_back(tenant):
    invoice = tenant.invoice("50")
    payment = tenant.payment("80")
    application = services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("50")
    )
    invoice = _fresh(invoice)
    assert invoice.status == Invoice.Status.PAID and invoice.paid_at is not None
    assert _fresh(payment).unallocated_amount == D("30")
    services.payment_unapply(ctx=tenant.ctx(), invoice_payment_id=application.id)
    invoice = _fresh(invoice)
    assert (invoice.status, invoice.paid_at, invoice.balance) == (Invoice.Status.OPEN, None, D("50"))
    assert _fresh(payment).allocated_amount == 0
    kinds = list(LedgerEvent.objects.for_tenant(tenant.ctx()).values_list("kind", flat=True))
    assert kinds == ["payment_recorded", "applied", "unapplied"]


def test_overpayment_only_when_allowed(tenant):
    invoice = tenant.invoice("50")
    payment = tenant.payment("80")
    with pytest.raises(Invalid, match="balance"):
        services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("60"))
    services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("60"), allow_overpayment=True
    )
    invoice = _fresh(invoice)
    assert invoice.balance == D("-10") and invoice.status == Invoice.Status.PAID


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (D("0"), "not_positive"),
        (D("-1"), "not_positive"),
        (D("0.0000000001"), "too_many_decimals"),
        (D("1e15"), "too_large"),
        (D("NaN"), "type"),
        (10.5, "type"),
        (True, "type"),
    ],
)
def test_bad_amounts_are_refused_and_change_nothing(tenant, amount, code):
    invoice = tenant.invoice("50")
    payment = tenant.payment("80")
    with pytest.raises(Invalid) as caught:
        services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=amount)
    assert caught.value.code == code
    assert _fresh(payment).allocated_amount == 0 and _fresh(invoice).payment_amount == 0
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()


def test_amount_over_unallocated_is_refused(tenant):
    invoice = tenant.invoice("500")
    payment = tenant.payment("80")
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("50"))
    with pytest.raises(Invalid) as caught:
        services.payment_apply(
            ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("30.01")
        )
    assert caught.value.code == "over_unallocated"


def test_currency_and_entity_must_match(db):
    tenant = make_tenant(entities=2)
    invoice = tenant.invoice("50")
    with pytest.raises(Invalid, match="EUR"):
        services.payment_apply(
            ctx=tenant.ctx(),
            invoice_id=invoice.id,
            payment_id=tenant.payment("5", currency="EUR", account=tenant.account(currency="EUR")).id,
            amount=D("5"),
        )
    other_entity = tenant.account(entity_id=tenant.entity_ids[1])
    payment = tenant.payment("5", account=other_entity)
    with pytest.raises(Invalid, match="entities"):
        services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("5"))


@pytest.mark.parametrize("status", ["draft", "void"])
def test_only_open_invoices_take_payments(tenant, status):
    invoice = tenant.invoice("50", status="draft")
    if status == "void":
        invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=invoice.id)
    with pytest.raises(Conflict):
        services.payment_apply(
            ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=tenant.payment("5").id, amount=D("5")
        )


def test_draft_payments_cannot_be_applied(tenant):
    invoice = tenant.invoice("50")
    payment = tenant.payment("5", status="draft")
    with pytest.raises(Conflict, match="draft"):
        services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("5"))


def test_another_tenants_rows_do_not_exist(tenant, other_tenant):
    invoice = other_tenant.invoice("50")
    payment = tenant.payment("5")
    with pytest.raises(NotFound):
        services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("5"))
    with pytest.raises(NotFound):
        invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=invoice.id)


def test_change_amount_moves_both_counters(tenant):
    invoice = tenant.invoice("100")
    payment = tenant.payment("100")
    application = services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("40")
    )
    services.application_change_amount(ctx=tenant.ctx(), invoice_payment_id=application.id, amount=D("100"))
    assert _fresh(invoice).status == Invoice.Status.PAID
    services.application_change_amount(ctx=tenant.ctx(), invoice_payment_id=application.id, amount=D("10"))
    assert (_fresh(invoice).payment_amount, _fresh(payment).allocated_amount) == (D("10"), D("10"))
    assert invoice.status == Invoice.Status.PARTIALLY_PAID


def test_change_below_refunded_and_removing_refunded_are_refused(tenant):
    invoice = tenant.invoice("100")
    payment = tenant.payment("100")
    application = services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("40")
    )
    services.refund_create(ctx=tenant.ctx(), payment_id=payment.id, amount=D("30"))
    with pytest.raises(Invalid):
        services.application_change_amount(
            ctx=tenant.ctx(), invoice_payment_id=application.id, amount=D("20")
        )
    with pytest.raises(Conflict):
        services.payment_unapply(ctx=tenant.ctx(), invoice_payment_id=application.id)


def test_refund_across_invoices_needs_its_parts(tenant):
    account = tenant.account()
    first, second = tenant.invoice("100", account=account), tenant.invoice("100", account=account)
    payment = tenant.payment("150")
    for invoice, amount in ((first, "100"), (second, "50")):
        services.payment_apply(
            ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D(amount)
        )
    with pytest.raises(Invalid, match="exactly one"):
        services.refund_create(ctx=tenant.ctx(), payment_id=payment.id, amount=D("10"))
    with pytest.raises(Invalid, match="sum"):
        services.refund_create(
            ctx=tenant.ctx(), payment_id=payment.id, amount=D("10"), parts=[RefundPart(first.id, D("5"))]
        )
    with pytest.raises(Invalid, match="exceeds"):
        services.refund_create(
            ctx=tenant.ctx(), payment_id=payment.id, amount=D("60"), parts=[RefundPart(second.id, D("60"))]
        )
    services.refund_create(
        ctx=tenant.ctx(),
        payment_id=payment.id,
        amount=D("30"),
        parts=[RefundPart(first.id, D("20")), RefundPart(second.id, D("10"))],
    )
    assert (_fresh(first).balance, _fresh(second).balance) == (D("20"), D("60"))
    assert _fresh(first).status == Invoice.Status.PARTIALLY_PAID
    assert _fresh(payment).refund_amount == D("30")
    assert services.ledger_reconcile(business_id=tenant.business_id) == []


def test_void_needs_no_live_applications(tenant):
    invoice = tenant.invoice("100")
    payment = tenant.payment("100")
    application = services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("40")
    )
    with pytest.raises(Conflict):
        invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=invoice.id)
    services.payment_unapply(ctx=tenant.ctx(), invoice_payment_id=application.id)
    assert (
        invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=invoice.id).status == Invoice.Status.VOID
    )
    with pytest.raises(Conflict):
        invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=invoice.id)


def test_finalize_opens_a_draft_once(tenant):
    invoice = tenant.invoice("100", status="draft")
    assert (
        invoice_services.invoice_finalize(ctx=tenant.ctx(), invoice_id=invoice.id).status
        == Invoice.Status.OPEN
    )
    with pytest.raises(Conflict):
        invoice_services.invoice_finalize(ctx=tenant.ctx(), invoice_id=invoice.id)


def test_events_record_actor_request_and_numbers(tenant):
    invoice = tenant.invoice("100")
    payment = tenant.payment("100")
    ctx = tenant.ctx()
    services.payment_apply(ctx=ctx, invoice_id=invoice.id, payment_id=payment.id, amount=D("40"))
    event = LedgerEvent.objects.for_tenant(ctx).get(kind="applied")
    assert event.actor == tenant.client.actor
    assert event.before["invoice"]["balance"] == "100.000000000"
    assert event.after["invoice"]["balance"] == "60.000000000"
    assert event.after["payment"]["allocated_amount"] == "40.000000000"


def test_ledger_events_are_append_only(tenant):
    tenant.payment("5")
    event = LedgerEvent.objects.for_tenant(tenant.ctx()).get()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        LedgerEvent.objects.across_tenants(reason="test").filter(pk=event.pk).update(actor="someone else")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        LedgerEvent.objects.across_tenants(reason="test").filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        ("UPDATE payments_payment SET allocated_amount = amount + 1", "payment_allocated_in_range"),
        ("UPDATE payments_payment SET allocated_amount = -1", "payment_allocated_in_range"),
        ("UPDATE payments_invoicepayment SET refund_amount = amount + 1", "application_refund_in_range"),
        ("UPDATE payments_invoicepayment SET amount = 0", "application_amount_positive"),
        ("UPDATE invoices_invoice SET amount = 0", "invoice_amount_positive"),
    ],
)
def test_database_constraints_catch_a_python_bug(tenant, sql, constraint):
    invoice = tenant.invoice("100")
    payment = tenant.payment("100")
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("40"))
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


def test_reconcile_finds_a_counter_tampered_with_raw_sql(tenant, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    invoice = tenant.invoice("100")
    payment = tenant.payment("100")
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("40"))
    call_command("reconcile", "--business", str(tenant.business_id))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE invoices_invoice SET payment_amount = 39 WHERE id = %s", [invoice.id])
    with pytest.raises(CommandError) as caught:
        call_command("reconcile", "--business", str(tenant.business_id))
    assert caught.value.returncode == 1
    assert (
        f"Invoice {invoice.id} payment_amount: stored 39.000000000 computed 40.000000000"
        in capsys.readouterr().out
    )
    assert Payment.objects.for_tenant(tenant.ctx()).get().allocated_amount == D("40")


@pytest.mark.parametrize("invoice_id", ["not-a-uuid", "0" * 32])
def test_an_application_on_another_invoice_is_not_found(tenant, invoice_id):
    from payments import selectors

    invoice = tenant.invoice("100")
    application = services.payment_apply(
        ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=tenant.payment("10").id, amount=D("10")
    )
    with pytest.raises(NotFound):
        selectors.application_get(ctx=tenant.ctx(), invoice_payment_id=application.id, invoice_id=invoice_id)
    with pytest.raises(NotFound):
        services.payment_unapply(ctx=tenant.ctx(), invoice_payment_id=application.id, invoice_id=invoice_id)
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).count() == 1
