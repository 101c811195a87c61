from django.db import models

from tenants.models import Entity, TenantOwned


class LedgerEvent(TenantOwned):
    """Append-only record of every ledger change, with the numbers before and after it. A database trigger
    refuses UPDATE and DELETE."""

    class Kind(models.TextChoices):
        PAYMENT_RECORDED = "payment_recorded"
        PAYMENT_CANCELED = "payment_canceled"
        APPLIED = "applied"
        AMOUNT_CHANGED = "amount_changed"
        UNAPPLIED = "unapplied"
        REFUNDED = "refunded"
        INVOICE_FINALIZED = "invoice_finalized"
        INVOICE_UPDATED = "invoice_updated"
        INVOICE_SENT = "invoice_sent"
        INVOICE_VOIDED = "invoice_voided"
        INVOICE_DELETED = "invoice_deleted"
        LINK_CANCEL_REQUESTED = "link_cancel_requested"

    id = models.BigAutoField(primary_key=True)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    actor = models.CharField(max_length=200)
    # Plain ids, not foreign keys: an event outlives an application that was removed.
    invoice_id = models.UUIDField(null=True, blank=True)
    payment_id = models.UUIDField(null=True, blank=True)
    invoice_payment_id = models.UUIDField(null=True, blank=True)
    refund_id = models.UUIDField(null=True, blank=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        ordering = ["id"]
        indexes = [
            models.Index(fields=["business", "invoice_id", "id"], name="event_invoice"),
            models.Index(fields=["business", "payment_id", "id"], name="event_payment"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor}"
