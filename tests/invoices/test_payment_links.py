from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.errors import Invalid
from invoices import services as invoice_services
from invoices.links import link_cancel_deliver, link_open
from invoices.models import PaymentLink
from ledger.change import ledger_change
from payments import services

pytestmark = pytest.mark.django_db
D = Decimal


def _sent_invoice(tenant, amount="100"):
    invoice = tenant.invoice(amount, status="draft")
    invoice, link = invoice_services.invoice_send(ctx=tenant.ctx(), invoice_id=invoice.id)
    return invoice, link


def test_a_partial_external_payment_leaves_the_link_for_the_rest_and_the_last_one_ends_it(
    tenant, django_capture_on_commit_callbacks
):
    """Paid outside the platform in part, the invoice is still payable through its link; paid in full, the
    link ends (a receipt goes out either way)."""
    invoice, link = _sent_invoice(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_record_for_invoice(
            ctx=tenant.ctx(), invoice_id=invoice.id, amount=D("40"), currency="USD"
        )
    link.refresh_from_db()
    assert (link.status, link.cancel_requested_at) == ("active", None)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_record_for_invoice(
            ctx=tenant.ctx(), invoice_id=invoice.id, amount=invoice.amount - D("40"), currency="USD"
        )
    link.refresh_from_db()
    assert link.status == "canceled" and link.canceled_at is not None


def test_a_partial_bank_transaction_leaves_the_link_active(tenant, django_capture_on_commit_callbacks):
    invoice, link = _sent_invoice(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_apply(
            ctx=tenant.ctx(),
            invoice_id=invoice.id,
            payment_id=tenant.payment("40", account=invoice.account).id,
            amount=D("40"),
        )
    link.refresh_from_db()
    assert link.status == "active" and link.cancel_requested_at is None


def test_paying_in_full_by_bank_transaction_cancels_the_link(tenant, django_capture_on_commit_callbacks):
    invoice, link = _sent_invoice(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_apply(
            ctx=tenant.ctx(),
            invoice_id=invoice.id,
            payment_id=tenant.payment("100", account=invoice.account).id,
            amount=D("100"),
        )
    link.refresh_from_db()
    assert link.status == "canceled"


def test_the_cancel_task_is_idempotent(tenant):
    invoice, link = _sent_invoice(tenant)
    invoice_services.invoice_void(ctx=tenant.ctx(), invoice_id=invoice.id)
    assert link_cancel_deliver(str(link.id)) is True
    assert link_cancel_deliver(str(link.id)) is False


def test_an_invoice_has_at_most_one_active_link(tenant):
    invoice, link = _sent_invoice(tenant)
    _, again = invoice_services.invoice_send(ctx=tenant.ctx(), invoice_id=invoice.id)
    assert again.pk == link.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLink.objects.across_tenants(reason="test").create(
            business_id=invoice.business_id, entity_id=invoice.entity_id, invoice=invoice, code="another"
        )


def test_only_a_sent_invoice_gets_a_link(tenant):
    # Payments rely on it: on an invoice never sent they do not look for a link to cancel.
    with pytest.raises(ValueError, match="not sent"), ledger_change(tenant.ctx()) as change:
        link_open(change, tenant.invoice("10"))


def test_paying_what_the_link_asks_settles_a_balance_finer_than_a_cent(
    tenant, django_capture_on_commit_callbacks
):
    """12.987654321 paid 12.98 owes 0.007654321, which the link asks as 0.01: paying 0.01 settles the invoice,
    its exact balance applied and the fraction beyond it left on the payment."""
    invoice, link = _sent_invoice(tenant, "12.987654321")
    services.payment_record_for_invoice(
        ctx=tenant.ctx(), invoice_id=invoice.id, amount=D("12.98"), currency="USD"
    )
    with django_capture_on_commit_callbacks(execute=True):
        application = services.payment_record_for_invoice(
            ctx=tenant.ctx(), invoice_id=invoice.id, amount=D("0.01"), currency="USD"
        )
    invoice.refresh_from_db()
    application.payment.refresh_from_db()
    assert (invoice.status, invoice.balance) == ("paid", D(0))
    assert (application.amount, application.payment.unallocated_amount) == (
        D("0.007654321"),
        D("0.002345679"),
    )
    link.refresh_from_db()
    assert link.status == "canceled"
    other, _ = _sent_invoice(tenant, "1.004")
    with pytest.raises(Invalid, match="exceeds the invoice balance"):  # more than the link asks (1.00)
        services.payment_record_for_invoice(
            ctx=tenant.ctx(), invoice_id=other.id, amount=D("1.01"), currency="USD"
        )
