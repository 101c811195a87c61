"""Reads of the ledger, always through a tenant context. Another tenant's row is NotFound."""

from uuid import UUID

from django.db.models import Model, QuerySet

from invoices.models import Invoice
from payments.models import InvoicePayment, LedgerEvent, Payment, Refund
from tenants.context import TenantContext
from tenants.errors import NotFound
from tenants.services import parse_uuid


def _get(queryset: QuerySet, pk: UUID | str, *, what: str, field: str) -> Model:
    key = pk if isinstance(pk, UUID) else parse_uuid(pk)
    row = queryset.filter(pk=key).first() if key else None
    if row is None:
        raise NotFound(f"{what} not found", field=field)
    return row


def invoice_get(*, ctx: TenantContext, invoice_id: UUID | str) -> Invoice:
    return _get(Invoice.objects.for_tenant(ctx), invoice_id, what="invoice", field="invoice_id")


def invoice_list(*, ctx: TenantContext) -> QuerySet[Invoice]:
    return Invoice.objects.for_tenant(ctx)


def payment_get(*, ctx: TenantContext, payment_id: UUID | str) -> Payment:
    return _get(Payment.objects.for_tenant(ctx), payment_id, what="payment", field="payment_id")


def payment_list(*, ctx: TenantContext, kind: str | None = None) -> QuerySet[Payment]:
    payments = Payment.objects.for_tenant(ctx)
    return payments.filter(kind=kind) if kind else payments


def application_get(*, ctx: TenantContext, invoice_payment_id: UUID | str, invoice_id: UUID | None = None):
    applications = InvoicePayment.objects.for_tenant(ctx)
    if invoice_id is not None:
        applications = applications.filter(invoice_id=invoice_id)
    return _get(applications, invoice_payment_id, what="invoice payment", field="invoice_payment_id")


def application_list(*, ctx: TenantContext, invoice_id: UUID) -> QuerySet[InvoicePayment]:
    """An invoice's applications with their payment, in one query however many there are."""
    return InvoicePayment.objects.for_tenant(ctx).filter(invoice_id=invoice_id).select_related("payment")


def refund_get(*, ctx: TenantContext, refund_id: UUID | str) -> Refund:
    return _get(Refund.objects.for_tenant(ctx), refund_id, what="refund", field="refund_id")


def event_list(*, ctx: TenantContext, invoice_id: UUID | None = None) -> QuerySet[LedgerEvent]:
    events = LedgerEvent.objects.for_tenant(ctx)
    return events.filter(invoice_id=invoice_id) if invoice_id else events
