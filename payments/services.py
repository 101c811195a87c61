"""The only code that moves money.

Every function here is one transaction that locks rows in one fixed order (payment, then invoices by id,
then their applications and payment links), each lock granted first come, first served (tenants.rows).
It changes counters under those locks, writes a LedgerEvent with the numbers before and after, and writes
any side effect as a row (a pending receipt, a link marked for cancellation). A link's Celery task is
queued on commit; receipts, one per payment, are queued by a relay run by beat
(payments.receipts.receipts_relay). The CHECK constraints in the models are the last line of defence.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from config.celery import enqueue_on_commit
from invoices import tasks as invoice_tasks
from invoices.models import Invoice, PaymentLink
from invoices.notices import invoice_notice_create
from invoices.services import invoice_details_update, payment_link_open, payment_link_request_cancel
from payments.metrics import PAYMENTS_APPLIED
from payments.models import InvoicePayment, LedgerEvent, Payment, Receipt, Refund, RefundLine
from payments.money import ZERO, Minor, amount_validate, currency_validate
from payments.receipts import receipt_written
from tenants import rows
from tenants.context import TenantContext
from tenants.errors import Conflict, Invalid, NotFound
from tenants.models import Account
from tenants.selectors import account_get, one_or_none
from tenants.services import parse_uuid

# --- locking and bookkeeping -------------------------------------------------------------------------


def _lock_payment(ctx: TenantContext, payment_id) -> Payment:
    return rows.get_locked(Payment, ctx, payment_id, what="payment", field="payment_id")


def _lock_invoice(ctx: TenantContext, invoice_id, **equal) -> Invoice:
    """The invoice, locked, with its account (a receipt goes to the account's email)."""
    return rows.get_locked(
        Invoice, ctx, invoice_id, what="invoice", field="invoice_id", related="account", **equal
    )


def _numbers(*touched) -> dict:
    """The counters of the rows an event touches, as strings (JSON keeps Decimal exact that way)."""
    out = {}
    for row in touched:
        if isinstance(row, Payment):
            out["payment"] = {
                "amount": str(row.amount),
                "allocated_amount": str(row.allocated_amount),
                "refund_amount": str(row.refund_amount),
                "status": row.status,
            }
        elif isinstance(row, Invoice):
            out["invoice"] = {
                "amount": str(row.amount),
                "payment_amount": str(row.payment_amount),
                "refund_amount": str(row.refund_amount),
                "balance": str(row.balance),
                "status": row.status,
            }
        elif isinstance(row, InvoicePayment):
            out["invoice_payment"] = {"amount": str(row.amount), "refund_amount": str(row.refund_amount)}
    return out


def _event(ctx: TenantContext, kind: str, **fields) -> None:
    rows.insert(_event_row(ctx, kind, **fields))


def _event_row(
    ctx: TenantContext,
    kind: str,
    *,
    entity_id,
    before: dict,
    after: dict,
    invoice=None,
    payment=None,
    application_id=None,
    refund=None,
) -> LedgerEvent:
    return LedgerEvent(
        business_id=ctx.business_id,
        entity_id=entity_id,
        kind=kind,
        actor=ctx.actor,
        request_id=ctx.request_id,
        invoice_id=invoice.pk if invoice else None,
        payment_id=payment.pk if payment else None,
        invoice_payment_id=application_id,
        refund_id=refund.pk if refund else None,
        before=before,
        after=after,
    )


def _settle(invoice: Invoice) -> None:
    """Status and paid_at follow the counters: paid at balance <= 0, partially paid while some is paid."""
    if invoice.status not in Invoice.PAYABLE and invoice.status != Invoice.Status.PAID:
        return
    if invoice.balance <= ZERO:
        invoice.status = Invoice.Status.PAID
        invoice.paid_at = invoice.paid_at or timezone.now()
    else:
        invoice.status = (
            Invoice.Status.PARTIALLY_PAID if invoice.balance < invoice.amount else Invoice.Status.OPEN
        )
        invoice.paid_at = None


PAYMENT_COUNTERS = ("allocated_amount", "refund_amount", "status", "updated_at")
INVOICE_COUNTERS = (
    "payment_amount",
    "refund_amount",
    "status",
    "paid_at",
    "voided_at",
    "sent_at",
    "updated_at",
)


def _save(*changed) -> None:
    for row in changed:
        rows.update(row, PAYMENT_COUNTERS if isinstance(row, Payment) else INVOICE_COUNTERS)


def _check_room(payment: Payment, invoice: Invoice, increase: Decimal, *, allow_overpayment: bool) -> None:
    """Applying `increase` more must fit in the payment's unallocated amount and, unless overpaying is
    allowed, in the invoice's balance."""
    if increase > payment.unallocated_amount:
        raise Invalid(
            f"the amount exceeds the payment's unallocated {payment.unallocated_amount.normalize():f}",
            field="amount",
            code="over_unallocated",
        )
    if not allow_overpayment and increase > 0 and increase > invoice.balance:
        raise Invalid(
            f"the amount exceeds the invoice balance {invoice.balance.normalize():f}",
            field="amount",
            code="over_balance",
        )


def _request_link_cancellation(ctx: TenantContext, invoice: Invoice) -> None:
    link_id = payment_link_request_cancel(invoice=invoice)
    if link_id is not None:
        _event(
            ctx,
            LedgerEvent.Kind.LINK_CANCEL_REQUESTED,
            entity_id=invoice.entity_id,
            invoice=invoice,
            before={"link": {"id": str(link_id), "status": "active"}},
            after={"link": {"id": str(link_id), "cancel_requested": True}},
        )
        enqueue_on_commit(invoice_tasks.cancel_payment_link, str(link_id))


@transaction.atomic
def payment_link_cancel_request(*, ctx: TenantContext, link_id: UUID | str) -> None:
    """Staff end an active link the way the ledger does when its invoice is paid or voided: marked with a
    ledger event in their name, the cancel task queued on commit."""
    key = parse_uuid(link_id)
    links = PaymentLink.objects.for_tenant(ctx).filter(pk=key)
    invoice_id = one_or_none(links.values_list("invoice_id", flat=True)) if key else None
    if invoice_id is None:
        raise NotFound("payment link not found", field="link_id")
    # The invoice before its link, the order a payment that settles the invoice takes: no deadlock.
    invoice = _lock_invoice(ctx, invoice_id)
    link = rows.get_locked(PaymentLink, ctx, key, what="payment link", field="link_id")
    if link.status != PaymentLink.Status.ACTIVE:
        raise Conflict(f"the link is {link.status}, not active", field="link_id", code="link_state")
    if link.cancel_requested_at:
        raise Conflict("its cancellation was requested already", field="link_id", code="link_state")
    _request_link_cancellation(ctx, invoice)


# --- payments -------------------------------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    ctx: TenantContext,
    kind: str,
    amount: Decimal,
    occurred_at: datetime,
    currency: str | None = None,
    account_id: UUID | str | None = None,
    status: str = Payment.Status.PROCESSED,
    **details: str,
) -> Payment:
    """Money received. With an account, the payment is in the account's entity and currency.

    `details`: foreign_id, reference, description, counterparty, payment_method_id.
    """
    account = account_get(ctx=ctx, account_id=account_id) if account_id is not None else None
    payment = _payment_new(
        ctx,
        kind=kind,
        amount=amount,
        occurred_at=occurred_at,
        currency=currency,
        account=account,
        status=status,
        **details,
    )
    rows.write(inserts=[payment, _recorded(ctx, payment)])
    return payment


