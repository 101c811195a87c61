"""Invoices: created, then finalized, sent, changed or voided. Each step after creation is one ledger change
(ledger.change) that locks the invoice and records what it did. Money on an invoice moves only through
payments/."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.errors import Conflict, Invalid, NotFound
from core.ids import parse_uuid
from core.money import ZERO, amount_validate, currency_validate
from invoices.lines import Line, line_of_amount, line_rows, lines_validate, subtotal
from invoices.links import link_cancel_request, link_open
from invoices.models import Invoice, InvoiceLine, InvoiceLineOption, PaymentLink
from invoices.notices import invoice_notice_new
from ledger.change import Change, ledger_change
from ledger.models import LedgerEvent
from tenants.context import TenantContext
from tenants.models import Entity
from tenants.selectors import account_get, one_or_none


def invoice_create(
    *,
    ctx: TenantContext,
    account_id: UUID | str,
    amount: Decimal | None = None,
    lines: list[Line] | None = None,
    tax: Decimal = ZERO,
    surcharge: Decimal = ZERO,
    currency: str | None = None,
    number: str | None = None,
    status: str = Invoice.Status.OPEN,
    invoice_date: date | None = None,
    due_date: date | None = None,
    description: str = "",
    customer_email: str = "",
    payment_options: dict | None = None,
) -> Invoice:
    """An invoice of the account, of `lines` (or of one line of `amount`) plus tax and surcharge, numbered
    INV-<n>, the entity's next number, unless it is given one."""
    account = account_get(ctx=ctx, account_id=account_id)
    currency = currency_validate(currency or account.currency)
    if currency != account.currency:
        raise Invalid(f"the account bills in {account.currency}", field="currency", code="currency_mismatch")
    if status not in (Invoice.Status.DRAFT, Invoice.Status.OPEN):
        raise Invalid("a new invoice is draft or open", field="status")
    if invoice_date and due_date and due_date < invoice_date:
        raise Invalid("the due date is before the invoice date", field="due_date")
    if lines is None:
        lines = [line_of_amount(amount_validate(amount), description)]
    invoice = Invoice(
        business_id=ctx.business_id,
        entity_id=account.entity_id,
        account=account,
        number=number or "",
        currency=currency,
        status=status,
        invoice_date=invoice_date or timezone.localdate(),
        due_date=due_date,
        description=description,
        customer_email=customer_email,
        payment_options=payment_options or {},
    )
    _total(invoice, subtotal(lines_validate(lines)), tax=tax, surcharge=surcharge)
    try:
        with transaction.atomic():
            invoice.number = invoice.number or _next_number(invoice)
            invoice.save(force_insert=True)
            rows = line_rows(invoice, lines)
            for model in (InvoiceLine, InvoiceLineOption):
                model.objects.of_business(ctx.business_id).bulk_create(r for r in rows if type(r) is model)
    except IntegrityError as exc:
        raise Conflict(
            f"invoice number {invoice.number} already exists", field="number", code="duplicate"
        ) from exc
    return invoice


def _total(invoice: Invoice, subtotal_amount: Decimal, *, tax: Decimal, surcharge: Decimal) -> None:
    """Sets the invoice's subtotal, tax, surcharge and amount (their sum, what the ledger is paid against)."""
    for name, value in (("tax", tax), ("surcharge", surcharge)):
        if value != ZERO:
            amount_validate(value, field=name)
    invoice.subtotal_amount, invoice.tax_amount, invoice.surcharge_amount = subtotal_amount, tax, surcharge
    invoice.amount = amount_validate(subtotal_amount + tax + surcharge, field="lines")


def _next_number(invoice: Invoice) -> str:
    """INV-<n>: the entity's next number that no invoice holds (one may have been given it by hand). The
    counter's row stays locked until the invoice is saved, so two invoices never take the same one."""
    entities = Entity.objects.of_business(invoice.business_id).filter(pk=invoice.entity_id)
    while True:
        entities.update(invoice_counter=F("invoice_counter") + 1)
        number = f"INV-{entities.values_list('invoice_counter', flat=True).get()}"
        if (
            not Invoice.objects.of_business(invoice.business_id)
            .filter(entity_id=invoice.entity_id, number=number)
            .exists()
        ):
            return number


