"""Applying money to invoices: apply, change an application's amount, unapply.

Each is one ledger change (ledger.change): payment, invoice and application locked in that order, the
counters changed under the locks, the invoice settled and the event written by the change, the receipt a
pending row for the outbox.
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db import transaction

from core.errors import Conflict, Invalid, NotFound
from core.ids import parse_uuid
from core.money import amount_validate
from invoices.links import link_cancel_request
from invoices.models import Invoice
from ledger.change import Change, Wanted, ledger_change
from ledger.models import LedgerEvent
from payments.metrics import PAYMENTS_APPLIED
from payments.models import InvoicePayment, Payment, Receipt
from payments.receipts import receipt_correction, receipt_new
from tenants.context import TenantContext
from tenants.selectors import one_or_none


def payment_apply(
    *,
    ctx: TenantContext,
    invoice_id: UUID | str,
    payment_id: UUID | str,
    amount: Decimal | Callable[[str], Decimal],
    paid_on: datetime | None = None,
    allow_overpayment: bool = False,
) -> InvoicePayment:
    """Applies `amount` of a payment to an invoice (an InvoicePayment). The amount is in the payment's
    currency: a client that counts it in another unit (minor units of whatever the payment's currency is)
    passes how to read it instead, a function of the currency, called once the payment is locked."""
    if not callable(amount):
        amount = amount_validate(amount)
    with ledger_change(ctx) as change:
        payment, invoice = change.lock(
            Wanted(Payment, payment_id, "payment", "payment_id"),
            Wanted(Invoice, invoice_id, "invoice", "invoice_id", related="account"),
        )
        if callable(amount):
            amount = amount_validate(amount(payment.currency))
        return apply_locked(
            change, payment, invoice, amount, paid_on=paid_on, allow_overpayment=allow_overpayment
        )


def apply_locked(
    change: Change,
    payment: Payment,
    invoice: Invoice,
    amount: Decimal,
    *,
    paid_on: datetime | None,
    allow_overpayment: bool,
) -> InvoicePayment:
    """The application itself, on a locked (or just recorded) payment and a locked invoice."""
    if payment.currency != invoice.currency:
        raise Invalid(
            f"the payment is in {payment.currency}, the invoice in {invoice.currency}",
            field="currency",
            code="currency_mismatch",
        )
    if payment.entity_id != invoice.entity_id:
        raise Invalid(
            "the payment and the invoice belong to different entities",
            field="payment_id",
            code="entity_mismatch",
        )
    payment.check_processed()
    if not invoice.is_payable:
        raise Conflict(
            f"the invoice is {invoice.status}; only open invoices take payments",
            field="invoice_id",
            code="invoice_state",
        )
    _check_room(payment, invoice, amount, allow_overpayment=allow_overpayment)
    payment.allocated_amount += amount
    invoice.payment_amount += amount
    application = change.add(
        InvoicePayment(
            business_id=invoice.business_id,
            entity_id=invoice.entity_id,
            invoice=invoice,
            payment=payment,
            amount=amount,
            paid_on=paid_on or payment.occurred_at,
            created_by=change.ctx.actor,
            updated_by=change.ctx.actor,
        )
    )
    change.record(LedgerEvent.Kind.APPLIED, payment, invoice, application)
    change.add(receipt_new(invoice, application))
    # Paid in full, the invoice's link ends; paid in part, it stays for what is still due.
    if invoice.status == Invoice.Status.PAID:
        link_cancel_request(change, invoice)
    transaction.on_commit(PAYMENTS_APPLIED.inc)
    return application


def _check_room(payment: Payment, invoice: Invoice, increase: Decimal, *, allow_overpayment: bool) -> None:
    """Applying `increase` more must fit in the payment's unallocated amount and, unless overpaying is
    allowed, in the invoice's balance."""
    if increase > payment.unallocated_amount:
        raise Invalid(
            f"the amount exceeds the payment's unallocated {payment.unallocated_amount.normalize():f}",
            field="amount",
            code="over_unallocated",
        )
    if not allow_overpayment and increase > 0 and increase > invoice.balance:
        raise Invalid(
            f"the amount exceeds the invoice balance {invoice.balance.normalize():f}",
            field="amount",
            code="over_balance",
        )


def _lock_application(
    change: Change, invoice_payment_id: UUID | str, invoice_id: UUID | str | None = None
) -> tuple[Payment, Invoice, InvoicePayment]:
    """Locks payment, invoice and application, in that order; with `invoice_id`, only an application on
    that invoice is found (a malformed invoice id matches nothing)."""
    key = parse_uuid(invoice_payment_id)
    on_invoice = {} if invoice_id is None else {"invoice_id": parse_uuid(invoice_id)}
    applications = InvoicePayment.objects.for_tenant(change.ctx).filter(**on_invoice)
    found = one_or_none(applications.filter(pk=key).values("payment_id", "invoice_id")) if key else None
    if found is None:
        raise NotFound("invoice payment not found", field="invoice_payment_id")
    payment, invoice = change.lock(
        Wanted(Payment, found["payment_id"], "payment", "payment_id"),
        Wanted(Invoice, found["invoice_id"], "invoice", "invoice_id", related="account"),
    )
    application = change.lock_one(
        InvoicePayment, key, what="invoice payment", field="invoice_payment_id", **on_invoice
    )
    return payment, invoice, application


def application_change_amount(
    *,
    ctx: TenantContext,
    invoice_payment_id: UUID | str,
    amount: Decimal,
    allow_overpayment: bool = False,
) -> InvoicePayment:
    amount = amount_validate(amount)
    with ledger_change(ctx) as change:
        payment, invoice, application = _lock_application(change, invoice_payment_id)
        if not (invoice.is_payable or invoice.status == Invoice.Status.PAID):
            raise Conflict(f"the invoice is {invoice.status}", field="invoice_id", code="invoice_state")
        if amount < application.refund_amount:
            raise Invalid(
                f"{application.refund_amount.normalize():f} of this payment was refunded already",
                field="amount",
                code="under_refunded",
            )
        delta = amount - application.amount
        _check_room(payment, invoice, delta, allow_overpayment=allow_overpayment)
        payment.allocated_amount += delta
        invoice.payment_amount += delta
        application.amount = amount
        application.updated_by = ctx.actor
        change.record(LedgerEvent.Kind.AMOUNT_CHANGED, payment, invoice, application)
        if invoice.status == Invoice.Status.PAID:
            link_cancel_request(change, invoice)
    return application


def payment_unapply(
    *,
    ctx: TenantContext,
    invoice_payment_id: UUID | str,
    invoice_id: UUID | str | None = None,
    reason: str = "",
) -> None:
    """Takes a payment off an invoice: both counters and the status come back, the receipt not sent yet is
    canceled (one sent already gets its correction), and the event keeps the record and the `reason`."""
    with ledger_change(ctx) as change:
        payment, invoice, application = _lock_application(change, invoice_payment_id, invoice_id)
        if application.refund_amount > 0:
            raise Conflict(
                "this invoice payment was partly refunded and cannot be removed",
                field="invoice_payment_id",
                code="refunded",
            )
        payment.allocated_amount -= application.amount
        invoice.payment_amount -= application.amount
        receipt = change.lock_where(Receipt, invoice_payment_id=application.pk)
        if receipt is not None:
            receipt.invoice_payment = None
            if receipt.status == Receipt.Status.PENDING:
                receipt.status = Receipt.Status.CANCELED
            elif receipt.status == Receipt.Status.SENT:
                change.add(receipt_correction(receipt, invoice, application.amount, Receipt.Kind.UNAPPLIED))
        change.delete(application)
        change.record(LedgerEvent.Kind.UNAPPLIED, payment, invoice, application, reason=reason)
