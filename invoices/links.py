"""An invoice's single-use payment link: opened when the invoice is sent, canceled (through the outbox)
when a change pays or voids the invoice, shown at `/pay/<code>` while it can still be paid."""

import re
import secrets
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from invoices.models import Invoice, PaymentLink
from ledger.change import Change
from ledger.models import LedgerEvent

# What secrets.token_urlsafe makes (link_open), within the column's length.
LINK_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def link_url(link: PaymentLink) -> str:
    return f"{settings.PUBLIC_BASE_URL}/pay/{link.code}"


def link_open(change: Change, invoice: Invoice) -> PaymentLink:
    """The invoice's active link, new if it has none. The change holds the invoice's lock; the invoice is
    being sent (link_cancel_request relies on only a sent invoice having a link)."""
    if invoice.sent_at is None:
        raise ValueError(f"invoice {invoice.pk} was not sent: only a sent invoice gets a payment link")
    link = (
        PaymentLink.objects.for_tenant(change.ctx)
        .filter(invoice=invoice, status=PaymentLink.Status.ACTIVE)
        .first()
    )
    if link is None:
        link = change.add(
            PaymentLink(
                business_id=invoice.business_id,
                entity_id=invoice.entity_id,
                invoice=invoice,
                code=secrets.token_urlsafe(32),
            )
        )
    return link


def link_cancel_request(change: Change, invoice: Invoice, *, link: PaymentLink | None = None) -> None:
    """Ends the invoice's active link, if it has one, in this change (recorded; the outbox cancels it).

    Only a sent invoice has a link (invoice_send stamps sent_at first): a payment on an invoice never sent
    does not look for one while it holds the invoice's lock.
    """
    if link is None:
        if invoice.sent_at is None:
            return
        link = change.lock_where(PaymentLink, invoice_id=invoice.pk, status=PaymentLink.Status.ACTIVE)
    if link is None or link.cancel_requested_at is not None:
        return
    link.cancel_requested_at = timezone.now()
    change.record(LedgerEvent.Kind.LINK_CANCEL_REQUESTED, link, about=[invoice])


def link_cancel_deliver(link_id: UUID | str) -> bool:
    """The outbox's work for a link asked to cancel: it becomes canceled. Idempotent."""
    with transaction.atomic():
        link = (
            PaymentLink.objects.across_tenants(reason="the outbox cancels the link it was queued for")
            .select_for_update(skip_locked=True)
            .filter(pk=link_id, status=PaymentLink.Status.ACTIVE, cancel_requested_at__isnull=False)
            .first()
        )
        if link is None:
            return False
        link.status = PaymentLink.Status.CANCELED
        link.canceled_at = timezone.now()
        link.save(update_fields=["status", "canceled_at", "updated_at"])
        return True


def link_by_code(code: str) -> PaymentLink | None:
    """The public page's lookup, across tenants on purpose: the link's random code is the credential."""
    if not LINK_CODE.fullmatch(code):
        return None
    return (
        PaymentLink.objects.across_tenants(reason="the public payment-link page: its code is the credential")
        .select_related("invoice__business", "invoice__account")
        .filter(code=code)
        .first()
    )


def link_state(link: PaymentLink) -> str:
    """ "active", "canceled" (ended, or asked to end when its invoice was paid or voided) or "expired"."""
    if link.status != PaymentLink.Status.ACTIVE or link.cancel_requested_at is not None:
        return PaymentLink.Status.CANCELED
    return "expired" if link.has_expired(timezone.now()) else PaymentLink.Status.ACTIVE


def link_is_live(link: PaymentLink) -> bool:
    """Whether the link can still take a payment: active, not asked to cancel, not expired, its invoice still
    payable (a partial payment leaves it payable for the rest)."""
    return (
        link.status == PaymentLink.Status.ACTIVE
        and link.cancel_requested_at is None
        and not link.has_expired(timezone.now())
        and link.invoice.is_payable
    )
