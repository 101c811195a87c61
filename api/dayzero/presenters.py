"""Ledger rows as DayZero JSON. Amounts are integer minor units of the row's currency."""

from datetime import UTC, datetime

from django.db.models import TextField
from django.db.models.functions import Cast

from api.dayzero.fields import INVOICE_STATUSES
from api.dayzero.formats import InUtc, iso, iso_date, iso_utc
from core.money import to_minor
from invoices.models import Invoice
from payments.models import InvoicePayment, Payment
from tenants.models import Account


def account(row: Account) -> dict:
    return {
        "id": str(row.id),
        "name": row.name,
        "email": row.email or None,
        "currency": row.currency,
        "entity_id": str(row.entity_id),
        "business_id": str(row.business_id),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def invoice(row: Invoice) -> dict:
    return {
        "id": str(row.id),
        "account_id": str(row.account_id),
        "number": row.number,
        "currency": row.currency,
        "amount": to_minor(row.amount, row.currency),
        "paid_amount": to_minor(row.payment_amount, row.currency),
        "refunded_amount": to_minor(row.refund_amount, row.currency),
        "balance": to_minor(row.balance, row.currency),
        "status": INVOICE_STATUSES[row.status],
        "issue_date": iso_date(row.invoice_date),
        "due_date": iso_date(row.due_date),
        "entity_id": str(row.entity_id),
        "business_id": str(row.business_id),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def transaction(row: Payment) -> dict:
    return {
        **transaction_summary(row),
        "counterparty": row.counterparty or None,
        "allocated_amount": to_minor(row.allocated_amount, row.currency),
        "unallocated_amount": to_minor(row.unallocated_amount, row.currency),
        "created_at": iso(row.created_at),
    }


def transaction_summary(row: Payment) -> dict:
    """seed 002's InvoicePaymentTransactionSummary."""
    return {
        "id": str(row.id),
        "amount": to_minor(row.amount, row.currency),
        "currency": row.currency,
        "datetime": iso(row.occurred_at),
        "description": row.description or None,
    }


def invoice_payment(row: InvoicePayment) -> dict:
    """seed 002's InvoicePaymentResponse."""
    currency = row.payment.currency
    return {
        "id": str(row.id),
        "invoice_id": str(row.invoice_id),
        "transaction_id": str(row.payment_id),
        "amount": to_minor(row.amount, currency),
        "currency": currency,
        "paid_on": iso(row.paid_on),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "business_id": str(row.business_id),
    }


def _text(column: str) -> Cast:
    # A uuid column as text: psycopg hands over the str, no UUID to build and then format per value.
    return Cast(column, TextField())


# What invoice_payment_listed reads, as a values_list (filtered lists) in the order of the rows of
# payments.selectors.ApplicationPages: a page builds no model instances, only these tuples.
LISTED_COLUMNS = (
    *(_text("id"), _text("invoice_id"), _text("payment_id"), "amount"),
    *(InUtc("paid_on"), InUtc("created_at"), InUtc("updated_at"), _text("business_id")),
    *("payment__amount", "payment__currency", InUtc("payment__occurred_at"), "payment__description"),
)


def listed_key(row: tuple) -> tuple[datetime, str]:
    """The (created_at, id) of a LISTED_COLUMNS row, where the page's cursor points."""
    return row[5].replace(tzinfo=UTC), row[0]


def invoice_payment_listed(row: tuple) -> dict:
    """invoice_payment(), and its transaction_summary() as "transaction" (seed 002: "Included when listing
    payments"), of a LISTED_COLUMNS row."""
    (pk, invoice_id, payment_id, amount, paid_on, created_at, updated_at, business_id, *transaction) = row
    payment_amount, currency, occurred_at, description = transaction
    return {
        "id": pk,
        "invoice_id": invoice_id,
        "transaction_id": payment_id,
        "amount": to_minor(amount, currency),
        "currency": currency,
        "paid_on": iso_utc(paid_on),
        "created_at": iso_utc(created_at),
        "updated_at": iso_utc(updated_at),
        "business_id": business_id,
        "transaction": {
            "id": payment_id,
            "amount": to_minor(payment_amount, currency),
            "currency": currency,
            "datetime": iso_utc(occurred_at),
            "description": description or None,
        },
    }
