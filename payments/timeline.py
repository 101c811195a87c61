"""What happened, in words: ledger events told as a clerk would ("25.00 USD applied from WIRE-ACME by
staff:sam"), for an invoice's or an account's page. The events are the one record; this only reads them."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from invoices.models import Invoice
from ledger.models import LedgerEvent
from payments.models import Payment
from tenants.admin_lists import money
from tenants.context import TenantContext

# How many events a page tells, newest first.
TIMELINE_LENGTH = 100


@dataclass(frozen=True)
class Moment:
    at: datetime
    text: str
    reason: str


def ledger_timeline(
    *,
    ctx: TenantContext,
    invoice_ids: Collection[UUID] = (),
    payment_ids: Collection[UUID] = (),
    here: UUID | None = None,
) -> list[Moment]:
    """The events of these invoices and payments, newest first, in words; `here` (the page's invoice) is
    not named in its own events."""
    events = list(
        (
            LedgerEvent.objects.for_tenant(ctx).filter(invoice_id__in=invoice_ids)
            | LedgerEvent.objects.for_tenant(ctx).filter(payment_id__in=payment_ids)
        ).order_by("-id")[:TIMELINE_LENGTH]
    )
    invoices = {
        i.pk: i
        for i in Invoice.objects.for_tenant(ctx)
        .filter(pk__in={e.invoice_id for e in events if e.invoice_id})
        .only("number", "currency")
    }
    payments = {
        p.pk: p
        for p in Payment.objects.for_tenant(ctx).filter(pk__in={e.payment_id for e in events if e.payment_id})
    }
    return [Moment(e.created_at, event_sentence(e, invoices, payments, here=here), e.reason) for e in events]


def event_sentence(
    event: LedgerEvent, invoices: dict[UUID, Invoice], payments: dict[UUID, Payment], *, here: UUID | None
) -> str:
    invoice, payment = invoices.get(event.invoice_id), payments.get(event.payment_id)
    currency = invoice.currency if invoice else payment.currency if payment else ""
    shown = money(event.amount, currency) if event.amount is not None and currency else ""
    source = payment.name if payment else "a payment"
    target = "" if event.invoice_id is None or event.invoice_id == here else f" to {_number(event, invoices)}"
    on = "" if event.invoice_id is None or event.invoice_id == here else f" on {_number(event, invoices)}"
    Kind = LedgerEvent.Kind
    text = {
        Kind.PAYMENT_RECORDED: f"{shown} received: payment {source} recorded",
        Kind.PAYMENT_CANCELED: f"Payment {source} of {shown} canceled",
        Kind.APPLIED: f"{shown} applied from {source}{target}",
        Kind.AMOUNT_CHANGED: f"Application of {source}{on} changed by {shown}",
        Kind.UNAPPLIED: f"{shown} unapplied: {source} taken off{on or ' this invoice'}",
        Kind.REFUNDED: f"{shown} refunded from {source}{on}",
        Kind.INVOICE_FINALIZED: f"Invoice{on} opened",
        Kind.INVOICE_UPDATED: f"Invoice{on} edited: now {shown}",
        Kind.INVOICE_SENT: f"Invoice{on} sent: its payment link emailed",
        Kind.INVOICE_VOIDED: f"Invoice{on} voided",
        Kind.INVOICE_DELETED: f"Invoice{on} deleted (it was a draft)",
        Kind.LINK_CANCEL_REQUESTED: f"Payment link{on} ended",
    }[event.kind]
    return f"{text} by {event.actor}"


def _number(event: LedgerEvent, invoices: dict[UUID, Invoice]) -> str:
    invoice = invoices.get(event.invoice_id)
    return invoice.number if invoice else "a deleted draft"
