"""Sending a receipt: at most once per receipt row, whatever the number of tasks that ask."""

import logging
import smtplib
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from payments.models import Receipt
from payments.money import plain

logger = logging.getLogger(__name__)


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
        # The same Message-ID on every attempt lets a mail system drop a duplicate after a crash mid-send.
        headers={"Message-ID": f"<receipt-{receipt.pk}@{settings.DEFAULT_FROM_EMAIL.split('@')[-1]}>"},
    )
    message.attach_alternative(render_to_string("receipts/receipt.html", context), "text/html")
    return message


def receipt_send(receipt_id: UUID | str) -> str:
    """Sends a pending receipt and marks it sent, in one transaction holding its row lock.

    A second task for the same receipt either waits on nothing (skip_locked: it finds the row busy and
    leaves it to the first) or finds it sent; either way nothing goes out twice.
    """
    with transaction.atomic():
        receipt = (
            Receipt.objects.unscoped()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("business", "invoice__account")
            .filter(pk=receipt_id, status=Receipt.Status.PENDING)
            .first()
        )
        if receipt is None:
            return "not pending"
        receipt.attempts += 1
        message = receipt_message(receipt)
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            receipt.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            if receipt.attempts >= Receipt.MAX_ATTEMPTS:
                receipt.status = Receipt.Status.FAILED
            receipt.save(update_fields=["attempts", "last_error", "status", "updated_at"])
            logger.warning("receipt %s not sent (attempt %s): %s", receipt.pk, receipt.attempts, exc)
            return "failed"
        receipt.status = Receipt.Status.SENT
        receipt.sent_at = timezone.now()
        receipt.message_id = message.extra_headers["Message-ID"]
        receipt.last_error = ""
        receipt.save(
            update_fields=["attempts", "status", "sent_at", "message_id", "last_error", "updated_at"]
        )
        return "sent"