def _payment_new(
    ctx: TenantContext,
    *,
    kind: str,
    amount: Decimal,
    occurred_at: datetime,
    currency: str | None,
    account: Account | None,
    status: str = Payment.Status.PROCESSED,
    **details: str,
) -> Payment:
    """A valid new payment, not saved yet."""
    if account is not None:
        currency = currency or account.currency
        if currency != account.currency:
            raise Invalid(
                f"the account bills in {account.currency}", field="currency", code="currency_mismatch"
            )
    if kind not in Payment.Kind.values:
        raise Invalid("unknown payment kind", field="kind")
    if status not in (Payment.Status.DRAFT, Payment.Status.PROCESSED):
        raise Invalid("a new payment is draft or processed", field="status")
    return Payment(
        business_id=ctx.business_id,
        entity_id=account.entity_id if account else ctx.entity_for_creation(),
        account=account,
        kind=kind,
        currency=currency_validate(currency),
        amount=amount_validate(amount),
        occurred_at=occurred_at,
        status=status,
        created_by=ctx.actor,
        **details,
    )


def _recorded(ctx: TenantContext, payment: Payment) -> LedgerEvent:
    return _event_row(
        ctx,
        LedgerEvent.Kind.PAYMENT_RECORDED,
        entity_id=payment.entity_id,
        payment=payment,
        before={},
        after=_numbers(payment),
    )


