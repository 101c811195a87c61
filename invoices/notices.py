"""The email that sends an invoice: a row written with the send, delivered at most once by the outbox."""

from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from core.money import ZERO, plain
from invoices.links import link_is_live, link_url
from invoices.models import Invoice, InvoiceNotice, PaymentLink
from outbox.email import deliver, message_id


def invoice_notice_new(*, invoice: Invoice, link: PaymentLink) -> InvoiceNotice:
    """The email of a send, pending (for the outbox) when the account has an address; the send writes it."""
    email = invoice.email
    return InvoiceNotice(
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
        "url": link_url(notice.payment_link),
    }
    message = EmailMultiAlternatives(
        subject=f"Invoice {invoice.number} from {context['business']}: {context['amount']} {invoice.currency} due",
        body=render_to_string("invoices/notice.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.to_email],
        headers={"Message-ID": message_id("invoice", notice.pk, settings.DEFAULT_FROM_EMAIL)},
    )
    message.attach_alternative(render_to_string("invoices/notice.html", context), "text/html")
    return message


def invoice_notice_send(notice_id: UUID | str) -> str:
    """Sends a pending notice once; a link that can no longer be paid is not emailed at all."""
    return deliver(
        InvoiceNotice,
        notice_id,
        invoice_notice_message,
        related=("business", "invoice__account", "payment_link"),
        still_wanted=lambda notice: link_is_live(notice.payment_link),
    )