def invoice_lock(change: Change, invoice_id: UUID | str, **equal) -> Invoice:
    """The invoice (with these column values), locked for this change, with its account: a receipt or an
    email goes to its address."""
    return change.lock_one(
        Invoice, invoice_id, what="invoice", field="invoice_id", related="account", **equal
    )


def invoice_finalize(
    *, ctx: TenantContext, invoice_id: UUID | str, invoice_date: date | None = None
) -> Invoice:
    """draft -> open, dated `invoice_date` if one is given."""
    with ledger_change(ctx) as change:
        invoice = _draft(change, invoice_id)
        if invoice_date is not None:
            if invoice.due_date and invoice.due_date < invoice_date:
                raise Invalid("the due date is before the invoice date", field="invoice_date")
            invoice.invoice_date = invoice_date
        invoice.status = Invoice.Status.OPEN
        change.record(LedgerEvent.Kind.INVOICE_FINALIZED, invoice)
    return invoice


def invoice_cancel(*, ctx: TenantContext, invoice_id: UUID | str) -> Invoice:
    """A draft given up: void, and kept (unlike a deleted draft) with its number."""
    with ledger_change(ctx) as change:
        return _void(change, _draft(change, invoice_id))


def _draft(change: Change, invoice_id: UUID | str) -> Invoice:
    invoice = invoice_lock(change, invoice_id)
    if invoice.status != Invoice.Status.DRAFT:
        raise Conflict(
            f"the invoice is {invoice.status}, not draft", field="invoice_id", code="invoice_state"
        )
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


def invoice_void(*, ctx: TenantContext, invoice_id: UUID | str, reason: str = "") -> Invoice:
    """Voids an invoice that has no live applications (none with money still applied); the event keeps
    the `reason` given."""
    with ledger_change(ctx) as change:
        invoice = invoice_lock(change, invoice_id)
        return _void(change, invoice, reason=reason)


def _void(change: Change, invoice: Invoice, *, reason: str = "") -> Invoice:
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
    change.record(LedgerEvent.Kind.INVOICE_VOIDED, invoice, reason=reason)
    link_cancel_request(change, invoice)
    return invoice


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


# "Leave it as it is", for a detail that may also be set to None (a due date cleared).
KEEP: Any = _Keep()


def invoice_update(
    *,
    ctx: TenantContext,
    invoice_id: UUID | str,
    description: str = KEEP,
    invoice_date: date | None = KEEP,
    due_date: date | None = KEEP,
    lines: list[Line] = KEEP,
    tax: Decimal = KEEP,
    surcharge: Decimal = KEEP,
    payment_options: dict = KEEP,
    send: bool = False,
    void: bool = False,
) -> Invoice:
    """Changes the given details (KEEP leaves one as it is) and, in the same change, sends the invoice or
    voids it. Lines, tax and surcharge change only on a draft. Asking for what is already so changes
    nothing: an invoice sent and still payable is not sent (emailed) again, a void one is not voided again;
    an open invoice never sent is sent."""
    details = {
        name: value
        for name, value in (
            ("description", description),
            ("invoice_date", invoice_date),
            ("due_date", due_date),
            ("payment_options", payment_options),
        )
        if value is not KEEP
    }
    with ledger_change(ctx) as change:
        invoice = invoice_lock(change, invoice_id)
        if details or lines is not KEEP or tax is not KEEP or surcharge is not KEEP:
            _amend(change, invoice, details, lines=lines, tax=tax, surcharge=surcharge)
        if send and not (invoice.sent_at and invoice.is_payable):
            _send(change, invoice)
        elif void and invoice.status != Invoice.Status.VOID:
            _void(change, invoice)
    return invoice


