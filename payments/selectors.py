"""Reads of the ledger, always through a tenant context. Another tenant's row is NotFound."""

from collections.abc import Collection
from datetime import date
from uuid import UUID

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from invoices.models import Invoice
from payments.models import InvoicePayment, LedgerEvent, Payment, Refund
from tenants.context import TenantContext
from tenants.errors import NotFound
from tenants.selectors import account_get, one_or_none
from tenants.services import parse_uuid


def _get(queryset: QuerySet, pk: UUID | str, *, what: str, field: str) -> Model:
    key = parse_uuid(pk)
    row = one_or_none(queryset.filter(pk=key)) if key else None
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


def application_get(
    *, ctx: TenantContext, invoice_payment_id: UUID | str, invoice_id: UUID | str | None = None
):
    """One application; with `invoice_id`, only if it is on that invoice (a malformed id finds nothing)."""
    applications = InvoicePayment.objects.for_tenant(ctx).select_related("payment")
    if invoice_id is not None:
        applications = applications.filter(invoice_id=parse_uuid(invoice_id))
    return _get(applications, invoice_payment_id, what="invoice payment", field="invoice_payment_id")


def application_list(*, ctx: TenantContext, invoice_id: UUID) -> QuerySet[InvoicePayment]:
    """An invoice's applications with their payment, in one query however many there are."""
    return InvoicePayment.objects.for_tenant(ctx).filter(invoice_id=invoice_id).select_related("payment")


def refund_get(*, ctx: TenantContext, refund_id: UUID | str) -> Refund:
    return _get(Refund.objects.for_tenant(ctx), refund_id, what="refund", field="refund_id")


def event_list(*, ctx: TenantContext, invoice_id: UUID | None = None) -> QuerySet[LedgerEvent]:
    events = LedgerEvent.objects.for_tenant(ctx)
    return events.filter(invoice_id=invoice_id) if invoice_id else events


# An invoice is past due from the day after its due date; these two say so in SQL and in Python.
def past_due(today: date) -> Q:
    return Q(due_date__lt=today)


def is_past_due(invoice: Invoice, today: date) -> bool:
    return invoice.due_date is not None and invoice.due_date < today


def _with_payments_and_links(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    # An invoice shows its applications (with their payment) and its link: three queries for any page.
    return invoices.prefetch_related("applications__payment", "payment_links")


def account_invoice_get(*, ctx: TenantContext, account_id: UUID | str, invoice_id: UUID | str) -> Invoice:
    """One invoice of the account; an invoice of another account is as absent as a missing one."""
    account = account_get(ctx=ctx, account_id=account_id)
    pk = parse_uuid(invoice_id)
    invoices = Invoice.objects.for_tenant(ctx).filter(account=account, pk=pk)
    invoice = one_or_none(_with_payments_and_links(invoices)) if pk else None
    if invoice is None:
        raise NotFound("invoice not found", field="invoice_id")
    return invoice


def account_invoice_list(
    *,
    ctx: TenantContext,
    account_id: UUID | str,
    statuses: Collection[str] | None = None,
    overdue: bool | None = None,
) -> QuerySet[Invoice]:
    """The account's invoices, oldest first (so offset paging does not shift as new ones arrive).

    `overdue` True keeps only invoices past their due date, False only those that are not.
    """
    account = account_get(ctx=ctx, account_id=account_id)
    invoices = Invoice.objects.for_tenant(ctx).filter(account=account)
    if statuses is not None:
        invoices = invoices.filter(status__in=statuses)
    if overdue is not None:
        due = past_due(timezone.localdate())
        invoices = invoices.filter(due) if overdue else invoices.exclude(due)
    return _with_payments_and_links(invoices).order_by("created_at", "id")
