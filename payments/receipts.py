"""A receipt: its message, and sending it at most once (invoices.delivery)."""

from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from invoices.delivery import deliver, message_id
from payments.metrics import RECEIPTS_SENT
from payments.models import Receipt
from payments.money import plain


def receipt_message(receipt: Receipt) -> EmailMultiAlternatives:
    invoice = receipt.invoice
    context = {
        "business": receipt.business.name,
        "account": invoice.account.name,
        "invoice_number": invoice.number,
        "amount": plain(receipt.amount, receipt.currency),
        "currency": receipt.currency,
        "paid_on": receipt.paid_on.date().isoformat(),
        "balance": plain(receipt.balance_after, receipt.currency),
    }
    message = EmailMultiAlternatives(
        subject=f"Receipt: {context['amount']} {receipt.currency} paid on invoice {invoice.number}",
        body=render_to_string("receipts/receipt.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[receipt.to_email],
        headers={"Message-ID": message_id("receipt", receipt.pk, settings.DEFAULT_FROM_EMAIL)},
    )
    message.attach_alternative(render_to_string("receipts/receipt.html", context), "text/html")
    return message


def receipt_send(receipt_id: UUID | str) -> str:
    outcome = deliver(Receipt, receipt_id, receipt_message, related=("business", "invoice__account"))
    if outcome == "sent":
        transaction.on_commit(RECEIPTS_SENT.inc)
    return outcome
