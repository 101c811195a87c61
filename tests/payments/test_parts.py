"""A payment across several invoices in one change, taken off them in part, refunded from what it left
unapplied, canceled: the ledger's counters, events and receipts, and reconcile finding nothing."""

from decimal import Decimal as D

import pytest

from core.errors import Conflict, Invalid
from ledger.models import LedgerEvent
from payments import services
from payments.models import InvoicePayment, Payment, Receipt
from payments.services import Part

pytestmark = pytest.mark.django_db


def _fresh(row):
    return type(row).objects.across_tenants(reason="test").get(pk=row.pk)


def test_one_payment_applied_across_two_invoices_then_partly_taken_off(tenant):
    first, second = tenant.invoice("100"), tenant.invoice("50")
    payment = tenant.payment("200")
    ctx = tenant.ctx()
    applied = services.payment_apply_parts(
        ctx=ctx, payment_id=payment.id, parts=[Part(second.id, D("50")), Part(first.id, D("60"))]
    )
    assert [a.invoice_id for a in applied] == [second.id, first.id]
    assert (_fresh(first).status, _fresh(second).status) == ("partially_paid", "paid")
    assert _fresh(payment).allocated_amount == D("110")

    services.payment_unapply_parts(
        ctx=ctx, payment_id=payment.id, parts=[Part(first.id, D("20")), Part(second.id, D("50"))]
    )
    assert (_fresh(first).payment_amount, _fresh(second).payment_amount) == (D("40"), D("0"))
    assert (_fresh(first).status, _fresh(second).status) == ("partially_paid", "open")
    assert _fresh(payment).unallocated_amount == D("160")
    assert list(InvoicePayment.objects.for_tenant(ctx).values_list("invoice_id", "amount")) == [
        (first.id, D("40"))
    ]
    assert Receipt.objects.for_tenant(ctx).get(invoice_id=second.id).status == "canceled"
    kinds = list(
        LedgerEvent.objects.for_tenant(ctx).filter(payment_id=payment.id).values_list("kind", flat=True)
    )
    assert kinds == ["payment_recorded", "applied", "applied", "amount_changed", "unapplied"], kinds
    assert services.ledger_reconcile(business_id=tenant.business_id) == []


def test_parts_are_all_or_nothing(tenant):
    first, second = tenant.invoice("100"), tenant.invoice("50")
    payment = tenant.payment("120")
    with pytest.raises(Invalid, match="invoice balance"):
        services.payment_apply_parts(
            ctx=tenant.ctx(), payment_id=payment.id, parts=[Part(first.id, D("60")), Part(second.id, D("60"))]
        )
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()
    with pytest.raises(Invalid, match="named twice"):
        services.payment_apply_parts(
            ctx=tenant.ctx(), payment_id=payment.id, parts=[Part(first.id, D("1")), Part(first.id, D("1"))]
        )


def test_no_more_than_was_applied_comes_off_and_refunded_money_stays(tenant):
    invoice = tenant.invoice("100")
    payment = tenant.payment("100")
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("80"))
    services.refund_create(ctx=tenant.ctx(), payment_id=payment.id, amount=D("30"))
    with pytest.raises(Invalid, match="50 applied"):
        services.payment_unapply_parts(
            ctx=tenant.ctx(), payment_id=payment.id, parts=[Part(invoice.id, D("51"))]
        )
    services.payment_unapply_parts(ctx=tenant.ctx(), payment_id=payment.id, parts=[Part(invoice.id, D("50"))])
    application = InvoicePayment.objects.for_tenant(tenant.ctx()).get()
    assert (application.amount, application.refund_amount) == (D("30"), D("30"))
    assert _fresh(invoice).balance == D("100")
    assert services.ledger_reconcile(business_id=tenant.business_id) == []


def test_a_refund_from_what_the_payment_left_unapplied(tenant):
    invoice = tenant.invoice("100")
    payment = tenant.payment("100")
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("70"))
    with pytest.raises(Invalid, match="30 unapplied"):
        services.refund_create(ctx=tenant.ctx(), payment_id=payment.id, amount=D("31"), from_unapplied=True)
    refund = services.refund_create(
        ctx=tenant.ctx(), payment_id=payment.id, amount=D("30"), from_unapplied=True
    )
    payment = _fresh(payment)
    assert (payment.refund_amount, payment.unapplied_refund_amount, payment.unallocated_amount) == (
        D("30"),
        D("30"),
        D("0"),
    )
    assert not refund.lines.exists()
    assert _fresh(invoice).payment_amount == D("70")  # the invoice keeps what it was paid
    with pytest.raises(Invalid):
        services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("1"))
    assert services.ledger_reconcile(business_id=tenant.business_id) == []


def test_a_payment_is_canceled_only_with_nothing_applied_or_refunded(tenant):
    invoice = tenant.invoice("100")
    payment = tenant.payment("10")
    services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("10"))
    with pytest.raises(Conflict, match="unapply it first"):
        services.payment_cancel(ctx=tenant.ctx(), payment_id=payment.id)
    services.payment_unapply_parts(ctx=tenant.ctx(), payment_id=payment.id, parts=[Part(invoice.id, D("10"))])
    assert services.payment_cancel(ctx=tenant.ctx(), payment_id=payment.id).status == "canceled"
    with pytest.raises(Conflict, match="canceled"):
        services.payment_apply(ctx=tenant.ctx(), invoice_id=invoice.id, payment_id=payment.id, amount=D("1"))
    assert Payment.objects.for_tenant(tenant.ctx()).get().status == "canceled"
