"""The email that sends an invoice: a row written with the send, delivered at most once by a task."""

import logging
import smtplib
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from invoices.models import Invoice, InvoiceNotice, PaymentLink
from invoices.selectors import payment_link_is_live
from invoices.services import payment_link_url
from payments.money import ZERO, plain

logger = logging.getLogger(__name__)


def invoice_notice_create(*, invoice: Invoice, link: PaymentLink) -> InvoiceNotice:
    """The pending email for a send, in the caller's transaction; the caller queues its task on commit."""
    email = invoice.account.email
    return InvoiceNotice.objects.unscoped().create(
        business_id=invoice.business_id,
        entity_id=invoice.entity_id,
        invoice=invoice,
        payment_link=link,
        to_email=email,
        status=InvoiceNotice.Status.PENDING if email else InvoiceNotice.Status.SKIPPED,
    )


def invoice_notice_message(notice: InvoiceNotice) -> EmailMultiAlternatives:
    invoice = notice.invoice
    # What is due when the email leaves, not when it was queued: a payment may have come in between.
    due = max(invoice.balance, ZERO)
    context = {
        "business": notice.business.name,
        "account": invoice.account.name,
        "invoice_number": invoice.number,
        "description": invoice.description,
        "amount": plain(due, invoice.currency),
        "currency": invoice.currency,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else "",
        "url": payment_link_url(notice.payment_link),
    }
    message = EmailMultiAlternatives(
        subject=f"Invoice {invoice.number} from {context['business']}: {context['amount']} {invoice.currency} due",
        body=render_to_string("invoices/notice.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.to_email],
        # The same Message-ID on every attempt lets a mail system drop a duplicate after a crash mid-send.
        headers={"Message-ID": f"<invoice-{notice.pk}@{settings.DEFAULT_FROM_EMAIL.split('@')[-1]}>"},
    )
    message.attach_alternative(render_to_string("invoices/notice.html", context), "text/html")
    return message


def invoice_notice_send(notice_id: UUID | str) -> str:
    """Sends a pending notice and marks it sent, in one transaction holding its row lock.

    Like a receipt: a second task for the same notice finds the row locked (skip_locked) or no longer
    pending, so nothing goes out twice. A link that can no longer be paid is not emailed at all.
    """
    with transaction.atomic():
        notice = (
            InvoiceNotice.objects.unscoped()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("business", "invoice__account", "payment_link")
            .filter(pk=notice_id, status=InvoiceNotice.Status.PENDING)
            .first()
        )
        if notice is None:
            return "not pending"
        if not payment_link_is_live(notice.payment_link):
            notice.status = InvoiceNotice.Status.CANCELED
            notice.save(update_fields=["status", "updated_at"])
            return "canceled"
        notice.attempts += 1
        message = invoice_notice_message(notice)
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            notice.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            if notice.attempts >= InvoiceNotice.MAX_ATTEMPTS:
                notice.status = InvoiceNotice.Status.FAILED
            notice.save(update_fields=["attempts", "last_error", "status", "updated_at"])
            logger.warning("invoice notice %s not sent (attempt %s): %s", notice.pk, notice.attempts, exc)
            return "failed"
        notice.status = InvoiceNotice.Status.SENT
        notice.sent_at = timezone.now()
        notice.message_id = message.extra_headers["Message-ID"]
        notice.last_error = ""
        notice.save(update_fields=["attempts", "status", "sent_at", "message_id", "last_error", "updated_at"])
        return "sent"