@transaction.atomic
def payment_apply(
    *,
    ctx: TenantContext,
    invoice_id: UUID | str,
    payment_id: UUID | str,
    amount: Decimal | Minor,
    paid_on: datetime | None = None,
    allow_overpayment: bool = False,
) -> InvoicePayment:
    """Applies `amount` of a payment to an invoice (an InvoicePayment).

    An amount in `Minor` units counts in the payment's currency, read under the payment's lock.
    """
    if not isinstance(amount, Minor):
        amount = amount_validate(amount)
    payment, invoice = rows.get_locked_together(
        ctx,
        rows.Wanted(Payment, payment_id, "payment", "payment_id"),
        rows.Wanted(Invoice, invoice_id, "invoice", "invoice_id", related="account"),
    )
    if isinstance(amount, Minor):
        amount = amount_validate(amount.in_currency(payment.currency))
    return _apply(ctx, payment, invoice, amount, paid_on=paid_on, allow_overpayment=allow_overpayment)


@transaction.atomic
def external_payment_apply(
    *,
    ctx: TenantContext,
    invoice_id: UUID | str,
    amount: Decimal,
    currency: str,
    account_id: UUID | str | None = None,
    paid_on: datetime | None = None,
    foreign_id: str = "",
    description: str = "",
) -> InvoicePayment:
    """Moov's "paid outside the platform": records an external payment and applies all of it.

    With `account_id`, an invoice of another account is as absent as a missing one.
    """
    equal = {} if account_id is None else {"account_id": parse_uuid(account_id)}
    try:
        invoice = _lock_invoice(ctx, invoice_id, **equal)
    except NotFound:
        if account_id is not None:
            account_get(ctx=ctx, account_id=account_id)  # says so when the account is the missing one
        raise
    # The invoice is locked before the payment exists: a payment inserted in this transaction is invisible
    # to every other one, so none can hold or wait for its lock, and the payment -> invoice order holds.
    payment = _payment_new(
        ctx,
        kind=Payment.Kind.EXTERNAL,
        amount=amount,
        currency=currency,
        account=invoice.account,
        occurred_at=paid_on or timezone.now(),
        foreign_id=foreign_id,
        description=description,
    )
    return _apply(ctx, payment, invoice, payment.amount, paid_on=payment.occurred_at, allow_overpayment=False)


