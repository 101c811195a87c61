"""A payment's parts: what of it is applied to each invoice. Applied to, or taken off, several invoices in
one change: the payment locked first, then the invoices in key order, then their applications."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from core.errors import Invalid, NotFound
from core.ids import parse_uuid
from core.money import ZERO, amount_validate
from invoices.models import Invoice
from invoices.services import invoice_lock
from ledger.change import Change, Wanted, ledger_change
from ledger.models import LedgerEvent
from payments.models import InvoicePayment, Payment, Receipt
from payments.services.apply import apply_locked
from tenants.context import TenantContext


@dataclass(frozen=True)
class Part:
    """An amount of a payment on one invoice."""

    invoice_id: UUID | str
    amount: Decimal


def payment_apply_parts(
    *, ctx: TenantContext, payment_id: UUID | str, parts: list[Part], paid_on: datetime | None = None
) -> list[InvoicePayment]:
    """Applies a payment to each part's invoice, all or none; an invoice is never paid beyond its balance."""
    with ledger_change(ctx) as change:
        (payment,) = change.lock(Wanted(Payment, payment_id, "payment", "payment_id"))
        return apply_parts(change, payment, parts, paid_on=paid_on)


def apply_parts(
    change: Change, payment: Payment, parts: list[Part], *, paid_on: datetime | None
) -> list[InvoicePayment]:
    """The applications themselves, on a locked (or just recorded) payment: its invoices locked in key order."""
    checked = _checked(parts)
    invoices = _lock_invoices(change, checked)
    return [
        apply_locked(change, payment, invoices[key], amount, paid_on=paid_on, allow_overpayment=False)
        for key, amount in checked
    ]


def payment_unapply_parts(*, ctx: TenantContext, payment_id: UUID | str, parts: list[Part]) -> Payment:
    """Takes each part's amount of the payment off its invoice, the latest applications first: an
    application taken down to nothing is removed (its receipt, not sent yet, canceled); what was refunded
    stays. The invoices' balances and statuses come back; the events keep the record."""
    with ledger_change(ctx) as change:
        (payment,) = change.lock(Wanted(Payment, payment_id, "payment", "payment_id"))
        checked = _checked(parts)
        invoices = _lock_invoices(change, checked)
        # Every application first, then the receipts of those removed: the fixed lock order.
        applications = {key: _applications(change, payment, invoices[key]) for key, _ in checked}
        removed = []
        for key, amount in checked:
            removed += _unapply(change, payment, invoices[key], applications[key], amount)
        for invoice, application in removed:
            receipt = change.lock_where(Receipt, invoice_payment_id=application.pk)
            if receipt is not None:
                receipt.invoice_payment = None
                if receipt.status == Receipt.Status.PENDING:
                    receipt.status = Receipt.Status.CANCELED
            change.delete(application)
            change.record(LedgerEvent.Kind.UNAPPLIED, payment, invoice, application)
    return payment


def _checked(parts: list[Part]) -> list[tuple[UUID, Decimal]]:
    checked = []
    for number, part in enumerate(parts):
        key = parse_uuid(part.invoice_id)
        if key is None:
            raise NotFound("invoice not found", field=f"parts.{number}.invoice_id")
        amount = amount_validate(part.amount, field=f"parts.{number}.amount")
        if key in (seen for seen, _ in checked):
            raise Invalid("an invoice is named twice", field=f"parts.{number}.invoice_id", code="duplicate")
        checked.append((key, amount))
    if not checked:
        raise Invalid("name at least one invoice", field="parts", code="required")
    return checked


def _lock_invoices(change: Change, checked: list[tuple[UUID, Decimal]]) -> dict[UUID, Invoice]:
    return {key: invoice_lock(change, key) for key in sorted((key for key, _ in checked), key=str)}


def _applications(change: Change, payment: Payment, invoice: Invoice) -> list[InvoicePayment]:
    """The payment's applications to the invoice, latest first, locked."""
    keys = (
        InvoicePayment.objects.for_tenant(change.ctx)
        .filter(payment=payment, invoice=invoice)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    return [change.lock_one(InvoicePayment, key, what="invoice payment", field="invoice_id") for key in keys]


def _unapply(
    change: Change, payment: Payment, invoice: Invoice, applications: list[InvoicePayment], amount: Decimal
) -> list[tuple[Invoice, InvoicePayment]]:
    """Takes `amount` off the applications; the ones taken down to nothing, for the caller to remove."""
    applied = sum((application.net_amount for application in applications), ZERO)
    if amount > applied:
        raise Invalid(
            f"the payment has {applied.normalize():f} applied to invoice {invoice.number}",
            field="amount",
            code="over_applied",
        )
    remaining, removed = amount, []
    for application in applications:
        take = min(remaining, application.net_amount)
        if take <= ZERO:
            continue
        remaining -= take
        payment.allocated_amount -= take
        invoice.payment_amount -= take
        application.amount -= take
        application.updated_by = change.ctx.actor
        if application.amount > ZERO:
            change.record(LedgerEvent.Kind.AMOUNT_CHANGED, payment, invoice, application)
        else:
            removed.append((invoice, application))
    return removed
