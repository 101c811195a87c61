"""The ledger as Moov's JSON. Optional fields without a value are left out, as Moov's own API does."""

from datetime import UTC, date, datetime
from decimal import Decimal
from operator import attrgetter

from django.utils import timezone

from core.money import ZERO, plain
from invoices.links import link_url
from invoices.models import Invoice
from invoices.selectors import is_past_due
from payments.models import InvoicePayment

STATUSES = {
    Invoice.Status.DRAFT: "draft",
    Invoice.Status.OPEN: "unpaid",
    Invoice.Status.PARTIALLY_PAID: "unpaid",
    Invoice.Status.PAID: "paid",
    Invoice.Status.VOID: "canceled",
}


def timestamp(value: datetime) -> str:
    """2026-01-20T14:45:00Z."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day(value: date) -> str:
    """A calendar date as the date-time Moov's date fields carry: midnight UTC."""
    return f"{value.isoformat()}T00:00:00Z"


def money(amount: Decimal, currency: str) -> dict:
    return {"currency": currency, "valueDecimal": plain(amount, currency)}


def _without_empty(fields: dict) -> dict:
    return {key: value for key, value in fields.items() if value not in (None, "")}


def invoice_payment(row: InvoicePayment) -> dict:
    payment = row.payment
    body = {"invoicePaymentID": str(row.id), "amount": money(row.amount, payment.currency)}
    if payment.for_invoice_id == row.invoice_id:  # recorded as paid outside the platform (seed 004)
        body["invoicePaymentType"] = "external"
        body["external"] = _without_empty(
            {
                "description": payment.description,
                "foreignID": payment.foreign_id,
                "paymentDate": timestamp(payment.occurred_at),
            }
        )
    else:
        # Money that came in through another dialect (a bank transaction, a Zuora payment).
        body["invoicePaymentType"] = "transfer"
        body["transfer"] = {"transferID": str(payment.id)}
    return body


def invoice_status(row: Invoice, today: date) -> str:
    if row.is_payable and is_past_due(row, today):
        return "overdue"
    return STATUSES[row.status]


def invoice(row: Invoice) -> dict:
    links = row.payment_links.all()
    link = max(links, key=attrgetter("created_at")) if links else None
    return {
        "invoiceID": str(row.id),
        "invoiceNumber": row.number,
        "description": row.description,
        "customerAccountID": str(row.account_id),
        "status": invoice_status(row, timezone.localdate()),
        "totalAmount": money(row.amount, row.currency),
        "paidAmount": money(row.payment_amount, row.currency),
        # What is still due: nothing once paid (a remainder the currency cannot express settles it, see
        # core.money), and never less than nothing when overpaid through another dialect.
        "pendingAmount": money(
            ZERO if row.status == Invoice.Status.PAID else max(row.balance, ZERO), row.currency
        ),
        "refundedAmount": money(row.refund_amount, row.currency),
        "invoicePayments": [invoice_payment(application) for application in row.applications.all()],
        "createdOn": timestamp(row.created_at),
        **_without_empty(
            {
                "paymentLinkCode": link.code if link else None,
                "paymentLinkURL": link_url(link) if link else None,
                "invoiceDate": day(row.invoice_date) if row.invoice_date else None,
                "dueDate": day(row.due_date) if row.due_date else None,
                "sentOn": timestamp(row.sent_at) if row.sent_at else None,
                "paidOn": timestamp(row.paid_at) if row.paid_at else None,
                "canceledOn": timestamp(row.voided_at) if row.voided_at else None,
            }
        ),
    }
