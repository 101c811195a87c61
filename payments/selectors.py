"""Reads of money received and applied, always through a tenant context. Another tenant's row is
NotFound."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from uuid import UUID

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.errors import NotFound
from core.ids import parse_uuid
from core.money import ZERO
from invoices.models import BALANCE, Invoice
from invoices.selectors import past_due
from payments.models import UNALLOCATED, InvoicePayment, Payment, Refund
from tenants.context import TenantContext
from tenants.models import Account
from tenants.selectors import one_by_key


def payment_get(*, ctx: TenantContext, payment_id: UUID | str) -> Payment:
    return one_by_key(Payment.objects.for_tenant(ctx), payment_id, what="payment", field="payment_id")


def payment_list(*, ctx: TenantContext) -> QuerySet[Payment]:
    return Payment.objects.for_tenant(ctx)


def application_get(
    *,
    ctx: TenantContext,
    invoice_payment_id: UUID | str,
    invoice_id: UUID | str | None = None,
    payment_id: UUID | None = None,
) -> InvoicePayment:
    """One application; with `invoice_id` (or `payment_id`), only if it is on that invoice (of that
    payment). A malformed id finds nothing."""
    applications = InvoicePayment.objects.for_tenant(ctx).select_related("payment")
    if invoice_id is not None:
        applications = applications.filter(invoice_id=parse_uuid(invoice_id))
    if payment_id is not None:
        applications = applications.filter(payment_id=payment_id)
    return one_by_key(applications, invoice_payment_id, what="invoice payment", field="invoice_payment_id")


def application_list(
    *, ctx: TenantContext, invoice_id: UUID | None = None, payment_id: UUID | None = None
) -> QuerySet[InvoicePayment]:
    """An invoice's (or a payment's) applications with their payment, in one query however many there are."""
    applications = InvoicePayment.objects.for_tenant(ctx).select_related("payment")
    if invoice_id is not None:
        applications = applications.filter(invoice_id=invoice_id)
    if payment_id is not None:
        applications = applications.filter(payment_id=payment_id)
    return applications


@dataclass(frozen=True)
class ApplicationPages:
    """An invoice's applications, newest last, with their payments, a keyset page at a time
    (a keyset paginator's source): the lists that clients poll. Each page is one statement, written once, that
    finds the invoice as the tenant sees it (NotFound otherwise) and its page; the ORM spent 1.5 ms
    building and compiling it, and joined every application's payment before the LIMIT
    (bench/README.md)."""

    ctx: TenantContext
    invoice_id: UUID | str

    def rows(self, after: tuple[datetime, UUID] | None, backwards: bool, count: int) -> list[tuple]:
        """Up to `count` rows after the (created_at, id) `after`, or before it `backwards` (then newest
        first), as tuples: the application's id, invoice_id, payment_id, amount, paid_on, created_at,
        updated_at and business_id, then its payment's amount, currency, occurred_at and description. Ids
        are text and timestamps naive UTC datetimes, which psycopg loads in C (a UUID, or an aware datetime
        through Django's loader, costs Python per value)."""
        invoice_pk = parse_uuid(self.invoice_id)
        found = []
        if invoice_pk is not None:
            params = [*after] if after else []
            params += [count, invoice_pk, self.ctx.business_id, list(self.ctx.entity_ids)]
            with connection.cursor() as cursor:
                cursor.execute(_application_page_sql(after is not None, backwards), params)
                found = cursor.fetchall()
        if not found:
            raise NotFound("invoice not found", field="invoice_id")
        return [row for row in found if row[0] is not None]  # no applications: the invoice's row alone

    def count(self) -> int:
        invoice_pk = parse_uuid(self.invoice_id)
        return application_list(ctx=self.ctx, invoice_id=invoice_pk).count() if invoice_pk else 0


@cache
def _application_page_sql(after: bool, backwards: bool) -> str:
    application, payment = InvoicePayment._meta.db_table, Payment._meta.db_table
    invoice = Invoice._meta.db_table
    # A row comparison, which the (business_id, invoice_id, created_at, id) index seeks to. Each payment is
    # found by its key, one page's worth: the statement is prepared, and PostgreSQL's generic plan for it
    # (used after five runs) hashed every payment of the business instead, 10 x slower at 14,000 of them
    # and growing with them; the subquery's LIMIT keeps it from being flattened into that join.
    keyset = f"AND (a.created_at, a.id) {'<' if backwards else '>'} (%s, %s)" if after else ""
    direction = "DESC" if backwards else "ASC"
    return f"""
        SELECT a.id::text, a.invoice_id::text, a.payment_id::text, a.amount,
               a.paid_on AT TIME ZONE 'UTC', a.created_at AT TIME ZONE 'UTC', a.updated_at AT TIME ZONE 'UTC',
               a.business_id::text, p.amount, p.currency, p.occurred_at AT TIME ZONE 'UTC', p.description
        FROM {invoice} i
        LEFT JOIN LATERAL (
            SELECT * FROM {application} a
            WHERE a.business_id = i.business_id AND a.invoice_id = i.id AND a.entity_id = i.entity_id {keyset}
            ORDER BY a.created_at {direction}, a.id {direction}
            LIMIT %s
        ) a ON true
        LEFT JOIN LATERAL (
            SELECT p.amount, p.currency, p.occurred_at, p.description FROM {payment} p
            WHERE p.id = a.payment_id AND p.business_id = i.business_id
            LIMIT 1
        ) p ON true
        WHERE i.id = %s AND i.business_id = %s AND i.entity_id = ANY(%s)
        ORDER BY a.created_at {direction}, a.id {direction}"""


def account_totals(*, ctx: TenantContext, account: Account) -> dict[str, Decimal]:
    """What the account owes on its posted invoices, and what its payments hold unapplied."""
    owed = (
        Invoice.objects.for_tenant(ctx)
        .filter(account=account, status__in=(*Invoice.PAYABLE, Invoice.Status.PAID))
        .aggregate(total=Sum(BALANCE))["total"]
    )
    unapplied = (
        Payment.objects.for_tenant(ctx)
        .filter(account=account, status=Payment.Status.PROCESSED)
        .aggregate(total=Sum(UNALLOCATED))["total"]
    )
    return {"invoice_balance": owed or ZERO, "unapplied": unapplied or ZERO}


def refund_get(*, ctx: TenantContext, refund_id: UUID | str) -> Refund:
    return one_by_key(Refund.objects.for_tenant(ctx), refund_id, what="refund", field="refund_id")


def refund_list(*, ctx: TenantContext) -> QuerySet[Refund]:
    return Refund.objects.for_tenant(ctx).select_related("payment")


def _with_everything(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    # An invoice shows its customer, lines (with options), applications (with their payment) and link: five
    # queries for a page of any length.
    return invoices.select_related("account").prefetch_related(
        "lines__options", "applications__payment", "payment_links"
    )


def invoice_in_full(*, ctx: TenantContext, invoice_id: UUID | str) -> Invoice:
    """One invoice with its customer, lines, payments and links."""
    invoices = _with_everything(Invoice.objects.for_tenant(ctx))
    return one_by_key(invoices, invoice_id, what="invoice", field="invoice_id")


def invoices_in_full(
    *,
    ctx: TenantContext,
    account_id: UUID | None = None,
    statuses: Collection[str] | None = None,
    overdue: bool | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    due_from: datetime | None = None,
    due_to: datetime | None = None,
) -> QuerySet[Invoice]:
    """The tenant's invoices with their customers, lines, payments and links, oldest first (so offset paging
    does not shift as new ones arrive). `overdue` True keeps only invoices past their due date, False only
    the others; a due date is in a range of date-times when its midnight (UTC) is."""
    invoices = Invoice.objects.for_tenant(ctx)
    if account_id is not None:
        invoices = invoices.filter(account_id=account_id)
    if statuses is not None:
        invoices = invoices.filter(status__in=statuses)
    if overdue is not None:
        due = past_due(timezone.localdate())
        invoices = invoices.filter(due) if overdue else invoices.exclude(due)
    if created_from is not None:
        invoices = invoices.filter(created_at__gte=created_from)
    if created_to is not None:
        invoices = invoices.filter(created_at__lte=created_to)
    if due_from is not None:
        invoices = invoices.filter(due_date__gte=_first_midnight_from(due_from))
    if due_to is not None:
        invoices = invoices.filter(due_date__lte=due_to.astimezone(UTC).date())
    return _with_everything(invoices).order_by("created_at", "id")


def _first_midnight_from(moment: datetime) -> date:
    """The first day whose midnight (UTC) is at or after `moment`."""
    moment = moment.astimezone(UTC)
    return moment.date() + timedelta(days=1 if moment.time() != time() else 0)


# Open receivables by how far past due (days after the due date), for the dashboard.
AGE_BUCKETS = (
    ("current", "Not due yet"),
    ("overdue_30", "1-30 days overdue"),
    ("overdue_60", "31-60 days"),
    ("overdue_90", "61-90 days"),
    ("overdue_more", "Over 90 days"),
)
# Payments received per day, over this many days up to today.
RECEIVED_DAYS = 14


@dataclass(frozen=True)
class DashboardFigures:
    # Each row names its business (business_name) and currency.
    receivables: list[dict]  # per business and currency: each bucket's open balance, and the total
    received: list[dict]  # per day (newest first), business and currency: how many and how much
    unapplied: list[dict]  # per business and currency: how many payments hold money, and how much


def dashboard_figures(*, business_ids: Collection[UUID], today: date) -> DashboardFigures:
    """The dashboard of these businesses (each read as its own tenant)."""

    def overdue(more_than: int, at_most: int | None = None) -> Q:
        days = Q(due_date__lt=today - timedelta(days=more_than))
        return days if at_most is None else days & Q(due_date__gte=today - timedelta(days=at_most))

    buckets = {
        "current": Q(due_date__isnull=True) | Q(due_date__gte=today),
        "overdue_30": overdue(0, 30),
        "overdue_60": overdue(30, 60),
        "overdue_90": overdue(60, 90),
        "overdue_more": overdue(90),
    }
    since = timezone.make_aware(datetime.combine(today - timedelta(days=RECEIVED_DAYS - 1), time.min))
    figures = DashboardFigures([], [], [])
    for business_id in business_ids:
        named = {"business_name": F("business__name")}
        figures.receivables.extend(
            Invoice.objects.of_business(business_id)
            .filter(status__in=Invoice.PAYABLE)
            .values("currency", **named)
            .annotate(
                **{key: Sum(BALANCE, filter=q, default=ZERO) for key, q in buckets.items()},
                total=Sum(BALANCE),
            )
            .order_by("currency")
        )
        processed = Payment.objects.of_business(business_id).filter(status=Payment.Status.PROCESSED)
        figures.received.extend(
            processed.filter(occurred_at__gte=since)
            .annotate(day=TruncDate("occurred_at"))
            .values("day", "currency", **named)
            .annotate(count=Count("id"), amount=Sum("amount"))
            .order_by("-day", "currency")
        )
        figures.unapplied.extend(
            processed.alias(left=UNALLOCATED)
            .filter(left__gt=0)
            .values("currency", **named)
            .annotate(count=Count("id"), amount=Sum(UNALLOCATED))
            .order_by("currency")
        )
    figures.received.sort(key=lambda row: row["day"], reverse=True)
    return figures
