"""Ledger rows as the Invoice Settlement API's objects, in zuora-sdk's response models.

A payment's figures follow Zuora's: amount = appliedAmount + unappliedAmount + refundAmount. What it
applied and then refunded is no longer applied (Zuora unapplies before it refunds), so appliedAmount is
the net of its applications, as each part's amount is; the invoice keeps PaymentAmount and RefundAmount
apart, as its Balance = Amount - PaymentAmount + RefundAmount (seed 003) needs.
"""

from datetime import UTC, datetime
from decimal import Decimal

from api.zuora.presenters import INVOICE_STATUS, PAYMENT_STATUS, actor_id, day, number, zid
from api.zuora.settlement import keys
from invoices.lines import stored_line
from invoices.models import Invoice, InvoiceLine
from payments.models import InvoicePayment, Payment, Refund
from tenants.models import Account

SUCCESS = {"success": True}


def when(value: datetime) -> str:
    """Zuora's REST date-time: 2026-01-20 14:45:00."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def account_created(row: Account) -> dict:
    return {**SUCCESS, "accountId": zid(row.id), "accountNumber": keys.number(keys.ACCOUNT, row.number)}


def account(row: Account, *, invoice_balance: Decimal, unapplied: Decimal) -> dict:
    contact = {**row.contact, "workEmail": row.email or None, "accountId": zid(row.id)}
    return {
        **SUCCESS,
        "basicInfo": {
            "id": zid(row.id),
            "accountNumber": keys.number(keys.ACCOUNT, row.number),
            "name": row.name,
            "status": "Active",
        },
        "billingAndPayment": {"currency": row.currency},
        "billToContact": contact,
        "soldToContact": contact,
        "metrics": {
            "balance": number(invoice_balance),
            "totalInvoiceBalance": number(invoice_balance),
            "unappliedPaymentAmount": number(unapplied),
            "creditBalance": 0,
            "currency": row.currency,
        },
    }


def invoice(row: Invoice) -> dict:
    return {
        **SUCCESS,
        "id": zid(row.id),
        "accountId": zid(row.account_id),
        "invoiceNumber": row.number,
        "currency": row.currency,
        "amount": number(row.amount),
        "amountWithoutTax": number(row.amount - row.tax_amount),
        "taxAmount": number(row.tax_amount),
        "balance": number(row.balance),
        "paymentAmount": number(row.payment_amount),
        "refundAmount": number(row.refund_amount),
        "creditMemoAmount": 0,
        "adjustmentAmount": 0,
        "status": INVOICE_STATUS[row.status],
        "invoiceDate": day(row.invoice_date),
        "dueDate": day(row.due_date),
        "comments": row.description or None,
        "createdDate": when(row.created_at),
        "updatedDate": when(row.updated_at),
    }


def operation_done(row: Invoice) -> dict:
    """Zuora's answer to an operation it may run later; here it is done when the answer comes."""
    return {**SUCCESS, "id": zid(row.id), "jobStatus": "Completed"}


def invoice_item(row: InvoiceLine) -> dict:
    """A line with options shows its unit price with the options' modifiers in: quantity x unitPrice is
    its amount, as Zuora's items add up."""
    total = stored_line(row).total
    return {
        "id": zid(row.id),
        "chargeName": row.name,
        "chargeAmount": str(number(total)),
        "quantity": row.quantity,
        "unitPrice": number(total / row.quantity),
        "sku": row.product_id or None,
        "processingType": "Charge",
    }


def application_part(row: InvoicePayment) -> dict:
    return {
        "paymentId": zid(row.payment_id),
        "appliedAmount": number(row.net_amount),
        "createdById": actor_id(row.created_by),
        "createdDate": when(row.created_at),
        "updatedById": actor_id(row.updated_by),
        "updatedDate": when(row.updated_at),
    }


def payment(row: Payment) -> dict:
    return {
        "id": zid(row.id),
        "number": keys.number(keys.PAYMENT, row.number),
        "accountId": zid(row.account_id),
        "accountNumber": keys.number(keys.ACCOUNT, row.account.number) if row.account_id else None,
        "currency": row.currency,
        "amount": number(row.amount),
        "appliedAmount": number(row.allocated_amount - row.refund_amount + row.unapplied_refund_amount),
        "unappliedAmount": number(row.unallocated_amount),
        "refundAmount": number(row.refund_amount),
        "creditBalanceAmount": 0,
        "status": PAYMENT_STATUS[row.status],
        "type": "External",
        "effectiveDate": day(row.occurred_at.astimezone(UTC).date()),
        "referenceId": row.reference or None,
        "paymentMethodId": row.payment_method_id or None,
        "comment": row.description or None,
        "createdById": actor_id(row.created_by),
        "createdDate": when(row.created_at),
        "updatedDate": when(row.updated_at),
    }


def payment_part(row: InvoicePayment) -> dict:
    return {
        "id": zid(row.id),
        "invoiceId": zid(row.invoice_id),
        "amount": number(row.net_amount),
        "createdById": actor_id(row.created_by),
        "createdDate": when(row.created_at),
        "updatedById": actor_id(row.updated_by),
        "updatedDate": when(row.updated_at),
    }


def refund(row: Refund) -> dict:
    return {
        "id": zid(row.id),
        "number": keys.number(keys.REFUND, row.number),
        "paymentId": zid(row.payment_id),
        "paymentNumber": keys.number(keys.PAYMENT, row.payment.number),
        "accountId": zid(row.payment.account_id),
        "amount": number(row.amount),
        "status": "Processed",
        "type": "External",
        "methodType": row.method or None,
        "referenceId": row.reference or None,
        "refundDate": day(row.refund_date),
        "comment": row.comment or None,
        "createdById": actor_id(row.created_by),
        "createdDate": when(row.created_at),
        "updatedDate": when(row.updated_at),
    }


def refund_part(row: Refund) -> dict:
    """A refund of a payment has one part, the payment; it carries the refund's id."""
    return {
        "id": zid(row.id),
        "paymentId": zid(row.payment_id),
        "amount": number(row.amount),
        "createdById": actor_id(row.created_by),
        "createdDate": when(row.created_at),
        "updatedDate": when(row.updated_at),
    }
