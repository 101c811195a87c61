"""Recording money received: on its own (applied to invoices later), or as paying one invoice outside the
platform, applied to it in the same change."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.utils import timezone

from core.errors import Conflict, Invalid
from core.money import ZERO, amount_validate, currency_validate, from_minor, to_minor
from invoices.models import Invoice
from invoices.services import invoice_lock
from ledger.change import Change, Wanted, ledger_change
from ledger.models import LedgerEvent
from payments.models import InvoicePayment, Payment
from payments.services.apply import apply_locked
from payments.services.parts import Part, apply_parts
from tenants.context import TenantContext
from tenants.models import Account
from tenants.selectors import account_get


def payment_record(
    *,
    ctx: TenantContext,
    amount: Decimal,
    occurred_at: datetime,
    currency: str | None = None,
    account_id: UUID | str | None = None,
    status: str = Payment.Status.PROCESSED,
    parts: Sequence[Part] = (),
    **details: str,
) -> Payment:
    """Money received. With an account, the payment is in the account's entity and currency; with `parts`,
    applied to their invoices in the same change (all or none), the rest left unapplied.

    `details`: reference, description, counterparty, method, payment_method_id, foreign_id.
    """
    account = account_get(ctx=ctx, account_id=account_id) if account_id is not None else None
    with ledger_change(ctx) as change:
        payment = _record(
            change,
            amount=amount,
            occurred_at=occurred_at,
            currency=currency,
            account=account,
            status=status,
            **details,
        )
        # The invoices are locked after the payment is inserted: a payment inserted in this transaction is
        # invisible to every other one, so none can hold or wait for its lock (see below).
        if parts:
            apply_parts(change, payment, list(parts), paid_on=occurred_at)
        return payment


def payment_record_for_invoice(
    *,
    ctx: TenantContext,
    invoice_id: UUID | str,
    amount: Decimal,
    currency: str,
    account_id: UUID | None = None,
    paid_on: datetime | None = None,
    foreign_id: str = "",
    description: str = "",
) -> InvoicePayment:
    """An invoice paid outside the platform: the money is recorded as paying it and all of it applied to it,
    in one change (its receipt goes out; its link ends if it is now paid in full).

    With `account_id`, an invoice of another account is as absent as a missing one.
    """
    equal = {} if account_id is None else {"account_id": account_id}
    with ledger_change(ctx) as change:
        invoice = invoice_lock(change, invoice_id, **equal)
        # The invoice is locked before the payment exists: a payment inserted in this transaction is
        # invisible to every other one, so none can hold or wait for its lock, and the payment -> invoice
        # order holds.
        payment = _record(
            change,
            amount=amount,
            currency=currency,
            account=invoice.account,
            occurred_at=paid_on or timezone.now(),
            for_invoice=invoice,
            foreign_id=foreign_id,
            description=description,
        )
        return apply_locked(
            change,
            payment,
            invoice,
            _due_part(payment, invoice),
            paid_on=payment.occurred_at,
            allow_overpayment=False,
        )


def _due_part(payment: Payment, invoice: Invoice) -> Decimal:
    """What of the payment goes on the invoice: all of it, unless it is exactly what the invoice's link asks
    for a balance the currency cannot write (0.01 for 0.007654321): then the exact balance, and the fraction
    beyond it stays on the payment, unapplied. Any other amount over the balance is refused as it was."""
    balance, currency = invoice.balance, payment.currency
    if ZERO < balance < payment.amount == from_minor(to_minor(balance, currency), currency):
        return balance
    return payment.amount


def _record(
    change: Change,
    *,
    amount: Decimal,
    occurred_at: datetime,
    currency: str | None,
    account: Account | None,
    status: str = Payment.Status.PROCESSED,
    for_invoice: Invoice | None = None,
    **details: str,
) -> Payment:
    if account is not None:
        currency = currency or account.currency
        if currency != account.currency:
            raise Invalid(
                f"the account bills in {account.currency}", field="currency", code="currency_mismatch"
            )
    if status not in Payment.Status.values:
        raise Invalid("a new payment is draft or processed", field="status")
    payment = change.add(
        Payment(
            business_id=change.ctx.business_id,
            entity_id=account.entity_id if account else change.ctx.entity_for_creation(),
            account=account,
            for_invoice=for_invoice,
            currency=currency_validate(currency),
            amount=amount_validate(amount),
            occurred_at=occurred_at,
            status=status,
            created_by=change.ctx.actor,
            **details,
        )
    )
    change.record(LedgerEvent.Kind.PAYMENT_RECORDED, payment)
    return payment


def payment_cancel(*, ctx: TenantContext, payment_id: UUID | str) -> Payment:
    """Cancels money recorded by mistake: only a payment with nothing applied and nothing refunded."""
    with ledger_change(ctx) as change:
        (payment,) = change.lock(Wanted(Payment, payment_id, "payment", "payment_id"))
        if payment.status == Payment.Status.CANCELED:
            raise Conflict("the payment is canceled already", field="payment_id", code="payment_state")
        if payment.allocated_amount or payment.refund_amount:
            raise Conflict(
                "the payment is applied or refunded: unapply it first",
                field="payment_id",
                code="payment_state",
            )
        payment.status = Payment.Status.CANCELED
        change.record(LedgerEvent.Kind.PAYMENT_CANCELED, payment)
    return payment


def payment_update(*, ctx: TenantContext, payment_id: UUID | str, **details: str) -> Payment:
    """Changes a payment's details (reference, description): never its money."""
    unknown = details.keys() - {"reference", "description", "counterparty", "foreign_id"}
    if unknown:
        raise ValueError(f"not a payment's detail: {', '.join(sorted(unknown))}")
    with ledger_change(ctx) as change:
        (payment,) = change.lock(Wanted(Payment, payment_id, "payment", "payment_id"))
        for name, value in details.items():
            setattr(payment, name, value)
    return payment
