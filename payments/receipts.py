"""A receipt: its message, and sending it at most once (invoices.delivery)."""

from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from config.celery import app as celery_app
from config.celery import enqueue_on_commit
from invoices.delivery import deliver, message_id
from payments.metrics import RECEIPTS_SENT
from payments.models import Receipt
from payments.money import plain
from payments.tasks import relay_receipts, send_receipt
from tenants.context import TenantContext
from tenants.errors import Conflict, NotFound


def receipt_message(receipt: Receipt) -> EmailMultiAlternatives:
    invoice = receipt.invoice
    context = {
        "business": receipt.business.name,
        "account": invoice.account.name,
        "invoice_number": invoice.number,
        "amount": plain(receipt.amount, receipt.currency),
        "currency": receipt.currency,
        "paid_on": receipt.paid_on.date().isoformat(),
        "balance": plain(receipt.balance_after, receipt.currency),
    }
    message = EmailMultiAlternatives(
        subject=f"Receipt: {context['amount']} {receipt.currency} paid on invoice {invoice.number}",
        body=render_to_string("receipts/receipt.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[receipt.to_email],
        headers={"Message-ID": message_id("receipt", receipt.pk, settings.DEFAULT_FROM_EMAIL)},
    )
    message.attach_alternative(render_to_string("receipts/receipt.html", context), "text/html")
    return message


def receipt_send(receipt_id: UUID | str) -> str:
    outcome = deliver(Receipt, receipt_id, receipt_message, related=("business", "invoice__account"))
    if outcome == "sent":
        transaction.on_commit(RECEIPTS_SENT.inc)
    return outcome


def receipt_written(receipt: Receipt) -> None:
    """A pending receipt waits for the relay, which beat runs. Without a broker (development, tests: Celery
    runs tasks in-process) no beat runs, so the relay runs when the writing transaction commits."""
    if receipt.status == Receipt.Status.PENDING and celery_app.conf.task_always_eager:
        enqueue_on_commit(relay_receipts)


def receipts_relay(limit: int = 500) -> int:
    """The receipts' outbox relay, run by beat every RECEIPT_RELAY_SECONDS: queues the send task of each
    pending receipt not queued yet, oldest first, and returns how many.

    A payment writes its receipt row and never talks to the broker: publishing a task costs about a tenth
    of a payment request's CPU (bench/README.md), and a broker outage cannot reach the request. Rows are
    claimed with SKIP LOCKED (overlapping relays share the work) and marked before the publish; one whose
    publish failed is left to the sweep, which queues every receipt still pending after a while.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Receipt._meta.db_table} SET queued_at = now() WHERE id IN (
                SELECT id FROM {Receipt._meta.db_table}
                WHERE status = %s AND queued_at IS NULL
                ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED
            )
            RETURNING id
            """,
            [Receipt.Status.PENDING, limit],
        )
        claimed = [row[0] for row in cursor.fetchall()]
    for pk in claimed:
        send_receipt.apply_async(args=[str(pk)])
    return len(claimed)


def receipt_resend(*, ctx: TenantContext, receipt_id: UUID | str) -> None:
    """Queues a receipt that has not gone out; a failed one gets one more attempt. A sent receipt stays
    sent: receipts go out at most once each."""
    receipts = Receipt.objects.for_tenant(ctx).filter(pk=receipt_id)
    receipts.filter(status=Receipt.Status.FAILED).update(
        status=Receipt.Status.PENDING, updated_at=timezone.now()
    )
    status = receipts.values_list("status", flat=True).first()
    if status is None:
        raise NotFound("receipt not found", field="receipt_id")
    if status != Receipt.Status.PENDING:
        raise Conflict(
            f"the receipt is {status}; only pending or failed receipts are sent", field="receipt_id"
        )
    enqueue_on_commit(send_receipt, str(receipt_id))
