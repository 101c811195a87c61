"""The email that sends an invoice: a row written with the send, delivered at most once by a task."""

from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from invoices.delivery import deliver, message_id
from invoices.models import Invoice, InvoiceNotice, PaymentLink
from invoices.selectors import payment_link_is_live
from invoices.services import payment_link_url
from payments.money import ZERO, plain


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
        still_wanted=lambda notice: payment_link_is_live(notice.payment_link),
    )