def _apply(
    ctx: TenantContext,
    payment: Payment,
    invoice: Invoice,
    amount: Decimal,
    *,
    paid_on: datetime | None,
    allow_overpayment: bool,
) -> InvoicePayment:
    """The application itself, on a locked payment and invoice."""
    if payment.currency != invoice.currency:
        raise Invalid(
            f"the payment is in {payment.currency}, the invoice in {invoice.currency}",
            field="currency",
            code="currency_mismatch",
        )
    if payment.entity_id != invoice.entity_id:
        raise Invalid(
            "the payment and the invoice belong to different entities",
            field="payment_id",
            code="entity_mismatch",
        )
    if payment.status != Payment.Status.PROCESSED:
        raise Conflict(
            f"the payment is {payment.status}, not processed", field="payment_id", code="payment_state"
        )
    if invoice.status not in Invoice.PAYABLE:
        raise Conflict(
            f"the invoice is {invoice.status}; only open invoices take payments",
            field="invoice_id",
            code="invoice_state",
        )
    _check_room(payment, invoice, amount, allow_overpayment=allow_overpayment)
    updates, inserts = [(invoice, INVOICE_COUNTERS)], []
    if payment._state.adding:
        # Recorded by this same change (Moov's external payment): inserted once, with its final numbers;
        # its two events still tell both steps.
        inserts += [payment, _recorded(ctx, payment)]
    else:
        updates.insert(0, (payment, PAYMENT_COUNTERS))
    before = _numbers(payment, invoice)
    payment.allocated_amount += amount
    invoice.payment_amount += amount
    _settle(invoice)
    application = InvoicePayment(
        business_id=ctx.business_id,
        entity_id=invoice.entity_id,
        invoice=invoice,
        payment=payment,
        amount=amount,
        paid_on=paid_on or payment.occurred_at,
        created_by=ctx.actor,
        updated_by=ctx.actor,
    )
    applied = _event_row(
        ctx,
        LedgerEvent.Kind.APPLIED,
        entity_id=invoice.entity_id,
        invoice=invoice,
        payment=payment,
        application_id=application.pk,
        before=before,
        after=_numbers(payment, invoice, application),
    )
    receipt = _receipt(invoice, application)
    rows.write(updates=updates, inserts=[*inserts, application, applied, receipt])
    receipt_written(receipt)
    settles = payment.kind == Payment.Kind.EXTERNAL or invoice.status == Invoice.Status.PAID
    if settles and invoice.sent_at is not None:  # only a sent invoice has a link (payment_link_open)
        _request_link_cancellation(ctx, invoice)
    transaction.on_commit(PAYMENTS_APPLIED.inc)
    return application


def _receipt(invoice: Invoice, application: InvoicePayment) -> Receipt:
    """The receipt of an application: pending (the relay queues its task) when the account has an email."""
    email = invoice.account.email
    return Receipt(
        business_id=invoice.business_id,
        entity_id=invoice.entity_id,
        invoice=invoice,
        invoice_payment=application,
        amount=application.amount,
        currency=invoice.currency,
        paid_on=application.paid_on,
        balance_after=invoice.balance,
        to_email=email,
        status=Receipt.Status.PENDING if email else Receipt.Status.SKIPPED,
    )


# --- applications ---------------------------------------------------------------------------------------


def _lock_application(ctx: TenantContext, invoice_payment_id, invoice_id=None):
    """Locks payment, invoice and application, in that order, and returns all three."""
    key = parse_uuid(invoice_payment_id)
    # A malformed invoice id matches nothing (never an unscoped lookup, never a 500).
    on_invoice = {} if invoice_id is None else {"invoice_id": parse_uuid(invoice_id)}
    applications = InvoicePayment.objects.for_tenant(ctx).filter(**on_invoice)
    found = one_or_none(applications.filter(pk=key).values("payment_id", "invoice_id")) if key else None
    if found is None:
        raise NotFound("invoice payment not found", field="invoice_payment_id")
    payment = _lock_payment(ctx, found["payment_id"])
    invoice = _lock_invoice(ctx, found["invoice_id"])
    application = rows.get_locked(
        InvoicePayment, ctx, key, what="invoice payment", field="invoice_payment_id", **on_invoice
    )
    return payment, invoice, application