def _amend(change: Change, invoice: Invoice, details: dict, *, lines, tax, surcharge) -> None:
    if invoice.status in (Invoice.Status.PAID, Invoice.Status.VOID):
        raise Conflict(
            f"the invoice is {invoice.status}; its details can no longer change",
            field="invoice_id",
            code="invoice_state",
        )
    for name, value in details.items():
        setattr(invoice, name, value)
    if invoice.invoice_date and invoice.due_date and invoice.due_date < invoice.invoice_date:
        raise Invalid("the due date is before the invoice date", field="due_date")
    if lines is KEEP and tax is KEEP and surcharge is KEEP:
        return
    if invoice.status != Invoice.Status.DRAFT:
        raise Conflict(
            f"the invoice is {invoice.status}; only a draft's lines and amounts change",
            field="invoice_id",
            code="invoice_state",
        )
    subtotal_amount = invoice.subtotal_amount
    if lines is not KEEP:
        for row in _stored_line_rows(change, invoice):
            change.delete(row)
        for row in line_rows(invoice, lines_validate(lines)):
            change.add(row)
        subtotal_amount = subtotal(lines)
    _total(
        invoice,
        subtotal_amount,
        tax=invoice.tax_amount if tax is KEEP else tax,
        surcharge=invoice.surcharge_amount if surcharge is KEEP else surcharge,
    )
    change.record(LedgerEvent.Kind.INVOICE_UPDATED, invoice)


def invoice_delete(*, ctx: TenantContext, invoice_id: UUID | str) -> None:
    """Deletes a draft (sent or not, an invoice that was ever more than a draft stays, voided if need be);
    the event keeps its numbers."""
    with ledger_change(ctx) as change:
        invoice = invoice_lock(change, invoice_id)
        if invoice.status != Invoice.Status.DRAFT:
            raise Conflict(
                f"the invoice is {invoice.status}; only a draft can be deleted",
                field="invoice_id",
                code="invoice_state",
            )
        for row in (*_stored_line_rows(change, invoice), invoice):
            change.delete(row)
        change.record(LedgerEvent.Kind.INVOICE_DELETED, invoice)


def _stored_line_rows(change: Change, invoice: Invoice) -> list[InvoiceLine | InvoiceLineOption]:
    """The invoice's line and option rows (the invoice is locked: they cannot change meanwhile)."""
    lines = list(InvoiceLine.objects.for_tenant(change.ctx).filter(invoice=invoice))
    return [*InvoiceLineOption.objects.for_tenant(change.ctx).filter(line__in=lines), *lines]


def invoice_notify(*, ctx: TenantContext, invoice_id: UUID | str) -> None:
    """Emails the invoice and its payment link again (through the outbox), as its send did; an invoice with no
    address (neither its own nor its account's) is refused rather than skipped."""
    with ledger_change(ctx) as change:
        invoice = invoice_lock(change, invoice_id)
        if not (invoice.sent_at and invoice.is_payable):
            raise Conflict(
                f"the invoice is {'not sent' if invoice.is_payable else invoice.status}: nothing to email",
                field="invoice_id",
                code="invoice_state",
            )
        if not invoice.email:
            raise Conflict("the invoice has no email address to send to", field="invoice_id", code="no_email")
        change.add(invoice_notice_new(invoice=invoice, link=link_open(change, invoice)))


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


def payment_link_update(
    *, ctx: TenantContext, link_id: UUID | str, expires_at: datetime | None = KEEP, page: dict = KEEP
) -> PaymentLink:
    """Changes an active link's expiry (None: never) or what its page shows and asks (merged into it)."""
    with ledger_change(ctx) as change:
        link = change.lock_one(PaymentLink, link_id, what="payment link", field="link_id")
        if link.status != PaymentLink.Status.ACTIVE or link.cancel_requested_at:
            raise Conflict("the link is disabled", field="link_id", code="link_state")
        if expires_at is not KEEP:
            link.expires_at = expires_at
        if page is not KEEP:
            link.page = {**link.page, **page}
    return link
