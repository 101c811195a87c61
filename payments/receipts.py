"""A receipt: one per application, a row written by the change that applies the money, sent at most once
by the outbox (outbox/email.py). When money a receipt acknowledged is unapplied or refunded after the
receipt went out (or while it is on its way), the change that does it writes a correction the same way."""

from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.errors import Conflict, NotFound
from core.money import plain
from invoices.models import Invoice
from outbox import relay as outbox
from outbox.email import deliver, message_id
from payments.metrics import RECEIPTS_SENT
from payments.models import InvoicePayment, Receipt
from tenants.context import TenantContext


def receipt_new(invoice: Invoice, application: InvoicePayment) -> Receipt:
    """The receipt of an application: pending (for the outbox) when the account has an email address."""
    email = invoice.email
    return Receipt(
        business_id=invoice.business_id,
        entity_id=invoice.entity_id,
        invoice=invoice,
        invoice_payment=application,
        amount=application.amount,
        currency=invoice.currency,
        paid_on=application.paid_on,
        balance_after=invoice.balance,
        to_email=email,
        status=Receipt.Status.PENDING if email else Receipt.Status.SKIPPED,
    )


# A receipt that went out, or will: what it says must be corrected when its money goes back.
OUT = (Receipt.Status.SENT, Receipt.Status.PENDING)


def receipt_correction(receipt: Receipt, invoice: Invoice, amount: Decimal, kind: str) -> Receipt:
    """The correction of `receipt`: `amount` of what it acknowledged was unapplied or refunded (`kind`),
    leaving `invoice` (locked, its counters changed) with its new balance. Sent to the same address."""
    return Receipt(
        business_id=receipt.business_id,
        entity_id=receipt.entity_id,
        invoice=invoice,
        kind=kind,
        corrects=receipt,
        amount=amount,
        currency=receipt.currency,
        paid_on=receipt.paid_on,
        balance_after=invoice.balance,
        to_email=receipt.to_email,
        status=Receipt.Status.PENDING,
    )


SUBJECTS = {
    Receipt.Kind.RECEIPT: "Receipt: {amount} {currency} paid on invoice {invoice_number}",
    Receipt.Kind.UNAPPLIED: "Correction: {amount} {currency} no longer applied to invoice {invoice_number}",
    Receipt.Kind.REFUNDED: "Correction: {amount} {currency} refunded on invoice {invoice_number}",
}


def receipt_message(receipt: Receipt) -> EmailMultiAlternatives:
    invoice = receipt.invoice
    template = "receipt" if receipt.kind == Receipt.Kind.RECEIPT else "correction"
    context = {
        "kind": receipt.kind,
        "business": receipt.business.name,
        "account": invoice.account.name,
        "invoice_number": invoice.number,
        "amount": plain(receipt.amount, receipt.currency),
        "currency": receipt.currency,
        "paid_on": receipt.paid_on.date().isoformat(),
        "balance": plain(receipt.balance_after, receipt.currency),
    }
    message = EmailMultiAlternatives(
        subject=SUBJECTS[receipt.kind].format(**context),
        body=render_to_string(f"receipts/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[receipt.to_email],
        headers={"Message-ID": message_id("receipt", receipt.pk, settings.DEFAULT_FROM_EMAIL)},
    )
    message.attach_alternative(render_to_string(f"receipts/{template}.html", context), "text/html")
    return message


def receipt_send(receipt_id: UUID | str) -> str:
    """The outbox's work for a receipt."""
    outcome = deliver(Receipt, receipt_id, receipt_message, related=("business", "invoice__account"))
    if outcome == "sent":
        transaction.on_commit(RECEIPTS_SENT.inc)
    return outcome


def receipt_resend(*, ctx: TenantContext, receipt_id: UUID | str) -> None:
    """Queues again a receipt that has not gone out; a failed one gets one more attempt. A sent receipt
    stays sent: receipts go out at most once each."""
    with transaction.atomic():
        receipts = Receipt.objects.for_tenant(ctx).filter(pk=receipt_id)
        receipts.filter(status=Receipt.Status.FAILED).update(
            status=Receipt.Status.PENDING, updated_at=timezone.now()
        )
        status = receipts.values_list("status", flat=True).first()
        if status is None:
            raise NotFound("receipt not found", field="receipt_id")
        if status != Receipt.Status.PENDING:
            raise Conflict(
                f"the receipt is {status}; only pending or failed receipts are sent", field="receipt_id"
            )
        receipts.update(queued_at=None)
        outbox.written([Receipt])