@transaction.atomic
def application_change_amount(
    *,
    ctx: TenantContext,
    invoice_payment_id: UUID | str,
    amount: Decimal,
    allow_overpayment: bool = False,
) -> InvoicePayment:
    amount = amount_validate(amount)
    payment, invoice, application = _lock_application(ctx, invoice_payment_id)
    if invoice.status not in (*Invoice.PAYABLE, Invoice.Status.PAID):
        raise Conflict(f"the invoice is {invoice.status}", field="invoice_id", code="invoice_state")
    if amount < application.refund_amount:
        raise Invalid(
            f"{application.refund_amount.normalize():f} of this payment was refunded already",
            field="amount",
            code="under_refunded",
        )
    delta = amount - application.amount
    _check_room(payment, invoice, delta, allow_overpayment=allow_overpayment)
    before = _numbers(payment, invoice, application)
    payment.allocated_amount += delta
    invoice.payment_amount += delta
    application.amount = amount
    application.updated_by = ctx.actor
    _settle(invoice)
    _save(payment, invoice)
    application.save(update_fields=["amount", "updated_by", "updated_at"])
    _event(
        ctx,
        LedgerEvent.Kind.AMOUNT_CHANGED,
        entity_id=invoice.entity_id,
        invoice=invoice,
        payment=payment,
        application_id=application.pk,
        before=before,
        after=_numbers(payment, invoice, application),
    )
    if invoice.status == Invoice.Status.PAID:
        _request_link_cancellation(ctx, invoice)
    return application


@transaction.atomic
def application_remove(
    *, ctx: TenantContext, invoice_payment_id: UUID | str, invoice_id: UUID | None = None
) -> None:
    """Unlinks a payment from an invoice: both counters and the status come back; the event keeps the record."""
    payment, invoice, application = _lock_application(ctx, invoice_payment_id, invoice_id)
    if application.refund_amount > 0:
        raise Conflict(
            "this invoice payment was partly refunded and cannot be removed",
            field="invoice_payment_id",
            code="refunded",
        )
    before = _numbers(payment, invoice, application)
    payment.allocated_amount -= application.amount
    invoice.payment_amount -= application.amount
    _settle(invoice)
    _save(payment, invoice)
    Receipt.objects.unscoped().filter(invoice_payment=application, status=Receipt.Status.PENDING).update(
        status=Receipt.Status.CANCELED, updated_at=timezone.now()
    )
    application_pk = application.pk
    application.delete()
    _event(
        ctx,
        LedgerEvent.Kind.UNAPPLIED,
        entity_id=invoice.entity_id,
        invoice=invoice,
        payment=payment,
        application_id=application_pk,
        before=before,
        after=_numbers(payment, invoice),
    )


# --- refunds --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundPart:
    invoice_id: UUID | str
    amount: Decimal


@transaction.atomic
def refund_create(
    *,
    ctx: TenantContext,
    payment_id: UUID | str,
    amount: Decimal,
    parts: list[RefundPart] | None = None,
    refund_date: date | None = None,
    comment: str = "",
    type: str = "External",
) -> Refund:
    """Refunds money applied to invoices (seed 003): each application's, invoice's and payment's
    refund_amount rise by their part, so each invoice's balance rises and its status steps back."""
    amount = amount_validate(amount)
    payment = _lock_payment(ctx, payment_id)
    applications = list(
        InvoicePayment.objects.for_tenant(ctx).filter(payment=payment).order_by("invoice_id", "id")
    )
    if parts is None:
        if len({a.invoice_id for a in applications}) != 1:
            raise Invalid(
                "name the invoices to refund: this payment is not applied to exactly one invoice",
                field="RefundInvoicePaymentData",
                code="parts_required",
            )
        parts = [RefundPart(applications[0].invoice_id, amount)]
    parts = [
        RefundPart(parse_uuid(p.invoice_id), amount_validate(p.amount, field="RefundAmount")) for p in parts
    ]
    if sum((p.amount for p in parts), ZERO) != amount:
        raise Invalid(
            "the refund amount must equal the sum of its invoice parts", field="amount", code="parts_mismatch"
        )
    if payment.status != Payment.Status.PROCESSED:
        raise Conflict(
            f"the payment is {payment.status}, not processed", field="payment_id", code="payment_state"
        )
    invoices = {}
    for invoice_id in sorted({p.invoice_id for p in parts if p.invoice_id}, key=str):
        invoices[invoice_id] = _lock_invoice(ctx, invoice_id)
    refund = Refund.objects.unscoped().create(
        business_id=ctx.business_id,
        entity_id=payment.entity_id,
        payment=payment,
        amount=amount,
        refund_date=refund_date or timezone.localdate(),
        comment=comment,
        type=type,
        created_by=ctx.actor,
    )
    before = _numbers(payment)
    for part in parts:
        invoice = invoices.get(part.invoice_id)
        if invoice is None:
            raise NotFound("invoice not found", field="InvoiceId")
        _refund_part(ctx, refund, payment, invoice, part.amount, applications)
    payment.refund_amount += amount
    _save(payment)
    _event(
        ctx,
        LedgerEvent.Kind.REFUNDED,
        entity_id=payment.entity_id,
        payment=payment,
        refund=refund,
        before=before,
        after=_numbers(payment),
    )
    return refund


