from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone


@shared_task(acks_late=True)
def send_receipt(receipt_id: str) -> str:
    from payments.receipts import receipt_send

    return receipt_send(receipt_id)


@shared_task
def relay_receipts() -> int:
    from payments.receipts import receipts_relay

    return receipts_relay()


@shared_task
def sweep_side_effects() -> dict:
    """Re-queues receipts, link cancellations and invoice emails still pending a while after their commit.

    Their tasks were queued on commit; if the broker was down then, or a worker died, this is what
    delivers them. Each task is idempotent, so a re-queue of work already in flight does nothing twice.
    """
    from invoices.models import InvoiceNotice, PaymentLink
    from invoices.tasks import cancel_payment_link, send_invoice_notice
    from payments.models import Receipt

    cutoff = timezone.now() - timedelta(seconds=settings.SIDE_EFFECT_SWEEP_AFTER_SECONDS)
    receipts = list(
        Receipt.objects.unscoped()
        .filter(status=Receipt.Status.PENDING, updated_at__lt=cutoff)
        .values_list("pk", flat=True)[:1000]
    )
    links = list(
        PaymentLink.objects.unscoped()
        .filter(status=PaymentLink.Status.ACTIVE, cancel_requested_at__lt=cutoff)
        .values_list("pk", flat=True)[:1000]
    )
    notices = list(
        InvoiceNotice.objects.unscoped()
        .filter(status=InvoiceNotice.Status.PENDING, updated_at__lt=cutoff)
        .values_list("pk", flat=True)[:1000]
    )
    for pk in receipts:
        send_receipt.delay(str(pk))
    for pk in links:
        cancel_payment_link.delay(str(pk))
    for pk in notices:
        send_invoice_notice.delay(str(pk))
    return {"receipts": len(receipts), "links": len(links), "notices": len(notices)}
