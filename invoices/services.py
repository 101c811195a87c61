"""Invoices: created, then finalized, sent, changed or voided. Each step after creation is one ledger change
(ledger.change) that locks the invoice and records what it did. Money on an invoice moves only through
payments/."""

import secrets
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, Invalid, NotFound
from core.ids import parse_uuid
from core.money import amount_validate, currency_validate
from invoices.links import link_cancel_request, link_open
from invoices.models import Invoice, PaymentLink
from invoices.notices import invoice_notice_new
from ledger.change import Change, ledger_change
from ledger.models import LedgerEvent
from tenants.context import TenantContext
from tenants.selectors import account_get, one_or_none


def _generated_number() -> str:
    return f"INV-{secrets.token_hex(5).upper()}"


def invoice_create(
    *,
    ctx: TenantContext,
    account_id: UUID | str,
    amount: Decimal,
    currency: str | None = None,
    number: str | None = None,
    status: str = Invoice.Status.OPEN,
    invoice_date: date | None = None,
    due_date: date | None = None,
    description: str = "",
) -> Invoice:
    account = account_get(ctx=ctx, account_id=account_id)
    currency = currency_validate(currency or account.currency)
    if currency != account.currency:
        raise Invalid(f"the account bills in {account.currency}", field="currency", code="currency_mismatch")
    if status not in (Invoice.Status.DRAFT, Invoice.Status.OPEN):
        raise Invalid("a new invoice is draft or open", field="status")
    if invoice_date and due_date and due_date < invoice_date:
        raise Invalid("the due date is before the invoice date", field="due_date")
    invoice = Invoice(
        business_id=ctx.business_id,
        entity_id=account.entity_id,
        account=account,
        number=number or _generated_number(),
        currency=currency,
        amount=amount_validate(amount),
        status=status,
        invoice_date=invoice_date or timezone.localdate(),
        due_date=due_date,
        description=description,
    )
    try:
        with transaction.atomic():
            invoice.save(force_insert=True)
    except IntegrityError as exc:
        raise Conflict(
            f"invoice number {invoice.number} already exists", field="number", code="duplicate"
        ) from exc
    return invoice


def invoice_lock(change: Change, invoice_id: UUID | str, **equal) -> Invoice:
    """The invoice (with these column values), locked for this change, with its account: a receipt or an
    email goes to its address."""
    return change.lock_one(
        Invoice, invoice_id, what="invoice", field="invoice_id", related="account", **equal
    )


def invoice_finalize(*, ctx: TenantContext, invoice_id: UUID | str) -> Invoice:
    """draft -> open."""
    with ledger_change(ctx) as change:
        invoice = invoice_lock(change, invoice_id)
        if invoice.status != Invoice.Status.DRAFT:
            raise Conflict(
                f"the invoice is {invoice.status}, not draft", field="invoice_id", code="invoice_state"
            )
        invoice.status = Invoice.Status.OPEN
        change.record(LedgerEvent.Kind.INVOICE_FINALIZED, invoice)
    return invoice


def invoice_send(*, ctx: TenantContext, invoice_id: UUID | str) -> tuple[Invoice, PaymentLink]:
    """Opens a draft if needed, gives it its single-use payment link, stamps it sent and emails it."""
    with ledger_change(ctx) as change:
        invoice = invoice_lock(change, invoice_id)
        return _send(change, invoice)


def _send(change: Change, invoice: Invoice) -> tuple[Invoice, PaymentLink]:
    if invoice.status == Invoice.Status.DRAFT:
        invoice.status = Invoice.Status.OPEN
    if not invoice.is_payable:
        raise Conflict(
            f"the invoice is {invoice.status}; only open invoices can be sent",
            field="invoice_id",
            code="invoice_state",
        )
    invoice.sent_at = timezone.now()
    link = link_open(change, invoice)
    change.add(invoice_notice_new(invoice=invoice, link=link))
    change.record(LedgerEvent.Kind.INVOICE_SENT, invoice, link)
    return invoice, link


def invoice_void(*, ctx: TenantContext, invoice_id: UUID | str) -> Invoice:
    """Voids an invoice that has no live applications (none with money still applied)."""
    with ledger_change(ctx) as change:
        invoice = invoice_lock(change, invoice_id)
        return _void(change, invoice)


def _void(change: Change, invoice: Invoice) -> Invoice:
    if invoice.status == Invoice.Status.VOID:
        raise Conflict("the invoice is void already", field="invoice_id", code="invoice_state")
    if invoice.payment_amount - invoice.refund_amount > 0:
        raise Conflict(
            "the invoice has payments applied: remove or refund them first",
            field="invoice_id",
            code="has_payments",
        )
    invoice.status = Invoice.Status.VOID
    invoice.voided_at = timezone.now()
    invoice.paid_at = None
    change.record(LedgerEvent.Kind.INVOICE_VOIDED, invoice)
    link_cancel_request(change, invoice)
    return invoice


def invoice_update(
    *,
    ctx: TenantContext,
    invoice_id: UUID | str,
    due_date: date | None = None,
    description: str | None = None,
    send: bool = False,
    void: bool = False,
) -> Invoice:
    """Changes the given details (None leaves one as it is) and, in the same change, sends the invoice or
    voids it. Asking for what is already so changes nothing: an invoice sent and still payable is not sent
    (emailed) again, a void one is not voided again; an open invoice never sent is sent."""
    with ledger_change(ctx) as change:
        invoice = invoice_lock(change, invoice_id)
        if due_date is not None or description is not None:
            _details_change(invoice, due_date=due_date, description=description)
        if send and not (invoice.sent_at and invoice.is_payable):
            _send(change, invoice)
        elif void and invoice.status != Invoice.Status.VOID:
            _void(change, invoice)
    return invoice


def _details_change(invoice: Invoice, *, due_date: date | None, description: str | None) -> None:
    if invoice.status in (Invoice.Status.PAID, Invoice.Status.VOID):
        raise Conflict(
            f"the invoice is {invoice.status}; its details can no longer change",
            field="invoice_id",
            code="invoice_state",
        )
    if due_date is not None:
        if invoice.invoice_date and due_date < invoice.invoice_date:
            raise Invalid("the due date is before the invoice date", field="due_date")
        invoice.due_date = due_date
    if description is not None:
        invoice.description = description


def payment_link_cancel(*, ctx: TenantContext, link_id: UUID | str) -> None:
    """Staff end an active link the way the ledger does when its invoice is paid or voided: a ledger event
    in their name, the cancellation left to the outbox."""
    key = parse_uuid(link_id)
    links = PaymentLink.objects.for_tenant(ctx).filter(pk=key)
    invoice_id = one_or_none(links.values_list("invoice_id", flat=True)) if key else None
    if invoice_id is None:
        raise NotFound("payment link not found", field="link_id")
    with ledger_change(ctx) as change:
        # The invoice before its link, the order a payment that settles the invoice takes: no deadlock.
        invoice = invoice_lock(change, invoice_id)
        link = change.lock_one(PaymentLink, key, what="payment link", field="link_id")
        if link.status != PaymentLink.Status.ACTIVE:
            raise Conflict(f"the link is {link.status}, not active", field="link_id", code="link_state")
        if link.cancel_requested_at:
            raise Conflict("its cancellation was requested already", field="link_id", code="link_state")
        link_cancel_request(change, invoice, link=link)