def _refund_part(ctx, refund, payment, invoice, amount, applications) -> None:
    """Takes `amount` from this payment's applications to `invoice`, oldest first."""
    remaining = amount
    before = _numbers(invoice)
    for application in (a for a in applications if a.invoice_id == invoice.pk):
        take = min(remaining, application.net_amount)
        if take <= 0:
            continue
        locked = rows.get_locked(
            InvoicePayment, ctx, application.pk, what="invoice payment", field="InvoiceId"
        )
        locked.refund_amount += take
        locked.updated_by = ctx.actor
        locked.save(update_fields=["refund_amount", "updated_by", "updated_at"])
        RefundLine.objects.unscoped().create(
            business_id=ctx.business_id,
            entity_id=invoice.entity_id,
            refund=refund,
            invoice_payment=locked,
            invoice=invoice,
            amount=take,
        )
        application.refund_amount = locked.refund_amount
        remaining -= take
        if remaining == 0:
            break
    if remaining > 0:
        raise Invalid(
            f"the refund exceeds what this payment applied to invoice {invoice.number}",
            field="RefundAmount",
            code="over_applied",
        )
    invoice.refund_amount += amount
    _settle(invoice)
    _save(invoice)
    _event(
        ctx,
        LedgerEvent.Kind.REFUNDED,
        entity_id=invoice.entity_id,
        invoice=invoice,
        payment=payment,
        refund=refund,
        before=before,
        after=_numbers(invoice),
    )


# --- invoice lifecycle ----------------------------------------------------------------------------------


@transaction.atomic
def invoice_finalize(*, ctx: TenantContext, invoice_id: UUID | str) -> Invoice:
    """draft -> open."""
    invoice = _lock_invoice(ctx, invoice_id)
    if invoice.status != Invoice.Status.DRAFT:
        raise Conflict(
            f"the invoice is {invoice.status}, not draft", field="invoice_id", code="invoice_state"
        )
    before = _numbers(invoice)
    invoice.status = Invoice.Status.OPEN
    _save(invoice)
    _event(
        ctx,
        LedgerEvent.Kind.INVOICE_FINALIZED,
        entity_id=invoice.entity_id,
        invoice=invoice,
        before=before,
        after=_numbers(invoice),
    )
    return invoice


@transaction.atomic
def invoice_send(*, ctx: TenantContext, invoice_id: UUID | str) -> tuple[Invoice, PaymentLink]:
    """Opens a draft if needed, gives it its single-use payment link, stamps it sent and emails it."""
    invoice = _lock_invoice(ctx, invoice_id)
    if invoice.status == Invoice.Status.DRAFT:
        invoice.status = Invoice.Status.OPEN
    if invoice.status not in Invoice.PAYABLE:
        raise Conflict(
            f"the invoice is {invoice.status}; only open invoices can be sent",
            field="invoice_id",
            code="invoice_state",
        )
    before = _numbers(invoice)
    invoice.sent_at = timezone.now()
    _save(invoice)
    link = payment_link_open(invoice=invoice)
    notice = invoice_notice_create(invoice=invoice, link=link)
    if notice.status == notice.Status.PENDING:
        enqueue_on_commit(invoice_tasks.send_invoice_notice, str(notice.pk))
    _event(
        ctx,
        LedgerEvent.Kind.INVOICE_SENT,
        entity_id=invoice.entity_id,
        invoice=invoice,
        before=before,
        after={**_numbers(invoice), "link": {"id": str(link.pk)}},
    )
    return invoice, link


