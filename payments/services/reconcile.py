"""Reconciliation: every counter the ledger keeps under its locks, recomputed from the rows it sums."""

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db.models import Sum

from core.money import ZERO
from invoices.models import Invoice
from payments.models import InvoicePayment, Payment, Refund, RefundLine


@dataclass(frozen=True)
class Difference:
    model: str
    pk: str
    field: str
    stored: Decimal
    computed: Decimal


def ledger_reconcile(*, business_id: UUID | None = None) -> list[Difference]:
    """Recomputes every counter from the rows it sums and lists each one that differs."""
    differences = []

    def compare(model, rows, sums):
        for row in rows:
            for field, computed in sums(row).items():
                stored = getattr(row, field)
                if stored != computed:
                    differences.append(Difference(model, str(row.pk), field, stored, computed))

    def scoped(model):
        rows = model.objects.across_tenants(reason="reconcile recomputes every tenant's counters")
        return rows.filter(business_id=business_id) if business_id else rows

    by_payment = {
        r["payment_id"]: r
        for r in scoped(InvoicePayment).values("payment_id").annotate(a=Sum("amount"), r=Sum("refund_amount"))
    }
    by_invoice = {
        r["invoice_id"]: r
        for r in scoped(InvoicePayment).values("invoice_id").annotate(a=Sum("amount"), r=Sum("refund_amount"))
    }
    by_application = dict(
        scoped(RefundLine)
        .values("invoice_payment_id")
        .annotate(r=Sum("amount"))
        .values_list("invoice_payment_id", "r")
    )
    refunds_by_payment = dict(
        scoped(Refund).values("payment_id").annotate(r=Sum("amount")).values_list("payment_id", "r")
    )
    compare(
        "Payment",
        scoped(Payment).iterator(),
        lambda p: {
            "allocated_amount": by_payment.get(p.pk, {}).get("a") or ZERO,
            "refund_amount": refunds_by_payment.get(p.pk) or ZERO,
            # What was refunded and taken from no application.
            "unapplied_refund_amount": (refunds_by_payment.get(p.pk) or ZERO)
            - (by_payment.get(p.pk, {}).get("r") or ZERO),
        },
    )
    compare(
        "Invoice",
        scoped(Invoice).iterator(),
        lambda i: {
            "payment_amount": by_invoice.get(i.pk, {}).get("a") or ZERO,
            "refund_amount": by_invoice.get(i.pk, {}).get("r") or ZERO,
        },
    )
    compare(
        "InvoicePayment",
        scoped(InvoicePayment).iterator(),
        lambda a: {
            "refund_amount": by_application.get(a.pk) or ZERO,
        },
    )
    return differences
