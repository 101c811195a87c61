"""Invoices and their payment links. Money on an invoice moves only through payments.services."""

import secrets
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from invoices.models import Invoice, PaymentLink
from payments.money import amount_validate, currency_validate
from tenants import rows
from tenants.context import TenantContext
from tenants.errors import Conflict, Invalid
from tenants.selectors import account_get


def _generated_number() -> str:
    return f"INV-{secrets.token_hex(5).upper()}"


def invoice_create(
    *,
    ctx: TenantContext,
    account_id: UUID | str,
    amount: Decimal,
    currency: str | None = None,
    number: str | None = None,
    status: str = Invoice.Status.OPEN,
    invoice_date: date | None = None,
    due_date: date | None = None,
    description: str = "",
) -> Invoice:
    account = account_get(ctx=ctx, account_id=account_id)
    currency = currency_validate(currency or account.currency)
    if currency != account.currency:
        raise Invalid(f"the account bills in {account.currency}", field="currency", code="currency_mismatch")
    if status not in (Invoice.Status.DRAFT, Invoice.Status.OPEN):
        raise Invalid("a new invoice is draft or open", field="status")
    if invoice_date and due_date and due_date < invoice_date:
        raise Invalid("the due date is before the invoice date", field="due_date")
    invoice = Invoice(
        business_id=ctx.business_id,
        entity_id=account.entity_id,
        account=account,
        number=number or _generated_number(),
        currency=currency,
        amount=amount_validate(amount),
        status=status,
        invoice_date=invoice_date or timezone.localdate(),
        due_date=due_date,
        description=description,
    )
    try:
        with transaction.atomic():
            invoice.save(force_insert=True)
    except IntegrityError as exc:
        raise Conflict(
            f"invoice number {invoice.number} already exists", field="number", code="duplicate"
        ) from exc
    return invoice


def payment_link_url(link: PaymentLink) -> str:
    return f"{settings.PUBLIC_BASE_URL}/pay/{link.code}"


def payment_link_open(*, invoice: Invoice) -> PaymentLink:
    """The invoice's active link, created if it has none. The caller holds the invoice row lock.

    Only a sent invoice has a link (invoice_send stamps sent_at first): a payment on an invoice never sent
    skips looking for one while it holds the invoice's lock.
    """
    if invoice.sent_at is None:
        raise ValueError(f"invoice {invoice.pk} was not sent: only a sent invoice gets a payment link")
    link = PaymentLink.objects.unscoped().filter(invoice=invoice, status=PaymentLink.Status.ACTIVE).first()
    if link is None:
        link = PaymentLink.objects.unscoped().create(
            business_id=invoice.business_id,
            entity_id=invoice.entity_id,
            invoice=invoice,
            code=secrets.token_urlsafe(32),
        )
    return link


def payment_link_request_cancel(*, invoice: Invoice) -> UUID | None:
    """Marks the invoice's active link for cancellation (in the caller's transaction) and returns its id;
    the task does the rest. One UPDATE: every payment from Moov comes through here."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {PaymentLink._meta.db_table} SET cancel_requested_at = now(), updated_at = now()
            WHERE invoice_id = %s AND status = %s AND cancel_requested_at IS NULL
            RETURNING id
            """,
            [invoice.pk, PaymentLink.Status.ACTIVE],
        )
        found = cursor.fetchone()
    return found[0] if found else None


def payment_link_cancel(*, link_id: UUID) -> bool:
    """Run by the Celery task: an active link that was asked to cancel becomes canceled. Idempotent."""
    with transaction.atomic():
        link = (
            PaymentLink.objects.unscoped()
            .select_for_update(skip_locked=True)
            .filter(pk=link_id, status=PaymentLink.Status.ACTIVE)
            .first()
        )
        if link is None:
            return False
        now = timezone.now()
        link.status = PaymentLink.Status.CANCELED
        link.canceled_at = now
        link.cancel_requested_at = link.cancel_requested_at or now
        link.save(update_fields=["status", "canceled_at", "cancel_requested_at", "updated_at"])
        return True


@transaction.atomic
def invoice_details_update(
    *,
    ctx: TenantContext,
    invoice_id: UUID | str,
    due_date: date | None = None,
    description: str | None = None,
) -> Invoice:
    """Changes the given details (None leaves one as it is) of an invoice that is not paid or void."""
    # Through tenants.rows like the ledger's locks: it waits its turn in the same queue as payments do.
    invoice = rows.get_locked(Invoice, ctx, invoice_id, what="invoice", field="invoice_id")
    if invoice.status in (Invoice.Status.PAID, Invoice.Status.VOID):
        raise Conflict(
            f"the invoice is {invoice.status}; its details can no longer change",
            field="invoice_id",
            code="invoice_state",
        )
    if due_date is not None:
        if invoice.invoice_date and due_date < invoice.invoice_date:
            raise Invalid("the due date is before the invoice date", field="due_date")
        invoice.due_date = due_date
    if description is not None:
        invoice.description = description
    invoice.save(update_fields=["due_date", "description", "updated_at"])
    return invoice
