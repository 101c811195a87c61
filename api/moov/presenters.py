"""The ledger as Moov's JSON. Optional fields without a value are left out, as Moov's own API does."""

from datetime import UTC, date, datetime
from decimal import Decimal
from operator import attrgetter

from django.utils import timezone

from core.money import ZERO, plain, to_minor
from invoices.links import link_state, link_url
from invoices.models import Invoice, InvoiceLine, PaymentLink
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


def _line(row: InvoiceLine, currency: str) -> dict:
    item = {"name": row.name, "basePrice": money(row.unit_price, currency), "quantity": row.quantity}
    if row.product_id:
        item["productID"] = row.product_id
    options = [
        {
            "name": option.name,
            "quantity": option.quantity,
            **({"priceModifier": money(option.price_modifier, currency)} if option.price_modifier else {}),
            **({"group": option.group} if option.group else {}),
        }
        for option in row.options.all()
    ]
    if options:
        item["options"] = options
    return item


def payment_options(options: dict) -> dict:
    """The invoice's payment options (invoices keep them in the ledger's words) in Moov's."""
    return _without_empty(
        {
            "allowedMethods": options.get("allowed_methods"),
            "cardDetails": options.get("card"),
            "achDetails": options.get("ach"),
        }
    )


def invoice(row: Invoice) -> dict:
    """The SDK's Invoice (prefetch the invoice's account, lines with their options, applications with their
    payments, and links)."""
    links = row.payment_links.all()
    link = max(links, key=attrgetter("created_at")) if links else None
    currency = row.currency
    details = {
        name: money(value, currency)
        for name, value in (("tax", row.tax_amount), ("surcharge", row.surcharge_amount))
        if value
    }
    return {
        "invoiceID": str(row.id),
        "invoiceNumber": row.number,
        "description": row.description,
        "customerAccountID": str(row.account_id),
        "customerDisplayName": row.account.name,
        "customerEmail": row.email,
        "partnerAccountID": str(row.business_id),
        "status": invoice_status(row, timezone.localdate()),
        "lineItems": {"items": [_line(line, currency) for line in row.lines.all()]},
        "subtotalAmount": money(row.subtotal_amount, currency),
        "totalAmount": money(row.amount, currency),
        # Payments here settle when they are recorded: none is ever in flight, none is disputed.
        "pendingAmount": money(ZERO, currency),
        "paidAmount": money(row.payment_amount, currency),
        "refundedAmount": money(row.refund_amount, currency),
        "disputedAmount": money(ZERO, currency),
        "invoicePayments": [invoice_payment(application) for application in row.applications.all()],
        "createdOn": timestamp(row.created_at),
        **_without_empty(
            {
                "amountDetails": details or None,
                "payment": payment_options(row.payment_options) or None,
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


# A link's state in Moov's words (invoices.links.link_state).
LINK_STATUSES = {"active": "active", "canceled": "disabled", "expired": "expired"}


def payment_link(row: PaymentLink) -> dict:
    """The SDK's PaymentLink, for the link an invoice made (select_related the invoice)."""
    invoice = row.invoice
    page = row.page
    due = max(invoice.balance, ZERO) if invoice.is_payable else ZERO
    return {
        "code": row.code,
        "paymentLinkType": "invoice-payment",
        "mode": "production",
        "status": LINK_STATUSES[link_state(row)],
        "partnerAccountID": str(row.business_id),
        "merchantAccountID": str(row.entity_id),
        "ownerAccountID": str(row.entity_id),
        # Money reaches the merchant outside this platform: there is no Moov payment method to name.
        "merchantPaymentMethodID": "",
        "link": link_url(row),
        "uses": 0,
        "amount": {"currency": invoice.currency, "value": to_minor(due, invoice.currency)},
        "display": {
            "title": page.get("title") or f"Invoice {invoice.number}",
            "description": page.get("description", invoice.description),
            "callToAction": page.get("call_to_action", "pay"),
        },
        "customer": _without_empty(
            {
                "requireAddress": page.get("require_address"),
                "requirePhone": page.get("require_phone"),
                "tippingEnabled": page.get("tipping"),
                "metadata": page.get("metadata"),
            }
        ),
        "payment": {"allowedMethods": invoice.payment_options.get("allowed_methods", [])},
        "createdOn": timestamp(row.created_at),
        "updatedOn": timestamp(row.updated_at),
        **_without_empty(
            {
                "expiresOn": timestamp(row.expires_at) if row.expires_at else None,
                "disabledOn": timestamp(row.canceled_at or row.cancel_requested_at)
                if row.canceled_at or row.cancel_requested_at
                else None,
            }
        ),
    }
