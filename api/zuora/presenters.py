"""Ledger rows as Zuora v1 CRUD objects: 32-hex ids, Decimal numbers, Zuora's date-times."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid5

from invoices.models import Invoice
from payments.models import InvoicePayment, Payment, Refund
from tenants.models import Account

INVOICE_STATUS = {
    Invoice.Status.DRAFT: "Draft",
    Invoice.Status.OPEN: "Posted",
    Invoice.Status.PARTIALLY_PAID: "Posted",
    Invoice.Status.PAID: "Posted",
    Invoice.Status.VOID: "Canceled",
}
PAYMENT_STATUS = {
    Payment.Status.DRAFT: "Draft",
    Payment.Status.PROCESSED: "Processed",
    Payment.Status.CANCELED: "Canceled",
}


def zid(value: UUID | None) -> str | None:
    return value.hex if value else None


def when(value: datetime) -> str:
    """Zuora's date-time: 2026-01-20T14:45:00.000+00:00."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def number(value: Decimal) -> Decimal:
    """The amount with no trailing zeros and no exponent: 10.1, 100, 12.987654321."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


# CreatedById/UpdatedById are 32-hex user ids in Zuora. The ledger records who acted as "client:<client_id>"
# or "staff:<username>"; the id shown is the UUID5 of that string in this namespace. Stable (one actor, one
# id, on every object and every run), distinct for a client and a staff user of the same name, computed with
# no lookup and no new column, and it does not show a staff user's username to API clients.
ACTOR_NAMESPACE = UUID("ad2f4e0a-86ad-4ae4-a6d1-985ea563a169")


def actor_id(actor: str) -> str | None:
    return uuid5(ACTOR_NAMESPACE, actor).hex if actor else None


def created(value: dict) -> dict:
    return {"Success": True, "Id": value}


def account(row: Account) -> dict:
    return {
        "Id": zid(row.id),
        "Name": row.name,
        "Currency": row.currency,
        "Status": "Active",
        "BillToContact": {"WorkEmail": row.email or None},
        "CreatedDate": when(row.created_at),
        "UpdatedDate": when(row.updated_at),
    }


def invoice(row: Invoice) -> dict:
    return {
        "Id": zid(row.id),
        "AccountId": zid(row.account_id),
        "InvoiceNumber": row.number,
        "Amount": number(row.amount),
        "Balance": number(row.balance),
        "PaymentAmount": number(row.payment_amount),
        "RefundAmount": number(row.refund_amount),
        "Status": INVOICE_STATUS[row.status],
        "InvoiceDate": day(row.invoice_date),
        "DueDate": day(row.due_date),
        "CreatedDate": when(row.created_at),
        "UpdatedDate": when(row.updated_at),
    }


def payment(row: Payment) -> dict:
    return {
        "Id": zid(row.id),
        "AccountId": zid(row.account_id),
        "Amount": number(row.amount),
        "AppliedInvoiceAmount": number(row.allocated_amount),
        "UnappliedAmount": number(row.unallocated_amount),
        "RefundAmount": number(row.refund_amount),
        "Status": PAYMENT_STATUS[row.status],
        "EffectiveDate": day(row.occurred_at.astimezone(UTC).date()),
        "Type": "External",
        "ReferenceId": row.reference or None,
        "PaymentMethodId": row.payment_method_id or None,
        "Comment": row.description or None,
        "CreatedDate": when(row.created_at),
        "UpdatedDate": when(row.updated_at),
    }


def invoice_payment(row: InvoicePayment) -> dict:
    return {
        "Id": zid(row.id),
        "InvoiceId": zid(row.invoice_id),
        "PaymentId": zid(row.payment_id),
        "Amount": number(row.amount),
        "RefundAmount": number(row.refund_amount),
        "CreatedById": actor_id(row.created_by),
        "CreatedDate": when(row.created_at),
        "UpdatedById": actor_id(row.updated_by),
        "UpdatedDate": when(row.updated_at),
    }


def refund(row: Refund) -> dict:
    return {
        "Id": zid(row.id),
        "PaymentId": zid(row.payment_id),
        "AccountId": zid(row.payment.account_id),
        "Amount": number(row.amount),
        "Type": "External",
        "Status": "Processed",
        "RefundDate": day(row.refund_date),
        "Comment": row.comment or None,
        "RefundInvoicePaymentData": {
            "RefundInvoicePayment": [
                {"InvoiceId": zid(line.invoice_id), "RefundAmount": number(line.amount)}
                for line in row.lines.all()
            ]
        },
        "CreatedById": actor_id(row.created_by),
        "CreatedDate": when(row.created_at),
        "UpdatedDate": when(row.updated_at),
    }
