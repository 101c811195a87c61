"""Refunds: money applied to invoices given back (seed 003's arithmetic). Each application's, invoice's and
payment's refund_amount rise by their part, so each invoice's balance rises and its status steps back."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.utils import timezone

from core.errors import Invalid, NotFound
from core.ids import parse_uuid
from core.money import ZERO, amount_validate
from invoices.models import Invoice
from invoices.services import invoice_lock
from ledger.change import Change, Wanted, ledger_change
from ledger.models import LedgerEvent
from payments.models import InvoicePayment, Payment, Receipt, Refund, RefundLine
from payments.receipts import OUT, receipt_correction
from tenants.context import TenantContext


@dataclass(frozen=True)
class RefundPart:
    """How much of the refund comes off one invoice."""

    invoice_id: UUID | str
    amount: Decimal


def refund_create(
    *,
    ctx: TenantContext,
    payment_id: UUID | str,
    amount: Decimal,
    parts: list[RefundPart] | None = None,
    from_unapplied: bool = False,
    refund_date: date | None = None,
    comment: str = "",
    method: str = "",
    reference: str = "",
    reason: str = "",
) -> Refund:
    """Refunds `amount` of a payment: split over the invoices it paid (`parts`; may be left out when the
    payment paid exactly one invoice). With `from_unapplied`, what the parts (if any) leave of `amount`
    comes out of the money the payment has not applied. Each receipt of refunded money that went out (or
    is on its way) gets its correction; the events keep the `reason`."""
    amount = amount_validate(amount)
    with ledger_change(ctx) as change:
        (payment,) = change.lock(Wanted(Payment, payment_id, "payment", "payment_id"))
        payment.check_processed()
        if from_unapplied:
            parts = _checked_parts(parts or [])
            unapplied = amount - sum((p.amount for p in parts), ZERO)
            if unapplied < ZERO:
                raise Invalid(
                    "the invoice parts come to more than the refund amount",
                    field="amount",
                    code="parts_mismatch",
                )
            if unapplied > payment.unallocated_amount:
                raise Invalid(
                    f"the payment has {payment.unallocated_amount.normalize():f} unapplied",
                    field="amount",
                    code="over_unallocated",
                )
            payment.unapplied_refund_amount += unapplied
        else:
            parts = _parts(ctx, payment, amount, parts)
        refund = change.add(
            Refund(
                business_id=ctx.business_id,
                entity_id=payment.entity_id,
                payment=payment,
                amount=amount,
                refund_date=refund_date or timezone.localdate(),
                comment=comment,
                method=method,
                reference=reference,
                created_by=ctx.actor,
            )
        )
        invoices = {
            invoice_id: invoice_lock(change, invoice_id)
            for invoice_id in sorted({p.invoice_id for p in parts if p.invoice_id}, key=str)
        }
        # Only a refund off invoices reads the payment's applications and their receipts.
        applications, receipts = _applications_and_receipts(ctx, payment) if parts else ([], {})
        for part in parts:
            invoice = invoices.get(part.invoice_id)
            if invoice is None:
                raise NotFound("invoice not found", field="invoice_id")
            _refund_part(change, refund, payment, invoice, part.amount, applications, receipts, reason)
        payment.refund_amount += amount
        change.record(LedgerEvent.Kind.REFUNDED, payment, about=[refund], reason=reason)
    return refund


def _applications_and_receipts(
    ctx: TenantContext, payment: Payment
) -> tuple[list[InvoicePayment], dict[UUID, Receipt]]:
    """The payment's applications, oldest first per invoice, and each one's receipt that went out."""
    applications = list(
        InvoicePayment.objects.for_tenant(ctx).filter(payment=payment).order_by("invoice_id", "id")
    )
    receipts = Receipt.objects.for_tenant(ctx).filter(
        invoice_payment__in=[a.pk for a in applications], status__in=OUT
    )
    return applications, {r.invoice_payment_id: r for r in receipts}


def _parts(ctx: TenantContext, payment: Payment, amount: Decimal, parts: list[RefundPart] | None) -> list:
    """The refund's invoice parts, checked: they add up to `amount`; left out, the one invoice paid."""
    if parts is None:
        invoice_ids = set(
            InvoicePayment.objects.for_tenant(ctx)
            .filter(payment=payment)
            .values_list("invoice_id", flat=True)
        )
        if len(invoice_ids) != 1:
            raise Invalid(
                "name the invoices to refund: this payment is not applied to exactly one invoice",
                field="parts",
                code="parts_required",
            )
        parts = [RefundPart(invoice_ids.pop(), amount)]
    parts = _checked_parts(parts)
    if sum((p.amount for p in parts), ZERO) != amount:
        raise Invalid(
            "the refund amount must equal the sum of its invoice parts", field="amount", code="parts_mismatch"
        )
    return parts


def _checked_parts(parts: list[RefundPart]) -> list[RefundPart]:
    return [
        RefundPart(parse_uuid(p.invoice_id), amount_validate(p.amount, field="parts.amount")) for p in parts
    ]


def _refund_part(
    change: Change,
    refund: Refund,
    payment: Payment,
    invoice: Invoice,
    amount: Decimal,
    applications: list[InvoicePayment],
    receipts: dict[UUID, Receipt],
    reason: str,
) -> None:
    """Takes `amount` from this payment's applications to `invoice`, oldest first; each one's receipt that
    went out (`receipts`, by application) is corrected by what was taken from it."""
    remaining = amount
    taken: list[tuple[InvoicePayment, Decimal]] = []
    for application in (a for a in applications if a.invoice_id == invoice.pk):
        take = min(remaining, application.net_amount)
        if take <= 0:
            continue
        locked = change.lock_one(InvoicePayment, application.pk, what="invoice payment", field="invoice_id")
        locked.refund_amount += take
        locked.updated_by = change.ctx.actor
        change.add(
            RefundLine(
                business_id=refund.business_id,
                entity_id=invoice.entity_id,
                refund=refund,
                invoice_payment=locked,
                invoice=invoice,
                amount=take,
            )
        )
        application.refund_amount = locked.refund_amount
        taken.append((application, take))
        remaining -= take
        if remaining == 0:
            break
    if remaining > 0:
        raise Invalid(
            f"the refund exceeds what this payment applied to invoice {invoice.number}",
            field="parts.amount",
            code="over_applied",
        )
    invoice.refund_amount += amount
    for application, take in taken:
        receipt = receipts.get(application.pk)
        if receipt is not None:
            change.add(receipt_correction(receipt, invoice, take, Receipt.Kind.REFUNDED))
    change.record(LedgerEvent.Kind.REFUNDED, invoice, about=[payment, refund], reason=reason)