@transaction.atomic
def invoice_update(
    *,
    ctx: TenantContext,
    invoice_id: UUID | str,
    status: str | None = None,
    due_date: date | None = None,
    description: str | None = None,
) -> None:
    """Moov's PATCH: details and a status change ("unpaid" sends, "canceled" voids) in one transaction.

    Asking for the status the invoice has changes nothing, so a retried send emails no one twice; an open
    invoice that was never sent is sent by "unpaid".
    """
    if due_date is not None or description is not None:
        invoice_details_update(ctx=ctx, invoice_id=invoice_id, due_date=due_date, description=description)
    invoice = _lock_invoice(ctx, invoice_id)
    if status == "unpaid" and not (invoice.sent_at and invoice.status in Invoice.PAYABLE):
        invoice_send(ctx=ctx, invoice_id=invoice.pk)
    elif status == "canceled" and invoice.status != Invoice.Status.VOID:
        invoice_void(ctx=ctx, invoice_id=invoice.pk)


@transaction.atomic
def invoice_void(*, ctx: TenantContext, invoice_id: UUID | str) -> Invoice:
    """Voids an invoice that has no live applications (none with money still applied)."""
    invoice = _lock_invoice(ctx, invoice_id)
    if invoice.status == Invoice.Status.VOID:
        raise Conflict("the invoice is void already", field="invoice_id", code="invoice_state")
    if invoice.payment_amount - invoice.refund_amount > 0:
        raise Conflict(
            "the invoice has payments applied: remove or refund them first",
            field="invoice_id",
            code="has_payments",
        )
    before = _numbers(invoice)
    invoice.status = Invoice.Status.VOID
    invoice.voided_at = timezone.now()
    invoice.paid_at = None
    _save(invoice)
    _event(
        ctx,
        LedgerEvent.Kind.INVOICE_VOIDED,
        entity_id=invoice.entity_id,
        invoice=invoice,
        before=before,
        after=_numbers(invoice),
    )
    _request_link_cancellation(ctx, invoice)
    return invoice


# --- reconciliation -------------------------------------------------------------------------------------


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

    def scoped(queryset):
        return queryset.filter(business_id=business_id) if business_id else queryset

    by_payment = {
        r["payment_id"]: r
        for r in scoped(InvoicePayment.objects.unscoped())
        .values("payment_id")
        .annotate(a=Sum("amount"), r=Sum("refund_amount"))
    }
    by_invoice = {
        r["invoice_id"]: r
        for r in scoped(InvoicePayment.objects.unscoped())
        .values("invoice_id")
        .annotate(a=Sum("amount"), r=Sum("refund_amount"))
    }
    by_application = dict(
        scoped(RefundLine.objects.unscoped())
        .values("invoice_payment_id")
        .annotate(r=Sum("amount"))
        .values_list("invoice_payment_id", "r")
    )
    refunds_by_payment = dict(
        scoped(Refund.objects.unscoped())
        .values("payment_id")
        .annotate(r=Sum("amount"))
        .values_list("payment_id", "r")
    )
    compare(
        "Payment",
        scoped(Payment.objects.unscoped()).iterator(),
        lambda p: {
            "allocated_amount": by_payment.get(p.pk, {}).get("a") or ZERO,
            "refund_amount": refunds_by_payment.get(p.pk) or ZERO,
        },
    )
    compare(
        "Invoice",
        scoped(Invoice.objects.unscoped()).iterator(),
        lambda i: {
            "payment_amount": by_invoice.get(i.pk, {}).get("a") or ZERO,
            "refund_amount": by_invoice.get(i.pk, {}).get("r") or ZERO,
        },
    )
    compare(
        "InvoicePayment",
        scoped(InvoicePayment.objects.unscoped()).iterator(),
        lambda a: {
            "refund_amount": by_application.get(a.pk) or ZERO,
        },
    )
    return differences
